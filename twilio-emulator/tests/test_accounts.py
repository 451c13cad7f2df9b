"""The subaccounts beyond the happy path: one without balance, one suspended, one closed
part-way through the history. Each on by default and each switchable off."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import NOW, Live, account_path, make_config, start
from twilio_emulator.callbacks import changes, message_transitions
from twilio_emulator.emulator import Emulator
from twilio_emulator.timefmt import DAY, iso_z, rfc2822
from twilio_emulator.world import Account

SMALL: dict[str, Any] = {"days": 30, "messages_per_day": 200, "calls_per_day": 20, "customers": 200}
RESOURCES = ("Messages", "Calls", "IncomingPhoneNumbers", "Usage/Records/Daily", "Balance",
             "Recordings", "Conferences")  # fmt: skip
PRODUCTS = ("/monitor/v1/Alerts", "/verify/v2/Services", "/studio/v2/Flows")


@pytest.fixture(scope="module")
def live() -> Live:
    return start(make_config(**SMALL))


def named(live: Live, name: str) -> Account:
    return next(a for a in live.emulator.world.accounts if a.friendly_name == name)


def listed(live: Live) -> dict[str, dict]:
    return {a["friendly_name"]: a for a in live.api.walk("/2010-04-01/Accounts.json")}


# --- no balance --------------------------------------------------------------------------------


def test_a_subaccount_without_balance_answers_404_on_balance_only(live: Live) -> None:
    marketing = named(live, "Acme Marketing")
    base = account_path(marketing.sid)
    response = live.api.get(f"{base}/Balance.json")
    assert response.status_code == 404
    assert response.json()["code"] == 20404
    assert live.api.get(f"{base}/Messages.json").status_code == 200
    assert live.api.get(f"{account_path(live.main_sid)}/Balance.json").status_code == 200
    truth = live.truth()["accounts"][marketing.sid]
    assert (truth["balance"], truth["balance_served"], truth["readable"]) == ({}, False, True)
    assert truth["messages"]["total"] > 0


def test_the_no_balance_switch() -> None:
    off = start(make_config(**SMALL, no_balance_subaccount=False))
    marketing = named(off, "Acme Marketing")
    assert off.api.get(f"{account_path(marketing.sid)}/Balance.json").status_code == 200
    assert off.truth()["accounts"][marketing.sid]["balance_served"] is True


# --- suspended ---------------------------------------------------------------------------------


def test_a_suspended_subaccount_is_listed_and_its_resources_answer_403(live: Live) -> None:
    labs = named(live, "Acme Labs")
    assert listed(live)["Acme Labs"]["status"] == "suspended"
    fetched = live.api.ok(f"{account_path(labs.sid)}.json")
    assert fetched["status"] == "suspended"
    for resource in RESOURCES:
        response = live.api.get(f"{account_path(labs.sid)}/{resource}.json")
        assert response.status_code == 403, resource
        assert response.json() == {
            "code": 20403,
            "message": "The account lacks permission to access the Twilio API. Typically this "
            "means the account has been suspended or closed.",
            "more_info": "https://www.twilio.com/docs/errors/20403",
            "status": 403,
        }
    for product in PRODUCTS:  # with its own credentials
        response = live.client.get(product, auth=(labs.sid, labs.auth_token))
        assert (response.status_code, response.json()["code"]) == (403, 20403), product
    truth = live.truth()["accounts"][labs.sid]
    assert (truth["status"], truth["readable"], truth["balance"]) == ("suspended", False, {})
    assert truth["messages"]["total"] == truth["calls"]["total"] == 0


def test_the_suspended_switch() -> None:
    off = start(make_config(**SMALL, suspended_subaccount=False))
    assert "Acme Labs" not in listed(off)
    assert "suspended" not in {a["status"] for a in listed(off).values()}


# --- closed part-way through the history ---------------------------------------------------


def test_a_subaccount_closed_part_way_is_listed_closed_and_answers_404(live: Live) -> None:
    retail = named(live, "Acme Retail")
    assert retail.closed_at is not None
    assert live.emulator.world.history_start_day * DAY < retail.closed_at < NOW
    record = listed(live)["Acme Retail"]
    assert record["status"] == "closed"
    assert record["date_updated"] == rfc2822(retail.closed_at)
    for resource in RESOURCES:
        response = live.api.get(f"{account_path(retail.sid)}/{resource}.json")
        assert (response.status_code, response.json()["code"]) == (404, 20404), resource
    for product in PRODUCTS:
        response = live.client.get(product, auth=(retail.sid, retail.auth_token))
        assert (response.status_code, response.json()["code"]) == (404, 20404), product
    truth = live.truth()["accounts"][retail.sid]
    assert (truth["status"], truth["readable"], truth["closed_at"]) == (
        "closed", False, iso_z(retail.closed_at)
    )  # fmt: skip
    assert truth["messages"]["total"] == truth["calls"]["total"] == 0, "the API serves nothing"
    assert truth["usage"] == {}
    assert truth["history_before_close"]["messages"] > 100
    assert truth["history_before_close"]["calls"] > 10


def test_a_run_reads_it_and_a_later_one_finds_it_closed() -> None:
    """``closing_after_days``: it closes after the initial clock, so a test can watch it."""
    live = start(make_config(**SMALL, closing_after_days=1.5))
    retail = named(live, "Acme Retail")
    assert retail.closed_at == NOW + int(1.5 * DAY)
    assert listed(live)["Acme Retail"]["status"] == "active"
    path = f"{account_path(retail.sid)}/Messages.json"
    served = live.api.walk(path, {"PageSize": 1000})
    assert served
    history = live.truth()["accounts"][retail.sid]
    assert history["readable"] is True
    assert history["messages"]["total"] == len(served)
    live.advance(advance="2d")  # past the close: 404, and no traffic after it
    assert live.api.get(path).status_code == 404
    assert listed(live)["Acme Retail"]["status"] == "closed"
    after = live.truth()["accounts"][retail.sid]
    assert after["messages"]["total"] == 0
    assert after["history_before_close"]["messages"] >= len(served)
    store = live.emulator.store
    assert not [m for m in store.traffic(retail, retail.closed_at // DAY).messages
                if m.created >= retail.closed_at]  # fmt: skip
    assert not store.traffic(retail, retail.closed_at // DAY + 1).messages


def test_nothing_of_a_closed_account_changes_after_it_closed() -> None:
    """A message scheduled past the close is canceled at the close, also one drawn to be
    canceled later (its cancel would answer 404): no status, so no webhook, comes after.
    Seed 2's 10-day world has one drawn to be canceled hours after the initial clock."""
    emu = Emulator(make_config(seed=2, days=10, messages_per_day=200, calls_per_day=50))
    retail = next(a for a in emu.world.accounts if a.friendly_name == "Acme Retail")
    assert retail.closed_at is not None
    days = range(emu.world.history_start_day, retail.closed_at // DAY + 1)
    messages = [m for day in days for m in emu.store.traffic(retail, day).messages]
    scheduled_past = [
        m for m in messages if m.send_at is not None and m.send_at >= retail.closed_at
    ]
    assert len(scheduled_past) > 1
    assert {(m.final_status, m.final_at) for m in scheduled_past} == {
        ("canceled", retail.closed_at)
    }
    after = [
        (m.sid, s) for m in messages for at, s in message_transitions(m) if at > retail.closed_at
    ]
    assert after == []
    assert changes(emu.store, retail, retail.closed_at, NOW + 40 * DAY) == []


def test_the_closing_switch() -> None:
    off = start(make_config(**SMALL, closing_subaccount=False))
    assert "Acme Retail" not in listed(off)


def test_info_reports_each_accounts_state(live: Live) -> None:
    info = {a["friendly_name"]: a for a in live.client.get("/_emulator/info").json()["accounts"]}
    assert {name: a["status"] for name, a in info.items()} == {
        "Acme Corp": "active", "Acme Europe": "active", "Acme Marketing": "active",
        "Acme Legacy": "closed", "Acme Labs": "suspended", "Acme Retail": "closed",
    }  # fmt: skip
    assert info["Acme Marketing"]["balance_served"] is False
    assert info["Acme Retail"]["closed_at"] == iso_z(named(live, "Acme Retail").closed_at)
    assert info["Acme Corp"]["closed_at"] is None
