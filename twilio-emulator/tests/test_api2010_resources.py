"""Contract of the 2010 resources around messages and calls: what each one holds and
how it relates to the rest of the data (media to MMS, recordings to completed calls,
participants to real calls, dependent numbers to addresses, balance to usage)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support import STEADY_EDGE
from twilio_emulator import billing, testing
from twilio_emulator.catalog import USAGE_LEAVES
from twilio_emulator.emulator import EmulatorConfig
from twilio_emulator.timefmt import DAY
from twilio_emulator.voice import EVENTS_DELAY, SOFT_DELETE_KEEP

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
TOKEN = "contract-token-0123456789abcdef"


def make(now: dt.datetime = NOW, **sizes: int) -> tuple:
    config = {"seed": 5, "days": 8, "messages_per_day": 120, "calls_per_day": 80, **sizes}
    emulator, client = testing.in_process(
        EmulatorConfig(
            **STEADY_EDGE,
            **config,
            customers=100,
            now=int(now.timestamp()),
            auth_token=TOKEN,
            api_key_secret=TOKEN,
        )
    )
    client.auth = (emulator.world.main.sid, TOKEN)
    return emulator, client


@pytest.fixture
def served() -> tuple:
    return make()


def get(client, path: str, status: int = 200, **params: str) -> dict:
    response = client.get(path, params=params) if params else client.get(path)
    assert response.status_code == status, (path, response.text)
    return response.json()


def every(client, path: str, key: str, **params: str) -> list[dict]:
    # Usage Records answer 500 above PageSize=100 (Airbyte #23512).
    body = get(client, path, PageSize="100" if "/Usage/Records" in path else "1000", **params)
    records = body[key]
    while body.get("next_page_uri"):
        body = get(client, body["next_page_uri"])
        records += body[key]
    return records


def base(account) -> str:
    return f"/2010-04-01/Accounts/{account.sid}"


def test_conference_list_defaults_to_in_progress_from_2026_09_30(served: tuple) -> None:
    emulator, client = served
    live = testing.advance_to_live_conference(emulator)
    path = f"{base(emulator.world.account(live.account_sid))}/Conferences.json"
    default = every(client, path, "conferences")
    assert [c["sid"] for c in default] == [live.sid]
    assert default[0]["status"] == "in-progress"
    by_status = {s: every(client, path, "conferences", Status=s) for s in ("init", "completed")}
    assert len(by_status["completed"]) > 1
    assert by_status["init"] == []
    # Before 2026-09-30 Twilio listed every status by default (its changelog of 2026-07-08
    # moved the switch from 2026-07-13): on 2026-09-29 as on 2026-07-01.
    for day in (dt.date(2026, 7, 1), dt.date(2026, 9, 29)):
        at = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc)
        earlier, old_client = make(now=at)
        old_path = f"{base(earlier.world.main)}/Conferences.json"
        everything = every(old_client, old_path, "conferences")
        completed = every(old_client, old_path, "conferences", Status="completed")
        assert len(everything) >= len(completed) > 0, day
    switched, new_client = make(now=dt.datetime(2026, 9, 30, 12, tzinfo=dt.timezone.utc))
    new_path = f"{base(switched.world.main)}/Conferences.json"
    assert every(new_client, new_path, "conferences", Status="completed")
    assert all(c["status"] == "in-progress" for c in every(new_client, new_path, "conferences"))


def test_conference_filters_take_dates_only(served: tuple) -> None:
    emulator, client = served
    path = f"{base(emulator.world.main)}/Conferences.json"
    error = get(client, path, 400, **{"DateUpdated>": "2026-11-19T00:00:00Z"})
    assert error["code"] == 20001
    assert get(client, path, 400, Status="ended")["code"] == 20001
    one_day = {"DateUpdated>": "2026-11-19", "DateUpdated<": "2026-11-19"}
    day = get(client, path, Status="completed", **one_day)
    assert day["conferences"]
    assert all("19 Nov 2026" in c["date_updated"] for c in day["conferences"])


def test_a_conference_lives_with_its_calls(served: tuple) -> None:
    emulator, client = served
    conference = testing.next_conference(emulator)
    account = emulator.world.account(conference.account_sid)
    path = f"{base(account)}/Conferences/{conference.sid}"
    emulator.clock.advance(conference.created + 1 - emulator.clock.now())
    waiting = get(client, f"{path}.json")
    assert waiting["status"] == "init"
    assert waiting["reason_conference_ended"] is None
    people = every(client, f"{path}/Participants.json", "participants")
    assert [(p["call_sid"], p["label"]) for p in people] == [(conference.customer.sid, "customer")]
    queues = every(client, f"{base(account)}/Queues.json", "queues")
    queue = next(q for q in queues if q["friendly_name"] == "support")
    assert queue["current_size"] == 1
    emulator.clock.advance(conference.started + 1 - emulator.clock.now())
    assert get(client, f"{path}.json")["status"] == "in-progress"
    people = every(client, f"{path}/Participants.json", "participants")
    assert {p["call_sid"] for p in people} == {conference.customer.sid, conference.agent.sid}
    for person in people:  # participants are real calls of the account
        call = get(client, f"{base(account)}/Calls/{person['call_sid']}.json")
        assert call["status"] == "in-progress"
    emulator.clock.advance(conference.ended - emulator.clock.now())
    ended = get(client, f"{path}.json")
    assert ended["status"] == "completed"
    assert ended["call_sid_ending_conference"] == conference.customer.sid
    assert every(client, f"{path}/Participants.json", "participants") == []


def test_deleted_recordings_are_listed_only_on_request_for_40_days(served: tuple) -> None:
    emulator, client = served
    account = emulator.world.main
    recording = next(
        r
        for day in range(emulator.store.today - 7, emulator.store.today)
        for r in emulator.store.voice(account, day).recordings
        if r.deleted_at is not None
    )
    path = f"{base(account)}/Recordings.json"
    emulator.clock.advance(max(0, recording.deleted_at - emulator.clock.now()))
    assert recording.sid not in {r["sid"] for r in every(client, path, "recordings")}
    kept = {r["sid"]: r for r in every(client, path, "recordings", IncludeSoftDeleted="true")}
    assert kept[recording.sid]["status"] == "deleted"
    get(client, f"{base(account)}/Recordings/{recording.sid}.json", 404)
    emulator.clock.advance(SOFT_DELETE_KEEP)
    gone = every(client, path, "recordings", IncludeSoftDeleted="true")
    assert recording.sid not in {r["sid"] for r in gone}


def test_recordings_and_transcriptions_belong_to_completed_calls(served: tuple) -> None:
    emulator, client = served
    for account in emulator.world.active_accounts:
        calls = {c["sid"]: c for c in every(client, f"{base(account)}/Calls.json", "calls")}
        recordings = every(
            client, f"{base(account)}/Recordings.json", "recordings", IncludeSoftDeleted="true"
        )
        assert recordings
        for recording in recordings:
            assert calls[recording["call_sid"]]["status"] == "completed"
            assert recording["price_unit"] == account.currency
        by_sid = {r["sid"]: r for r in recordings}
        for transcription in every(
            client, f"{base(account)}/Transcriptions.json", "transcriptions"
        ):
            assert by_sid[transcription["recording_sid"]]["source"] == "RecordVerb"


def test_media_belong_to_mms_messages(served: tuple) -> None:
    emulator, client = served
    account = emulator.world.main
    messages = every(client, f"{base(account)}/Messages.json", "messages")
    with_media = [m for m in messages if m["num_media"] != "0"]
    assert with_media
    assert {m["sid"][:2] for m in with_media} == {"MM"}
    for message in with_media[:20] + [m for m in messages if m["num_media"] == "0"][:3]:
        media = every(client, message["subresource_uris"]["media"], "media_list")
        assert len(media) == int(message["num_media"])
        assert {m["parent_sid"] for m in media} <= {message["sid"]}
    get(client, f"{base(account)}/Messages/MM{'0' * 32}/Media.json", 404)


def test_call_events_are_served_15_minutes_after_the_call_ends(served: tuple) -> None:
    emulator, client = served
    account = emulator.world.main
    now = emulator.clock.now()
    call = next(
        c
        for c in emulator.store.traffic(account, emulator.store.today + 1).calls
        if c.final_status == "completed"
    )
    path = f"{base(account)}/Calls/{call.sid}/Events.json"
    emulator.clock.advance(call.end + EVENTS_DELAY - 1 - now)
    assert get(client, path)["events"] == []
    emulator.clock.advance(1)
    events = every(client, path, "events")
    assert len(events) >= 2
    assert {e["request"]["parameters"]["call_sid"] for e in events} == {call.sid}
    assert events[-1]["request"]["parameters"]["call_status"] == "completed"


def test_dependent_numbers_are_the_numbers_using_the_address(served: tuple) -> None:
    emulator, client = served
    dependent = 0
    for account in emulator.world.active_accounts:
        numbers = every(
            client, f"{base(account)}/IncomingPhoneNumbers.json", "incoming_phone_numbers"
        )
        for address in every(client, f"{base(account)}/Addresses.json", "addresses"):
            path = f"{base(account)}/Addresses/{address['sid']}/DependentPhoneNumbers.json"
            found = {n["sid"] for n in every(client, path, "dependent_phone_numbers")}
            assert found == {n["sid"] for n in numbers if n["address_sid"] == address["sid"]}
            dependent += len(found)
    assert dependent == 3  # the three European mobiles need a local address


def test_balance_is_credit_left_after_billed_usage(served: tuple) -> None:
    emulator, client = served
    for account in emulator.world.active_accounts:
        if not account.balance_served:  # "Child accounts do not contain balance information"
            assert get(client, f"{base(account)}/Balance.json", status=404)["code"] == 20404
            continue
        body = get(client, f"{base(account)}/Balance.json")
        assert body["currency"] == account.currency
        daily = f"{base(account)}/Usage/Records/Daily.json"
        params = {
            "Category": "totalprice",
            "StartDate": "2026-01-01",
            "IncludeSubaccounts": "false",
        }
        usage = every(client, daily, "usage_records", **params)
        billed = sum(Decimal(str(r["price"])) for r in usage)
        left = Decimal(body["balance"])
        recharges = (left - Decimal("50") + billed) / Decimal("100")
        assert recharges == recharges.to_integral_value() >= 0
        assert left >= Decimal("20")
        assert left == Decimal(billing.balance(emulator.store, account)) / 100_000


def test_usage_bills_recordings_and_transcriptions(served: tuple) -> None:
    emulator, client = served
    account = emulator.world.main
    params = {"StartDate": "2026-01-01", "IncludeSubaccounts": "false"}
    path = f"{base(account)}/Usage/Records/AllTime.json"
    usage = {r["category"]: r for r in every(client, path, "usage_records", **params)}
    now = emulator.clock.now()
    recordings = [
        r
        for day in emulator.store.history_days(account)
        for r in emulator.store.voice(account, day).recordings
        if r.created <= now and now >= r.priced_at
    ]
    assert int(usage["recordings"]["count"]) == len(recordings) > 0
    total = sum(Decimal(str(usage[c]["price"])) for c in USAGE_LEAVES)
    assert Decimal(str(usage["totalprice"]["price"])) == total


def test_numbers_for_sale(served: tuple) -> None:
    emulator, client = served
    path = f"{base(emulator.world.main)}/AvailablePhoneNumbers"
    get(client, f"{path}/US/Mobile.json", 404)  # the US sells no mobile numbers
    get(client, f"{path}/IN.json", 404)
    in_use = {n.e164 for a in emulator.world.active_accounts for n in a.numbers}
    numbers = get(client, f"{path}/GB/Mobile.json")["available_phone_numbers"]
    assert len(numbers) == 20
    assert all(n["phone_number"].startswith("+447") for n in numbers)
    assert not {n["phone_number"] for n in numbers} & in_use
    # The inventory is the same whichever account asks, and changes daily.
    sub = emulator.world.accounts[1]
    again = get(client, f"/2010-04-01/Accounts/{sub.sid}/AvailablePhoneNumbers/GB/Mobile.json")
    assert again["available_phone_numbers"] == numbers
    emulator.clock.advance(DAY)
    tomorrow = get(client, f"{path}/GB/Mobile.json")["available_phone_numbers"]
    assert tomorrow != numbers


def test_truth_counts_what_the_api_lists(served: tuple) -> None:
    emulator, client = served
    testing.advance_to_live_conference(emulator)
    truth = get(client, "/_emulator/truth")
    lists = {  # truth name: (path, records key, params)
        "addresses": ("Addresses", "addresses", {}),
        "applications": ("Applications", "applications", {}),
        "keys": ("Keys", "keys", {}),
        "outgoing_caller_ids": ("OutgoingCallerIds", "outgoing_caller_ids", {}),
        "queues": ("Queues", "queues", {}),
        "short_codes": ("SMS/ShortCodes", "short_codes", {}),
        "usage_triggers": ("Usage/Triggers", "usage_triggers", {}),
        "transcriptions": ("Transcriptions", "transcriptions", {}),
        "recordings": ("Recordings", "recordings", {"IncludeSoftDeleted": "true"}),
    }
    for account in emulator.world.active_accounts:
        counts = truth["accounts"][account.sid]
        for name, (path, key, params) in lists.items():
            found = len(every(client, f"{base(account)}/{path}.json", key, **params))
            expected = counts[name]["total"] if isinstance(counts[name], dict) else counts[name]
            assert found == expected, (account.friendly_name, name)
        conferences = [
            c
            for s in ("init", "in-progress", "completed")
            for c in every(client, f"{base(account)}/Conferences.json", "conferences", Status=s)
        ]
        assert len(conferences) == counts["conferences"]["total"]
        participants = sum(
            len(every(client, c["subresource_uris"]["participants"], "participants"))
            for c in conferences
        )
        assert participants == counts["conference_participants"]
        balance = client.get(f"{base(account)}/Balance.json")
        assert counts["balance"] == (
            {account.currency: balance.json()["balance"]} if balance.status_code == 200 else {}
        )
        assert counts["balance_served"] == (balance.status_code == 200)
    assert sum(a["conference_participants"] for a in truth["accounts"].values()) == 2
