"""A new user's own commands, exactly as they type them.

`meltano run tap-twilio target-duckdb dbt` with the project's default selection
(the streams the tap reads by default, nothing more), then dbt run by hand from
`transform/` with nothing but its own defaults and the warehouse path.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard.emulated import EmulatorProcess, running_emulator
from tests.conftest import NOW
from tests.pipeline import ROOT, Pipeline, assert_reconciles

# Off by default in the tap: one request per parent record, or Twilio's catalogs.
OFF_BY_DEFAULT = {
    "message_media", "call_events", "conversation_messages", "conversation_participants",
    "execution_steps", "available_phone_number_countries", "available_phone_numbers_local",
}  # fmt: skip


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(
        days=10, messages_per_day=80, calls_per_day=20, customers=150, now=NOW, log_path=log
    ) as process:
        yield process


@pytest.fixture(scope="module")
def users_run(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    pipeline = Pipeline(
        emulator=emulator,
        workdir=tmp_path_factory.mktemp("pipeline"),
        reporting_timezone="UTC",  # dbt's default, as the user's own dbt run below has it
        select_all=False,
    )
    pipeline.run("tap-twilio", "target-duckdb", "dbt")  # the words a user types
    return pipeline


def test_the_literal_command_builds_marts_equal_to_the_truth(users_run: Pipeline) -> None:
    assert_reconciles(users_run)


def test_meltano_reads_only_what_the_tap_selects_by_default(users_run: Pipeline) -> None:
    raw = {
        name
        for (name,) in users_run.query(
            "select table_name from information_schema.tables where table_schema = 'raw_twilio'"
        )
    }
    assert raw & OFF_BY_DEFAULT == set()
    assert {"accounts", "messages", "calls", "usage_records"} <= raw


def test_dbt_runs_from_transform_with_its_own_defaults(users_run: Pipeline, tmp_path: Path) -> None:
    """`cd transform && dbt build`: no Meltano, no DBT_* but the warehouse path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "MELTANO_"))}
    env |= {
        "DBT_DUCKDB_PATH": str(users_run.warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "HOME": str(tmp_path),  # no ~/.dbt/profiles.yml to fall back on
    }
    dbt = ROOT / ".venv" / "bin" / "dbt"
    result = subprocess.run(
        [str(dbt), "build", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=ROOT / "transform", env=env, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Completed successfully" in result.stdout
    assert_reconciles(users_run)
