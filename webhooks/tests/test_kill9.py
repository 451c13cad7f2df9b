"""``kill -9`` under load loses no acknowledged event.

A receiver process is hammered from threads, each sending unique signed
callbacks and recording which ones were answered 200. It is killed with SIGKILL
mid-stream, restarted on the same store, and the store must hold every
acknowledged event. The unanswered ones are then re-sent with the same tokens
(as Twilio retries) and every event must end up stored exactly once.
"""

from __future__ import annotations

import http.client
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import TOKEN, message_params
from twilio_webhooks.testing import form_request, free_port, start_receiver

CYCLES = 3
THREADS = int(os.environ.get("TWILIO_WEBHOOKS_KILL_THREADS", "6"))
KILL_AFTER_ACKS = int(os.environ.get("TWILIO_WEBHOOKS_KILL_ACKS", "400"))  # per cycle


@dataclass
class Tally:
    acked: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # sent, connection died before the answer
    lock: threading.Lock = field(default_factory=threading.Lock)


def _send(receiver_url: str, token: str, conn: http.client.HTTPConnection) -> int:
    url = receiver_url + "/twilio/messages/status"
    body, headers = form_request(TOKEN, url, message_params(sid=f"SM{token}"), token=token)
    conn.request("POST", urlsplit(url).path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def hammer(receiver_url: str, prefix: str, tally: Tally, stop: threading.Event) -> None:
    """Send unique callbacks until the server dies (or ``stop``)."""
    netloc = urlsplit(receiver_url).netloc
    conn = http.client.HTTPConnection(netloc, timeout=30)
    n = 0
    while not stop.is_set():
        token = f"{prefix}-{n:06d}"
        n += 1
        try:
            status = _send(receiver_url, token, conn)
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.unanswered.add(token)
            return
        with tally.lock:
            if status == 200:
                tally.acked.add(token)
            else:
                tally.unanswered.add(token)


def run_kill_cycles(store_url: str, read_tokens, tmp_path: Path) -> list[dict]:
    """Hammer, kill -9, restart, check; CYCLES times. Returns one report per cycle."""
    port = free_port()
    all_acked: set[str] = set()
    all_unanswered: set[str] = set()
    reports = []
    for cycle in range(CYCLES):
        receiver = start_receiver(
            store_url=store_url, auth_tokens=[TOKEN], port=port, log_path=tmp_path / "receiver.log"
        )
        tally, stop = Tally(), threading.Event()
        threads = [
            threading.Thread(target=hammer, args=(receiver.url, f"c{cycle}t{i}", tally, stop))
            for i in range(THREADS)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(tally.acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
            time.sleep(0.005)
        receiver.kill()  # SIGKILL while all threads are mid-request
        for t in threads:
            t.join(timeout=60)
        stop.set()
        all_acked |= tally.acked
        all_unanswered |= tally.unanswered
        stored = read_tokens()
        lost = all_acked - stored
        reports.append(
            {
                "cycle": cycle,
                "acknowledged": len(tally.acked),
                "unanswered": len(tally.unanswered),
                "unanswered_but_stored": len(tally.unanswered & stored),
                "stored_total": len(stored),
                "lost": len(lost),
            }
        )
        assert not lost, f"cycle {cycle}: {len(lost)} acknowledged events lost"
    # Twilio retries what got no answer, with the same token: everything ends stored once.
    receiver = start_receiver(store_url=store_url, auth_tokens=[TOKEN], port=port)
    try:
        netloc = urlsplit(receiver.url).netloc
        conn = http.client.HTTPConnection(netloc, timeout=30)
        for token in sorted(all_unanswered):
            assert _send(receiver.url, token, conn) == 200
    finally:
        receiver.stop()
    stored = read_tokens()
    assert stored == all_acked | all_unanswered
    return reports


def test_kill_9_under_load_loses_no_acknowledged_event_sqlite(tmp_path: Path) -> None:
    store = tmp_path / "events.sqlite3"

    def read_tokens() -> set[str]:
        with sqlite3.connect(store) as db:
            rows = db.execute("select idempotency_token, count(*) from webhook_events group by 1")
            counts = dict(rows.fetchall())
        assert all(n == 1 for n in counts.values())
        return set(counts)

    reports = run_kill_cycles(f"sqlite:///{store}", read_tokens, tmp_path)
    print("\nkill -9 (SQLite):", reports)
    assert sum(r["acknowledged"] for r in reports) >= CYCLES * KILL_AFTER_ACKS


@pytest.mark.postgres
def test_kill_9_under_load_loses_no_acknowledged_event_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("drop table if exists webhook_events")

    def read_tokens() -> set[str]:
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute(
                "select idempotency_token, count(*) from webhook_events group by 1"
            ).fetchall()
        assert all(n == 1 for _, n in rows)
        return {token for token, _ in rows}

    reports = run_kill_cycles(postgres_url, read_tokens, tmp_path)
    print("\nkill -9 (PostgreSQL):", reports)
