"""Time formats Twilio uses on the wire, and the day arithmetic behind its filters.

Times inside the emulator are integer epoch seconds (UTC): cheap to compare and
to store for a million records. They become strings only when rendered.
"""

from __future__ import annotations

import datetime as dt
import functools

DAY = 86_400
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def rfc2822(ts: int | None) -> str | None:
    """Format like the 2010 API: ``Fri, 24 May 2019 17:44:46 +0000`` (locale-independent).

    Three of these per message: the day part is cached, the time of day is
    arithmetic, so a page of a thousand messages costs microseconds, not milliseconds.
    """
    if ts is None:
        return None
    day, seconds = divmod(int(ts), DAY)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{_rfc2822_day(day)} {hours:02d}:{minutes:02d}:{secs:02d} +0000"


@functools.lru_cache(maxsize=4096)
def _rfc2822_day(day: int) -> str:
    """``Fri, 24 May 2019`` for a UTC day number."""
    d = day_to_date(day)
    return f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def iso_z(ts: int | None) -> str | None:
    """Format like the product APIs: ``2015-07-30T20:00:00Z``."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(ts: int) -> str:
    """Format like usage records' ``as_of``: ``2019-06-24T22:32:49+00:00``."""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def day_of(ts: int) -> int:
    """The UTC day number (days since 1970-01-01) that contains ``ts``."""
    return ts // DAY


def day_to_date(day: int) -> dt.date:
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def date_to_day(d: dt.date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def day_iso(day: int) -> str:
    return day_to_date(day).isoformat()


def parse_filter_day(value: str) -> int:
    """Parse a date filter value the way Twilio does: only the date part counts.

    Accepts ``YYYY-MM-DD`` and ISO-8601 date-times (``2024-01-02T10:00:00Z``),
    which Twilio truncates to the day. Raises ValueError on anything else.
    """
    text = value.strip()
    if len(text) < 10:
        raise ValueError(value)
    day = dt.date.fromisoformat(text[:10])
    rest = text[10:]
    if rest and rest[0] not in "T ":
        raise ValueError(value)
    if rest:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))  # validates the time part
    return date_to_day(day)


def parse_iso_instant(value: str) -> int:
    """Parse an ISO-8601 instant (``Z`` or offset; naive means UTC) to epoch seconds."""
    parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return int(parsed.timestamp())
