"""Incremental reads: per-account bookmarks, whole-day windows, nothing skipped or doubled."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from tap_twilio import windows
from tap_twilio.statuses import FINAL_CALL_STATUSES
from tap_twilio.streams.api2010 import CallsStream, MessagesStream
from tap_twilio.streams.base import load_schema
from tap_twilio.values import convert, converters_for
from tests.emulated import served_config
from tests.helpers import days_by_windows, run_tap, run_tap_logged
from twilio_emulator import testing
from twilio_emulator.emulator import EmulatorConfig

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def emulator() -> Iterator[testing.ServedEmulator]:
    """A private emulator: these tests move its clock."""
    config = EmulatorConfig(
        seed=11,
        days=10,
        messages_per_day=60,
        calls_per_day=15,
        customers=100,
        now=int(NOW.timestamp()),
        auth_token="incremental-token-0123456789abcdef",
    )
    with testing.serve(config) as served:
        yield served


def config_for(served: testing.ServedEmulator, **overrides: object) -> dict:
    return served_config(served, **{"start_date": "2026-11-01", "lookback_days": 2, **overrides})


def truth(served: testing.ServedEmulator) -> dict:
    return requests.get(f"{served.url}/_emulator/truth", timeout=30).json()


def active_accounts(served: testing.ServedEmulator) -> list[str]:
    """Accounts whose resources Twilio serves (closed ones answer 404, suspended ones 403)."""
    return [sid for sid, account in truth(served)["accounts"].items() if account["readable"]]


def truth_total(served: testing.ServedEmulator, kind: str) -> int:
    return sum(account[kind]["total"] for account in truth(served)["accounts"].values())


def served_now(served: testing.ServedEmulator, record: dict) -> dict | None:
    """The message as Twilio serves it now (None once deleted), converted as the tap does."""
    url = f"{served.url}/2010-04-01/Accounts/{record['account_sid']}/Messages/{record['sid']}.json"
    for _ in range(3):  # Twilio's edge answers a few 401s and 404s transiently
        response = requests.get(url, auth=(served.account_sid, served.auth_token), timeout=30)
        if response.status_code not in (401, 404):
            break
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return convert(response.json(), MESSAGE_VALUES)


MESSAGE_VALUES = converters_for(load_schema("messages"))


def state_of(record: dict) -> tuple:
    price = record["price"]
    return (record["status"], None if price is None else Decimal(str(price)), record["date_sent"])


def dated(records: list[dict], field: str = "date_sent") -> list[str]:
    return [r[field] for r in records if r[field] is not None]


def test_every_record_exactly_once_per_run(emulator: testing.ServedEmulator) -> None:
    result = run_tap(config_for(emulator), streams={"messages", "calls"})
    for stream, kind in (("messages", "messages"), ("calls", "calls")):
        sids = Counter(record["sid"] for record in result.records[stream])
        assert max(sids.values()) == 1, f"{stream} emitted a record twice"
        assert len(sids) == truth_total(emulator, kind)


def test_bookmarks_are_per_account(emulator: testing.ServedEmulator) -> None:
    result = run_tap(config_for(emulator), streams={"messages"})
    accounts = active_accounts(emulator)
    bookmarks = {sid: result.bookmark("messages", sid) for sid in accounts}
    assert all(bookmarks.values()), bookmarks
    for sid, bookmark in bookmarks.items():
        mine = dated([r for r in result.records["messages"] if r["account_sid"] == sid])
        newest, oldest = max(mine), min(mine)
        # Newest-first within the last day: the bookmark sits inside the newest day.
        assert newest[:10] == bookmark[:10]
        assert oldest < bookmark <= newest


def test_next_run_rereads_only_the_lookback(emulator: testing.ServedEmulator) -> None:
    first = run_tap(config_for(emulator), streams={"messages"})
    emulator.emulator.clock.advance(3600)
    second = run_tap(config_for(emulator), state=first.final_state, streams={"messages"})
    oldest = min(dated(second.records["messages"]))
    newest_bookmark = max(first.bookmark("messages", sid) for sid in active_accounts(emulator))
    floor = dt.date.fromisoformat(newest_bookmark[:10]) - dt.timedelta(days=2)
    assert oldest[:10] >= floor.isoformat()
    assert len(second.records["messages"]) < len(first.records["messages"])
    # And the union of both runs is still every message the emulator has.
    sids = {r["sid"] for r in first.records["messages"] + second.records["messages"]}
    assert len(sids) == truth_total(emulator, "messages")


def test_late_status_and_price_changes_are_picked_up(emulator: testing.ServedEmulator) -> None:
    """Whatever changed since the first read (priced, sent, delivered, canceled) is read again."""
    first = run_tap(config_for(emulator), streams={"messages"})
    unsettled = [r for r in first.records["messages"] if r["price"] is None]
    assert unsettled, "the emulator should have recent messages not priced yet"
    emulator.emulator.clock.advance(86_400)
    second = run_tap(config_for(emulator), state=first.final_state, streams={"messages"})
    latest = {r["sid"]: r for r in second.records["messages"]}
    changed = 0
    for record in unsettled:
        now = served_now(emulator, record)
        if now is None or state_of(now) == state_of(record):
            continue  # deleted, or nothing to pick up
        changed += 1
        seen = latest.get(record["sid"])
        assert seen is not None, f"{record['sid']} changed and was not read again"
        assert state_of(seen) == state_of(now)
    assert changed > 0


def test_interrupted_run_resumes_without_gaps(
    emulator: testing.ServedEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop after any checkpoint: what was written before it plus the next run is everything."""
    monkeypatch.setattr(MessagesStream, "STATE_MSG_FREQUENCY", 40)  # checkpoint mid-day too
    full = run_tap(config_for(emulator, lookback_days=0), streams={"messages"})
    expected = {r["sid"] for r in full.records["messages"]}
    assert len(full.checkpoints) > 10
    for written, state in full.checkpoints:
        resumed = run_tap(config_for(emulator, lookback_days=0), state=state, streams={"messages"})
        missing = expected - written - {r["sid"] for r in resumed.records["messages"]}
        assert not missing, f"{len(missing)} messages lost resuming from {state}"


def test_queued_messages_are_not_lost(emulator: testing.ServedEmulator) -> None:
    """A message with no date_sent yet is invisible to DateSent windows; the sweep finds it."""
    emu = emulator.emulator
    now = emu.clock.now()
    upcoming = min(
        (m for a in emu.world.accounts for m in emu.store.traffic(a, now // 86_400).messages
         if m.created > now and m.direction != "inbound"),
        key=lambda m: m.created,
    )  # fmt: skip
    emu.clock.advance(upcoming.created - now)  # it now sits in the queue, date_sent null
    result = run_tap(config_for(emulator), streams={"messages"})
    queued = [r for r in result.records["messages"] if r["date_sent"] is None]
    assert queued, "the emulator clock should sit on a queued message"
    assert len(result.records["messages"]) == truth_total(emulator, "messages")


def test_windows_follow_the_server_clock(emulator: testing.ServedEmulator) -> None:
    """If Twilio's day is ahead of ours (a wrong local clock), its newest days are still read."""
    local_today = dt.datetime.now(dt.timezone.utc).date()
    ahead = (local_today + dt.timedelta(days=3)) - NOW.date()
    emulator.emulator.clock.advance(ahead.days * 86_400)
    result = run_tap(config_for(emulator), streams={"messages"})
    newest = max(r["date_sent"] for r in result.records["messages"] if r["date_sent"])
    assert newest[:10] > local_today.isoformat()
    assert len(result.records["messages"]) == truth_total(emulator, "messages")


def test_children_are_read_only_for_the_parents_each_run_reads(
    emulator: testing.ServedEmulator,
) -> None:
    """An incremental run asks for events and media of its own calls and messages only."""
    streams = {"calls", "call_events", "messages", "message_media"}
    first, _ = run_tap_logged(config_for(emulator), streams=streams)
    emulator.emulator.clock.advance(3600)
    second, log = run_tap_logged(config_for(emulator), state=first.final_state, streams=streams)
    calls = second.records["calls"]
    assert 0 < len(calls) < len(first.records["calls"])
    ended = sorted(c["sid"] for c in calls if c["status"] in FINAL_CALL_STATUSES)
    asked = sorted(m.group(1) for p, _ in log if (m := re.search(r"/Calls/(\w+)/Events", p)))
    assert asked == ended
    with_media = sorted(m["sid"] for m in second.records["messages"] if m["num_media"])
    asked = sorted(m.group(1) for p, _ in log if (m := re.search(r"/Messages/(\w+)/Media", p)))
    assert asked == with_media
    # Between them, the two runs read the events of every call Twilio serves events for.
    truth = requests.get(f"{emulator.url}/_emulator/truth", timeout=30).json()
    read = {
        (e["call_sid"], e["sequence"])
        for e in first.records["call_events"] + second.records["call_events"]
    }
    assert len(read) == sum(a["call_events"] for a in truth["accounts"].values())


@pytest.mark.parametrize("concurrency", [1, 8])
def test_spans_of_days_write_exactly_what_one_day_windows_write(
    emulator: testing.ServedEmulator, monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    """Sparse days are read in spans, yet records and states come out as day by day."""
    days_by_windows(monkeypatch)
    config = config_for(emulator, lookback_days=0, max_concurrency=concurrency)
    streams = {"messages", "calls"}
    spans, span_log = run_tap_logged(config, streams=streams)
    with monkeypatch.context() as patch:
        for stream in (MessagesStream, CallsStream):
            patch.setattr(stream, "SPAN_MAX_DAYS", 1)
        days, day_log = run_tap_logged(config, streams=streams)
    with monkeypatch.context() as patch:  # every span denser than allowed: read again by day
        for stream in (MessagesStream, CallsStream):
            patch.setattr(stream, "SPAN_RECORDS_MAX", 5)
        dense, dense_log = run_tap_logged(config, streams=streams)
    for stream in streams:
        assert spans.records[stream] == days.records[stream]
        assert dense.records[stream] == days.records[stream]
        assert len(days.records[stream]) == truth_total(emulator, stream)
    assert spans.states == days.states
    assert dense.states == days.states
    listed = [q for path, q in span_log if path.endswith(("/Messages.json", "/Calls.json"))]
    assert any(q.get("DateSent>", "") < q.get("DateSent<", "") for q in listed)  # a span
    # 3 accounts x 2 streams x 20 days (start_date to today) + sweeps, in one-day windows
    assert len(day_log) > 3 * 2 * 20
    assert len(span_log) < len(day_log) // 2
    assert len(dense_log) > len(span_log)  # spans too dense were read again by day


def test_sized_spans_follow_the_density_seen() -> None:
    sizes = windows.SizedSpans(target=800, max_days=64)
    day = dt.date(2026, 1, 1)
    assert sizes.size() == 1  # nothing seen yet
    sizes.observe(day, day, 0)
    assert sizes.size() == 2  # nothing in a day: twice the days seen
    sizes.observe(day, day + dt.timedelta(days=2), 300)  # 300 records in 4 days seen in all
    assert sizes.size() == 800 * 4 // 300  # 10 days
    sizes.observe(day, day, 10_000)
    assert sizes.size() == 1  # dense: one day
    sparse = windows.SizedSpans(target=800, max_days=64)
    sparse.observe(day, day, 1)
    assert sparse.size() == 64
    got = list(windows.SizedSpans(target=800, max_days=64).spans(day, day + dt.timedelta(2)))
    one = dt.timedelta(days=1)
    assert got == [(day, day), (day + one, day + one), (day + 2 * one, day + 2 * one)]
