"""At-least-once in, exactly-once stored: retries, replays, duplicate storms, out-of-order."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from pathlib import Path

from tests.conftest import (
    BASE,
    TOKEN,
    Harness,
    call_params,
    cloud_event,
    http_get,
    http_post,
    message_params,
)
from twilio_webhooks.events import identity
from twilio_webhooks.testing import form_request, json_request, running_receiver


def test_retries_with_the_same_token_are_stored_once(harness: Harness) -> None:
    for _ in range(5):
        r = harness.post_form("/twilio/messages/status", message_params(), token="tok-A")
        assert r.status_code == 200
    assert harness.count() == 1
    assert harness.metric('twilio_webhooks_duplicates_total{endpoint="message_status"}') == 4


def test_without_a_token_the_natural_key_deduplicates(harness: Harness) -> None:
    for _ in range(3):
        assert harness.post_form("/twilio/messages/status", message_params()).status_code == 200
        assert harness.post_form("/twilio/calls/status", call_params(sequence=1)).status_code == 200
    # Another status of the message, another SequenceNumber of the call: new events.
    assert (
        harness.post_form("/twilio/messages/status", message_params(status="read")).status_code
        == 200
    )
    assert harness.post_form("/twilio/calls/status", call_params(sequence=2)).status_code == 200
    keys = [r["dedupe_key"] for r in harness.rows()]
    assert keys == [
        f"message:SM{'a' * 32}:delivered",
        f"call:CA{'b' * 32}:ringing:1",
        f"message:SM{'a' * 32}:read",
        f"call:CA{'b' * 32}:ringing:2",
    ]


def test_a_replay_with_50_new_tokens_is_stored_once(harness: Harness) -> None:
    """The token is an unsigned header: one captured callback re-sent with 50 new tokens
    is the same event, stored once and counted 50 times as a duplicate."""
    url = "https://hooks.example.com/twilio/messages/status"
    body, headers = form_request(TOKEN, url, message_params(), token="captured")
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 200
    )
    for n in range(50):
        replayed = {**headers, "I-Twilio-Idempotency-Token": f"forged-{n}"}
        response = harness.client.post("/twilio/messages/status", content=body, headers=replayed)
        assert response.status_code == 200
    [row] = harness.rows()
    assert row["idempotency_token"] == "captured"  # the first delivery's, kept for tracing
    assert harness.metric('twilio_webhooks_stored_total{endpoint="message_status"}') == 1
    assert harness.metric('twilio_webhooks_duplicates_total{endpoint="message_status"}') == 50


def test_replays_with_new_tokens_are_duplicates_on_every_endpoint(harness: Harness) -> None:
    """Call progress, incoming messages and Event Streams: the token never makes a new event."""
    for n in range(5):
        token = f"forged-{n}"
        call = harness.post_form("/twilio/calls/status", call_params(sequence=2), token=token)
        assert call.status_code == 200
        incoming = harness.post_form("/twilio/messages/incoming", message_params(), token=token)
        assert incoming.status_code == 200
        body = json.dumps([cloud_event("EZ1")]).encode()
        url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", body)
        headers["I-Twilio-Idempotency-Token"] = token
        assert (
            harness.client.post(url[len(BASE) :], content=body, headers=headers).status_code == 200
        )
    assert harness.count() == 3
    for endpoint in ("call_status", "incoming_message", "event_stream"):
        assert harness.metric(f'twilio_webhooks_duplicates_total{{endpoint="{endpoint}"}}') == 4


def test_a_token_copied_onto_another_callback_cannot_hide_it(harness: Harness) -> None:
    """A token agrees or is ignored: two different signed callbacks are two events, even
    when the second carries the first one's token."""
    assert (
        harness.post_form(
            "/twilio/messages/status", message_params(status="sent"), token="t1"
        ).status_code
        == 200
    )
    assert (
        harness.post_form("/twilio/messages/status", message_params(), token="t1").status_code
        == 200
    )
    assert [r["status"] for r in harness.rows()] == ["sent", "delivered"]


def test_distinct_receipts_of_one_status_are_not_merged(harness: Harness) -> None:
    """Two delivery receipts for one message and status (a carrier's second DLR, another
    error code, a channel's own event) are distinct signed facts: each is kept."""
    sends = [
        message_params(status="delivered", RawDlrDoneDate="2303222338"),
        message_params(status="delivered", RawDlrDoneDate="2303222341"),
        message_params(status="undelivered", ErrorCode="30003"),
        message_params(status="undelivered", ErrorCode="30005"),
        message_params(status="read", EventType="READ"),
        message_params(status="read"),
    ]
    for params in sends * 2:  # and each one retried: stored once
        assert harness.post_form("/twilio/messages/status", params).status_code == 200
    sid = "SM" + "a" * 32
    assert [r["dedupe_key"] for r in harness.rows()] == [
        f"message:{sid}:delivered:RawDlrDoneDate=2303222338",
        f"message:{sid}:delivered:RawDlrDoneDate=2303222341",
        f"message:{sid}:undelivered:ErrorCode=30003",
        f"message:{sid}:undelivered:ErrorCode=30005",
        f"message:{sid}:read:EventType=READ",
        f"message:{sid}:read",
    ]


def test_identity_parts_cannot_run_into_each_other() -> None:
    assert identity("message", "SM1:sent", "x") != identity("message", "SM1", "sent:x")
    assert identity("message", "SM1", "sent") == "message:SM1:sent"
    assert identity("call", "CA1", "ringing", "") == "call:CA1:ringing:"


def test_event_streams_deduplicate_per_cloud_event_id(harness: Harness) -> None:
    assert harness.post_events([cloud_event("EZ1"), cloud_event("EZ2")]).status_code == 200
    # Redelivered batch that overlaps, plus a duplicate inside the batch itself.
    assert (
        harness.post_events(
            [cloud_event("EZ2"), cloud_event("EZ3"), cloud_event("EZ3")]
        ).status_code
        == 200
    )
    assert [r["dedupe_key"] for r in harness.rows()] == ["event:EZ1", "event:EZ2", "event:EZ3"]
    assert harness.metric('twilio_webhooks_duplicates_total{endpoint="event_stream"}') == 2


def test_replayed_request_is_a_duplicate_not_a_new_event(harness: Harness) -> None:
    """A captured, validly signed request replayed later changes nothing."""
    body, headers = form_request(
        TOKEN, "https://hooks.example.com/twilio/messages/status", message_params(), token="x"
    )
    for _ in range(10):
        assert (
            harness.client.post(
                "/twilio/messages/status", content=body, headers=headers
            ).status_code
            == 200
        )
    assert harness.count() == 1


def test_out_of_order_call_events_are_all_kept_with_their_sequence(harness: Harness) -> None:
    life = ["initiated", "ringing", "in-progress", "completed"]
    order = [3, 0, 2, 1]  # completed arrives first
    for i in order:
        r = harness.post_form("/twilio/calls/status", call_params(status=life[i], sequence=i))
        assert r.status_code == 200
    rows = harness.rows()
    assert [r["sequence_number"] for r in rows] == order  # stored in arrival order
    timeline = sorted(rows, key=lambda r: r["sequence_number"])
    assert [r["status"] for r in timeline] == life


def test_duplicate_storm_against_a_real_server(tmp_path: Path) -> None:
    """8 threads send the same 60 callbacks (each 8 times, shuffled) to one receiver process."""
    store = tmp_path / "storm.sqlite3"
    with running_receiver(store_url=f"sqlite:///{store}", auth_tokens=[TOKEN]) as receiver:
        requests = []
        for i in range(30):
            url = receiver.url + "/twilio/messages/status"
            requests.append(
                (url, *form_request(TOKEN, url, message_params(sid=f"SM{i:032d}"), token=f"m{i}"))
            )
            url = receiver.url + "/twilio/calls/status"
            requests.append(
                (url, *form_request(TOKEN, url, call_params(sid=f"CA{i:032d}", sequence=i % 4)))
            )
        statuses: list[int] = []
        lock = threading.Lock()

        def storm(seed: int) -> None:
            mine = list(requests)
            random.Random(seed).shuffle(mine)
            for url, body, headers in mine:
                status, _ = http_post(url, body, headers)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=storm, args=(seed,)) for seed in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        metrics = http_get(receiver.url + "/metrics")[1]
    assert statuses == [200] * 480
    with sqlite3.connect(store) as db:
        assert db.execute(
            "select count(*), count(distinct dedupe_key) from webhook_events"
        ).fetchone() == (60, 60)
    assert 'twilio_webhooks_duplicates_total{endpoint="message_status"} 210' in metrics
    assert 'twilio_webhooks_duplicates_total{endpoint="call_status"} 210' in metrics
