"""What the product APIs share: one path prefix per product, the account a credential
belongs to, date-time filters and the ``meta`` list envelope.

The emulator serves every product on its one port under a path prefix:
``https://monitor.twilio.com/v1/Alerts`` is ``/monitor/v1/Alerts`` here, and
likewise ``/messaging``, ``/conversations``, ``/studio``, ``/verify``,
``/trunking`` and ``/insights``. A client points each product's base URL at
``<emulator>/<product>``; the ``*_url`` values in responses are absolute and
point back at the emulator, prefix included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from ..errors import TwilioError, bad_request
from ..http import json_response, principal, query_items, readable
from ..paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PageRequest,
    SequenceListing,
    capped,
    meta_envelope,
    parse_page_request,
    select_page,
)
from ..timefmt import DAY
from ..world import Account

Row = TypeVar("Row")


def account_of(request: Request) -> Account:
    """Product APIs have no account in the path: the credential's account is the one read.

    So a main account's credentials see only the main account's resources; a
    subaccount's product resources need the subaccount's own SID and token. A closed
    account's answer 404, a suspended one's 403, as on the 2010 API.
    """
    return readable(request, principal(request).account)


def origin(request: Request) -> str:
    """Scheme and host the client used, e.g. ``http://127.0.0.1:8765``."""
    return f"{request.url.scheme}://{request.url.netloc}"


def page_request(
    request: Request,
    max_page_size: int = MAX_PAGE_SIZE,
    *,
    default_page_size: int = DEFAULT_PAGE_SIZE,
    too_large: TwilioError | None = None,
) -> PageRequest:
    return parse_page_request(
        request.url.path,
        query_items(request),
        max_page_size,
        default_page_size=default_page_size,
        too_large=too_large,
    )


def meta_list(
    request: Request,
    page: PageRequest,
    rows: Iterable[Row],
    records_key: str,
    render: Callable[[Row, str], Any],
    *,
    key: Callable[[Row], Any],
    cap: tuple[int, str, TwilioError] | None = None,
) -> Response:
    """One page of ``rows`` (any order), newest ``key`` first, in the ``meta`` envelope.

    ``render(row, base)`` gets the emulator's own origin, for the absolute URLs.
    ``cap`` = (most results a query serves, ``stop`` or ``error``, the error past it).
    """
    ordered = sorted(rows, key=key, reverse=True)
    select = select_page
    if cap is not None and len(ordered) > cap[0]:
        ordered = ordered[: cap[0] + 1]
        select = capped(*cap)
    listing = SequenceListing(ordered, key_fn=key, token_fn=lambda r: r.sid)  # type: ignore[attr-defined]
    base = origin(request)
    return json_response(
        meta_envelope(
            page, listing, records_key, lambda row: render(row, base), base, select=select
        )
    )


def parse_instant(name: str, value: str, *, upper: bool) -> int:
    """``YYYY-MM-DD`` or an ISO-8601 date-time, to epoch seconds.

    A bare date as an upper bound means the end of that day.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = int(
                dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()
            )
            return start + DAY - 1 if upper else start
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(20001, f"Invalid {name} value: {value}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return int(parsed.timestamp())


class InstantRange:
    """An inclusive [lo, hi] of instants from two date-time filters (e.g. StartDate, EndDate)."""

    def __init__(self, filters: dict[str, str], lo_name: str, hi_name: str) -> None:
        self.lo = (
            parse_instant(lo_name, filters[lo_name], upper=False) if lo_name in filters else None
        )
        self.hi = (
            parse_instant(hi_name, filters[hi_name], upper=True) if hi_name in filters else None
        )

    def contains(self, ts: int | None) -> bool:
        if ts is None:
            return False
        return (self.lo is None or ts >= self.lo) and (self.hi is None or ts <= self.hi)

    def days(self, first: int, last: int) -> range:
        """The days, within [first, last], that may hold instants of the range."""
        lo = first if self.lo is None else max(first, self.lo // DAY)
        hi = last if self.hi is None else min(last, self.hi // DAY)
        return range(lo, hi + 1)
