"""Creating messages and calls (``POST``), as alerting clients and tests do.

Created records validate like Twilio's (error codes for missing or bad fields),
come back as 201 with the resource, join the listed data and the truth, settle
as the clock moves, and appear in ``/_emulator/outbox``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Live
from tests.support import account_path, decode


def _post(live: Live, resource: str, data: dict[str, str]) -> Any:
    path = f"{account_path(live.main_sid)}/{resource}.json"
    return live.client.post(path, data=data, auth=live.api.auth)


@pytest.fixture
def our_number(live: Live) -> str:
    return live.emulator.world.main.numbers[0].e164


def test_created_message_is_queued_then_delivered_and_priced(live: Live, our_number: str) -> None:
    before = live.truth()["accounts"][live.main_sid]["messages"]["total"]
    response = _post(live, "Messages", {"To": "+14155550100", "From": our_number, "Body": "hi"})
    assert response.status_code == 201
    body = decode(response)
    assert (body["status"], body["price"], body["date_sent"]) == ("queued", None, None)
    assert body["direction"] == "outbound-api"
    assert live.truth()["accounts"][live.main_sid]["messages"]["total"] == before + 1
    live.advance(advance="2m")
    fetched = live.api.ok(f"{account_path(live.main_sid)}/Messages/{body['sid']}.json")
    assert fetched["status"] == "delivered"
    assert Decimal(fetched["price"]) == Decimal("-0.00790")  # one US segment
    listed = live.api.walk(f"{account_path(live.main_sid)}/Messages.json", {"To": "+14155550100"})
    assert [m["sid"] for m in listed] == [body["sid"]]


def test_created_call_rings_talks_and_is_priced(live: Live, our_number: str) -> None:
    twiml = "<Response><Say>The pipeline failed</Say></Response>"
    response = _post(live, "Calls", {"To": "+14155550100", "From": our_number, "Twiml": twiml})
    assert response.status_code == 201
    sid = decode(response)["sid"]
    assert decode(response)["status"] == "queued"
    live.advance(advance="5m")
    call = live.api.ok(f"{account_path(live.main_sid)}/Calls/{sid}.json")
    assert (call["status"], call["duration"], call["price"]) == ("completed", "47", "-0.01400")


@pytest.mark.parametrize(
    ("resource", "data", "code"),
    [
        ("Messages", {"From": "FROM", "Body": "x"}, 21604),
        ("Messages", {"To": "+14155550100", "Body": "x"}, 21603),
        ("Messages", {"To": "+14155550100", "From": "FROM"}, 21602),
        ("Messages", {"To": "not-a-number", "From": "FROM", "Body": "x"}, 21211),
        ("Messages", {"To": "+14155550100", "From": "+15005550006", "Body": "x"}, 21606),
        ("Calls", {"From": "FROM", "Url": "https://example.com/x"}, 21201),
        ("Calls", {"To": "+14155550100", "Url": "https://example.com/x"}, 21213),
        ("Calls", {"To": "+14155550100", "From": "FROM"}, 21205),
    ],
)
def test_bad_create_requests_are_rejected_like_twilio(
    live: Live, our_number: str, resource: str, data: dict[str, str], code: int
) -> None:
    data = {k: (our_number if v == "FROM" else v) for k, v in data.items()}
    response = _post(live, resource, data)
    assert response.status_code == 400
    assert decode(response)["code"] == code
    assert live.client.get("/_emulator/outbox").json() == {"outbox": []}


def test_create_needs_a_form_body(live: Live, our_number: str) -> None:
    path = f"{account_path(live.main_sid)}/Messages.json"
    response = live.client.post(
        path, json={"To": "+14155550100", "From": our_number, "Body": "x"}, auth=live.api.auth
    )
    assert response.status_code == 415


def test_outbox_lists_what_was_sent(live: Live, our_number: str) -> None:
    _post(live, "Messages", {"To": "+447700900123", "From": our_number, "Body": "one"})
    _post(live, "Calls", {"To": "+447700900123", "From": our_number, "Url": "https://x.test/t"})
    outbox = live.client.get("/_emulator/outbox").json()["outbox"]
    assert [(e["kind"], e["params"]["To"]) for e in outbox] == [
        ("message", "+447700900123"),
        ("call", "+447700900123"),
    ]
    assert outbox[0]["params"]["Body"] == "one"
