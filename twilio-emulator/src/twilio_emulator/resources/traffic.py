"""What Messages and Calls share: a day-partitioned listing and Twilio's day filters."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from ..errors import bad_request
from ..timefmt import DAY, parse_filter_day


class Dated(Protocol):
    sid: str
    created: int


Row = TypeVar("Row", bound=Dated)


def sort_key(row: Dated) -> tuple[int, str]:
    return (row.created, row.sid)


class DayListing(Generic[Row]):
    """Records of days [lo, hi], newest first, visible at ``now`` and matching ``predicate``.

    ``rows_of_day(day)`` gives a day's rows sorted by ``key_of`` (default: created,
    sid), whose first part falls in that day. Entering the list at a record costs
    one bisect in that record's day, so a page is as cheap at the end of a million
    records as at the start.
    """

    def __init__(
        self,
        *,
        rows_of_day: Callable[[int], list[Row]],
        by_sid: Callable[[str], Row | None],
        lo: int,
        hi: int,
        now: int,
        predicate: Callable[[Row], bool],
        key_of: Callable[[Row], tuple[int, str]] = sort_key,
    ) -> None:
        self._rows_of_day = rows_of_day
        self._by_sid = by_sid
        self._lo, self._hi, self._now = lo, hi, now
        self._predicate = predicate
        self._key_of = key_of

    def key(self, row: Row) -> tuple[int, str]:
        return self._key_of(row)

    def token(self, row: Row) -> str:
        return row.sid

    def resolve(self, token: str) -> tuple[int, str] | None:
        row = self._by_sid(token)
        return None if row is None else self._key_of(row)

    def _keep(self, row: Row) -> bool:
        return row.created <= self._now and self._predicate(row)

    def after(self, key: tuple[int, str] | None) -> Iterator[Row]:
        top = self._hi if key is None else min(self._hi, key[0] // DAY)
        for day in range(top, self._lo - 1, -1):
            rows = self._rows_of_day(day)
            if key is not None and day == key[0] // DAY:
                rows = rows[: bisect_left(rows, key, key=self._key_of)]
            for row in reversed(rows):
                if self._keep(row):
                    yield row

    def before(self, key: tuple[int, str]) -> Iterator[Row]:
        for day in range(max(self._lo, key[0] // DAY), self._hi + 1):
            rows = self._rows_of_day(day)
            if day == key[0] // DAY:
                rows = rows[bisect_right(rows, key, key=self._key_of) :]
            for row in rows:
                if self._keep(row):
                    yield row


class DayRange:
    """A Twilio date filter family (``X``, ``X<``, ``X>``): inclusive, day-granular, in GMT."""

    def __init__(
        self, name: str, filters: list[tuple[str, str]], *, date_only: bool = False
    ) -> None:
        """``date_only``: reject date-times with 400, as Conferences do (``YYYY-MM-DD`` only)."""
        self.lo: int | None = None
        self.hi: int | None = None
        for key, value in filters:
            if key not in (name, f"{name}<", f"{name}>"):
                continue
            try:
                if date_only and len(value.strip()) != 10:
                    raise ValueError(value)
                day = parse_filter_day(value)
            except ValueError:
                raise bad_request(20001, f"Invalid {key} value: {value}") from None
            if key == name:
                self.lo = day if self.lo is None else max(self.lo, day)
                self.hi = day if self.hi is None else min(self.hi, day)
            elif key.endswith(">"):
                self.lo = day if self.lo is None else max(self.lo, day)
            else:
                self.hi = day if self.hi is None else min(self.hi, day)

    @property
    def active(self) -> bool:
        return self.lo is not None or self.hi is not None

    def contains(self, ts: int | None) -> bool:
        if ts is None:
            return False
        day = ts // DAY
        return (self.lo is None or day >= self.lo) and (self.hi is None or day <= self.hi)
