"""The real pipeline under each place Twilio's Messages list may put undated messages.

Twilio documents the list as "newest first by DateSent" and says nothing of messages
without one (scheduled, queued, canceled, failed before sending). The main e2e suite
runs with them last (the emulator's default); here the two other orders, on a smaller
world, with every other real-world behaviour on: a first run, then two days later
(scheduled messages sent or canceled meanwhile) an incremental one. Both times the
marts equal the truth, scheduled and canceled messages included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from switchboard.emulated import EmulatorProcess, running_emulator
from tests.conftest import NOW
from tests.pipeline import Pipeline, assert_reconciles

OTHER_ORDERS = ("nulls-first", "date-created")  # nulls-last: tests/test_pipeline_e2e.py


@pytest.fixture(scope="module", params=OTHER_ORDERS)
def ordered(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(
        days=20,
        messages_per_day=120,
        calls_per_day=20,
        customers=300,
        now=NOW,
        extra_args=("--undated-order", request.param),
        log_path=log,
    ) as process:
        yield process


def test_the_marts_reconcile_under_each_undated_order(
    ordered: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pipeline = Pipeline(emulator=ordered, workdir=tmp_path_factory.mktemp("pipeline"))
    pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    truth = assert_reconciles(pipeline)
    statuses = sum(
        (Counter(a["messages"]["by_status"]) for a in truth["accounts"].values()), Counter()
    )
    assert statuses["scheduled"] > 0
    assert statuses["canceled"] > 0
    ordered.advance("2d")
    pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    assert_reconciles(pipeline)
    scheduled = pipeline.query(
        "select count(*) from analytics.fct_messages where status = 'scheduled'"
    )[0][0]
    assert scheduled == sum(
        a["messages"]["by_status"].get("scheduled", 0)
        for a in pipeline.truth()["accounts"].values()
    )
