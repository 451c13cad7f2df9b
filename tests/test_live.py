"""The live path's parts without Meltano: debounce, single flight, failures, alert rules.

A fake runner stands in for the webhook tap, the loader and dbt; the store is a real
SQLite store written as the receiver writes it. No time is asserted.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from switchboard.live import Debounce, LiveError, LivePlan, LiveRunner, Plugin, RunReport, serve
from switchboard.live_alerts import LiveRules, breaches
from switchboard.warehouse_lock import FileLock
from twilio_webhooks.events import Event
from twilio_webhooks.store import open_backend

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)


def _event(key: str) -> Event:
    return Event(
        dedupe_key=key,
        kind="message_status",
        account_sid="AC" + "a" * 32,
        resource_sid="SM" + key.rjust(32, "0"),
        status="delivered",
        sequence_number=None,
        event_type=None,
        error_code=None,
        occurred_at=None,
        received_at="2026-12-06T12:00:00+00:00",
        idempotency_token=None,
        payload="{}",
    )


def test_debounce_is_n_events_or_t_seconds_whichever_first() -> None:
    debounce = Debounce(after_events=10, after_seconds=2.0)
    assert not debounce.due(0, None, 100.0)  # nothing waits
    assert not debounce.due(9, 100.0, 101.0)  # neither yet
    assert debounce.due(10, 100.0, 100.0)  # N events
    assert debounce.due(1, 100.0, 102.0)  # T seconds for the oldest


@dataclass
class Plan:
    store_url: str
    environment: str = "test"
    base_env: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeRunner:
    """Loads whatever the store holds; more events may arrive during a run."""

    plan: Plan
    store: object
    arrive_during_run: list[list[str]] = field(default_factory=list)
    fail_first: int = 0
    runs: list[int] = field(default_factory=list)  # the store's head at each run
    active: int = 0

    def run_once(self) -> RunReport:
        self.active += 1
        assert self.active == 1, "two runs at once"
        try:
            if self.fail_first:
                self.fail_first -= 1
                raise LiveError("dbt-duckdb: build", "dbt: model x: boom")
            head = self.store.last_seq()  # type: ignore[attr-defined]
            self.runs.append(head)
            if self.arrive_during_run:
                self.store.write([_event(k) for k in self.arrive_during_run.pop(0)])  # type: ignore[attr-defined]
            done = head - (self.runs[-2] if len(self.runs) > 1 else 0)
            return RunReport(head, head, done, {"total": 0.0})
        finally:
            self.active -= 1


@pytest.fixture
def store(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'webhooks.sqlite3'}"
    backend = open_backend(url)
    yield url, backend
    backend.close()


def test_events_arriving_during_a_run_are_folded_into_the_next(store) -> None:
    url, backend = store
    backend.write([_event("a"), _event("b")])
    runner = FakeRunner(Plan(url), backend, arrive_during_run=[["c", "d", "e"]])
    out = io.StringIO()
    code = serve(
        runner,  # type: ignore[arg-type]
        Debounce(after_events=1, after_seconds=3600),
        stop=threading.Event(),
        poll_seconds=0.01,
        out=out,
        until_caught_up=True,
    )
    assert code == 0
    # One run for what was there, one for the three that came during it; never two at once.
    assert runner.runs == [2, 5]


def test_a_failed_run_is_reported_in_one_line_and_alerted(store) -> None:
    url, backend = store
    backend.write([_event("a")])
    runner = FakeRunner(Plan(url, base_env={"TOKEN": "s3cret"}), backend, fail_first=1)
    alerts: list[tuple[str, str, str]] = []

    class Alerter:
        def failed(self, job: str, step: str, cause: str) -> list[str]:
            alerts.append((job, step, cause))
            return []

    out = io.StringIO()
    code = serve(
        runner,  # type: ignore[arg-type]
        Debounce(),
        stop=threading.Event(),
        alerter=Alerter(),  # type: ignore[arg-type]
        out=out,
        until_caught_up=True,
    )
    assert code == 1
    assert out.getvalue().splitlines() == [
        "live: ready",
        "live: failed at dbt-duckdb: build: dbt: model x: boom (again in 5 s)",
    ]
    assert alerts == [("live path (test)", "dbt-duckdb: build", "dbt: model x: boom")]


def test_rules_from_the_environment() -> None:
    assert LiveRules.from_env({}) is None
    rules = LiveRules.from_env(
        {
            "ALERT_LIVE_DELIVERY_RATE_BELOW": "0.9",
            "ALERT_LIVE_ERROR_BURSTS": "30007=10, 30003=25",
            "ALERT_LIVE_WINDOW_MINUTES": "5",
        }
    )
    assert rules == LiveRules(5, Decimal("0.9"), 20, {30007: 10, 30003: 25})
    with pytest.raises(ValueError, match="code=count"):
        LiveRules.from_env({"ALERT_LIVE_ERROR_BURSTS": "30007"})
    with pytest.raises(ValueError, match="at most 1"):
        LiveRules.from_env({"ALERT_LIVE_DELIVERY_RATE_BELOW": "90"})


def test_breaches_count_only_the_window() -> None:
    conn = duckdb.connect()
    conn.execute("create schema analytics")
    conn.execute(
        "create table analytics.fct_message_webhook_outcomes (message_sid varchar, "
        "our_phone varchar, customer_country varchar, delivery_outcome varchar, "
        "error_code integer, error_meaning varchar, received_at timestamp)"
    )
    recent = (NOW - dt.timedelta(minutes=1)).replace(tzinfo=None)
    old = (NOW - dt.timedelta(hours=1)).replace(tzinfo=None)
    rows = [(f"SM{i}", "+14155550100", "US", "delivered", None, None, recent) for i in range(6)]
    rows += [
        (f"SMu{i}", "+14155550100", "GB", "undelivered", 30007, "Message filtered", recent)
        for i in range(4)
    ]
    rows += [(f"SMo{i}", "+14155550100", "GB", "undelivered", 30007, None, old) for i in range(50)]
    conn.executemany(
        "insert into analytics.fct_message_webhook_outcomes values (?, ?, ?, ?, ?, ?, ?)", rows
    )
    rules = LiveRules(15, Decimal("0.7"), 4, {30007: 4, 30003: 1})
    found = breaches(conn, rules, NOW)
    assert [b.key for b in found] == [
        "live delivery rate country GB",
        "live delivery rate number +14155550100",
        "live error burst 30007",
    ]
    assert found[1].text == (
        "live: delivery from +14155550100 fell to 60.0% (6 of 10 messages) "
        "in the last 15 minutes (alert below 70%)"
    )
    assert found[2].text == (
        "live: error 30007 (Message filtered) came back 4 times in the last 15 minutes (alert at 4)"
    )


def test_a_job_holding_the_warehouse_past_the_wait_is_one_line(store, tmp_path: Path) -> None:
    """The live path waits for the lock at most --lock-wait, then says who holds it."""
    url, backend = store
    backend.write([_event("a")])
    warehouse = tmp_path / "warehouse.duckdb"
    job = FileLock(warehouse)
    job.acquire(1, "meltano run twilio-elt (pid 4242)")
    try:
        nowhere = tmp_path / "not-installed"
        plan = LivePlan(
            environment="test",
            tap=Plugin("tap-twilio-webhooks", nowhere, {"TAP_TWILIO_WEBHOOKS_STORE_URL": url}),
            loader=Plugin("target-duckdb", nowhere, {}),
            dbt=Plugin("dbt-duckdb", nowhere, {"DBT_DUCKDB_PATH": str(warehouse)}),
            snapshot=None,
            base_env={},
        )
        runner = LiveRunner(plan, lock_wait=0.1)
        out = io.StringIO()
        code = serve(runner, Debounce(), stop=threading.Event(), out=out, until_caught_up=True)
    finally:
        job.release()
    assert code == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("live: warm-up failed: warehouse busy: ")
    assert lines[1].startswith(f"live: failed at warehouse lock: warehouse busy: {warehouse}")
    assert "held by meltano run twilio-elt (pid 4242) for " in lines[1]
    assert lines[1].endswith("(--lock-wait) (again in 5 s)")
