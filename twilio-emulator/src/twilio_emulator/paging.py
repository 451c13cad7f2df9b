"""List paging as Twilio does it: ``PageSize``, ``PageToken`` and the two envelopes.

The 2010 API wraps a page in relative ``*_uri`` keys; the product APIs
(``monitor``, ``studio``, ...) put absolute ``*_url`` values under ``meta``.
A page token names the boundary record (``PA<sid>`` = the page after it,
``PB<sid>`` = the page before it), so paging stays correct while new records
arrive at the head of the list. Clients just follow ``next_page_uri`` or
``meta.next_page_url``.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

from .errors import TwilioError, bad_request

Row = TypeVar("Row")
Key = Any

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class Listing(Protocol[Row]):
    """A list in API order (newest first) that can be entered at any record."""

    def after(self, key: Key | None) -> Iterator[Row]:
        """Rows in API order strictly after ``key`` (from the head when None)."""

    def before(self, key: Key) -> Iterator[Row]:
        """Rows in reverse API order strictly before ``key``."""

    def key(self, row: Row) -> Key: ...

    def token(self, row: Row) -> str: ...

    def resolve(self, token: str) -> Key | None:
        """The key of the record a token names, or None if unknown."""


@dataclass
class SequenceListing(Generic[Row]):
    """A small in-memory list, already in API order, keyed by ``key`` descending."""

    rows: Sequence[Row]
    key_fn: Callable[[Row], Key]
    token_fn: Callable[[Row], str]

    def __post_init__(self) -> None:
        self._neg_keys = [_Desc(self.key_fn(r)) for r in self.rows]
        self._by_token = {self.token_fn(r): self.key_fn(r) for r in self.rows}
        self._index = {self.token_fn(r): i for i, r in enumerate(self.rows)}

    def index_of(self, row: Row) -> int:
        """The row's position in API order (0 = the newest)."""
        return self._index[self.token_fn(row)]

    def after(self, key: Key | None) -> Iterator[Row]:
        start = 0 if key is None else bisect_right(self._neg_keys, _Desc(key))
        return iter(self.rows[start:])

    def before(self, key: Key) -> Iterator[Row]:
        stop = bisect_left(self._neg_keys, _Desc(key))
        return reversed(self.rows[:stop])

    def key(self, row: Row) -> Key:
        return self.key_fn(row)

    def token(self, row: Row) -> str:
        return self.token_fn(row)

    def resolve(self, token: str) -> Key | None:
        return self._by_token.get(token)


# The key past the end of a newest-first list of (epoch seconds, sid) keys, older than
# every row: what comes before it is every row (``before`` yields them oldest first).
END_KEY = (-(2**62), "")


@dataclass
class ChainListing(Generic[Row]):
    """Listings one after another in API order, as one list: ``parts`` are (rank, listing),
    highest rank first; a row's key is its part's key prefixed by the rank ``rank_of``
    gives it at the clock (a record can move parts as it changes, e.g. when sent)."""

    parts: Sequence[tuple[int, Listing[Row]]]
    rank_of: Callable[[Row], int]
    by_sid: Callable[[str], Row | None]

    def _part(self, rank: int) -> Listing[Row]:
        return next(listing for r, listing in self.parts if r == rank)

    def key(self, row: Row) -> Key:
        rank = self.rank_of(row)
        return (rank, *self._part(rank).key(row))

    def token(self, row: Row) -> str:
        return row.sid  # type: ignore[attr-defined]

    def resolve(self, token: str) -> Key | None:
        row = self.by_sid(token)
        return None if row is None else self.key(row)

    def after(self, key: Key | None) -> Iterator[Row]:
        for rank, listing in self.parts:
            if key is None or rank < key[0]:
                yield from listing.after(None)
            elif rank == key[0]:
                yield from listing.after(tuple(key[1:]))

    def before(self, key: Key) -> Iterator[Row]:
        for rank, listing in reversed(self.parts):
            if rank == key[0]:
                yield from listing.before(tuple(key[1:]))
            elif rank > key[0]:
                yield from listing.before(END_KEY)


class Created(Protocol):
    sid: str
    created: int


Dated = TypeVar("Dated", bound=Created)


def newest_first(rows: Iterable[Dated]) -> SequenceListing[Dated]:
    """A small list in Twilio's order: newest first by (date_created, sid), tokens are SIDs."""
    ordered = sorted(rows, key=lambda r: (r.created, r.sid), reverse=True)
    return SequenceListing(ordered, key_fn=lambda r: (r.created, r.sid), token_fn=lambda r: r.sid)


class _Desc:
    """Wraps a key so that bisect works on a list sorted descending."""

    __slots__ = ("value",)

    def __init__(self, value: Key) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass(frozen=True)
class PageRequest:
    path: str  # the full path, e.g. .../Accounts/AC.../Messages.json
    filters: tuple[tuple[str, str], ...]  # the request's own query filters, in request order
    page_size: int
    page: int
    token: str | None


def parse_page_request(
    path: str,
    query: list[tuple[str, str]],
    max_page_size: int = MAX_PAGE_SIZE,
    *,
    default_page_size: int = DEFAULT_PAGE_SIZE,
    too_large: TwilioError | None = None,
) -> PageRequest:
    """Split paging parameters from filters, validating PageSize like Twilio (20007).

    ``max_page_size`` is the endpoint's own maximum (1000 for most, 50 or 100
    for some Conversations lists, 25 for Verify); ``too_large`` the error above it
    when the endpoint has its own (Verify: 60373), and ``default_page_size`` the
    size of a page when none is asked for.
    """
    filters: list[tuple[str, str]] = []
    size_text = page_text = token = None
    for name, value in query:
        if name == "PageSize":
            size_text = value
        elif name == "Page":
            page_text = value
        elif name == "PageToken":
            token = value
        else:
            filters.append((name, value))
    page_size = default_page_size
    if size_text is not None:
        try:
            page_size = int(size_text)
        except ValueError:
            raise bad_request(20001, f"Invalid PageSize: {size_text}") from None
        if page_size > max_page_size:
            if too_large is not None:
                raise too_large
            raise bad_request(
                20007, f"Page size too large. The maximum page size is {max_page_size}"
            )
        if page_size < 1:
            raise bad_request(20001, "PageSize must be at least 1")
    page = 0
    if page_text is not None:
        try:
            page = max(0, int(page_text))
        except ValueError:
            raise bad_request(20001, f"Invalid Page: {page_text}") from None
    return PageRequest(path, tuple(filters), page_size, page, token)


def page_uri(request: PageRequest, *, page: int, token: str | None) -> str:
    params = [*request.filters, ("PageSize", str(request.page_size)), ("Page", str(page))]
    if token:
        params.append(("PageToken", token))
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    return f"{request.path}?{query}"


def select_page(request: PageRequest, listing: Listing[Row]) -> tuple[list[Row], bool, bool]:
    """(rows, has_next, has_previous) for the requested page."""
    size = request.page_size
    token = request.token
    if token is None:
        rows = list(itertools.islice(listing.after(None), size + 1))
        return rows[:size], len(rows) > size, False
    direction, sid = token[:2], token[2:]
    key = listing.resolve(sid) if direction in ("PA", "PB") else None
    if key is None:
        raise bad_request(21481, "Invalid PageToken")
    if direction == "PA":
        rows = list(itertools.islice(listing.after(key), size + 1))
        return rows[:size], len(rows) > size, True
    rows = list(itertools.islice(listing.before(key), size + 1))
    has_previous = len(rows) > size
    rows = rows[:size]
    rows.reverse()
    return rows, True, has_previous


Selector = Callable[[PageRequest, Any], tuple[list, bool, bool]]


def capped(cap: int, mode: str, error: TwilioError) -> Selector:
    """A page selector for a list that serves at most ``cap`` results per query.

    Give it the first ``cap + 1`` rows. ``stop``: paging ends at the cap (the page
    reaching it has no next link). ``error``: that page keeps its next link, and
    following it raises ``error``.
    """

    def select(request: PageRequest, listing: Any) -> tuple[list, bool, bool]:
        rows, has_next, has_previous = select_page(request, listing)
        shown = [r for r in rows if listing.index_of(r) < cap]
        if rows and not shown and mode == "error":
            raise error
        if shown and listing.index_of(shown[-1]) == cap - 1:  # this page reaches the cap
            return shown, mode == "error", has_previous  # (capped lists have more beyond it)
        return shown, has_next, has_previous

    return select


def _neighbour_uris(
    request: PageRequest, listing: Listing[Row], rows: list[Row], has_next: bool, has_previous: bool
) -> tuple[str | None, str | None]:
    """(next, previous) page URIs, relative to the host."""
    page = request.page
    next_uri = (
        page_uri(request, page=page + 1, token="PA" + listing.token(rows[-1]))
        if has_next and rows
        else None
    )
    previous_uri = (
        page_uri(request, page=max(0, page - 1), token="PB" + listing.token(rows[0]))
        if has_previous and rows
        else None
    )
    return next_uri, previous_uri


def list_envelope(
    request: PageRequest,
    listing: Listing[Row],
    records_key: str,
    render: Callable[[Row], Any],
) -> dict:
    """The 2010 list envelope: relative ``*_uri`` values and exactly one records key."""
    rows, has_next, has_previous = select_page(request, listing)
    page = request.page
    start = page * request.page_size
    next_uri, previous_uri = _neighbour_uris(request, listing, rows, has_next, has_previous)
    return {
        "end": start + len(rows) - 1 if rows else start,
        "first_page_uri": page_uri(request, page=0, token=None),
        "next_page_uri": next_uri,
        "page": page,
        "page_size": request.page_size,
        "previous_page_uri": previous_uri,
        "start": start,
        "uri": page_uri(request, page=page, token=request.token),
        records_key: [render(r) for r in rows],
    }


def meta_envelope(
    request: PageRequest,
    listing: Listing[Row],
    records_key: str,
    render: Callable[[Row], Any],
    origin: str,
    *,
    select: Selector = select_page,
) -> dict:
    """The product APIs' envelope: records plus ``meta`` with absolute ``*_url`` values.

    ``origin`` is the scheme and host the client reached (the emulator itself),
    so the URLs can be followed verbatim, as Twilio's own helper libraries do.
    ``select`` picks the page (a list with a result cap wraps ``select_page``).
    """
    rows, has_next, has_previous = select(request, listing)
    next_uri, previous_uri = _neighbour_uris(request, listing, rows, has_next, has_previous)
    return {
        records_key: [render(r) for r in rows],
        "meta": {
            "first_page_url": origin + page_uri(request, page=0, token=None),
            "key": records_key,
            "next_page_url": origin + next_uri if next_uri else None,
            "page": request.page,
            "page_size": request.page_size,
            "previous_page_url": origin + previous_uri if previous_uri else None,
            "url": origin + page_uri(request, page=request.page, token=request.token),
        },
    }
