"""The 2010 streams beyond messages and calls: every record exactly once (the emulator's
truth), children read only for the right parents, conferences in every status,
soft-deleted recordings, balance per account and monthly usage."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from decimal import Decimal

import pytest
import requests

from tap_twilio.streams.api2010 import FINAL_CALL_STATUSES
from tap_twilio.tap import TapTwilio
from tests.emulated import EMULATOR, LIVE_CONFERENCE, NOW, tap_config
from tests.helpers import SyncResult, run_tap_logged
from twilio_emulator import testing
from twilio_emulator.catalog import USAGE_CATEGORIES
from twilio_emulator.emulator import EmulatorConfig

Requests = list[tuple[str, dict[str, str]]]


@pytest.fixture(scope="module")
def full_run() -> tuple[SyncResult, Requests, dict]:
    """Every stream, off-by-default ones too, from the session emulator, and its truth."""
    streams = set(TapTwilio(config=tap_config()).streams)
    result, log = run_tap_logged(tap_config(), streams=streams)
    truth = requests.get(f"{EMULATOR.url}/_emulator/truth", timeout=30).json()
    return result, log, truth


def requested(log: Requests, pattern: str) -> list[str]:
    """The first group of ``pattern`` in each requested path that matches it."""
    compiled = re.compile(pattern)
    return [m.group(1) for path, _ in log if (m := compiled.search(path))]


def total(truth: dict, name: str) -> int:
    values = [a[name] for a in truth["accounts"].values()]
    return sum(v["total"] if isinstance(v, dict) else v for v in values)


KEYED_BY_ACCOUNT = (
    "addresses", "dependent_phone_numbers", "applications", "keys", "outgoing_caller_ids",
    "queues", "short_codes", "usage_triggers", "transcriptions", "recordings", "conferences",
    "conference_participants", "message_media", "call_events",
)  # fmt: skip


@pytest.mark.parametrize("stream", KEYED_BY_ACCOUNT)
def test_each_record_is_read_exactly_once(full_run: tuple, stream: str) -> None:
    result, _, truth = full_run
    tap_stream = result.tap.streams[stream]
    keys = Counter(tuple(r[k] for k in tap_stream.primary_keys) for r in result.records[stream])
    assert keys, f"{stream} read nothing"
    assert max(keys.values()) == 1, f"{stream} emitted a key twice"
    assert len(keys) == total(truth, stream)


def test_numbers_for_sale_are_read_once_through_the_main_account(full_run: tuple) -> None:
    result, log, truth = full_run
    shared = truth["shared"]  # per stream, what is the same for every account
    countries = "available_phone_number_countries"
    assert len(result.records[countries]) == shared[countries]
    for kind in ("local", "mobile", "toll_free"):
        stream = f"available_phone_numbers_{kind}"
        records = result.records[stream]
        assert len({(r["iso_country"], r["phone_number"]) for r in records}) == len(records)
        assert len(records) == shared[stream]
    paths = [p for p, _ in log if "/AvailablePhoneNumbers" in p]
    assert {p.split("/")[3] for p in paths} == {EMULATOR.account_sid}
    # Each type is asked only of the countries that sell it: no 404 on the way.
    offered = {
        (c["country_code"], kind)
        for c in result.records["available_phone_number_countries"]
        for kind in c["subresource_uris"]
    }
    asked = set(re.findall(r"/AvailablePhoneNumbers/(\w\w)/(\w+)\.json", "\n".join(paths)))
    names = {"Local": "local", "Mobile": "mobile", "TollFree": "toll_free"}
    assert {(cc, names[t]) for cc, t in asked} == offered


def test_media_are_read_only_for_messages_with_media(full_run: tuple) -> None:
    result, log, _ = full_run
    with_media = {m["sid"] for m in result.records["messages"] if m["num_media"] > 0}
    asked = requested(log, r"/Messages/(\w+)/Media\.json$")
    assert sorted(asked) == sorted(with_media)
    per_message = Counter(m["parent_sid"] for m in result.records["message_media"])
    expected = {m["sid"]: m["num_media"] for m in result.records["messages"] if m["num_media"]}
    assert per_message == expected


def test_call_events_are_read_only_for_ended_calls_of_the_run(full_run: tuple) -> None:
    result, log, _ = full_run
    ended = {c["sid"] for c in result.records["calls"] if c["status"] in FINAL_CALL_STATUSES}
    assert len(ended) < len(result.records["calls"]), "some calls should still be live"
    asked = requested(log, r"/Calls/(\w+)/Events\.json$")
    assert sorted(asked) == sorted(ended)
    for event in result.records["call_events"]:
        assert event["call_sid"] in ended
        assert event["request"]["parameters"]["call_sid"] == event["call_sid"]


def test_participants_are_read_for_running_conferences_only(full_run: tuple) -> None:
    result, log, _ = full_run
    running = {c["sid"] for c in result.records["conferences"] if c["status"] != "completed"}
    assert running == {LIVE_CONFERENCE.sid}
    assert requested(log, r"/Conferences/(\w+)/Participants\.json$") == [LIVE_CONFERENCE.sid]
    calls = {c["sid"] for c in result.records["calls"]}
    participants = result.records["conference_participants"]
    assert {p["call_sid"] for p in participants} == {
        LIVE_CONFERENCE.customer.sid,
        LIVE_CONFERENCE.agent.sid,
    }
    assert {p["call_sid"] for p in participants} <= calls


def test_dependent_numbers_carry_their_address(full_run: tuple) -> None:
    result, _, _ = full_run
    numbers = {n["sid"]: n for n in result.records["incoming_phone_numbers"]}
    for dependent in result.records["dependent_phone_numbers"]:
        assert numbers[dependent["sid"]]["address_sid"] == dependent["address_sid"]


def test_conferences_are_requested_in_every_status_each_day(full_run: tuple) -> None:
    """Each day of each account is in exactly one window (a day or a span) per status."""
    _, log, _ = full_run
    windows: Counter = Counter()
    for path, q in log:
        if path.endswith("/Conferences.json") and "PageToken" not in q:
            lo, hi = (dt.date.fromisoformat(q[f"DateUpdated{op}"]) for op in "><")
            for n in range((hi - lo).days + 1):
                windows[(lo + dt.timedelta(n)).isoformat(), q["Status"]] += 1
    # Every day from start_date to today (ours or the server's, whichever is later).
    server = dt.datetime.fromtimestamp(EMULATOR.emulator.clock.now(), dt.timezone.utc).date()
    last = max(dt.datetime.now(dt.timezone.utc).date(), server)
    first = dt.date.fromisoformat(tap_config()["start_date"])
    days = [(first + dt.timedelta(n)).isoformat() for n in range((last - first).days + 1)]
    statuses = ("init", "in-progress", "completed")
    assert windows == {(d, s): 3 for d in days for s in statuses}  # three accounts


def test_conferences_of_every_status_are_read() -> None:
    """Twilio's list defaults to in-progress only: init and completed ones are read too."""
    config = EmulatorConfig(
        seed=21, days=3, messages_per_day=10, calls_per_day=120, customers=60,
        now=int(NOW.timestamp()), auth_token="statuses-token-0123456789abcdef",
    )  # fmt: skip
    with testing.serve(config) as served:
        conference = testing.next_conference(served.emulator)
        clock = served.emulator.clock
        tap = {
            "account_sid": served.account_sid,
            "auth_token": served.auth_token,
            "base_url": served.url,
            "start_date": "2026-11-17",
        }
        seen = {}
        for moment in (conference.created + 1, conference.started + 1, conference.ended):
            clock.advance(moment - clock.now())
            result, _ = run_tap_logged(tap, streams={"conferences"})
            statuses = {c["sid"]: c["status"] for c in result.records["conferences"]}
            seen[statuses[conference.sid]] = Counter(statuses.values())
    assert list(seen) == ["init", "in-progress", "completed"]
    assert seen["init"]["completed"] > 10  # the history is read alongside, every time


def test_recordings_include_soft_deleted_ones(full_run: tuple) -> None:
    result, log, truth = full_run
    statuses = Counter(r["status"] for r in result.records["recordings"])
    expected = Counter()
    for account in truth["accounts"].values():
        expected.update(account["recordings"]["by_status"])
    assert statuses == expected
    assert statuses["deleted"] > 0
    asked = [q for path, q in log if path.endswith("/Recordings.json")]
    assert asked
    assert all(q["IncludeSoftDeleted"] == "true" for q in asked)


def test_recordings_start_within_twilio_retention(caplog: pytest.LogCaptureFixture) -> None:
    tap = TapTwilio(config=tap_config(start_date="2024-01-01"))
    today = dt.date(2026, 11, 20)
    with caplog.at_level(logging.WARNING):
        first = tap.streams["recordings"].first_day({"account_sid": EMULATOR.account_sid}, today)
    assert first == dt.date(2025, 10, 17)  # 400 days including today
    assert "recordings: Twilio keeps 400 days of history" in caplog.text
    assert tap.streams["conferences"].first_day(None, today) == dt.date(2024, 1, 1)


def test_balance_is_one_record_per_account(full_run: tuple) -> None:
    result, _, truth = full_run
    balances = {r["account_sid"]: r for r in result.records["account_balance"]}
    # A closed or suspended account has none to read; a child account may have none
    # ("Child accounts do not contain balance information"): its Balance.json is a 404.
    served = {sid: a for sid, a in truth["accounts"].items() if a["balance_served"]}
    assert set(balances) == set(served)
    assert len(served) < len([a for a in truth["accounts"].values() if a["status"] == "active"])
    for sid, account in served.items():
        ((currency, amount),) = account["balance"].items()
        assert balances[sid]["currency"] == currency
        assert Decimal(str(balances[sid]["balance"])) == Decimal(amount)


def test_monthly_usage_covers_whole_months_and_rereads_only_the_last(full_run: tuple) -> None:
    result, _, _ = full_run
    records = result.records["usage_records_monthly"]
    months = {"2026-10-01", "2026-11-01"}  # start_date is 2026-10-30
    assert {r["start_date"] for r in records} == months
    assert len(records) == len(months) * len(USAGE_CATEGORIES) * 3
    assert len({(r["account_sid"], r["category"], r["start_date"]) for r in records}) == len(
        records
    )
    again, _ = run_tap_logged(
        tap_config(), state=result.final_state, streams={"usage_records_monthly"}
    )
    assert {r["start_date"] for r in again.records["usage_records_monthly"]} == {"2026-11-01"}


def test_date_window_streams_keep_a_bookmark_per_account(full_run: tuple) -> None:
    result, _, _ = full_run
    for stream in ("conferences", "recordings", "usage_records_monthly"):
        for account in EMULATOR.emulator.world.active_accounts:
            assert result.bookmark(stream, account.sid), (stream, account.friendly_name)


def test_streams_write_one_schema_and_children_leave_state_to_their_parent(
    full_run: tuple,
) -> None:
    """A loader flushes on every SCHEMA message; one per call would flush once per call."""
    result, _, _ = full_run
    for name in result.tap.streams:
        if result.records[name]:
            assert result.schemas[name] == 1, name
    parents = len(result.records["calls"]) + len(result.records["messages"])
    assert len(result.states) < parents / 10
