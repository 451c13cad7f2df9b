"""The pipeline into a real PostgreSQL warehouse: target-postgres, then every dbt mart there.

The test starts its own PostgreSQL 15 on a temporary directory and port, runs
``meltano run tap-twilio target-postgres dbt-postgres:build`` against the
emulator, and reconciles the marts with the emulator's truth exactly, as the
DuckDB test does; then again after the emulator's clock moves a day.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from switchboard import reconcile
from switchboard.pgserver import PostgresServer, find_bin_dir, temporary_postgres
from tests.pipeline import Pipeline

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    with temporary_postgres() as server:
        yield server


def postgres_env(server: PostgresServer) -> dict[str, str]:
    settings = {"HOST": server.host, "PORT": str(server.port), "USER": server.user,
                "DATABASE": server.database, "PASSWORD": ""}  # fmt: skip
    return {
        **{f"TARGET_POSTGRES_{k}": v for k, v in settings.items()},
        **{f"DBT_POSTGRES_{k}": v for k, v in settings.items()},
    }


def assert_reconciles(pipeline: Pipeline, server: PostgresServer) -> None:
    truth = pipeline.truth()  # in the pipeline's reporting timezone
    with psycopg.connect(server.dsn) as conn:
        problems = reconcile.differences(truth, reconcile.mart_summary(conn))
    assert problems == [], "\n".join(problems)


def run(pipeline: Pipeline, server: PostgresServer) -> None:
    result = pipeline.meltano(
        "run", "tap-twilio", "target-postgres", "dbt-postgres:build", env=postgres_env(server)
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def test_postgres_warehouse_reconciles_exactly(
    pipeline: Pipeline, postgres: PostgresServer
) -> None:
    run(pipeline, postgres)
    assert_reconciles(pipeline, postgres)
    with psycopg.connect(postgres.dsn) as conn:
        types = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_twilio' and table_name = 'messages'"
            ).fetchall()
        )
    assert types["price"] == "numeric", "prices must load exactly, not as floats"


def test_postgres_next_day_incremental(pipeline: Pipeline, postgres: PostgresServer) -> None:
    pipeline.emulator.advance("1d")
    run(pipeline, postgres)
    assert_reconciles(pipeline, postgres)
