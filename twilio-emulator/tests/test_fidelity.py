"""Field-level fidelity: RFC 2822 dates, numbers as strings, currencies, number types, time.

These are the quirks a tap must convert (string numerics, RFC 2822, negative
prices) and that a warehouse would get wrong if the emulator smoothed them over.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from tests.support import (
    NOW,
    RFC2822_PATTERN,
    Api,
    Live,
    account_path,
    canonical_rfc2822,
    charge,
    make_config,
    parse_rfc2822,
    start,
    usage_prices,
)
from twilio_emulator.catalog import USAGE_CATEGORIES

Record = dict[str, Any]
PRICE = re.compile(r"^-?\d+\.\d{5}$")
DIGITS = re.compile(r"^\d+$")


def _assert_rfc2822(record: Record, *fields: str) -> None:
    for field in fields:
        value = record[field]
        if value is not None:
            assert RFC2822_PATTERN.match(value), (field, value)
            assert canonical_rfc2822(value) == value, (field, value)  # weekday matches date


def test_dates_are_rfc2822_gmt(
    api: Api, main_messages: list[Record], main_calls: list[Record]
) -> None:
    """``Fri, 24 May 2019 17:44:46 +0000``: English names, zero-padded, +0000, right weekday."""
    for message in main_messages:
        _assert_rfc2822(message, "date_created", "date_sent", "date_updated")
    for call in main_calls:
        _assert_rfc2822(call, "date_created", "date_updated", "start_time", "end_time")
    for account in api.ok("/2010-04-01/Accounts.json")["accounts"]:
        _assert_rfc2822(account, "date_created", "date_updated")
        if account["status"] != "active":  # a closed one's resources are 404, suspended 403
            continue
        numbers = api.ok(f"{account_path(account['sid'])}/IncomingPhoneNumbers.json")
        for number in numbers["incoming_phone_numbers"]:
            _assert_rfc2822(number, "date_created", "date_updated")
    newest = main_messages[0]
    assert parse_rfc2822(newest["date_created"]).timestamp() <= NOW
    assert newest["date_created"].startswith("Fri, 20 Nov 2026 ")


def test_usage_dates_are_iso(api: Api, main_sid: str) -> None:
    """Usage records are the exception: ``YYYY-MM-DD`` dates and an ISO ``as_of``."""
    (record,) = api.ok(
        f"{account_path(main_sid)}/Usage/Records/Today.json", {"Category": "totalprice"}
    )["usage_records"]
    assert (record["start_date"], record["end_date"]) == ("2026-11-20", "2026-11-20")
    assert record["as_of"] == "2026-11-20T12:00:00+00:00"


def test_message_numbers_are_strings(main_messages: list[Record]) -> None:
    """price, num_segments and num_media are strings; a charge is negative, five decimals."""
    priced = 0
    for message in main_messages:
        assert DIGITS.match(message["num_segments"])
        assert DIGITS.match(message["num_media"])
        assert isinstance(message["error_code"], int | None)
        assert message["price_unit"] == "USD"
        if message["price"] is not None:
            priced += 1
            assert PRICE.match(message["price"]), message["price"]
            if message["status"] != "failed":
                assert message["price"].startswith("-")
    # Unpriced: pending, canceled and (half the) failed messages, and the last hour's.
    assert priced > 0.95 * len(main_messages)
    assert all(m["price"] is None for m in main_messages if m["status"] == "canceled")
    mms = next(m for m in main_messages if m["sid"].startswith("MM"))
    assert int(mms["num_media"]) >= 1


def test_call_numbers_are_strings(main_calls: list[Record]) -> None:
    for call in main_calls:
        assert call["price_unit"] == "USD"
        assert isinstance(call["queue_time"], str)
        if call["end_time"] is not None:
            assert DIGITS.match(call["duration"])
            ended = parse_rfc2822(call["end_time"]) - parse_rfc2822(call["start_time"])
            if call["status"] == "completed":
                assert int(call["duration"]) == ended.total_seconds()
            else:
                assert call["duration"] == "0"
        if call["price"] is not None:
            assert PRICE.match(call["price"]), call["price"]


def test_usage_numbers(api: Api, main_sid: str) -> None:
    """Usage ``price`` is a string, as Twilio's examples give it ("0", "2192.84855"; the
    spec's schema says number: ``usage_price_strings=False``); ``count`` and ``usage``
    strings too."""
    path = f"{account_path(main_sid)}/Usage/Records/Yesterday.json"
    records = usage_prices(api.ok(path)["usage_records"])
    assert len(records) == len(USAGE_CATEGORIES)
    for record in records:
        assert record["price"] >= 0
        assert DIGITS.match(record["count"])
        assert isinstance(record["usage"], str)
        assert record["price_unit"] == "usd"
    total = next(r for r in records if r["category"] == "totalprice")
    assert Decimal(total["usage"]) == total["price"] > 0


@pytest.mark.parametrize(
    ("account", "prefix", "price", "unit"),
    [
        ("Acme Corp", "+1", "-0.00790", "USD"),
        ("Acme Corp", "+44", "-0.04000", "USD"),
        ("Acme Europe", "+44", "-0.03680", "EUR"),  # 0.04000 USD at 0.92
        ("Acme Europe", "+33", "-0.07342", "EUR"),  # 0.07980 USD at 0.92, rounded
    ],
)
def test_single_segment_sms_prices(
    *,
    api: Api,
    accounts: dict[str, Record],
    account: str,
    prefix: str,
    price: str,
    unit: str,
) -> None:
    """One outbound SMS segment costs the list price, in the account's own currency."""
    path = f"{account_path(accounts[account]['sid'])}/Messages.json"
    sample = [
        m
        for m in api.ok(path, {"PageSize": 1000})["messages"]
        if m["direction"] != "inbound"
        and m["sid"].startswith("SM")
        and m["to"].startswith(prefix)
        and m["num_segments"] == "1"
        and m["status"] in ("delivered", "undelivered", "sent")
        and m["price"] is not None
    ]
    assert sample
    assert {m["price"] for m in sample} == {price}
    assert {m["price_unit"] for m in sample} == {unit}


def test_eur_subaccount_is_billed_in_eur(api: Api, accounts: dict[str, Record]) -> None:
    path = account_path(accounts["Acme Europe"]["sid"])
    assert {m["price_unit"] for m in api.ok(f"{path}/Messages.json")["messages"]} == {"EUR"}
    assert {c["price_unit"] for c in api.ok(f"{path}/Calls.json")["calls"]} == {"EUR"}
    usage = api.ok(f"{path}/Usage/Records/ThisMonth.json")["usage_records"]
    assert {r["price_unit"] for r in usage} == {"eur"}


@pytest.mark.parametrize(
    ("account", "local", "mobile", "toll_free"),
    [
        ("Acme Corp", ["+1415", "+1212"], [], ["+1844"]),
        ("Acme Europe", [], ["+44", "+33", "+49"], []),
        ("Acme Marketing", ["+1650"], [], ["+1888"]),
    ],
)
def test_incoming_phone_number_type_lists(
    *,
    api: Api,
    accounts: dict[str, Record],
    account: str,
    local: list[str],
    mobile: list[str],
    toll_free: list[str],
) -> None:
    """Local/Mobile/TollFree.json partition IncomingPhoneNumbers.json by number type."""
    base = f"{account_path(accounts[account]['sid'])}/IncomingPhoneNumbers"
    every = api.ok(f"{base}.json")["incoming_phone_numbers"]
    lists = {}
    for kind, prefixes in (("Local", local), ("Mobile", mobile), ("TollFree", toll_free)):
        numbers = api.ok(f"{base}/{kind}.json")["incoming_phone_numbers"]
        matched = [p for n in numbers for p in prefixes if n["phone_number"].startswith(p)]
        assert sorted(matched) == sorted(prefixes), kind
        lists[kind] = numbers
    union = [n for numbers in lists.values() for n in numbers]
    assert sorted(n["sid"] for n in union) == sorted(n["sid"] for n in every)
    for number in every:
        assert re.fullmatch(r"PN[0-9a-f]{32}", number["sid"])
        assert re.fullmatch(r"\+\d{10,14}", number["phone_number"])
        assert api.ok(f"{base}/{number['sid']}.json") == number


def _snapshot(live: Live) -> list[bytes]:
    """Raw bodies of a spread of endpoints: determinism is about bytes, not just values."""
    base = account_path(live.main_sid)
    paths = [
        "/2010-04-01/Accounts.json",
        f"{base}/Messages.json?PageSize=1000",
        f"{base}/Calls.json?PageSize=1000",
        f"{base}/IncomingPhoneNumbers.json",
        f"{base}/Usage/Records/Daily.json?PageSize=1000",
        "/_emulator/truth",
    ]
    return [live.api.get(path).content for path in paths]


def test_requests_are_counted_per_api(live: Live) -> None:
    """``/_emulator/requests`` counts what a benchmark's extractor asked, admin calls aside."""
    live.api.ok("/2010-04-01/Accounts.json")
    live.api.get(f"{account_path(live.main_sid)}/Messages.json", {"PageSize": 5000})  # a 400
    live.api.ok("/monitor/v1/Events")
    live.truth()
    counts = live.client.get("/_emulator/requests").json()
    assert counts == {"total": 3, "by_api": {"2010-04-01": 2, "monitor": 1}}


def test_same_seed_and_clock_give_identical_responses() -> None:
    one, two = start(make_config()), start(make_config())
    assert _snapshot(one) == _snapshot(two)


def test_any_record_is_reachable_by_sid_in_a_fresh_emulator(
    main_sid: str, main_messages: list[Record], main_calls: list[Record]
) -> None:
    """SIDs are stable across restarts, so a new process must serve any of them directly,
    before any list has been read (the oldest records' days are generated last)."""
    base = account_path(main_sid)
    for kind, records in (("Messages", main_messages), ("Calls", main_calls)):
        fresh = start(make_config())
        for record in (records[-1], records[len(records) // 2], records[0]):
            assert fresh.api.ok(f"{base}/{kind}/{record['sid']}.json") == record


def test_another_seed_gives_other_sids(main_sid: str, main_messages: list[Record]) -> None:
    other = start(make_config(seed=43))
    assert other.main_sid != main_sid
    messages = other.api.ok(f"{account_path(other.main_sid)}/Messages.json", {"PageSize": 1000})
    theirs = {m["sid"] for m in messages["messages"]}
    assert theirs.isdisjoint(m["sid"] for m in main_messages)


def test_time_moves_sent_messages_to_their_final_status(live: Live) -> None:
    """A message seen 'sent' and unpriced gets its final status, then a price, as time passes."""
    main = live.emulator.world.main
    # White box only to pick the instant: an outbound message sent after NOW whose
    # delivery receipt comes later; move the clock to the second it was sent.
    pending = next(
        m
        for m in live.emulator.store.traffic(main, NOW // 86_400).messages
        if m.sent is not None
        and m.sent > NOW
        and m.final_status in ("delivered", "undelivered")
        and m.final_at > m.sent
    )
    live.advance(advance_seconds=pending.sent - NOW)
    path = f"{account_path(live.main_sid)}/Messages/{pending.sid}.json"
    before = live.api.ok(path)
    assert before["status"] == "sent"
    assert before["price"] is None
    assert before["date_sent"] is not None
    assert before["date_updated"] == before["date_sent"]
    truth_before = live.truth()["accounts"][live.main_sid]

    # The delivery receipt arrives first; the price lands later and bumps date_updated again.
    live.advance(advance_seconds=pending.final_at - pending.sent)
    receipt = live.api.ok(path)
    assert receipt["status"] == pending.final_status
    assert receipt["price"] is None
    assert parse_rfc2822(receipt["date_updated"]) > parse_rfc2822(before["date_updated"])

    assert live.advance(advance="1d")["epoch"] == pending.final_at + 86_400
    after = live.api.ok(path)
    assert after["status"] == pending.final_status
    assert PRICE.match(after["price"])
    assert charge(after["price"]) > 0
    assert parse_rfc2822(after["date_updated"]) > parse_rfc2822(receipt["date_updated"])
    assert after["date_sent"] == before["date_sent"]
    assert after["date_created"] == before["date_created"]
    if after["status"] == "undelivered":
        assert after["error_code"] is not None
        assert after["error_message"]

    truth_after = live.truth()["accounts"][live.main_sid]
    assert truth_after["messages"]["total"] > truth_before["messages"]["total"]
    spend = Decimal(truth_after["spend"]["USD"]["messages"])
    assert spend > Decimal(truth_before["spend"]["USD"]["messages"])
    # The truth still agrees with what the API shows, record by record.
    messages = live.api.walk(f"{account_path(live.main_sid)}/Messages.json", {"PageSize": 1000})
    assert sum((charge(m["price"]) for m in messages), Decimal(0)) == spend
    statuses: dict[str, int] = {}
    for message in messages:
        statuses[message["status"]] = statuses.get(message["status"], 0) + 1
    assert statuses == truth_after["messages"]["by_status"]


def test_without_the_closed_subaccount_the_other_accounts_are_unchanged() -> None:
    """Benchmarks leave the closed subaccount out; nothing else may change with it."""
    with_closed, without = start(make_config()), start(make_config(closed_subaccount=False))
    listed = without.api.ok("/2010-04-01/Accounts.json")["accounts"]
    assert sorted(a["status"] for a in listed) == ["active", "active", "active", "closed",
                                                   "suspended"]  # fmt: skip
    assert "Acme Legacy" not in {a["friendly_name"] for a in listed}
    assert len(with_closed.api.ok("/2010-04-01/Accounts.json")["accounts"]) == 6
    # Every other response but the accounts list and the truth is byte for byte the same.
    assert _snapshot(with_closed)[1:-1] == _snapshot(without)[1:-1]
