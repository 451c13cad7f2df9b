"""How figures read: money with its symbol, counts with separators, rates, days, countries.

One place for every display format, shared by the dashboard and the report, so an
amount reads the same everywhere. Display rounds money to cents; the exact amount
(Twilio's five decimals) is what tooltips, ``help`` texts and downloads carry.
A missing value reads as ``MISSING``, never as ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd

MISSING = "—"
# Symbols where they are unambiguous; any other currency is written as its code.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
CENTS = Decimal("0.01")
EXACT = Decimal("0.00001")  # Twilio's precision


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas' NA all read as missing."""
    if value is None:
        return True
    try:
        missing = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return isinstance(missing, (bool, np.bool_)) and bool(missing)


def decimal(value: object) -> Decimal | None:
    """An amount as an exact Decimal (floats through their shortest repr)."""
    if is_missing(value):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def symbol(currency: str) -> str:
    return SYMBOLS.get(currency, f"{currency} ")


def money(value: object, currency: str | None) -> str:
    """``$1,234.57``, ``€0.17``, ``CHF 3.00``, ``-$1.50``: two decimals, for reading."""
    amount = decimal(value)
    if amount is None:
        return MISSING
    rounded = amount.quantize(CENTS, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{symbol(currency or '')}{abs(rounded):,.2f}"


def exact_money(value: object, currency: str | None) -> str:
    """``USD 1,234.56789``: every decimal Twilio sent, for tooltips and checks."""
    amount = decimal(value)
    if amount is None:
        return MISSING
    return f"{currency or ''} {amount.quantize(EXACT, rounding=ROUND_HALF_UP):,.5f}".strip()


def count(value: object) -> str:
    if is_missing(value):
        return MISSING
    return f"{int(value):,}"  # type: ignore[call-overload]


def number(value: object, decimals: int = 1) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def percent(value: object, decimals: int = 2) -> str:
    """A rate (0.9234) as ``92.34%``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):.{decimals}%}"  # type: ignore[arg-type]


def signed_percent(value: object) -> str:
    """A relative change (0.125) as ``+12.5%``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):+.1%}"  # type: ignore[arg-type]


def points(value: object) -> str:
    """A change of rate (-0.0523, a fraction) as ``-5.23 pts``."""
    if is_missing(value):
        return MISSING
    return f"{100 * float(value):+.2f} pts"  # type: ignore[arg-type]


def day(value: object) -> str:
    """``2026-11-20``: one date format on every page and chart."""
    if is_missing(value):
        return MISSING
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def span(start: object, end: object) -> str:
    """``Nov 13 – Nov 19, 2026``: a period as an analyst says it."""
    if is_missing(start) or is_missing(end):
        return MISSING
    first, last = start, end
    if not isinstance(first, date) or not isinstance(last, date):
        return f"{day(first)} – {day(last)}"
    year = "" if first.year == last.year else f", {first.year}"
    return f"{first:%b} {first.day}{year} – {last:%b} {last.day}, {last.year}"


def timestamp(value: object) -> str:
    """``2026-11-20 14:05:09``, to the second."""
    if is_missing(value):
        return MISSING
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def duration(seconds: object) -> str:
    """Seconds as ``2 min 05 s`` (or ``45 s``)."""
    if is_missing(seconds):
        return MISSING
    whole = math.floor(float(seconds))  # type: ignore[arg-type]
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def country(code: object, names: dict[str, str]) -> str:
    """``United Kingdom (GB)``; the code alone when the seed does not know it."""
    if is_missing(code) or code == "unknown":
        return "Unknown country"
    name = names.get(str(code))
    return f"{name} ({code})" if name else str(code)


def text(value: object) -> str:
    return MISSING if is_missing(value) or value == "" else str(value)


@dataclass(frozen=True)
class Figure:
    """One headline number: how it reads, its exact value, and how it moved."""

    label: str
    value: str
    exact: str = ""
    delta: str | None = None
    delta_color: str = "off"  # Streamlit's: normal (up is good), inverse, off
