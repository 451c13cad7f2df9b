"""Failure alerts: break a step on purpose, and an SMS (then a call) goes out through Twilio.

The job runner runs the real Meltano job against the emulator; the alert is sent
with the official ``twilio`` client to the same emulator, whose outbox shows what
was sent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard.alerts import Alerter, AlertSettings
from switchboard.emulated import EmulatorProcess, running_emulator
from switchboard.jobs import one_line_cause
from tests.pipeline import ROOT, Pipeline

pytestmark = pytest.mark.e2e
ON_CALL = "+14155550123"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """Little data: these tests run the whole job several times."""
    with running_emulator(days=3, messages_per_day=60, calls_per_day=15, customers=80) as emu:
        yield emu


def run_job(pipeline: Pipeline, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **pipeline.env(),
        "ALERT_TO": ON_CALL,
        "ALERT_FROM": pipeline.emulator.get("/_emulator/info")["accounts"][0]["numbers"][0],
        "ALERT_TWILIO_ACCOUNT_SID": pipeline.emulator.account_sid,
        "ALERT_TWILIO_AUTH_TOKEN": pipeline.emulator.auth_token,
        "ALERT_TWILIO_BASE_URL": pipeline.emulator.url,
        "ALERT_STATE_PATH": str(pipeline.workdir / "alerts.json"),
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "-m", "switchboard.jobs", "twilio-elt", "--environment", "dev"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def outbox(pipeline: Pipeline) -> list[dict]:
    return pipeline.emulator.get("/_emulator/outbox")["outbox"]


def test_broken_tap_sends_one_sms_with_the_cause(pipeline: Pipeline) -> None:
    result = run_job(pipeline, TAP_TWILIO_AUTH_TOKEN="a-wrong-token-123456")
    assert result.returncode == 1
    sent = outbox(pipeline)
    assert [(e["kind"], e["params"]["To"]) for e in sent] == [("message", ON_CALL)]
    body = sent[0]["params"]["Body"]
    assert body.startswith("[switchboard] twilio-elt (dev) failed at tap-twilio target-duckdb:")
    assert "Twilio rejected the credentials" in body
    assert "a-wrong-token-123456" not in body + result.stdout + result.stderr
    # Within the quiet period a second failure alerts nobody.
    again = run_job(pipeline, TAP_TWILIO_AUTH_TOKEN="a-wrong-token-123456")
    assert again.returncode == 1
    assert len(outbox(pipeline)) == 1
    assert "not sent: one was sent in the last 60 minutes" in again.stderr


def test_repeated_failures_also_place_a_call(pipeline: Pipeline) -> None:
    before = len(outbox(pipeline))
    for _ in range(2):
        run_job(
            pipeline,
            TAP_TWILIO_AUTH_TOKEN="a-wrong-token-123456",
            ALERT_QUIET_MINUTES="0",
            ALERT_CALL_AFTER_FAILURES="3",
            ALERT_STATE_PATH=str(pipeline.workdir / "alerts-calls.json"),
        )
    kinds = [e["kind"] for e in outbox(pipeline)[before:]]
    assert kinds == ["message", "message"]
    run_job(
        pipeline,
        TAP_TWILIO_AUTH_TOKEN="a-wrong-token-123456",
        ALERT_QUIET_MINUTES="0",
        ALERT_CALL_AFTER_FAILURES="3",
        ALERT_STATE_PATH=str(pipeline.workdir / "alerts-calls.json"),
    )
    third = outbox(pipeline)[before + 2 :]
    assert [e["kind"] for e in third] == ["message", "call"]
    assert "failed 3 times in a row" in third[1]["params"]["Twiml"]


def test_broken_dbt_step_is_named(pipeline: Pipeline) -> None:
    before = len(outbox(pipeline))
    result = run_job(
        pipeline,
        DBT_DUCKDB_TARGET="no_such_target",  # Meltano's name for the dbt target setting
        ALERT_STATE_PATH=str(pipeline.workdir / "alerts-dbt.json"),
    )
    assert result.returncode != 0
    sent = outbox(pipeline)[before:]
    assert len(sent) == 1
    assert "failed at dbt-duckdb:build:" in sent[0]["params"]["Body"]


def test_failed_alert_never_hides_the_pipeline_exit_code(pipeline: Pipeline) -> None:
    before = len(outbox(pipeline))
    result = run_job(
        pipeline,
        TAP_TWILIO_AUTH_TOKEN="a-wrong-token-123456",
        ALERT_TWILIO_BASE_URL="http://127.0.0.1:9",  # nothing listens there
        ALERT_STATE_PATH=str(pipeline.workdir / "alerts-down.json"),
    )
    assert result.returncode == 1
    assert "alert for twilio-elt (dev) not sent" in result.stderr
    assert len(outbox(pipeline)) == before


def test_successful_run_exits_zero_without_alert(pipeline: Pipeline) -> None:
    before = len(outbox(pipeline))
    result = run_job(pipeline)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(outbox(pipeline)) == before


@pytest.mark.parametrize(
    ("lines", "cause"),
    [
        (
            [
                "2026-11-27T00:29:06Z [error    ] tap-twilio   An unhandled error occurred",
                "2026-11-27T00:29:06Z [info     ] tap-twilio   tap-twilio: Twilio rejected it",
                "2026-11-27T00:29:06Z [error    ] meltano      Extractor failed",
                "2026-11-27T00:29:06Z [error    ] meltano      Block run completed",
            ],
            "tap-twilio: Twilio rejected it",
        ),
        (
            [
                "2026-11-27T00:29:06Z [info ] dbt-duckdb Database Error in model fct_calls (x.sql)",
                "2026-11-27T00:29:06Z [info ] dbt-duckdb   Binder Error: column y not found",
                "2026-11-27T00:29:06Z [info     ] dbt-duckdb   Done. PASS=3 WARN=0 ERROR=1",
            ],
            "dbt-duckdb: Database Error in model fct_calls (x.sql) "
            "Binder Error: column y not found",
        ),
        (
            [
                "2026-11-27T00:29:06Z [error    ] meltano      Loader failed",
                "2026-11-27T00:29:06Z [error    ] meltano      Block run completed",
            ],
            "meltano: Loader failed",
        ),
    ],
)
def test_one_line_cause(lines: list[str], cause: str) -> None:
    assert one_line_cause(lines) == cause


def test_development_alerts_never_leave_the_machine(tmp_path: Path) -> None:
    """Outside prod, with no Twilio base URL set on purpose, an alert goes to a local log."""
    env = {
        "ALERT_TO": ON_CALL,
        "ALERT_FROM": "+14155550100",
        "TAP_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TAP_TWILIO_AUTH_TOKEN": "x" * 32,
        "ALERT_STATE_PATH": str(tmp_path / "alerts.json"),
        "ALERT_LOG_PATH": str(tmp_path / "alerts.log"),
    }
    dev = AlertSettings.from_env(env, "dev")
    assert dev is not None
    assert dev.log_path == tmp_path / "alerts.log"
    sent = Alerter(dev).failed("twilio-elt (dev)", "tap-twilio target-duckdb", "boom")
    assert sent == [f"logged:{tmp_path / 'alerts.log'}"]
    assert (
        "twilio-elt (dev) failed at tap-twilio target-duckdb: boom"
        in (tmp_path / "alerts.log").read_text()
    )
    prod = AlertSettings.from_env(env, "prod")
    assert prod is not None
    assert prod.log_path is None  # prod sends through Twilio
    emulated = AlertSettings.from_env({**env, "ALERT_TWILIO_BASE_URL": "http://127.0.0.1:1"}, "dev")
    assert emulated is not None
    assert emulated.log_path is None  # a base URL set on purpose: the emulator, a proxy
