"""Records whose filter date is still null: found whatever the list's order, never lost.

A message has no ``date_sent`` while it is scheduled, queued, accepted, sending
or receiving, and never gets one if it is canceled or fails before sending; a
call has no ``start_time`` until it is dialled. A date filter never matches
them, so the day windows cannot see them. Twilio documents its lists as "newest
first" by that date and says nothing of where undated records sit, so this
module is right under each order a server may use: undated first, undated last,
or everything by ``date_created``.

Each run, per account, before the day windows:

1. **Sweep** the unfiltered list, newest first, emitting every undated record.
   The first sweep of an account reads the whole list. Later sweeps stop early
   only once the server has shown that undated records are not all at the end of
   its lists (an undated record followed by a dated one, in any sweep): then they
   stop at the first dated record created before the previous sweep's newest
   record (less ``MARGIN``). Until then, and forever on a server that puts them
   last, every sweep reads the whole list: every run, or (``undated_sweep_days``
   N) once every N of Twilio's UTC days, a new undated record then waiting for it.
2. **Re-read by SID** each record a previous run saw undated and still pending
   (scheduled, queued...) that this sweep did not see, until it is dated or
   final: a scheduled message canceled long after it was created keeps no date
   and may sit anywhere in the list. A 404 means it was deleted: it is dropped.

A sweep that reads the whole list has met every dated record too, so it
**is** the run's read of its days (``Fold``): it emits the dated records of the
run's days as it meets them, newest first, and no day window reads them again.
The bookmark moves once, to the newest of them, at a ``Checkpoint`` after the
sweep's last record; until then the state keeps the day the fold began, so a run
killed half way starts its days there again, never at a bookmark the fold passed
on its way down.

The SDK reads the accounts one after another, and a whole-list sweep is one chain
of pages (each page links to the next): when a stream starts an account, the
whole-list sweeps of the next ``SWEEPS_AHEAD`` accounts start too
(``Session.fetch_ahead``: a few pages wait in memory, the rest in a temporary
file), so the chains run side by side instead of one after another.

State, per account: the pending SIDs, the floor of the next sweep, whether
the server is known not to put undated records last, the day of the last
whole-list sweep, and the first day of a fold not finished. Cost in requests:
the sweep reads records/page_size pages (the whole list until the order is
known, then about the records created since the last run; a whole-list sweep
replaces the day windows), plus one request per pending record the sweep did
not see.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tap_twilio.checkpoint import Checkpoint
from tap_twilio.client import instance_shape
from tap_twilio.errors import NotFoundError
from tap_twilio.values import convert

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_twilio.concurrency import Ahead
    from tap_twilio.streams.base import WindowStream

STATE_KEY = "undated"
MARGIN = dt.timedelta(hours=1)  # clock skew and late writes between two sweeps
ORDER_SEEN = "undated_not_last"  # the session's note that this server lists them early
FOLDING_FROM = "folding_from"  # the memo's first day of a fold not finished yet
SWEEPS_AHEAD = 2  # next accounts whose whole-list sweep starts while this one is read


class QuietNullBookmarks(logging.Filter):
    """Drop the SDK's "New replication value is null" warning, written once per record.

    An undated record has no bookmark value by definition; the SDK leaves the
    bookmark as it is, which is right, and would otherwise warn thousands of times.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "New replication value is null"


def quiet_null_bookmarks() -> None:
    logger = logging.getLogger("singer_sdk")
    if not any(isinstance(f, QuietNullBookmarks) for f in logger.filters):
        logger.addFilter(QuietNullBookmarks())


@dataclass(frozen=True)
class Undated:
    """How a stream finds its records with a null filter date, and which still change."""

    pending_statuses: frozenset[str]  # undated statuses that change later: re-read them
    instance_path: str  # the record by SID, e.g. ".../Messages/{sid}.json"

    def records(
        self, stream: WindowStream, context: Context | None, fold: Fold | None
    ) -> Generator[dict | Checkpoint, None, bool]:
        """Every undated record the account has, and each pending one's latest version;
        and, when this run's sweep reads the whole list, the dated records of ``fold``'s
        days. Returns whether it did (the day windows are then read already)."""
        state = stream.get_context_state(context)
        memo: dict[str, Any] = dict(state.get(STATE_KEY) or {})
        floor = memo.get("floor")
        today = stream.session.today()
        early_stop, due, sweep_floor = _plan(stream, memo, today)
        sweep = _Sweep(sweep_floor, watched=frozenset(memo.get("pending", ())))
        swept_on = memo.get("swept_on")
        self._sweep_ahead(stream, context, today)
        ahead = stream.session.fetched_ahead((stream.name, (context or {}).get("account_sid", "")))
        if ahead is not None and not due:
            ahead.cancel()
        if not (due and sweep.whole):
            fold = None
        folding = {FOLDING_FROM: fold.first} if fold is not None else {}
        # A run killed during the fold begins its days here again (``fold_begun``).
        state[STATE_KEY] = {**(state.get(STATE_KEY) or {}), **folding}
        bookmark = state.get("replication_key_value")
        if due:
            yield from self._sweep(stream, context, sweep, fold, ahead)
            if not early_stop:
                swept_on = today.isoformat()
        pending = {
            sid
            for sid in memo.get("pending", ())
            if sid not in sweep.seen and sid not in sweep.dated
        }
        for record in self._reread(stream, context, sorted(pending)):
            if self._is_pending(stream, record):
                sweep.pending.add(record["sid"])
            yield record
        if sweep.not_last:
            stream.session.learned[ORDER_SEEN] = True
        state[STATE_KEY] = {
            "pending": sorted(sweep.pending),
            "floor": sweep.next_floor(floor),
            "not_last": bool(memo.get("not_last")) or sweep.not_last,
            "swept_on": swept_on,
            **folding,
        }
        if fold is None:
            return False
        newest = max((v for v in (bookmark, sweep.newest_folded) if v), default=None)
        yield FoldDone(stream, context, newest)
        return True

    def _sweep(
        self,
        stream: WindowStream,
        context: Context | None,
        sweep: _Sweep,
        fold: Fold | None,
        ahead: Ahead | None,
    ) -> Iterator[dict]:
        """The sweep, on the pages fetched ahead if a previous account started them (the
        same requests: the unfiltered list from its first page), else on pages read now."""
        rk = stream.replication_key
        dated_by = (rk, "date_created")
        converters = {k: stream.converters[k] for k in dated_by}
        pages = ahead.chunks() if ahead is not None else None
        if pages is None:
            pages = self._pages(stream, context, whole=sweep.whole)
        try:
            for page in pages:
                for raw in page:
                    # A whole sweep meets every record of the list and emits few: each is
                    # judged on its dates alone, and only those emitted are prepared.
                    dates = convert({k: raw.get(k) for k in dated_by}, converters)
                    if sweep.observe(raw["sid"], dates[rk], dates["date_created"]):
                        record = stream.prepare(raw)
                        if self._is_pending(stream, record):
                            sweep.pending.add(record["sid"])
                        yield record
                    elif fold is not None and fold.holds(dates[rk]):
                        sweep.fold(dates[rk])
                        yield stream.prepare(raw)
                if sweep.done:
                    return
        finally:  # stopped early, or failed: what is still fetched ahead is not needed
            if ahead is not None:
                ahead.cancel()

    def _pages(
        self, stream: WindowStream, context: Context | None, *, whole: bool
    ) -> Iterator[list[dict]]:
        """The unfiltered list's pages, newest first (each next one asked for ahead when
        the sweep reads them all). Only iterating it makes requests."""
        assert stream.records_key is not None
        params = {**stream.params, "PageSize": stream.page_size}
        client = stream.client_for(context)
        return client.pages(stream.url_path(context), params, stream.records_key, read_ahead=whole)

    def _sweep_ahead(self, stream: WindowStream, context: Context | None, today: dt.date) -> None:
        """Start the whole-list sweeps of the next ``SWEEPS_AHEAD`` accounts, so their chains
        of pages overlap this account's. Decided here, on the main thread, by the rule
        ``records`` applies then; a sweep that no longer needs them cancels them."""
        accounts = stream.session.accounts
        account = (context or {}).get("account_sid")
        if account not in accounts:
            return
        at = accounts.index(account) + 1
        for sid in accounts[at : at + SWEEPS_AHEAD]:
            later = {"account_sid": sid}
            memo = _peek_state(stream, later).get(STATE_KEY) or {}
            _, due, floor = _plan(stream, memo, today)
            if due and floor is None:
                stream.session.fetch_ahead(
                    (stream.name, sid), self._pages(stream, later, whole=True)
                )

    def _reread(
        self, stream: WindowStream, context: Context | None, sids: list[str]
    ) -> Iterator[dict]:
        """The pending records the sweep did not meet, read by SID (concurrently)."""
        path = self.instance_path.format(**(context or {}), sid="{sid}")
        client = stream.client_for(context)
        shape = instance_shape(("sid",))

        def fetch(sid: str) -> Iterator[list[dict]]:
            try:
                yield [stream.prepare(client.get(path.format(sid=sid), None, shape))]
            except NotFoundError:
                yield []  # deleted: nothing left to follow

        for _, records in stream.session.in_order(sids, fetch):
            yield from records

    def _is_pending(self, stream: WindowStream, record: dict) -> bool:
        return (
            record.get(stream.replication_key) is None
            and record.get("status") in self.pending_statuses
        )


@dataclass(frozen=True)
class Fold:
    """The run's days, ``first`` to ``last`` (ISO days, compared as text once per record):
    a whole-list sweep emits their dated records."""

    first: str
    last: str

    @classmethod
    def days(cls, first: dt.date, last: dt.date) -> Fold:
        return cls(first.isoformat(), last.isoformat())

    def holds(self, value: str) -> bool:
        """Whether a record dated ``value`` (ISO 8601, UTC) falls on one of the days."""
        return self.first <= value[:10] <= self.last


def fold_begun(stream: WindowStream, context: Context | None) -> dt.date | None:
    """The first day of a fold a previous run began and did not finish, if any."""
    memo = stream.get_context_state(context).get(STATE_KEY) or {}
    begun = memo.get(FOLDING_FROM)
    return dt.date.fromisoformat(begun) if begun else None


@dataclass(frozen=True)
class FoldDone(Checkpoint):
    """After a fold's last record: the bookmark moves to the newest record folded (the
    SDK moved it record by record, downwards), and the fold is finished."""

    stream: WindowStream
    context: Context | None
    bookmark: str | None

    def reached(self) -> None:
        state = self.stream.get_context_state(self.context)
        if self.bookmark is not None:
            state["replication_key"] = self.stream.replication_key
            state["replication_key_value"] = self.bookmark
        (state.get(STATE_KEY) or {}).pop(FOLDING_FROM, None)


def _plan(
    stream: WindowStream, memo: dict[str, Any], today: dt.date
) -> tuple[bool, bool, str | None]:
    """From an account's memo: whether its sweeps may stop early (the server lists undated
    records early), whether one is due this run, and the floor it stops at (None: whole)."""
    early_stop = bool(memo.get("not_last")) or bool(stream.session.learned.get(ORDER_SEEN))
    due = early_stop or _sweep_due(memo.get("swept_on"), today, stream.settings.undated_sweep_days)
    return early_stop, due, memo.get("floor") if early_stop else None


def _peek_state(stream: WindowStream, context: Context) -> dict:
    """The state of ``context``, without creating it as ``get_context_state`` does: a look
    ahead must leave the state, and so the output, as it was."""
    bookmarks = stream.tap_state.get("bookmarks", {}).get(stream.name, {})
    partitions = bookmarks.get("partitions", [])
    return next((p for p in partitions if p.get("context") == context), {})


def _sweep_due(swept_on: str | None, today: dt.date, every_days: int) -> bool:
    """Whether a whole-list sweep is due: every run (0), or once per ``every_days``."""
    if every_days == 0 or swept_on is None:
        return True
    return today >= dt.date.fromisoformat(swept_on) + dt.timedelta(days=every_days)


class _Sweep:
    """What one sweep has seen, and whether it may stop."""

    def __init__(self, floor: str | None, watched: frozenset[str] = frozenset()) -> None:
        self.floor = floor  # stop at a dated record created before this (None: read all)
        self.watched = watched  # the SIDs pending after the previous run
        self.seen: set[str] = set()  # undated SIDs met
        # Watched SIDs met with a date (no longer pending); only those, so memory follows
        # the pending records, not the list's length (a whole sweep meets every record).
        self.dated: set[str] = set()
        self.pending: set[str] = set()
        self.newest_created: str | None = None
        self.newest_folded: str | None = None  # the newest dated record emitted (a fold)
        self.not_last = False  # an undated record came before a dated one
        self.done = False
        self._undated_met = False

    def observe(self, sid: str, date: str | None, created: str | None) -> bool:
        """Take in one record in list order (its filter date and creation date, ISO 8601);
        True if it is undated (to emit)."""
        if created and (self.newest_created is None or created > self.newest_created):
            self.newest_created = created
        if date is None:
            self._undated_met = True
            self.seen.add(sid)
            return True
        if sid in self.watched:
            self.dated.add(sid)
        if self._undated_met:
            self.not_last = True
        if self.floor is not None and created and created < self.floor:
            self.done = True
        return False

    @property
    def whole(self) -> bool:
        """No floor to stop at: the sweep reads every page of the list."""
        return self.floor is None

    def fold(self, value: str) -> None:
        if self.newest_folded is None or value > self.newest_folded:
            self.newest_folded = value

    def next_floor(self, previous: str | None) -> str | None:
        """Where the next sweep may stop: this one's newest record, less the margin."""
        if self.newest_created is None:
            return previous
        newest = dt.datetime.fromisoformat(self.newest_created)
        return (newest - MARGIN).isoformat()
