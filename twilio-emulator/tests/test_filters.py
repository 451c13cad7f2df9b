"""Filters exactly as Twilio applies them: inclusive GMT days, exact matches, usage windows.

A tap's incremental windows are built from these filters; if the emulator's
day boundaries were off by one, the pipeline would pass here and lose rows
against the real API. Expected results are computed from a full, unfiltered walk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.support import NOW, TODAY, Api, Live, account_path, day_of, decode, usage_prices

Record = dict[str, Any]
D = dt.date.fromisoformat


def _sids(records: list[Record]) -> list[str]:
    return [r["sid"] for r in records]


def _expect(records: list[Record], keep: Callable[[Record], bool]) -> list[str]:
    return [r["sid"] for r in records if keep(r)]


# --- Messages: DateSent, DateSent>, DateSent<, To, From -------------------------------


@pytest.mark.parametrize(
    ("params", "lo", "hi"),
    [
        ({"DateSent": "2026-11-19"}, D("2026-11-19"), D("2026-11-19")),
        ({"DateSent": "2026-11-20"}, D("2026-11-20"), D("2026-11-20")),
        ({"DateSent>": "2026-11-17"}, D("2026-11-17"), None),
        ({"DateSent<": "2026-07-26"}, None, D("2026-07-26")),
        ({"DateSent>": "2026-11-10", "DateSent<": "2026-11-12"}, D("2026-11-10"), D("2026-11-12")),
        ({"DateSent>": "2026-11-12", "DateSent<": "2026-11-10"}, D("2026-11-12"), D("2026-11-10")),
    ],
)
def test_date_sent_is_inclusive_and_day_granular(
    *,
    api: Api,
    main_sid: str,
    main_messages: list[Record],
    params: dict[str, str],
    lo: dt.date | None,
    hi: dt.date | None,
) -> None:
    """``DateSent>`` means on or after, ``DateSent<`` on or before, in whole GMT days."""

    def keep(m: Record) -> bool:
        day = day_of(m["date_sent"])
        return day is not None and (lo is None or day >= lo) and (hi is None or day <= hi)

    expected = _expect(main_messages, keep)
    got = api.walk(f"{account_path(main_sid)}/Messages.json", {**params, "PageSize": 1000})
    assert _sids(got) == expected
    if lo is not None and hi is not None and lo <= hi:
        days = {day_of(m["date_sent"]) for m in got}
        assert min(days) == lo  # the boundary days themselves are included
        assert max(days) == hi


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-19T00:00:00Z",
        "2026-11-19T23:59:59Z",
        "2026-11-19T23:30:00-05:00",
        "2026-11-19 08:15",
    ],
)
def test_date_sent_date_times_count_only_their_date(
    api: Api, main_sid: str, main_messages: list[Record], value: str
) -> None:
    """Twilio truncates a date-time filter value to its date (no time-zone shift)."""
    path = f"{account_path(main_sid)}/Messages.json"
    expected = _expect(main_messages, lambda m: day_of(m["date_sent"]) == D("2026-11-19"))
    for name in ("DateSent", "DateSent>", "DateSent<"):
        got = api.walk(path, {name: value, "PageSize": 1000})
        if name == "DateSent":
            assert _sids(got) == expected
        plain = api.walk(path, {name: "2026-11-19", "PageSize": 1000})
        assert _sids(got) == _sids(plain)


def test_unsent_messages_never_match_date_sent(live: Live) -> None:
    """A queued message has ``date_sent`` null and is invisible to every DateSent filter."""
    main = live.emulator.world.main
    # White box only to pick the instant: the next outbound message created after NOW.
    upcoming = [
        m
        for m in live.emulator.store.traffic(main, NOW // 86_400).messages
        if m.created > NOW and m.direction != "inbound"
    ]
    pending = upcoming[0]
    live.advance(advance_seconds=pending.created - NOW)

    path = f"{account_path(live.main_sid)}/Messages.json"
    record = live.api.ok(f"{account_path(live.main_sid)}/Messages/{pending.sid}.json")
    assert record["date_sent"] is None
    assert record["status"] in ("queued", "accepted")
    for params in (
        {"DateSent": "2026-11-20"},
        {"DateSent>": "2026-11-20"},
        {"DateSent>": "2026-11-19", "DateSent<": "2026-11-21"},
    ):
        got = live.api.walk(path, {**params, "PageSize": 1000})
        assert got, params
        assert pending.sid not in _sids(got)
        assert all(m["date_sent"] is not None for m in got)


def test_to_and_from_match_exactly(api: Api, main_sid: str, main_messages: list[Record]) -> None:
    """``To``/``From`` are exact address matches (E.164 or ``whatsapp:+…``)."""
    path = f"{account_path(main_sid)}/Messages.json"
    local = api.ok(f"{account_path(main_sid)}/IncomingPhoneNumbers/Local.json")
    ours = local["incoming_phone_numbers"][0]["phone_number"]
    whatsapp = next(m["to"] for m in main_messages if m["to"].startswith("whatsapp:"))
    for name, value in (("From", ours), ("To", ours), ("To", whatsapp)):
        field = name.lower()
        expected = _expect(main_messages, lambda m, f=field, v=value: m[f] == v)
        assert expected
        assert _sids(api.walk(path, {name: value, "PageSize": 1000})) == expected
    both = api.walk(path, {"From": ours, "DateSent": "2026-11-19", "PageSize": 1000})
    assert _sids(both) == _expect(
        main_messages, lambda m: m["from"] == ours and day_of(m["date_sent"]) == D("2026-11-19")
    )
    assert api.ok(path, {"To": "+15005550000"})["messages"] == []


# --- Calls: StartTime, EndTime, Status, ParentCallSid ----------------------------------


@pytest.mark.parametrize(
    ("field", "params", "lo", "hi"),
    [
        ("start_time", {"StartTime": "2026-11-18"}, D("2026-11-18"), D("2026-11-18")),
        ("start_time", {"StartTime>": "2026-11-15"}, D("2026-11-15"), None),
        ("start_time", {"StartTime<": "2026-07-28"}, None, D("2026-07-28")),
        (
            "start_time",
            {"StartTime>": "2026-11-01T10:00:00Z", "StartTime<": "2026-11-03"},
            D("2026-11-01"),
            D("2026-11-03"),
        ),
        ("end_time", {"EndTime": "2026-11-19"}, D("2026-11-19"), D("2026-11-19")),
        ("end_time", {"EndTime>": "2026-11-19"}, D("2026-11-19"), None),
        ("end_time", {"EndTime<": "2026-07-25"}, None, D("2026-07-25")),
    ],
)
def test_call_time_filters_are_inclusive_days(
    *,
    api: Api,
    main_sid: str,
    main_calls: list[Record],
    field: str,
    params: dict[str, str],
    lo: dt.date | None,
    hi: dt.date | None,
) -> None:
    def keep(c: Record) -> bool:
        day = day_of(c[field])
        return day is not None and (lo is None or day >= lo) and (hi is None or day <= hi)

    expected = _expect(main_calls, keep)
    assert expected
    got = api.walk(f"{account_path(main_sid)}/Calls.json", {**params, "PageSize": 1000})
    assert _sids(got) == expected


def test_call_status_filter(api: Api, main_sid: str, main_calls: list[Record]) -> None:
    """``Status`` matches the status shown now, for every status present."""
    path = f"{account_path(main_sid)}/Calls.json"
    statuses = {c["status"] for c in main_calls}
    assert {"completed", "busy", "no-answer", "failed", "canceled"} <= statuses
    for status in sorted(statuses):
        expected = _expect(main_calls, lambda c, s=status: c["status"] == s)
        assert _sids(api.walk(path, {"Status": status, "PageSize": 1000})) == expected


def test_parent_call_sid_lists_the_child_legs(
    api: Api, main_sid: str, main_calls: list[Record]
) -> None:
    path = f"{account_path(main_sid)}/Calls.json"
    child = next(c for c in main_calls if c["parent_call_sid"] is not None)
    parent = child["parent_call_sid"]
    got = api.walk(path, {"ParentCallSid": parent})
    assert _sids(got) == _expect(main_calls, lambda c: c["parent_call_sid"] == parent)
    assert child["sid"] in _sids(got)
    assert all(c["direction"] == "outbound-dial" for c in got)
    top = next(c for c in main_calls if c["parent_call_sid"] is None and c["sid"] != parent)
    assert api.ok(path, {"ParentCallSid": top["sid"]})["calls"] == []


# --- Usage: StartDate, EndDate, Category, IncludeSubaccounts ----------------------------


def _usage(api: Api, sid: str, kind: str, **params: str) -> list[Record]:
    suffix = f"/{kind}" if kind else ""
    # Usage Records answer 500 above PageSize=100 (Airbyte #23512): read them as Airbyte does.
    path = f"{account_path(sid)}/Usage/Records{suffix}.json"
    return usage_prices(api.walk(path, {**params, "PageSize": 100}))


def test_usage_start_and_end_dates_bound_the_days(api: Api, main_sid: str) -> None:
    daily = _usage(api, main_sid, "Daily", StartDate="2026-11-01", EndDate="2026-11-05")
    days = sorted({r["start_date"] for r in daily}, reverse=True)
    assert days == ["2026-11-05", "2026-11-04", "2026-11-03", "2026-11-02", "2026-11-01"]
    assert all(r["start_date"] == r["end_date"] for r in daily)
    # One record per category for the whole span, summing the days.
    span = _usage(api, main_sid, "", StartDate="2026-11-01", EndDate="2026-11-05")
    assert {(r["start_date"], r["end_date"]) for r in span} == {("2026-11-01", "2026-11-05")}
    for record in span:
        parts = [r for r in daily if r["category"] == record["category"]]
        assert len(parts) == 5
        assert record["price"] == sum((r["price"] for r in parts), Decimal(0))
        assert int(record["count"]) == sum(int(r["count"]) for r in parts)


def test_usage_relative_dates(api: Api, main_sid: str) -> None:
    """``-30days`` counts back from the emulator's today (2026-11-20), not the host's."""
    relative = _usage(api, main_sid, "Daily", StartDate="-30days", EndDate="-1days")
    days = sorted({r["start_date"] for r in relative}, reverse=True)
    assert days == [(TODAY - dt.timedelta(days=n)).isoformat() for n in range(1, 31)]
    assert days[-1] == "2026-10-21"
    absolute = _usage(api, main_sid, "Daily", StartDate="2026-10-21", EndDate="2026-11-19")
    assert relative == absolute
    (today,) = _usage(api, main_sid, "", StartDate="-0days", Category="sms")
    assert (today["start_date"], today["end_date"]) == ("2026-11-20", "2026-11-20")


def test_usage_category_filter(api: Api, main_sid: str) -> None:
    records = _usage(api, main_sid, "Daily", StartDate="2026-11-10", Category="sms-outbound")
    assert {r["category"] for r in records} == {"sms-outbound"}
    assert len(records) == 11
    assert _usage(api, main_sid, "Daily", Category="no-such-category") == []


def test_include_subaccounts_adds_same_currency_subaccounts(
    api: Api, main_sid: str, accounts: dict[str, Record]
) -> None:
    """The default (true) rolls USD subaccounts into the main account's usage; EUR stays out."""
    window = {"StartDate": "2026-11-01", "EndDate": "2026-11-19", "Category": "totalprice"}

    def total(sid: str, **extra: str) -> Decimal:
        (record,) = _usage(api, sid, "", **window, **extra)
        return record["price"]

    alone = total(main_sid, IncludeSubaccounts="false")
    marketing = total(accounts["Acme Marketing"]["sid"])
    europe = total(accounts["Acme Europe"]["sid"])
    # The subaccount closed part-way (USD) still billed until it closed (white box: its
    # own usage answers 404 now); November is after it closed, so it adds nothing here.
    assert total(main_sid) == total(main_sid, IncludeSubaccounts="true") == alone + marketing
    assert alone > 0
    assert marketing > 0
    assert europe > 0
    # A subaccount has no subaccounts: the flag changes nothing there.
    sub = accounts["Acme Marketing"]["sid"]
    assert total(sub, IncludeSubaccounts="false") == marketing


@pytest.mark.parametrize(
    ("resource", "params"),
    [
        ("Messages.json", {"DateSent": "2026-02-30"}),
        ("Messages.json", {"DateSent>": "yesterday"}),
        ("Messages.json", {"DateSent<": "2026-11-19T25:00:00Z"}),
        ("Calls.json", {"StartTime>": "2026-1-1"}),
        ("Calls.json", {"EndTime<": "not-a-date"}),
        ("Usage/Records/Daily.json", {"StartDate": "2026-13-01"}),
        ("Usage/Records.json", {"EndDate": "tomorrow"}),
    ],
)
def test_invalid_date_is_400_json(
    api: Api, main_sid: str, resource: str, params: dict[str, str]
) -> None:
    response = api.get(f"{account_path(main_sid)}/{resource}", params)
    assert response.status_code == 400
    body = decode(response)
    assert (body["code"], body["status"]) == (20001, 400)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20001"
    assert next(iter(params)) in body["message"]


# --- Accounts and IncomingPhoneNumbers ---------------------------------------------------


def test_account_filters(api: Api) -> None:
    """``FriendlyName`` is an exact match; ``Status`` one of active/suspended/closed."""
    (europe,) = api.ok("/2010-04-01/Accounts.json", {"FriendlyName": "Acme Europe"})["accounts"]
    assert europe["friendly_name"] == "Acme Europe"
    assert api.ok("/2010-04-01/Accounts.json", {"FriendlyName": "Acme"})["accounts"] == []
    assert len(api.ok("/2010-04-01/Accounts.json", {"Status": "active"})["accounts"]) == 3
    closed = api.ok("/2010-04-01/Accounts.json", {"Status": "closed"})["accounts"]
    assert sorted(a["friendly_name"] for a in closed) == ["Acme Legacy", "Acme Retail"]
    suspended = api.ok("/2010-04-01/Accounts.json", {"Status": "suspended"})["accounts"]
    assert [a["friendly_name"] for a in suspended] == ["Acme Labs"]


def test_incoming_phone_number_filters(api: Api, main_sid: str) -> None:
    """``PhoneNumber`` is partial with ``*`` as a one-digit wildcard; ``Origin`` twilio/hosted."""
    path = f"{account_path(main_sid)}/IncomingPhoneNumbers.json"
    every = api.ok(path)["incoming_phone_numbers"]
    assert len(every) == 3
    number = next(n for n in every if n["phone_number"].startswith("+1415"))
    e164 = number["phone_number"]

    def matching(**params: str) -> list[str]:
        return sorted(n["phone_number"] for n in api.ok(path, params)["incoming_phone_numbers"])

    assert matching(PhoneNumber=e164) == [e164]
    assert matching(PhoneNumber=e164[-7:]) == [e164]  # partial: any part of the number
    assert matching(PhoneNumber=e164[:5] + "***" + e164[8:]) == [e164]  # '*' is one digit
    assert matching(PhoneNumber=e164[:5] + "*" + e164[8:]) == []
    assert matching(PhoneNumber="+1415*") == [e164]
    assert matching(FriendlyName=number["friendly_name"]) == [e164]
    assert {n["origin"] for n in every} == {"twilio"}
    assert matching(Origin="twilio") == sorted(n["phone_number"] for n in every)
    assert matching(Origin="hosted") == []
    local = f"{account_path(main_sid)}/IncomingPhoneNumbers/Local.json"
    assert [
        n["phone_number"] for n in api.ok(local, {"PhoneNumber": "415"})["incoming_phone_numbers"]
    ] == [e164]
