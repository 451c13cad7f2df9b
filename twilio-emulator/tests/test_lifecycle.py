"""A message's real-world life (``lifecycle.py``): scheduled, pending, failed before sending,
partially delivered, outbound-call; deleted and redacted later. Each part on, and off."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest

from tests.support import NOW, Live, account_path, make_config, start
from twilio_emulator.activity import Message
from twilio_emulator.emulator import Emulator, EmulatorConfig
from twilio_emulator.lifecycle import MAX_LEAD, MIN_LEAD, Lifecycle
from twilio_emulator.timefmt import DAY, iso_z

SMALL: dict[str, Any] = {"days": 30, "messages_per_day": 300, "calls_per_day": 10, "customers": 200}


def every_message(emu: Emulator) -> Iterator[Message]:
    """White box: every message of every account's history, including future parts of today."""
    for account in emu.world.active_accounts:
        for day in emu.store.history_days(account):
            yield from emu.store.traffic(account, day).messages


@pytest.fixture(scope="module")
def small() -> Emulator:
    return Emulator(make_config(**SMALL))


def outbound_service(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.direction != "inbound" and m.messaging_service_sid]


# --- what the generated history holds ------------------------------------------------------------


def test_a_share_of_messaging_service_messages_is_scheduled(small: Emulator) -> None:
    messages = list(every_message(small))
    service = outbound_service(messages)
    scheduled = [m for m in messages if m.send_at is not None]
    assert {m.sid for m in scheduled} <= {m.sid for m in service}, "only through a service"
    assert 0.07 < len(scheduled) / len(service) < 0.13
    for m in scheduled:
        assert MIN_LEAD <= m.send_at - m.created <= MAX_LEAD  # type: ignore[operator]
        if m.final_status == "canceled":
            assert m.created < m.final_at < m.send_at  # type: ignore[operator]
            assert (m.sent, m.priced_at, m.error_code) == (None, None, None)
        elif m.sent is not None:
            assert m.sent > m.send_at  # type: ignore[operator]
    canceled = sum(m.final_status == "canceled" for m in scheduled)
    assert 0.08 < canceled / len(scheduled) < 0.25


def test_pending_waits_are_mostly_seconds_sometimes_hours(small: Emulator) -> None:
    waits = [m.sending_at - (m.send_at or m.created) for m in every_message(small)
             if m.sending_at is not None]  # fmt: skip
    waits.sort()
    assert waits[0] >= 1
    assert waits[len(waits) // 2] <= 5
    assert any(300 <= w < 3600 for w in waits)
    assert waits[-1] >= 3600
    inbound = [m for m in every_message(small) if m.direction == "inbound"]
    assert all(m.sent is not None and m.sent >= m.created for m in inbound)
    assert any(m.sent - m.created >= 3 for m in inbound if m.sent is not None)


def test_failed_messages_were_never_sent(small: Emulator) -> None:
    failed = [m for m in every_message(small) if m.final_status == "failed"]
    assert failed
    assert all(m.sent is None and m.error_code is not None for m in failed)
    never_priced = sum(m.priced_at is None for m in failed)
    assert 0.3 < never_priced / len(failed) < 0.7, "price null for some, 0 for the others"
    assert all(m.price == 0 for m in failed)


def test_partially_delivered_is_for_multi_segment_sms(small: Emulator) -> None:
    partial = [m for m in every_message(small) if m.final_status == "partially_delivered"]
    assert partial
    assert all(m.channel == "sms" and m.num_segments > 1 and m.sent for m in partial)


def test_directions_and_read_follow_the_spec(small: Emulator) -> None:
    messages = list(every_message(small))
    directions = Counter(m.direction for m in messages)
    assert set(directions) == {"inbound", "outbound-api", "outbound-call", "outbound-reply"}
    assert {m.channel for m in messages if m.final_status == "read"} == {"whatsapp"}


def test_late_changes_come_long_after_the_message_settled(small: Emulator) -> None:
    messages = list(every_message(small))
    deleted = [m for m in messages if m.deleted_at is not None]
    redacted = [m for m in messages if m.redacted_at is not None]
    assert deleted
    assert redacted
    assert all(m.deleted_at > m.settled_at for m in deleted)  # type: ignore[operator]
    assert all(m.redacted_at > m.final_at for m in redacted)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("switch", "gone"),
    [
        ("scheduled_messages", lambda m: m.send_at is not None or m.final_status == "canceled"),
        ("pending_messages", lambda m: m.sending_at is not None
         or (m.sent is not None and m.sent - (m.send_at or m.created) > 3)),
        ("failed_before_send", lambda m: m.final_status == "failed" and m.sent is None),
        ("partially_delivered", lambda m: m.final_status == "partially_delivered"),
        ("outbound_call_messages", lambda m: m.direction == "outbound-call"),
        ("deleted_messages", lambda m: m.deleted_at is not None),
        ("redacted_messages", lambda m: m.redacted_at is not None),
    ],
)  # fmt: skip
def test_each_switch_turns_its_part_off_and_nothing_else(
    small: Emulator, switch: str, gone: Any
) -> None:
    off = Emulator(make_config(**SMALL, **{switch: False}))
    assert any(gone(m) for m in every_message(small)), "on by default"
    assert not any(gone(m) for m in every_message(off))
    # The same traffic: the same SIDs and bodies, whatever the switch.
    assert [(m.sid, m.body) for m in every_message(off)] == [
        (m.sid, m.body) for m in every_message(small)
    ]


def test_all_switches_off_is_the_happy_path(small: Emulator) -> None:
    names = [f.name for f in fields(Lifecycle)]
    config = EmulatorConfig().lifecycle
    assert all(getattr(config, name) for name in names), "all on by default"
    happy = Emulator(
        make_config(**SMALL, scheduled_messages=False, pending_messages=False,
                    failed_before_send=False, partially_delivered=False,
                    outbound_call_messages=False, deleted_messages=False,
                    redacted_messages=False)
    )  # fmt: skip
    for m in every_message(happy):
        assert m.send_at is None
        assert m.sent is not None
        assert m.sent - m.created <= 3
        assert m.final_status not in ("canceled", "partially_delivered")


# --- what the API serves -------------------------------------------------------------------


@pytest.fixture
def live_small() -> Live:
    return start(make_config(**SMALL))


def fetch(live: Live, sid: str) -> dict[str, Any]:
    return live.api.ok(f"{account_path(live.main_sid)}/Messages/{sid}.json")


def test_a_scheduled_message_lives_through_the_api(live_small: Live) -> None:
    emu, now = live_small.emulator, live_small.emulator.clock.now()
    main = emu.world.main
    message = next(
        m for m in every_message(emu)
        if m.account_sid == main.sid and m.send_at and m.created <= now < m.send_at
        and m.final_status == "delivered" and m.send_at - now < 3 * DAY
    )  # fmt: skip
    before = fetch(live_small, message.sid)
    assert (before["status"], before["date_sent"], before["price"]) == ("scheduled", None, None)
    assert before["from"] is None, "no sender until it is sent"
    assert before["messaging_service_sid"] == message.messaging_service_sid
    live_small.advance(advance_seconds=message.settled_at + 1 - now)
    after = fetch(live_small, message.sid)
    assert after["status"] == "delivered"
    assert after["from"] == message.from_
    sent = dt.datetime.strptime(after["date_sent"], "%a, %d %b %Y %H:%M:%S %z").timestamp()
    assert sent > message.send_at  # type: ignore[operator]
    assert after["price"].startswith("-")


def test_a_canceled_message_is_never_sent_nor_priced(live_small: Live) -> None:
    emu = live_small.emulator
    now = emu.clock.now()
    canceled = next(
        m for m in every_message(emu)
        if m.account_sid == emu.world.main.sid and m.final_status == "canceled"
        and m.final_at <= now
    )  # fmt: skip
    for _ in range(2):
        record = fetch(live_small, canceled.sid)
        assert record["status"] == "canceled"
        assert record["date_sent"] is None
        assert record["price"] is None
        assert record["from"] is None
        live_small.advance(advance="40d")


def test_statuses_seen_through_the_api(api_walks: dict[str, list[dict]]) -> None:
    statuses = Counter(m["status"] for m in api_walks["messages"])
    for status in ("scheduled", "canceled", "failed", "partially_delivered", "read",
                   "delivered", "undelivered", "sent", "received"):  # fmt: skip
        assert statuses[status], status
    undated = Counter(m["status"] for m in api_walks["messages"] if m["date_sent"] is None)
    assert set(undated) <= {"scheduled", "canceled", "failed", "queued", "accepted",
                            "sending", "receiving"}  # fmt: skip
    assert all(m["date_sent"] is None for m in api_walks["messages"] if m["status"] == "failed")


@pytest.fixture(scope="module")
def api_walks() -> dict[str, list[dict]]:
    live = start(make_config(**SMALL))
    path = f"{account_path(live.main_sid)}/Messages.json"
    return {"messages": live.api.walk(path, {"PageSize": 1000})}


def test_pending_statuses_show_at_the_clock_with_no_date_sent() -> None:
    """Queued, accepted, sending, receiving: each seen through the API at an instant it holds."""
    live = start(make_config(**SMALL))
    emu, now = live.emulator, live.emulator.clock.now()
    upcoming = sorted(
        (m for m in every_message(emu) if m.account_sid == live.main_sid and m.created > now),
        key=lambda m: m.created,
    )
    targets: dict[str, tuple[int, Message]] = {}
    for m in upcoming:
        for at in (m.created, m.sending_at):
            if at is not None:
                status = m.state_at(at)[0]
                if status in ("queued", "accepted", "sending", "receiving"):
                    targets.setdefault(status, (at, m))
    assert set(targets) == {"queued", "accepted", "sending", "receiving"}
    for status, (at, message) in sorted(targets.items(), key=lambda kv: kv[1][0]):
        live.advance(advance_seconds=at - emu.clock.now())
        record = fetch(live, message.sid)
        assert (record["status"], record["date_sent"]) == (status, None)
        sent_today = live.api.walk(
            f"{account_path(live.main_sid)}/Messages.json", {"DateSent": "2026-11-20"}
        )
        assert message.sid not in {m["sid"] for m in sent_today}


# --- creating, canceling and redacting through the API --------------------------------------


@pytest.fixture
def live() -> Live:
    return start(make_config(days=3, messages_per_day=40, calls_per_day=5, customers=40))


def create(live: Live, **params: str) -> Any:
    return live.client.post(
        f"{account_path(live.main_sid)}/Messages.json", data=params, auth=live.api.auth
    )


def scheduled_params(live: Live, ahead: int) -> dict[str, str]:
    main = live.emulator.world.main
    return {
        "To": "+14155550100",
        "MessagingServiceSid": main.messaging_service_sid,
        "Body": "See you tomorrow",
        "ScheduleType": "fixed",
        "SendAt": iso_z(live.emulator.clock.now() + ahead) or "",
    }


def test_create_a_scheduled_message(live: Live) -> None:
    response = create(live, **scheduled_params(live, 3600))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["date_sent"], body["price"], body["from"]) == (
        "scheduled", None, None, None
    )  # fmt: skip
    assert fetch(live, body["sid"])["status"] == "scheduled"
    listed = live.api.walk(f"{account_path(live.main_sid)}/Messages.json", {"PageSize": 1000})
    assert body["sid"] in {m["sid"] for m in listed}
    live.advance(advance="2h")
    sent = fetch(live, body["sid"])
    assert sent["status"] == "delivered"
    assert sent["date_sent"] is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [({"ScheduleType": "weekly"}, 35126), ({"SendAt": ""}, 35111),
     ({"MessagingServiceSid": ""}, 35118)],
)  # fmt: skip
def test_scheduling_errors_are_twilios(live: Live, change: dict[str, str], code: int) -> None:
    ours = live.emulator.world.main.numbers[0].e164
    params = {**scheduled_params(live, 3600), "From": ours, **change}
    response = create(live, **{k: v for k, v in params.items() if v != ""})
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize("ahead", [299, 35 * DAY + 1])
def test_send_at_must_be_5_minutes_to_35_days_ahead(live: Live, ahead: int) -> None:
    response = create(live, **scheduled_params(live, ahead))
    assert response.status_code == 400
    assert response.json()["code"] == 35114
    for fine in (300, 35 * DAY):
        assert create(live, **scheduled_params(live, fine)).status_code == 201


def test_cancel_a_scheduled_message(live: Live) -> None:
    sid = create(live, **scheduled_params(live, 3600)).json()["sid"]
    path = f"{account_path(live.main_sid)}/Messages/{sid}.json"
    canceled = live.client.post(path, data={"Status": "canceled"}, auth=live.api.auth)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    again = live.client.post(path, data={"Status": "canceled"}, auth=live.api.auth)
    assert (again.status_code, again.json()["code"]) == (400, 30409)
    live.advance(advance="1d")
    assert (fetch(live, sid)["status"], fetch(live, sid)["date_sent"]) == ("canceled", None)
    assert fetch(live, sid)["price"] is None


def test_only_scheduled_messages_can_be_canceled(live: Live) -> None:
    delivered = next(
        m for m in live.api.walk(f"{account_path(live.main_sid)}/Messages.json")
        if m["status"] == "delivered"
    )  # fmt: skip
    path = f"{account_path(live.main_sid)}/Messages/{delivered['sid']}.json"
    refused = live.client.post(path, data={"Status": "canceled"}, auth=live.api.auth)
    assert refused.status_code == 400
    assert refused.json()["code"] == 30409
    assert refused.json()["message"] == "This message cannot be canceled"
    odd = live.client.post(path, data={"Status": "sent"}, auth=live.api.auth)
    assert (odd.status_code, odd.json()["code"]) == (400, 20001)


def test_redact_a_message_body(live: Live) -> None:
    message = live.api.walk(f"{account_path(live.main_sid)}/Messages.json")[0]
    path = f"{account_path(live.main_sid)}/Messages/{message['sid']}.json"
    redacted = live.client.post(path, data={"Body": ""}, auth=live.api.auth)
    assert redacted.status_code == 200
    assert redacted.json()["body"] == ""
    assert fetch(live, message["sid"])["body"] == ""


def test_instance_fetch_of_messages_and_calls_and_its_404(live: Live) -> None:
    base = account_path(live.main_sid)
    message = live.api.walk(f"{base}/Messages.json")[0]
    assert fetch(live, message["sid"]) == message
    call = live.api.walk(f"{base}/Calls.json")[0]
    assert live.api.ok(f"{base}/Calls/{call['sid']}.json") == call
    for kind, prefix in (("Messages", "SM"), ("Calls", "CA")):
        gone = live.api.get(f"{base}/{kind}/{prefix}{'0' * 32}.json")
        assert gone.status_code == 404
        assert gone.json()["code"] == 20404


def test_a_deleted_message_answers_404_and_leaves_the_list() -> None:
    live = start(make_config(**SMALL))
    emu = live.emulator
    now = emu.clock.now()
    doomed = next(
        m for m in every_message(emu)
        if m.account_sid == emu.world.main.sid and m.deleted_at and now < m.deleted_at
    )  # fmt: skip
    assert fetch(live, doomed.sid)["sid"] == doomed.sid
    live.advance(advance_seconds=doomed.deleted_at - now)  # type: ignore[operator]
    gone = live.api.get(f"{account_path(live.main_sid)}/Messages/{doomed.sid}.json")
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)
    media = live.api.get(f"{account_path(live.main_sid)}/Messages/{doomed.sid}/Media.json")
    assert media.status_code == 404
    listed = live.api.walk(f"{account_path(live.main_sid)}/Messages.json", {"PageSize": 1000})
    assert doomed.sid not in {m["sid"] for m in listed}
    truth = live.truth()
    assert {"kind": "message", "sid": doomed.sid, "account_sid": doomed.account_sid,
            "deleted_at": iso_z(doomed.deleted_at)} in truth["deletions"]  # fmt: skip


def test_a_redacted_body_reads_empty_from_its_time() -> None:
    live = start(make_config(**SMALL))
    emu = live.emulator
    now = emu.clock.now()
    past = next(
        m for m in every_message(emu)
        if m.account_sid == emu.world.main.sid and m.redacted_at and m.redacted_at <= now
        and not (m.deleted_at and m.deleted_at <= now)
    )  # fmt: skip
    record = fetch(live, past.sid)
    assert record["body"] == ""
    assert record["date_updated"] == fetch(live, past.sid)["date_updated"]
    assert {"sid": past.sid, "account_sid": past.account_sid,
            "redacted_at": iso_z(past.redacted_at)} in live.truth()["redactions"]  # fmt: skip


def test_truth_counts_undated_unpriced_and_spend_per_status(api_walks: dict) -> None:
    live = start(make_config(**SMALL))
    truth = live.truth()["accounts"][live.main_sid]["messages"]
    messages = api_walks["messages"]
    undated = Counter(m["status"] for m in messages if m["date_sent"] is None)
    unpriced = Counter(m["status"] for m in messages if m["price"] is None)
    assert truth["undated"] == {"total": sum(undated.values()), "by_status": dict(undated)}
    assert truth["unpriced"] == {"total": sum(unpriced.values()), "by_status": dict(unpriced)}
    assert "canceled" not in truth["spend_by_status"]
    assert truth["spend_by_status"].get("failed", "0.00000") == "0.00000"
    assert truth["by_status"]["scheduled"] == undated["scheduled"]
    assert live.emulator.clock.now() == NOW
