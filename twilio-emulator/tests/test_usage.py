"""Usage records agree with themselves, with the messages and calls, and with the truth.

Reconciliation downstream compares usage with resource prices; these sums must
hold exactly (``Decimal``) for every account and day, or the marts cannot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support import TODAY, Api, account_path, charge, day_of, decode, usage_prices
from twilio_emulator.emulator import Emulator

Record = dict[str, Any]
ROLLUPS = {
    "sms": ("sms-inbound", "sms-outbound"),
    "mms": ("mms-inbound", "mms-outbound"),
    "channels-whatsapp": ("channels-whatsapp-inbound", "channels-whatsapp-outbound"),
    "calls": ("calls-inbound", "calls-outbound"),
    "phonenumbers": ("phonenumbers-local", "phonenumbers-mobile", "phonenumbers-tollfree"),
}
# Leaves with no roll-up of their own (only totalprice counts them).
STANDALONE = ("recordings", "transcriptions")
LEAVES = (*(leaf for children in ROLLUPS.values() for leaf in children), *STANDALONE)
MESSAGING = (*ROLLUPS["sms"], *ROLLUPS["mms"], *ROLLUPS["channels-whatsapp"])
HISTORY_START = "2026-07-24"  # 120 days up to and including 2026-11-20
ACCOUNTS = ("Acme Corp", "Acme Europe", "Acme Marketing")


def _daily(api: Api, sid: str) -> dict[str, dict[str, Record]]:
    """Every day's records of one account alone, by day then category."""
    records = usage_prices(
        api.walk(
            f"{account_path(sid)}/Usage/Records/Daily.json",
            {"StartDate": HISTORY_START, "IncludeSubaccounts": "false", "PageSize": 100},
        )
    )
    days: dict[str, dict[str, Record]] = defaultdict(dict)
    for record in records:
        assert record["category"] not in days[record["start_date"]], "duplicate record"
        days[record["start_date"]][record["category"]] = record
    return days


def _by_day(records: list[Record], field: str = "date_created") -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        day = day_of(record[field])
        if day is not None:  # never sent: never billed
            sums[day.isoformat()] += charge(record["price"])
    return sums


def _deleted_by_sent_day(emulator: Emulator, sid: str) -> dict[str, Decimal]:
    """What messages deleted by the clock were billed, per date_sent day: usage keeps
    billing them, the API no longer lists them (white box: the API cannot say)."""
    now = emulator.clock.now()
    account = emulator.world.account(sid)
    assert account is not None
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for day in emulator.store.history_days(account):
        for m in emulator.store.traffic(account, day).messages:
            deleted = m.deleted_at is not None and m.deleted_at <= now
            if deleted and m.sent is not None and m.priced_at is not None and m.priced_at <= now:
                sums[dt.datetime.fromtimestamp(m.sent, dt.timezone.utc).date().isoformat()] += (
                    Decimal(m.price) / 100_000
                )
    return sums


@pytest.fixture(scope="module")
def usage_by_account(api: Api, accounts: dict[str, Record]) -> dict[str, dict[str, Any]]:
    """Per account: daily usage, and every message and call, each walked once."""
    out: dict[str, dict[str, Any]] = {}
    for name in ACCOUNTS:
        sid = accounts[name]["sid"]
        base = account_path(sid)
        out[name] = {
            "sid": sid,
            "days": _daily(api, sid),
            "messages": api.walk(f"{base}/Messages.json", {"PageSize": 1000}),
            "calls": api.walk(f"{base}/Calls.json", {"PageSize": 1000}),
        }
    return out


@pytest.mark.parametrize("name", ACCOUNTS)
def test_every_day_has_every_category_once(
    usage_by_account: dict[str, dict[str, Any]], name: str
) -> None:
    days = usage_by_account[name]["days"]
    assert len(days) == 120
    assert min(days) == HISTORY_START
    assert max(days) == TODAY.isoformat()
    expected = {*LEAVES, *ROLLUPS, "totalprice"}
    for day, categories in days.items():
        assert set(categories) == expected, day
        for record in categories.values():
            assert record["start_date"] == record["end_date"] == day


@pytest.mark.parametrize("name", ACCOUNTS)
def test_rollups_sum_their_leaves(usage_by_account: dict[str, dict[str, Any]], name: str) -> None:
    """``totalprice`` is the sum of leaf prices; ``sms`` = inbound + outbound, and so on."""
    for day, cats in usage_by_account[name]["days"].items():
        total = sum((cats[leaf]["price"] for leaf in LEAVES), Decimal(0))
        assert cats["totalprice"]["price"] == total, day
        for rollup, children in ROLLUPS.items():
            parts = [cats[child] for child in children]
            assert cats[rollup]["price"] == sum((p["price"] for p in parts), Decimal(0)), day
            assert int(cats[rollup]["count"]) == sum(int(p["count"]) for p in parts), day
            assert int(cats[rollup]["usage"]) == sum(int(p["usage"]) for p in parts), day


@pytest.mark.parametrize("name", ACCOUNTS)
def test_usage_matches_message_and_call_prices_per_day(
    usage_by_account: dict[str, dict[str, Any]], emulator: Emulator, name: str
) -> None:
    """Priced messages of a day by ``date_sent`` (Twilio bills a message when it is sent,
    a scheduled one at SendAt), and calls by ``date_created``, sum to that day's leaves;
    messages deleted since still count in usage."""
    data = usage_by_account[name]
    messages = _by_day(data["messages"], "date_sent")
    deleted = _deleted_by_sent_day(emulator, data["sid"])
    calls = _by_day(data["calls"])
    assert sum(messages.values()) > 0
    assert sum(deleted.values()) > 0, "some billed messages were deleted since"
    assert sum(calls.values()) > 0
    for day, cats in data["days"].items():
        billed = sum((cats[leaf]["price"] for leaf in MESSAGING), Decimal(0))
        listed = messages.get(day, Decimal(0)) + deleted.get(day, Decimal(0))
        assert billed == listed, day
        assert cats["calls"]["price"] == calls.get(day, Decimal(0)), day


def test_truth_spend_equals_api_prices_per_currency(
    client: TestClient, usage_by_account: dict[str, dict[str, Any]]
) -> None:
    """The truth's spend is exactly what summing the API's prices gives, per currency."""
    truth = decode(client.get("/_emulator/truth"))["accounts"]
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    observed: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for data in usage_by_account.values():
        account = truth[data["sid"]]
        (currency,) = account["spend"]
        for kind in ("messages", "calls"):
            expected[currency][kind] += Decimal(account["spend"][currency][kind])
            for record in data[kind]:
                assert record["price_unit"] == currency
                observed[currency][kind] += charge(record["price"])
    assert set(expected) == {"USD", "EUR"}
    assert observed == expected


def test_periods_agree_with_daily(api: Api, main_sid: str) -> None:
    """Today, Yesterday, ThisMonth, LastMonth, Monthly and AllTime are sums of Daily."""
    base = f"{account_path(main_sid)}/Usage/Records"
    params = {"Category": "totalprice", "IncludeSubaccounts": "false"}
    daily = {
        r["start_date"]: r["price"]
        for r in usage_prices(
            api.walk(f"{base}/Daily.json", {**params, "StartDate": HISTORY_START})
        )
    }

    def between(lo: str, hi: str) -> Decimal:
        return sum((p for d, p in daily.items() if lo <= d <= hi), Decimal(0))

    def single(kind: str) -> Record:
        (record,) = usage_prices(api.ok(f"{base}/{kind}.json", params)["usage_records"])
        return record

    expectations = {
        "Today": ("2026-11-20", "2026-11-20"),
        "Yesterday": ("2026-11-19", "2026-11-19"),
        "ThisMonth": ("2026-11-01", "2026-11-20"),
        "LastMonth": ("2026-10-01", "2026-10-31"),
        "AllTime": (HISTORY_START, "2026-11-20"),
    }
    for kind, (lo, hi) in expectations.items():
        record = single(kind)
        assert (record["start_date"], record["end_date"]) == (lo, hi), kind
        assert record["price"] == between(lo, hi), kind
    months = usage_prices(api.walk(f"{base}/Monthly.json", params))
    assert [(m["start_date"], m["end_date"]) for m in months] == [
        ("2026-11-01", "2026-11-20"),
        ("2026-10-01", "2026-10-31"),
        ("2026-09-01", "2026-09-30"),
        ("2026-08-01", "2026-08-31"),
        (HISTORY_START, "2026-07-31"),
    ]
    for month in months:
        assert month["price"] == between(month["start_date"], month["end_date"])
    assert sum((m["price"] for m in months), Decimal(0)) == single("AllTime")["price"]
    (year,) = usage_prices(api.walk(f"{base}/Yearly.json", params))
    assert year["price"] == single("AllTime")["price"]
    assert dt.date.fromisoformat(year["end_date"]) == TODAY
