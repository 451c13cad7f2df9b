"""Where messages without a date_sent sit in the Messages list (``undated_order``).

Twilio documents newest first by DateSent and is silent on nulls, so each plausible
order is played; whichever it is, paging neither repeats nor skips, and a DateSent
filter never matches an undated message.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from itertools import islice, pairwise
from typing import Any

import pytest

from tests.support import Live, account_path, make_config, start
from twilio_emulator.behaviours import UNDATED_ORDERS
from twilio_emulator.emulator import EmulatorConfig

SMALL: dict[str, Any] = {"days": 40, "messages_per_day": 150, "calls_per_day": 5, "customers": 100}


def ts(value: str) -> float:
    return parsedate_to_datetime(value).timestamp()


@pytest.fixture(scope="module", params=UNDATED_ORDERS)
def served(request: pytest.FixtureRequest) -> tuple[str, Live, list[dict]]:
    live = start(make_config(**SMALL, undated_order=request.param))
    walked = live.api.walk(f"{account_path(live.main_sid)}/Messages.json", {"PageSize": 1000})
    return request.param, live, walked


def path(live: Live) -> str:
    return f"{account_path(live.main_sid)}/Messages.json"


def test_the_default_is_nulls_last() -> None:
    assert EmulatorConfig().undated_order == "nulls-last"
    with pytest.raises(ValueError, match="undated_order must be one of"):
        EmulatorConfig(undated_order="sideways")


def test_the_order_of_each_setting(served: tuple[str, Live, list[dict]]) -> None:
    order, _, walked = served
    dated = [m for m in walked if m["date_sent"] is not None]
    undated = [m for m in walked if m["date_sent"] is None]
    assert dated
    assert undated
    if order == "date-created":
        keys = [(ts(m["date_created"]), m["sid"]) for m in walked]
        assert keys == sorted(keys, reverse=True)
        return
    first, second = (dated, undated) if order == "nulls-last" else (undated, dated)
    assert walked == first + second
    sent = [(ts(m["date_sent"]), m["sid"]) for m in dated]
    assert sent == sorted(sent, reverse=True), "sent messages newest first by date_sent"
    created = [(ts(m["date_created"]), m["sid"]) for m in undated]
    assert created == sorted(created, reverse=True), "the rest newest first by date_created"


def test_every_order_holds_the_same_messages() -> None:
    walks = {}
    for order in UNDATED_ORDERS:
        live = start(make_config(**SMALL, undated_order=order))
        walks[order] = sorted(m["sid"] for m in live.api.walk(path(live), {"PageSize": 1000}))
    assert walks["nulls-last"] == walks["nulls-first"] == walks["date-created"]
    assert len(walks["nulls-last"]) == len(set(walks["nulls-last"]))


def test_small_pages_walk_the_same_list(served: tuple[str, Live, list[dict]]) -> None:
    _, live, walked = served
    small = live.api.walk(path(live), {"PageSize": 37})
    assert [m["sid"] for m in small] == [m["sid"] for m in walked]


def test_previous_pages_across_the_undated_boundary(served: tuple[str, Live, list[dict]]) -> None:
    order, live, walked = served
    boundary = next(i for i, (a, b) in enumerate(pairwise(walked)) if
                    (a["date_sent"] is None) != (b["date_sent"] is None))  # fmt: skip
    size = 23
    pages = list(islice(live.api.pages(path(live), {"PageSize": size}), boundary // size + 3))
    for earlier, later in pairwise(pages):
        back = live.api.ok(later["previous_page_uri"])
        assert [m["sid"] for m in back["messages"]] == [m["sid"] for m in earlier["messages"]]
    assert order in UNDATED_ORDERS


def test_date_sent_filters_never_match_undated_messages(
    served: tuple[str, Live, list[dict]],
) -> None:
    _, live, walked = served
    undated = {m["sid"] for m in walked if m["date_sent"] is None}
    for params in ({"DateSent>": "2026-10-01"}, {"DateSent": "2026-11-20"},
                   {"DateSent<": "2026-11-20"}):  # fmt: skip
        got = live.api.walk(path(live), {**params, "PageSize": 1000})
        assert got
        assert not undated & {m["sid"] for m in got}
        assert all(m["date_sent"] is not None for m in got)


def test_date_sent_filters_find_messages_sent_long_after_creation(
    served: tuple[str, Live, list[dict]],
) -> None:
    """A scheduled message is filed under the day it was sent, weeks after it was created."""
    _, live, walked = served
    late = [
        m for m in walked
        if m["date_sent"] and ts(m["date_sent"]) - ts(m["date_created"]) > 7 * 86_400
    ]  # fmt: skip
    assert late
    for message in late[:5]:
        day = parsedate_to_datetime(message["date_sent"]).date().isoformat()
        got = live.api.walk(path(live), {"DateSent": day, "PageSize": 1000})
        assert message["sid"] in {m["sid"] for m in got}
        expected = {m["sid"] for m in walked if m["date_sent"] and
                    parsedate_to_datetime(m["date_sent"]).date().isoformat() == day}  # fmt: skip
        assert {m["sid"] for m in got} == expected


def test_a_page_token_survives_its_record_being_deleted() -> None:
    """The walk resumes after the boundary record, wherever it was, even once it is gone."""
    live = start(make_config(**SMALL))
    emu, now = live.emulator, live.emulator.clock.now()
    walked = live.api.walk(path(live), {"PageSize": 1000})
    position = {m["sid"]: i for i, m in enumerate(walked)}
    doomed = next(
        m for account in emu.world.active_accounts if account.sid == live.main_sid
        for day in emu.store.history_days(account)
        for m in emu.store.traffic(account, day).messages
        if m.deleted_at and now < m.deleted_at < now + 5 * 86_400 and m.sid in position
    )  # fmt: skip
    token = {"PageSize": 5, "Page": 1, "PageToken": f"PA{doomed.sid}"}
    before = [m["sid"] for m in live.api.ok(path(live), token)["messages"]]
    assert before == [m["sid"] for m in walked[position[doomed.sid] + 1 :][:5]]
    live.advance(advance_seconds=doomed.deleted_at - now)  # type: ignore[operator]
    assert (
        live.api.get(f"{account_path(live.main_sid)}/Messages/{doomed.sid}.json").status_code == 404
    )
    after = [m["sid"] for m in live.api.ok(path(live), token)["messages"]]
    assert after[:3] == before[:3]
