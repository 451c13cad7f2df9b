"""Webhooks, end to end: emulator -> twilio-webhooks -> tap-twilio-webhooks -> DuckDB -> dbt.

The demo's flow, checked exactly: a full sync, then a day passes on the emulator
and its status changes arrive as signed webhooks; with no API sync the live
marts must match the emulator's truth at the new clock. Hand-made call events,
sent out of order, must come out in SequenceNumber order. A final full sync
must agree with the webhooks on every status.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from switchboard import reconcile, webhooks
from switchboard.emulated import EmulatorProcess
from tests.conftest import NOW
from tests.pipeline import LivePipeline
from twilio_webhooks.testing import form_request

pytestmark = pytest.mark.e2e

JOB = ("tap-twilio", "target-duckdb", "tap-twilio-webhooks", "target-duckdb", "dbt-duckdb:build")
WEBHOOKS_ONLY = ("tap-twilio-webhooks", "target-duckdb", "dbt-duckdb:build")
OTHER_ACCOUNT = "AC" + "e" * 32  # outside the emulator's truth: hand-made events only
SYNTHETIC_CALL = "CA" + "f" * 32


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePipeline]:
    workdir = tmp_path_factory.mktemp("live")
    with webhooks.emulator_with_receiver(workdir, NOW) as (emulator, receiver):
        yield LivePipeline(emulator=emulator, workdir=workdir, receiver=receiver)


def _send_call_events_out_of_order(emulator: EmulatorProcess, receiver_url: str) -> None:
    """A call's four progress events, the last one first, one of them retried (same token)."""
    url = receiver_url + "/twilio/calls/status"
    life = [
        ("initiated", "Fri, 20 Nov 2026 08:00:00 +0000"),
        ("ringing", "Fri, 20 Nov 2026 08:00:01 +0000"),
        ("in-progress", "Fri, 20 Nov 2026 08:00:07 +0000"),
        ("completed", "Fri, 20 Nov 2026 08:02:07 +0000"),
    ]
    token = emulator.account_auth_tokens[emulator.account_sid]
    for sequence in (3, 1, 0, 1, 2):
        status, stamp = life[sequence]
        params = {
            "AccountSid": OTHER_ACCOUNT,
            "CallSid": SYNTHETIC_CALL,
            "CallStatus": status,
            "SequenceNumber": str(sequence),
            "Timestamp": stamp,
        }
        body, headers = form_request(token, url, params, token=f"synthetic-{sequence}")
        assert requests.post(url, data=body, headers=headers, timeout=30).status_code == 200


def _store_count(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return db.execute("select count(*) from webhook_events").fetchone()[0]


def test_job_runs_with_an_empty_webhook_store(live: LivePipeline) -> None:
    live.run(*JOB)
    truth = live.truth()
    with live.connect() as conn:
        assert reconcile.differences(truth, reconcile.mart_summary(conn)) == []
        assert conn.execute("select count(*) from raw_twilio.webhook_events").fetchone() == (0,)
        # No webhooks yet: the live marts are the API's view.
        assert webhooks.differences(truth, {"truth": {}}, conn) == []
        ahead = "select count(*) from analytics.fct_message_current_status where is_ahead_of_api"
        assert conn.execute(ahead).fetchone() == (0,)


def test_a_day_of_webhooks_reconciles_without_an_api_sync(live: LivePipeline) -> None:
    assert live.receiver is not None
    live.emulator.advance("1d")
    report = live.emulator.webhooks(wait=100)
    assert (report["pending"], report["failed"]) == (0, 0)
    assert report["events_delivered"] > 800
    assert _store_count(live.receiver.store) == report["events_delivered"]
    _send_call_events_out_of_order(live.emulator, live.receiver.url)
    live.run(*WEBHOOKS_ONLY)
    truth = live.truth()
    with live.connect() as conn:
        assert webhooks.differences(truth, report, conn) == []
        # Every stored event reached the warehouse once.
        raw = conn.execute("select count(*), count(distinct seq) from raw_twilio.webhook_events")
        assert raw.fetchone() == (report["events_delivered"] + 4,) * 2
        timeline = conn.execute(
            "select step, sequence_number, status, seconds_since_previous, arrived_out_of_order, "
            "is_final from analytics.fct_call_progress_events where call_sid = ? order by step",
            [SYNTHETIC_CALL],
        ).fetchall()
    assert timeline == [
        (1, 0, "initiated", None, True, False),
        (2, 1, "ringing", 1, True, False),
        (3, 2, "in-progress", 6, True, False),
        (4, 3, "completed", 120, False, True),
    ]
    metrics = live.receiver.metrics()
    assert 'twilio_webhooks_duplicates_total{endpoint="call_status"} 1' in metrics


def test_next_full_sync_agrees_with_the_webhooks(live: LivePipeline) -> None:
    live.run(*JOB)
    truth = live.truth()
    with live.connect() as conn:
        assert reconcile.differences(truth, reconcile.mart_summary(conn)) == []
        assert webhooks.statuses_disagreeing(conn) == dict.fromkeys(
            webhooks.CURRENT_STATUS_MARTS, 0
        )
        behind = conn.execute(
            "select count(*) from analytics.fct_message_current_status "
            "where is_ahead_of_api and account_sid <> ?",
            [OTHER_ACCOUNT],
        ).fetchone()
        assert behind == (0,)
