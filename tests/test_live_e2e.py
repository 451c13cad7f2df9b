"""The live path, end to end: webhook events trigger runs that keep the live marts exact.

Emulator -> signed webhooks -> twilio-webhooks -> ``python -m switchboard.live`` (the
webhook tap, the loader, ``dbt build --select stg_twilio_webhooks__events+``, the
snapshot) with no scheduled run; then the same while ``meltano run twilio-elt`` runs
beside it. Each time the live marts must match the emulator's truth, every stored event
must be in the warehouse once and timed once (``fct_webhook_freshness``), the live path
must never report a failure and the job must succeed. The real-time alert rules see
hand-made signed callbacks (an error 30007 burst from one number) and alert once.

No time is asserted: the waits below are bounds after which a test fails as stuck.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from switchboard import live as live_path_module
from switchboard import reconcile, webhooks
from switchboard.emulated import EmulatorProcess
from tests.conftest import NOW
from tests.pipeline import LivePipeline
from twilio_webhooks.testing import form_request

pytestmark = pytest.mark.e2e

STUCK_SECONDS = 900  # a bound for a stuck test, not a speed goal (bench/live_freshness.py)
OTHER_ACCOUNT = "AC" + "d" * 32  # outside the emulator's truth: hand-made events only
ALERT_NUMBER = "+15005550123"  # the hand-made messages' sender
FILTERED = 12  # hand-made messages filtered by the carrier (30007)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePipeline]:
    workdir = tmp_path_factory.mktemp("live-path")
    with webhooks.emulator_with_receiver(workdir, NOW) as (emulator, receiver):
        pipeline = LivePipeline(
            emulator=emulator,
            workdir=workdir,
            receiver=receiver,
            extra_env={
                "ALERT_TO": "+15005550999",
                "ALERT_FROM": "+15005550998",
                "ALERT_LOG_PATH": str(workdir / "alerts.log"),
                "ALERT_STATE_PATH": str(workdir / "alerts.json"),
                "ALERT_LIVE_ERROR_BURSTS": f"30007={FILTERED}",
                "ALERT_LIVE_DELIVERY_RATE_BELOW": "0.5",
                "ALERT_LIVE_MIN_MESSAGES": str(FILTERED),
            },
        )
        pipeline.run("twilio-elt")  # the scheduled job, once, with an empty store
        yield pipeline


@contextlib.contextmanager
def live_path(pipeline: LivePipeline, name: str) -> Iterator[Path]:
    """``python -m switchboard.live`` as a daemon; yields its log. It must exit cleanly."""
    log = pipeline.workdir / f"live-{name}.log"
    # No Twilio base URL: in dev its alerts go to the alert log, not the emulator's API
    # (an SMS created there would join the truth the marts are checked against).
    env = {**pipeline.env(), "TAP_TWILIO_BASE_URL": "", "ALERT_TWILIO_BASE_URL": ""}
    with live_path_module.running(
        env, log, after_events=200, after_seconds=1,
        dbt_log=pipeline.workdir / f"dbt-live-{name}.log",
    ) as process:  # fmt: skip
        try:
            live_path_module.wait_ready(log, process, timeout=STUCK_SECONDS)
        except live_path_module.LiveError as exc:
            pytest.fail(f"{exc}:\n{log.read_text()[-3000:]}")
        yield log
        assert pipeline.receiver is not None
        try:
            live_path_module.wait_published(
                pipeline.receiver.store_url,
                pipeline.warehouse.with_suffix(".snapshot.duckdb"),
                process,
                timeout=STUCK_SECONDS,
            )
        except live_path_module.LiveError as exc:
            pytest.fail(f"{exc}:\n{log.read_text()[-3000:]}")
    assert process.returncode == 0, log.read_text()[-3000:]


def store_head(pipeline: LivePipeline) -> int:
    assert pipeline.receiver is not None
    with contextlib.closing(sqlite3.connect(pipeline.receiver.store)) as db:
        return int(db.execute("select coalesce(max(seq), 0) from webhook_events").fetchone()[0])


def send_filtered_messages(emulator: EmulatorProcess, receiver_url: str) -> None:
    """Signed status callbacks, as Twilio sends them: messages from one number, each
    sent then undelivered with 30007 (carrier filtering)."""
    url = receiver_url + "/twilio/messages/status"
    token = emulator.account_auth_tokens[emulator.account_sid]
    for i in range(FILTERED):
        sid = f"SM{i:032x}"
        for status in ("sent", "undelivered"):
            params = {
                "AccountSid": OTHER_ACCOUNT,
                "MessageSid": sid,
                "MessageStatus": status,
                "From": ALERT_NUMBER,
                "To": f"+44770090{i:04d}",
                **({"ErrorCode": "30007"} if status == "undelivered" else {}),
            }
            body, headers = form_request(token, url, params)
            response = requests.post(url, data=body, headers=headers, timeout=30)
            assert response.status_code == 200


def assert_exact(pipeline: LivePipeline, report: dict, *, with_api: bool) -> None:
    """The live marts against the truth; every stored event in the warehouse once, timed once."""
    truth = pipeline.truth()
    stored = store_head(pipeline)
    with pipeline.connect() as conn:
        assert webhooks.differences(truth, report, conn) == []
        if with_api:
            assert reconcile.differences(truth, reconcile.mart_summary(conn)) == []
        raw = conn.execute("select count(*), count(distinct seq) from raw_twilio.webhook_events")
        assert raw.fetchone() == (stored, stored)
        timed = conn.execute(
            "select count(*), count(distinct event_seq), count(freshness_seconds), "
            "max(event_seq) from analytics.fct_webhook_freshness"
        ).fetchone()
        assert timed == (stored, stored, stored, stored)
        doubled = conn.execute(
            "select count(*) - count(distinct message_sid) "
            "from analytics.fct_message_current_status"
        ).fetchone()
        assert doubled == (0,)


def test_events_trigger_the_live_path_without_a_scheduled_run(live: LivePipeline) -> None:
    assert live.receiver is not None
    with live_path(live, "alone") as log:
        live.emulator.advance("1d")
        report = live.emulator.webhooks(wait=300)
        assert (report["pending"], report["failed"]) == (0, 0)
        assert report["events_delivered"] > 300
        send_filtered_messages(live.emulator, live.receiver.url)
    lines = log.read_text().splitlines()
    assert not [line for line in lines if line.startswith("live: failed")]
    assert [line for line in lines if " events visible " in line]  # runs the events triggered
    assert_exact(live, report, with_api=False)
    with live.connect() as conn:
        measured = conn.execute(
            "select count(*) from analytics.fct_webhook_freshness where is_measured"
        ).fetchone()
        assert measured == (store_head(live),)  # every event timed, by a live run
    # The rules saw the burst and the number's delivery rate; each alerted once.
    alerts = (live.workdir / "alerts.log").read_text().splitlines()
    assert len([a for a in alerts if "error 30007 (Message filtered by the carrier" in a]) == 1
    assert len([a for a in alerts if f"delivery from {ALERT_NUMBER} fell to 0.0%" in a]) == 1
    # What the live path printed or wrote holds no secret (it held every one in its env).
    written = [log, live.workdir / "dbt-live-alone.log", live.workdir / "alerts.log"]
    for token in live.emulator.account_auth_tokens.values():
        for path in written:
            assert token not in path.read_text(), path


def test_the_scheduled_job_and_the_live_path_never_fail_each_other(live: LivePipeline) -> None:
    job: dict[str, subprocess.CompletedProcess[str]] = {}
    with live_path(live, "beside-the-job") as log:
        live.emulator.advance("1d")  # webhooks start flowing, the live path runs
        thread = threading.Thread(
            target=lambda: job.setdefault("run", live.meltano("run", "twilio-elt"))
        )
        thread.start()
        report = live.emulator.webhooks(wait=300)
        thread.join()
        assert (report["pending"], report["failed"]) == (0, 0)
    result = job["run"]
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    lines = log.read_text().splitlines()
    assert not [line for line in lines if line.startswith("live: failed")]
    # The events made it run (whether the job or the live path loaded them first).
    assert [line for line in lines if " events visible " in line or "nothing new" in line]
    assert_exact(live, report, with_api=True)
