"""The Messages list's order and filters, including where messages without a date_sent go.

Twilio documents the list as newest first by DateSent and says nothing of the
messages that have none (scheduled, queued, sending, receiving, canceled, failed
before sending). ``undated_order`` plays each plausible answer:

- ``nulls-last``: sent messages newest first by date_sent, then the undated ones
  newest first by date_created;
- ``nulls-first``: the undated ones first, then the sent ones;
- ``date-created``: every message newest first by date_created.

A ``DateSent`` filter never matches an undated message, whatever the order.
"""

from __future__ import annotations

from collections.abc import Callable

from ..activity import Message
from ..lifecycle import MAX_LAG_DAYS
from ..paging import ChainListing, Listing
from ..store import Store
from ..timefmt import DAY
from ..world import Account
from .traffic import DayListing, DayRange


def _by_sent(message: Message) -> tuple[int, str]:
    return (message.sent or 0, message.sid)


def _by_created(message: Message) -> tuple[int, str]:
    return (message.created, message.sid)


def message_listing(
    store: Store,
    account: Account,
    now: int,
    *,
    order: str,
    sent: DayRange,
    matches: Callable[[Message], bool],
) -> Listing[Message]:
    """The account's messages at ``now`` in ``order``, those passing ``matches`` (To, From)
    and sent within ``sent`` (when that filter is given)."""
    first, today = store.retained_from(account), store.today

    def sent_by_now(m: Message) -> bool:
        return m.sent is not None and m.sent <= now

    def dated(m: Message) -> bool:
        kept = m.created // DAY >= first  # a message sent lately may be older than retention
        return sent_by_now(m) and m.exists_at(now) and kept

    def keep(m: Message) -> bool:
        if sent.active:
            return dated(m) and sent.contains(m.sent) and matches(m)
        return matches(m)

    if order == "date-created":
        return _by_creation(store, account, now, sent, keep)
    by_sent = DayListing(
        rows_of_day=lambda day: store.sent_on(account, day),
        by_sid=store.any_message,
        lo=first if sent.lo is None else max(first, sent.lo),
        hi=today if sent.hi is None else min(today, sent.hi),
        now=now,
        predicate=lambda m: dated(m) and keep(m),
        key_of=_by_sent,
    )
    if sent.active:  # undated messages never match a DateSent filter
        return by_sent

    def undated_rows(day: int) -> list[Message]:
        # Long ago, only messages never sent are undated; recently, any may still be pending.
        recent = day >= today - MAX_LAG_DAYS
        return store.traffic(account, day).messages if recent else store.never_sent(account, day)

    undated = DayListing(
        rows_of_day=undated_rows,
        by_sid=store.any_message,
        lo=first,
        hi=today,
        now=now,
        predicate=lambda m: m.exists_at(now) and not dated(m) and matches(m),
        key_of=_by_created,
    )
    parts: list[tuple[int, Listing[Message]]] = (
        [(1, by_sent), (0, undated)] if order == "nulls-last" else [(1, undated), (0, by_sent)]
    )
    dated_rank = 1 if order == "nulls-last" else 0
    # A page token's record keeps its place even if deleted since: rank by date_sent alone.
    return ChainListing(
        parts,
        rank_of=lambda m: dated_rank if sent_by_now(m) else 1 - dated_rank,
        by_sid=store.any_message,
    )


def _by_creation(
    store: Store,
    account: Account,
    now: int,
    sent: DayRange,
    keep: Callable[[Message], bool],
) -> Listing[Message]:
    """Every message newest first by date_created (the ``date-created`` order).

    With a DateSent range, a message sent in it may have been created up to
    ``MAX_LAG_DAYS`` before: those days contribute only their ``late`` messages.
    """
    first, today = store.retained_from(account), store.today
    lo = first if sent.lo is None else max(first, sent.lo - MAX_LAG_DAYS)
    hi = today if sent.hi is None else min(today, sent.hi)
    whole_from = lo if sent.lo is None else sent.lo - 1

    def rows_of_day(day: int) -> list[Message]:
        traffic = store.traffic(account, day)
        return traffic.messages if day >= whole_from else traffic.late

    return DayListing(
        rows_of_day=rows_of_day,
        by_sid=store.any_message,
        lo=lo,
        hi=hi,
        now=now,
        predicate=lambda m: m.exists_at(now) and keep(m),
        key_of=_by_created,
    )
