"""Paging: PageSize bounds, PA/PB tokens, and walks that neither skip nor repeat.

A tap reads every record by following ``next_page_uri`` while traffic keeps
arriving, so a walk must visit each record once, newest first, even when the
clock moves between pages.
"""

from __future__ import annotations

from itertools import islice, pairwise
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support import (
    NOW,
    Api,
    Live,
    account_path,
    decode,
    make_config,
    parse_rfc2822,
    start,
)
from twilio_emulator.catalog import USAGE_CATEGORIES


def _sids(records: list[dict[str, Any]]) -> list[str]:
    return [r["sid"] for r in records]


def _assert_newest_first(records: list[dict[str, Any]]) -> None:
    created = [parse_rfc2822(r["date_created"]) for r in records]
    assert all(a >= b for a, b in pairwise(created)), "not newest first"


def _assert_messages_in_api_order(records: list[dict[str, Any]]) -> None:
    """The default order (``nulls-last``): sent newest first by date_sent, then the rest."""
    dated = [r for r in records if r["date_sent"] is not None]
    assert records[: len(dated)] == dated, "undated messages come after every sent one"
    sent = [parse_rfc2822(r["date_sent"]) for r in dated]
    assert all(a >= b for a, b in pairwise(sent)), "not newest first by date_sent"
    _assert_newest_first(records[len(dated) :])


def test_default_page_size_is_50(api: Api, main_sid: str) -> None:
    body = api.ok(f"{account_path(main_sid)}/Messages.json")
    assert body["page_size"] == 50
    assert len(body["messages"]) == 50
    assert body["end"] == 49


def test_page_size_1000_is_the_maximum(api: Api, main_sid: str) -> None:
    body = api.ok(f"{account_path(main_sid)}/Messages.json", {"PageSize": 1000})
    assert (body["page_size"], len(body["messages"]), body["end"]) == (1000, 1000, 999)


@pytest.mark.parametrize("resource", ["Messages.json", "Calls.json", "Usage/Records/Daily.json"])
def test_page_size_above_1000_is_error_20007(api: Api, main_sid: str, resource: str) -> None:
    """Twilio rejects PageSize > 1000 with a JSON 400, code 20007; it does not clamp."""
    response = api.get(f"{account_path(main_sid)}/{resource}", {"PageSize": 1001})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert decode(response) == {
        "code": 20007,
        "message": "Page size too large. The maximum page size is 1000",
        "more_info": "https://www.twilio.com/docs/errors/20007",
        "status": 400,
    }


@pytest.mark.parametrize("size", ["0", "-5", "ten"])
def test_nonsense_page_size_is_400(api: Api, main_sid: str, size: str) -> None:
    response = api.get(f"{account_path(main_sid)}/Messages.json", {"PageSize": size})
    assert response.status_code == 400
    assert decode(response)["status"] == 400


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "PA",
        "PASM00000000000000000000000000000000",
        "PBSM00000000000000000000000000000000",
        "XXSM00000000000000000000000000000000",
    ],
)
def test_invalid_page_token_is_error_21481(api: Api, main_sid: str, token: str) -> None:
    response = api.get(f"{account_path(main_sid)}/Messages.json", {"PageToken": token})
    assert response.status_code == 400
    body = decode(response)
    assert (body["code"], body["status"]) == (21481, 400)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/21481"


def test_walk_visits_every_message_once_newest_first(
    api: Api, client: TestClient, main_sid: str, main_messages: list[dict[str, Any]]
) -> None:
    """A 1000-record walk and an odd-sized one give the same sequence, and the truth's count."""
    sids = _sids(main_messages)
    assert len(sids) == len(set(sids))
    _assert_messages_in_api_order(main_messages)
    truth = decode(client.get("/_emulator/truth"))
    assert len(sids) == truth["accounts"][main_sid]["messages"]["total"]

    path = f"{account_path(main_sid)}/Messages.json"
    size = 733
    walked: list[str] = []
    for number, page in enumerate(api.pages(path, {"PageSize": size})):
        assert (page["page"], page["start"]) == (number, number * size)
        assert page["end"] == page["start"] + len(page["messages"]) - 1
        assert len(page["messages"]) == size or page["next_page_uri"] is None
        walked += _sids(page["messages"])
    assert walked == sids


def test_walk_visits_every_call_once_newest_first(
    client: TestClient, main_sid: str, main_calls: list[dict[str, Any]]
) -> None:
    sids = _sids(main_calls)
    assert len(sids) == len(set(sids))
    _assert_newest_first(main_calls)
    truth = decode(client.get("/_emulator/truth"))
    assert len(sids) == truth["accounts"][main_sid]["calls"]["total"]


def test_accounts_and_usage_walks_match_single_pages(api: Api, main_sid: str) -> None:
    """Tokens also work on the small in-memory lists (accounts, usage records)."""
    accounts = api.walk("/2010-04-01/Accounts.json", {"PageSize": 1})
    assert [a["sid"] for a in accounts] == [
        a["sid"] for a in api.ok("/2010-04-01/Accounts.json")["accounts"]
    ]
    assert len(accounts) == 6  # 3 active, 2 closed (one part-way), 1 suspended

    path = f"{account_path(main_sid)}/Usage/Records/Daily.json"
    params = {"StartDate": "2026-10-01", "EndDate": "2026-11-20"}
    large_pages = api.walk(path, {**params, "PageSize": 100})
    walked = api.walk(path, {**params, "PageSize": 7})
    key = [(r["start_date"], r["category"]) for r in walked]
    assert key == [(r["start_date"], r["category"]) for r in large_pages]
    assert len(key) == len(set(key)) == 51 * len(USAGE_CATEGORIES)


def test_previous_page_uri_returns_the_exact_previous_page(api: Api, main_sid: str) -> None:
    """PB tokens walk back page by page to page 0, whose previous_page_uri is null."""
    path = f"{account_path(main_sid)}/Messages.json"
    forward = list(islice(api.pages(path, {"PageSize": 7}), 4))
    page = forward[-1]
    for expected in reversed(forward[:-1]):
        assert page["previous_page_uri"] is not None
        page = api.ok(page["previous_page_uri"])
        assert _sids(page["messages"]) == _sids(expected["messages"])
        assert (page["page"], page["start"], page["end"]) == (
            expected["page"],
            expected["start"],
            expected["end"],
        )
    assert page["previous_page_uri"] is None
    # Going forward again from a page reached backwards lands on the same next page.
    again = api.ok(page["next_page_uri"])
    assert _sids(again["messages"]) == _sids(forward[1]["messages"])


@pytest.mark.parametrize(
    ("resource", "window"),
    [("Messages.json", "DateSent<"), ("Calls.json", "StartTime<")],
)
def test_next_page_uri_resumes_in_a_fresh_emulator(
    api: Api, main_sid: str, resource: str, window: str
) -> None:
    """A token names a record, not process state: the same seed and clock resume anywhere."""
    path = f"{account_path(main_sid)}/{resource}"
    page = api.ok(path, {window: "2026-08-10", "PageSize": 100})
    fresh = start(make_config())
    for uri in (page["next_page_uri"], api.ok(page["next_page_uri"])["previous_page_uri"]):
        assert fresh.api.ok(uri) == api.ok(uri)


def test_walk_survives_the_clock_moving_between_pages() -> None:
    """New records land at the head; a walk begun earlier neither repeats nor skips one.

    That holds when the list is by date_created; by date_sent, a message sent while a
    walk is under way moves to the head (``test_lifecycle`` shows it).
    """
    live = start(make_config(undated_order="date-created"))
    path = f"{account_path(live.main_sid)}/Messages.json"
    pages = live.api.pages(path, {"PageSize": 250})
    first, second = next(pages), next(pages)
    before = first["messages"] + second["messages"]
    live.advance(advance="6h")
    # The previous page is still exactly the first page, whatever arrived since.
    back = live.api.ok(second["previous_page_uri"])
    assert _sids(back["messages"]) == _sids(first["messages"])

    walked = before + [m for page in pages for m in page["messages"]]
    sids = _sids(walked)
    assert len(sids) == len(set(sids))
    _assert_newest_first(walked)

    now = live.api.walk(path, {"PageSize": 1000})
    new = [m for m in now if parse_rfc2822(m["date_created"]).timestamp() > NOW]
    assert new, "six hours of traffic should have added messages"
    assert _sids(now) == _sids(new) + sids


def test_call_walk_survives_the_clock_moving_between_pages(live: Live) -> None:
    path = f"{account_path(live.main_sid)}/Calls.json"
    pages = live.api.pages(path, {"PageSize": 300})
    walked = list(next(pages)["calls"])
    live.advance(advance_seconds=3 * 3600)
    walked += [c for page in pages for c in page["calls"]]
    now = live.api.walk(path, {"PageSize": 1000})
    old = [c for c in now if parse_rfc2822(c["date_created"]).timestamp() <= NOW]
    assert len(old) < len(now)
    assert _sids(walked) == _sids(old)
