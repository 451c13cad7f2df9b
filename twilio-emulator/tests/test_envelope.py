"""The 2010 list envelope: exact keys, relative URL-encoded ``*_uri`` values, Twilio's headers.

twilio-python finds the records as "the one key that is not envelope", and
clients follow ``next_page_uri`` verbatim, so both must be exact.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import ENVELOPE_KEYS, Api, account_path, records_key

USAGE_KINDS = ("Daily", "Monthly", "Yearly", "AllTime", "Today", "Yesterday")
USAGE_KINDS += ("ThisMonth", "LastMonth")

# (path under the account, or absolute when it starts with /, records key)
LIST_ENDPOINTS: list[tuple[str, str]] = [
    ("/2010-04-01/Accounts.json", "accounts"),
    ("Messages.json", "messages"),
    ("Calls.json", "calls"),
    ("IncomingPhoneNumbers.json", "incoming_phone_numbers"),
    ("IncomingPhoneNumbers/Local.json", "incoming_phone_numbers"),
    ("IncomingPhoneNumbers/Mobile.json", "incoming_phone_numbers"),
    ("IncomingPhoneNumbers/TollFree.json", "incoming_phone_numbers"),
    ("Usage/Records.json", "usage_records"),
    *((f"Usage/Records/{kind}.json", "usage_records") for kind in USAGE_KINDS),
]


def _path(main_sid: str, endpoint: str) -> str:
    return endpoint if endpoint.startswith("/") else f"{account_path(main_sid)}/{endpoint}"


@pytest.mark.parametrize(("endpoint", "key"), LIST_ENDPOINTS)
def test_list_envelope_has_exactly_the_2010_keys(
    api: Api, main_sid: str, endpoint: str, key: str
) -> None:
    """Exactly the eight envelope keys plus one records key; no legacy total/num_pages."""
    path = _path(main_sid, endpoint)
    body = api.ok(path)
    assert set(body) == ENVELOPE_KEYS | {key}
    assert records_key(body) == key
    assert isinstance(body[key], list)
    for legacy in ("total", "num_pages", "last_page_uri"):
        assert legacy not in body
    assert body["page"] == 0
    assert body["page_size"] == 50
    assert body["start"] == 0
    assert body["end"] == max(0, len(body[key]) - 1)
    assert body["previous_page_uri"] is None
    assert body["first_page_uri"] == f"{path}?PageSize=50&Page=0"
    assert body["uri"] == body["first_page_uri"]
    if len(body[key]) < 50:
        assert body["next_page_uri"] is None


def test_page_uris_are_relative_and_url_encoded(api: Api, main_sid: str) -> None:
    """Filters come back in request order, percent-encoded like Twilio's (``DateSent%3E=``)."""
    path = f"{account_path(main_sid)}/Messages.json"
    numbers = api.ok(f"{account_path(main_sid)}/IncomingPhoneNumbers/Local.json")
    ours = numbers["incoming_phone_numbers"][0]["phone_number"]
    params = [
        ("From", ours),
        ("DateSent>", "2026-11-01"),
        ("DateSent<", "2026-11-19"),
        ("PageSize", "2"),
    ]
    body = api.ok(path, params)
    encoded = f"From=%2B{ours[1:]}&DateSent%3E=2026-11-01&DateSent%3C=2026-11-19&PageSize=2"
    assert body["first_page_uri"] == f"{path}?{encoded}&Page=0"
    assert body["uri"] == body["first_page_uri"]
    last = body["messages"][-1]["sid"]
    assert body["next_page_uri"] == f"{path}?{encoded}&Page=1&PageToken=PA{last}"

    second = api.ok(body["next_page_uri"])
    assert second["uri"] == body["next_page_uri"]
    assert second["first_page_uri"] == body["first_page_uri"]
    first = second["messages"][0]["sid"]
    assert second["previous_page_uri"] == f"{path}?{encoded}&Page=0&PageToken=PB{first}"
    assert (second["page"], second["start"], second["end"]) == (1, 2, 3)


def test_iso_and_channel_values_are_percent_encoded(
    api: Api, main_sid: str, main_messages: list[dict[str, Any]]
) -> None:
    """Colons and '+' in values are encoded (``whatsapp%3A%2B…``, ``T23%3A59%3A59Z``)."""
    whatsapp = next(m for m in main_messages if m["to"].startswith("whatsapp:"))
    path = f"{account_path(main_sid)}/Messages.json"
    body = api.ok(path, {"To": whatsapp["to"], "DateSent": "2026-11-19T23:59:59Z"})
    to = "whatsapp%3A%2B" + whatsapp["to"].removeprefix("whatsapp:+")
    assert body["uri"] == f"{path}?To={to}&DateSent=2026-11-19T23%3A59%3A59Z&PageSize=50&Page=0"


def test_all_uris_are_relative(api: Api, main_sid: str) -> None:
    """Every ``*_uri`` and record ``uri`` is a path on api.twilio.com, never an absolute URL."""
    uri_pattern = re.compile(r"^/2010-04-01/[^\s]+$")
    for endpoint, _ in LIST_ENDPOINTS:
        body = api.ok(_path(main_sid, endpoint), {"PageSize": 2})
        for name in ("first_page_uri", "next_page_uri", "previous_page_uri", "uri"):
            value = body[name]
            assert value is None or uri_pattern.match(value), (endpoint, name, value)
        for record in body[records_key(body)]:
            assert uri_pattern.match(record["uri"]), record["uri"]
            for sub in (record.get("subresource_uris") or {}).values():
                assert uri_pattern.match(sub), sub


def test_empty_page_envelope(api: Api, main_sid: str) -> None:
    """An empty list is page 0 with start = end = 0 and no neighbours (as in the spec)."""
    # A day inside Twilio's 400-day retention (older ones are an error) before the history.
    body = api.ok(f"{account_path(main_sid)}/Messages.json", {"DateSent": "2026-01-01"})
    assert body["messages"] == []
    assert (body["start"], body["end"], body["page"]) == (0, 0, 0)
    assert body["next_page_uri"] is None
    assert body["previous_page_uri"] is None


def test_twilio_response_headers(api: Api, main_sid: str) -> None:
    """Request id, JSON content type and a ``Date`` from the emulator's clock, not the host's."""
    response = api.get(f"{account_path(main_sid)}/Messages.json", {"PageSize": 1})
    assert re.fullmatch(r"RQ[0-9a-f]{32}", response.headers["twilio-request-id"])
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["date"] == "Fri, 20 Nov 2026 12:00:00 GMT"
    assert int(response.headers["twilio-concurrent-requests"]) >= 1
