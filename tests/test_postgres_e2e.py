"""The PostgreSQL warehouse, at parity with DuckDB: its jobs from meltano.yml, webhooks included.

The test starts its own PostgreSQL 15 on a temporary directory and port, and a webhook
receiver the emulator sends its webhooks to. It runs the ``twilio-elt-postgres`` job
through the alerting job runner (``tap-twilio target-postgres``, ``tap-twilio-webhooks
target-postgres``, ``dbt-postgres:build``) with the connection set once, as
TARGET_POSTGRES_*, and reconciles the marts with the emulator's truth exactly, as the
DuckDB test does; then a day later, after a day of webhooks, with the webhook marts
checked too; then the ``twilio-usage-refresh-postgres`` job. Meltano's own schedule list
must give each DuckDB schedule a PostgreSQL twin: same interval, same extractors. Last,
the live path (``switchboard.live --once --loader target-postgres --dbt dbt-postgres``)
takes hand-made signed callbacks into the same warehouse under its advisory lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from switchboard import meltano, reconcile, webhooks
from switchboard.emulated import EmulatorProcess, free_port, running_emulator
from switchboard.pgserver import PostgresServer, find_bin_dir, temporary_postgres
from tests.conftest import NOW
from tests.pipeline import ROOT, Pipeline
from twilio_webhooks.testing import form_request

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    with temporary_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("postgres-pipeline")


@pytest.fixture(scope="module")
def receiver_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def emulator(workdir: Path, receiver_port: int) -> Iterator[EmulatorProcess]:
    """conftest's world, sending its webhooks to the receiver."""
    with running_emulator(
        days=45,
        messages_per_day=200,
        calls_per_day=50,
        customers=600,
        now=NOW,
        extra_args=webhooks.emulator_args(f"http://127.0.0.1:{receiver_port}"),
        log_path=workdir / "emulator.log",
    ) as process:
        yield process


@pytest.fixture(scope="module")
def receiver(
    emulator: EmulatorProcess, workdir: Path, receiver_port: int
) -> Iterator[webhooks.ReceiverProcess]:
    with webhooks.running_receiver(
        store=workdir / "webhooks.sqlite3",
        auth_tokens=list(emulator.account_auth_tokens.values()),
        port=receiver_port,
        log_path=workdir / "receiver.log",
    ) as process:
        yield process


@pytest.fixture(scope="module")
def pipeline(
    emulator: EmulatorProcess, receiver: webhooks.ReceiverProcess, workdir: Path
) -> Pipeline:
    return Pipeline(emulator=emulator, workdir=workdir, extra_env=receiver.tap_env())


def postgres_env(server: PostgresServer) -> dict[str, str]:
    """The connection, once: dbt-postgres reads the loader's variables."""
    settings = {"HOST": server.host, "PORT": str(server.port), "USER": server.user,
                "DATABASE": server.database, "PASSWORD": ""}  # fmt: skip
    return {f"TARGET_POSTGRES_{k}": v for k, v in settings.items()}


def run_job(pipeline: Pipeline, server: PostgresServer, job: str) -> None:
    """``python -m switchboard.jobs <job>``, as cron or the Dagster asset runs it."""
    env = {**os.environ, **pipeline.env(), **postgres_env(server)}
    for name in [n for n in env if n.startswith("DBT_POSTGRES_")]:
        del env[name]
    result = subprocess.run(
        [sys.executable, "-m", "switchboard.jobs", job, "--environment", "dev"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    with (pipeline.workdir / "jobs.log").open("a") as log:
        log.write(result.stdout + result.stderr)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def assert_reconciles(pipeline: Pipeline, server: PostgresServer) -> dict:
    truth = pipeline.truth()  # in the pipeline's reporting timezone
    with psycopg.connect(server.dsn) as conn:
        problems = reconcile.differences(truth, reconcile.mart_summary(conn))
    assert problems == [], "\n".join(problems)
    return truth


def scalar(server: PostgresServer, sql: str) -> object:
    with psycopg.connect(server.dsn) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_postgres_warehouse_reconciles_exactly(
    pipeline: Pipeline, postgres: PostgresServer
) -> None:
    run_job(pipeline, postgres, "twilio-elt-postgres")
    assert_reconciles(pipeline, postgres)
    with psycopg.connect(postgres.dsn) as conn:
        types = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_twilio' and table_name = 'messages'"
            ).fetchall()
        )
    assert types["price"] == "numeric", "prices must load exactly, not as floats"
    # No webhook yet: the webhook step ran on an empty store.
    assert scalar(postgres, "select count(*) from staging.stg_twilio_webhooks__events") == 0


def test_postgres_next_day_with_webhooks(
    pipeline: Pipeline, postgres: PostgresServer, receiver: webhooks.ReceiverProcess
) -> None:
    pipeline.emulator.advance("1d")
    report = pipeline.emulator.webhooks(wait=100)
    assert (report["pending"], report["failed"]) == (0, 0)
    assert report["events_delivered"] > 500
    run_job(pipeline, postgres, "twilio-elt-postgres")
    truth = assert_reconciles(pipeline, postgres)
    # Every stored event reached the warehouse once, and the webhook marts agree with the
    # truth and with the API sync.
    raw = "select count(*) = count(distinct seq) and count(*) = {n} from raw_twilio.webhook_events"
    assert scalar(postgres, raw.format(n=report["events_delivered"])) is True
    with psycopg.connect(postgres.dsn) as conn:
        assert webhooks.differences(truth, report, conn) == []
        assert webhooks.statuses_disagreeing(conn) == dict.fromkeys(
            webhooks.CURRENT_STATUS_MARTS, 0
        )


def test_postgres_usage_refresh_job(pipeline: Pipeline, postgres: PostgresServer) -> None:
    before = scalar(postgres, "select count(*) from raw_twilio.usage_records")
    run_job(pipeline, postgres, "twilio-usage-refresh-postgres")
    assert scalar(postgres, "select count(*) from raw_twilio.usage_records") == before
    assert_reconciles(pipeline, postgres)


def test_postgres_schedules_mirror_duckdb() -> None:
    """Each DuckDB schedule has a PostgreSQL twin, as ``meltano schedule list`` reads them."""
    result = meltano.run(["schedule", "list", "--format=json"], capture=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = json.loads(result.stdout)["schedules"]["job"]
    schedules = {entry["name"]: entry for entry in listed}

    def shape(entry: dict, target: str, dbt: str) -> tuple[str, list[str]]:
        tasks = [
            task.replace(f" {target}", " <target>")
            .replace(dbt, "<dbt>")
            .replace(dbt.replace(":build", ":lock"), "<lock>")  # the writer lock, first
            for task in entry["job"]["tasks"]
            if task != "warehouse-snapshot:publish"  # DuckDB's dashboard snapshot
        ]
        return entry["cron_interval"], tasks

    duckdb = {n: e for n, e in schedules.items() if not n.endswith("-postgres")}
    assert set(duckdb) == {"twilio-hourly", "twilio-usage-daily"}
    for name, entry in duckdb.items():
        twin = schedules[f"{name}-postgres"]
        assert twin["job"]["name"] == f"{entry['job']['name']}-postgres"
        assert shape(twin, "target-postgres", "dbt-postgres:build") == shape(
            entry, "target-duckdb", "dbt-duckdb:build"
        )


def test_postgres_live_path_loads_webhooks_once(
    pipeline: Pipeline, postgres: PostgresServer, receiver: webhooks.ReceiverProcess
) -> None:
    """Signed status callbacks, then the live path catching up once (``--once``): every
    stored event in the warehouse once and timed once, each message at its latest status."""
    token = pipeline.emulator.auth_token
    url = receiver.url + "/twilio/messages/status"
    account = "AC" + "c" * 32  # outside the emulator's truth: hand-made events only
    for i in range(5):
        for status in ("sent", "delivered"):
            params = {"AccountSid": account, "MessageSid": f"SM{i:032x}",
                      "MessageStatus": status}  # fmt: skip
            body, headers = form_request(token, url, params)
            assert requests.post(url, data=body, headers=headers, timeout=30).ok
    # A status Twilio delivers twice is stored once.
    assert requests.post(url, data=body, headers=headers, timeout=30).ok
    stored = scalar_sqlite(receiver)
    env = {**os.environ, **meltano.MELTANO_ENV, **pipeline.env(), **postgres_env(postgres)}
    for name in [n for n in env if n.startswith("DBT_POSTGRES_")]:
        del env[name]
    result = subprocess.run(
        [sys.executable, "-m", "switchboard.live", "--environment", "dev", "--once",
         "--loader", "target-postgres", "--dbt", "dbt-postgres"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert f"live: 10 events visible (seq to {stored:,})" in result.stdout
    raw = "select count(*) = count(distinct seq) and count(*) = {n} from raw_twilio.webhook_events"
    assert scalar(postgres, raw.format(n=stored)) is True
    timed = (
        "select count(distinct event_seq) = {n} and max(event_seq) = {n} "
        "from analytics.fct_webhook_freshness"
    )
    assert scalar(postgres, timed.format(n=stored)) is True
    measured = (
        "select count(*) from analytics.fct_webhook_freshness where event_seq > {n} and is_measured"
    )
    assert scalar(postgres, measured.format(n=stored - 10)) == 10
    with psycopg.connect(postgres.dsn) as conn:
        latest = conn.execute(
            "select status, count(*) from analytics.fct_message_current_status "
            "where account_sid = %s group by 1",
            [account],
        ).fetchall()
    assert latest == [("delivered", 5)]


def scalar_sqlite(receiver: webhooks.ReceiverProcess) -> int:
    """The store's highest seq."""
    with sqlite3.connect(receiver.store) as db:
        return int(db.execute("select coalesce(max(seq), 0) from webhook_events").fetchone()[0])
