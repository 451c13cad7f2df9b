"""Values as Twilio's examples give them, and what Twilio no longer keeps (retention)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support import TODAY, Live, account_path, day_of, make_config, start, usage_prices
from twilio_emulator.timefmt import date_to_day

RETAINED_FROM = TODAY - dt.timedelta(days=399)  # 400 days, today included


# --- usage price --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def usage() -> list[dict[str, Any]]:
    live = start(make_config(days=20, messages_per_day=100, calls_per_day=10, customers=80))
    path = f"{account_path(live.main_sid)}/Usage/Records/Daily.json"
    return live.api.walk(path, {"PageSize": 100})


def test_usage_price_is_a_string_as_twilios_examples(usage: list[dict[str, Any]]) -> None:
    usage_prices(usage)  # every one a string: "0", or exact with no trailing zeros
    prices = {r["price"] for r in usage}
    assert "0" in prices
    assert any("." in p and not p.endswith("0") for p in prices)
    assert {r["price_unit"] for r in usage} == {"usd"}, "lower case, as Twilio's examples"


def test_usage_price_strings_switch_off() -> None:
    live = start(make_config(days=5, messages_per_day=50, calls_per_day=5, customers=40,
                             usage_price_strings=False))  # fmt: skip
    path = f"{account_path(live.main_sid)}/Usage/Records/Daily.json"
    records = live.api.walk(path, {"PageSize": 100})
    assert all(not isinstance(r["price"], str) for r in records), "numbers, as the spec types"


# --- retention ------------------------------------------------------------------------------------


def old_world(**overrides: Any) -> Live:
    return start(make_config(days=410, messages_per_day=8, calls_per_day=10, customers=60,
                             **overrides))  # fmt: skip


def test_messages_and_recordings_older_than_400_days_are_gone() -> None:
    live = old_world()
    base = account_path(live.main_sid)
    messages = live.api.walk(f"{base}/Messages.json", {"PageSize": 1000})
    recordings = live.api.walk(f"{base}/Recordings.json", {"IncludeSoftDeleted": "true"})
    assert messages
    assert recordings
    assert min(day_of(m["date_created"]) for m in messages) == RETAINED_FROM
    assert min(day_of(r["date_created"]) for r in recordings) >= RETAINED_FROM
    # The days before are generated, but served no more: not listed, not fetched.
    emu = live.emulator
    old = emu.store.traffic(emu.world.main, date_to_day(RETAINED_FROM) - 1).messages
    assert old
    gone = live.api.get(f"{base}/Messages/{old[0].sid}.json")
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)
    truth = live.truth()["accounts"][live.main_sid]
    assert truth["messages"]["total"] == len(messages)
    assert truth["recordings"]["total"] == len(recordings)
    # Calls are kept (Twilio documents no such window for them here).
    calls = live.api.walk(f"{base}/Calls.json", {"PageSize": 1000})
    assert min(day_of(c["date_created"]) for c in calls) < RETAINED_FROM


def test_retention_switch_off_keeps_everything() -> None:
    live = old_world(retention=False)
    base = account_path(live.main_sid)
    messages = live.api.walk(f"{base}/Messages.json", {"PageSize": 1000})
    assert min(day_of(m["date_created"]) for m in messages) < RETAINED_FROM
    assert live.emulator.store.retained_from(live.emulator.world.main) == (
        live.emulator.world.history_start_day
    )
