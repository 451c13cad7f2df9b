"""The pipeline into a real PostgreSQL warehouse: target-postgres, then every dbt mart there.

The test starts its own PostgreSQL 15 on a temporary directory and port, runs
``meltano run tap-twilio target-postgres dbt-postgres:build`` against the
emulator, and reconciles the marts with the emulator's truth exactly, as the
DuckDB test does; then again after the emulator's clock moves a day. Then the live
path (``switchboard.live --loader target-postgres --dbt dbt-postgres``) takes signed
webhooks into the same warehouse, under its advisory writer lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
import requests

from switchboard import meltano, reconcile, webhooks
from switchboard.pgserver import PostgresServer, find_bin_dir, temporary_postgres
from tests.pipeline import ROOT, Pipeline
from twilio_webhooks.testing import form_request

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


def test_postgres_live_path_loads_webhooks_once(
    pipeline: Pipeline, postgres: PostgresServer
) -> None:
    """Signed status callbacks, then the live path catching up once (``--once``): every
    event in the warehouse once, timed once, each message at its latest status."""
    token = pipeline.emulator.auth_token
    with webhooks.running_receiver(
        store=pipeline.workdir / "pg-webhooks.sqlite3", auth_tokens=[token]
    ) as receiver:
        url = receiver.url + "/twilio/messages/status"
        account = "AC" + "c" * 32
        for i in range(5):
            for status in ("sent", "delivered"):
                params = {"AccountSid": account, "MessageSid": f"SM{i:032x}",
                          "MessageStatus": status}  # fmt: skip
                body, headers = form_request(token, url, params)
                assert requests.post(url, data=body, headers=headers, timeout=30).ok
        # A status repeated by Twilio (same event, delivered twice) is stored once.
        assert requests.post(url, data=body, headers=headers, timeout=30).ok
        env = {**os.environ, **meltano.MELTANO_ENV, **pipeline.env(), **postgres_env(postgres),
               **receiver.tap_env()}  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "switchboard.live", "--environment", "dev", "--once",
             "--loader", "target-postgres", "--dbt", "dbt-postgres"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "live: 10 events visible (seq to 10)" in result.stdout
    with psycopg.connect(postgres.dsn) as conn:
        raw = conn.execute("select count(*), count(distinct seq) from raw_twilio.webhook_events")
        assert raw.fetchone() == (10, 10)
        timed = conn.execute(
            "select count(*), count(distinct event_seq), bool_and(is_measured) "
            "from analytics.fct_webhook_freshness"
        ).fetchone()
        assert timed == (10, 10, True)
        latest = conn.execute(
            "select status, count(*) from analytics.fct_message_current_status "
            "where account_sid = %s group by 1",
            [account],
        ).fetchall()
        assert latest == [("delivered", 5)]
