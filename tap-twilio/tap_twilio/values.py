"""Turning Twilio's wire values into typed Singer values, driven by each stream's schema.

Twilio sends RFC 2822 dates (``Fri, 24 May 2019 17:44:46 +0000``) and numbers as
strings (``"price": "-0.00750"``). Records leave the tap with ISO-8601 UTC
timestamps and exact ``Decimal``/``int`` numbers: no float ever touches a price.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

_MONTHS = {
    m: f"{i:02d}"
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

Converter = Callable[[Any], Any]


def to_iso_datetime(value: Any) -> str | None:
    """RFC 2822 or ISO-8601 in, ``YYYY-MM-DDTHH:MM:SS+00:00`` (UTC) out; '' becomes None."""
    if value is None or value == "":
        return None
    text = value if type(value) is str else str(value)
    # Fast path for Twilio's fixed layout: 'Fri, 24 May 2019 17:44:46 +0000'.
    if len(text) == 31 and text[25:] == " +0000":
        day = _iso_day(text[:16])
        if day is not None:
            return day + text[17:25] + "+00:00"
    try:
        if text[:1].isdigit():
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a date-time: {text!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).isoformat()


_DAYS: dict[str, str] = {}  # 'Fri, 24 May 2019' -> '2019-05-24T' (records share their days)
_DAYS_MAX = 4096


def _iso_day(text: str) -> str | None:
    """'Fri, 24 May 2019' -> '2019-05-24T', remembered; None if not that layout."""
    day = _DAYS.get(text)
    if day is None:
        month = _MONTHS.get(text[8:11])
        if month is None or text[3:5] != ", " or not (text[5:7] + text[12:16]).isdigit():
            return None
        if len(_DAYS) >= _DAYS_MAX:
            _DAYS.clear()
        day = _DAYS[text] = f"{text[12:16]}-{month}-{text[5:7]}T"
    return day


def to_decimal(value: Any) -> Decimal | None:
    """Exact decimal from a numeric string or JSON number; '' becomes None."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip form: 0.0079 -> '0.0079'
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def to_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    if type(value) is str and value.isascii() and value.isdigit():  # Twilio's "1"
        return int(value)
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        raise ValueError(f"not an integer: {value!r}")
    return int(number)


def _types(prop: dict) -> set[str]:
    declared = prop.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def converters_for(schema: dict) -> dict[str, Converter]:
    """Top-level field -> converter, for the fields whose wire form differs from Singer's."""
    result: dict[str, Converter] = {}
    for name, prop in schema.get("properties", {}).items():
        types = _types(prop) - {"null"}
        if prop.get("format") == "date-time":
            result[name] = to_iso_datetime
        elif types == {"integer"}:
            result[name] = to_int
        elif types == {"number"}:
            result[name] = to_decimal
    return result


def convert(record: dict, converters: dict[str, Converter]) -> dict:
    """Apply ``converters`` in place; a bad value names its field in the error."""
    for name, fn in converters.items():
        value = record.get(name)
        if value is not None:  # every converter keeps None (and a missing field stays so)
            try:
                record[name] = fn(value)
            except ValueError as exc:
                raise ValueError(f"field {name!r}: {exc}") from None
    return record
