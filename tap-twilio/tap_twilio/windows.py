"""Time windows: which UTC days an incremental stream reads on this run, and how.

Twilio's date filters (``DateSent>``/``DateSent<``, ``StartDate``/``EndDate``,
the product APIs' instants) are inclusive, so windows are spans of whole UTC
days that never overlap: each day is read exactly once per run. A run starts at
the bookmark's day minus the lookback (late status and price changes), never
before ``start_date`` and never outside Twilio's retention, and ends at
Twilio's today (or ``end_date``). A span is one day, a fixed number of days
(usage records), or sized to the density seen (``SizedSpans``); ``DateFilter``
turns a span into the request's parameters.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

UTC = dt.timezone.utc
_RETENTION_DAYS = re.compile(r"retention window of (\d+) days", re.IGNORECASE)


def utc_today() -> dt.date:
    return dt.datetime.now(UTC).date()


@dataclass(frozen=True)
class DateFilter:
    """The pair of list parameters that bound a span of whole UTC days, both inclusive.

    The 2010 API filters on days (``DateSent>=2024-01-01``); the product APIs on
    instants, so a span runs from the first to the last second of its days.
    """

    lower: str
    upper: str
    instants: bool = False

    @classmethod
    def days(cls, name: str) -> DateFilter:
        """The 2010 API's ``<name>>`` and ``<name><`` (Twilio's ``>=`` and ``<=``)."""
        return cls(f"{name}>", f"{name}<")

    def between(self, start: dt.datetime, end: dt.datetime) -> dict[str, str]:
        """Instants from ``start`` to ``end``, both included (a part of a day)."""
        layout = "%Y-%m-%dT%H:%M:%SZ"
        return {self.lower: start.strftime(layout), self.upper: end.strftime(layout)}

    def params(self, first: dt.date, last: dt.date) -> dict[str, str]:
        if self.instants:
            return {
                self.lower: f"{first.isoformat()}T00:00:00Z",
                self.upper: f"{last.isoformat()}T23:59:59Z",
            }
        return {self.lower: first.isoformat(), self.upper: last.isoformat()}


def start_day(
    *,
    bookmark: dt.datetime | dt.date | None,
    start_date: dt.date,
    lookback_days: int,
    today: dt.date,
    retention_days: int | None,
    stream: str,
    logger: logging.Logger,
) -> dt.date:
    """First day to read: bookmark day - lookback, clamped to start_date and retention."""
    if isinstance(bookmark, dt.datetime):
        bookmark = bookmark.astimezone(UTC).date()
    day = (
        start_date if bookmark is None else max(start_date, bookmark - dt.timedelta(lookback_days))
    )
    if retention_days is not None:
        floor = today - dt.timedelta(days=retention_days - 1)
        if day < floor:
            logger.warning(
                "%s: Twilio keeps %d days of history; starting at %s instead of %s",
                stream,
                retention_days,
                floor.isoformat(),
                day.isoformat(),
            )
            day = floor
    return day


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Each day from ``first`` to ``last`` inclusive, oldest first."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


class SizedSpans:
    """Spans of whole days sized from the records seen so far: about ``target`` per span.

    A sparse account's year of day windows is hundreds of requests for a few
    records each: the latency, not the data, sets the time. Spans start at one
    day; once windows have been read (``observe``), each next span covers as
    many days as held about ``target`` records so far, up to ``max_days``.
    The span list is lazy, so it adapts while a stream is read.
    """

    def __init__(self, target: int, max_days: int) -> None:
        self.target = target
        self.max_days = max_days
        self.days = 0
        self.records = 0

    def observe(self, first: dt.date, last: dt.date, records: int) -> None:
        self.days += (last - first).days + 1
        self.records += records

    def size(self) -> int:
        """Days in the next span: one until something was read, then sized to the density."""
        if self.days == 0:
            return 1
        if self.records == 0:
            return min(self.max_days, 2 * self.days)
        return max(1, min(self.max_days, self.target * self.days // self.records))

    def spans(self, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
        """Consecutive [start, end] spans from ``first`` to ``last``, each sized when asked for."""
        day = first
        while day <= last:
            end = min(last, day + dt.timedelta(days=self.size() - 1))
            yield day, end
            day = end + dt.timedelta(days=1)


def spans(first: dt.date, last: dt.date, size: int) -> Iterator[tuple[dt.date, dt.date]]:
    """Consecutive, non-overlapping [start, end] spans of at most ``size`` days, oldest first."""
    day = first
    while day <= last:
        end = min(last, day + dt.timedelta(days=size - 1))
        yield day, end
        day = end + dt.timedelta(days=1)


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month (monthly usage periods start there)."""
    return day.replace(day=1)


def after_retention_error(
    *, day: dt.date, today: dt.date, message: str, stream: str, logger: logging.Logger
) -> dt.date:
    """Next day to read after Twilio refused ``day`` as outside its retention (20004).

    Our own clamp assumes 400 days on our clock; Twilio's clock or retention
    may differ. Clamp to the window Twilio states (or just the next day if it
    states none) and say so: those days can no longer be read from the API.
    """
    stated = _RETENTION_DAYS.search(message)
    floor = today - dt.timedelta(days=int(stated.group(1)) - 1) if stated else day
    resume = max(day + dt.timedelta(days=1), floor)
    logger.warning(
        "%s: Twilio refused %s as outside its retention window (%s); "
        "skipping to %s, older days can no longer be read",
        stream,
        day.isoformat(),
        message,
        resume.isoformat(),
    )
    return resume
