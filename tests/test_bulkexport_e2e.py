"""A backfill through BulkExport files with the real ``meltano run``: the marts equal the
truth exactly, as they do through the list API; and a backfill killed half way resumes.

The emulator's jobs finish at once (``--bulk-export-job-seconds 0``): its clock is
frozen, so jobs that take time would wait for a later run (the tap's tests cover that).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from switchboard.emulated import EmulatorProcess, running_emulator
from tests.conftest import NOW
from tests.pipeline import Pipeline, assert_reconciles, assert_staging_reconciles

pytestmark = pytest.mark.e2e

BULK = {"TAP_TWILIO_BACKFILL_METHOD": "bulk_export"}
RUN = ("tap-twilio", "target-duckdb", "dbt-duckdb:build")


@pytest.fixture
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One per test: each backfill has Twilio's 366 days of exports a UTC day to itself."""
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(
        days=45,
        messages_per_day=200,
        calls_per_day=50,
        customers=600,
        now=NOW,
        extra_args=("--bulk-export-job-seconds", "0"),
        log_path=log,
    ) as process:
        yield process


def files_served(emulator: EmulatorProcess) -> int:
    """Downloads from BulkExport's file store so far."""
    return emulator.get("/_emulator/requests")["by_api"].get("bulkexport-files", 0)


def set_faults(emulator: EmulatorProcess, plan: dict | None) -> None:
    url = f"{emulator.url}/_emulator/faults"
    if plan:
        response = requests.post(url, json=plan, timeout=30)
    else:
        response = requests.delete(url, timeout=30)
    response.raise_for_status()


def backfill_states(pipeline: Pipeline) -> list[dict]:
    """The tap's BulkExport plans in the state Meltano kept (its file backend: complete
    and partial state alike), one per stream and account."""
    plans: list[dict] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("bulk_export"), dict):
                plans.append(value["bulk_export"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in (pipeline.workdir / "state").rglob("*.json"):
        walk(json.loads(path.read_text()))
    return plans


def test_a_bulk_export_backfill_reconciles_exactly(
    emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pipeline = Pipeline(emulator, tmp_path_factory.mktemp("bulk"), extra_env=BULK)
    before = files_served(emulator)
    pipeline.run(*RUN)
    assert files_served(emulator) > before, "no export file was downloaded"
    truth = assert_reconciles(pipeline)
    assert_staging_reconciles(pipeline, truth, first_run=True)


def test_a_killed_bulk_export_backfill_resumes_and_reconciles(
    emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The credentials stop working mid-backfill (one request at a time, so always at the
    same request); the next run, from the state Meltano kept, finishes the backfill
    without reading again the days already written."""
    pipeline = Pipeline(
        emulator,
        tmp_path_factory.mktemp("bulk-killed"),
        extra_env={**BULK, "TAP_TWILIO_MAX_CONCURRENCY": "1"},
    )
    set_faults(emulator, {"revoke_after": KILL_AFTER_REQUESTS})
    try:
        failed = pipeline.meltano("run", *RUN)
    finally:
        set_faults(emulator, None)
    assert failed.returncode != 0
    plans = backfill_states(pipeline)
    assert any(p["done"] and p["done"] < p["last"] for p in plans), plans
    before = files_served(emulator)
    pipeline.run(*RUN)
    resumed = files_served(emulator) - before
    truth = assert_reconciles(pipeline)
    assert_staging_reconciles(pipeline, truth, first_run=True)
    assert resumed > 0


KILL_AFTER_REQUESTS = 720  # into the first account's days with messages (found by trying)
