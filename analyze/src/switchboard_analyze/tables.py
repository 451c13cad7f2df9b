"""Tables as analysts read them: human column names, money with its symbol, country names.

A table is declared once as a list of ``Col`` and gives two frames: ``readable`` for
the screen (the dashboard and the report), and ``exact`` for downloads, where every
amount keeps Twilio's five decimals and every count and rate its full value. Counts
and rates stay numbers on screen, so a click on their header sorts them by value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from switchboard_analyze import formats
from switchboard_analyze.palette import PRODUCT_LABELS

Kind = Literal[
    "text", "count", "money", "rate", "number", "day", "time", "country", "duration", "product"
]
NUMERIC: set[Kind] = {"count", "rate", "number"}


@dataclass(frozen=True)
class Col:
    """One column: where it comes from, its header, and how it reads."""

    name: str
    label: str
    kind: Kind = "text"
    currency: str = "currency"  # for money: the column that holds each row's currency
    width: Literal["small", "medium", "large"] | int | None = None  # None: fit the content
    help: str | None = None
    exact_name: str | None = None  # the column downloads take instead (exact values)
    on_screen: bool = True  # False: in the download only (a rule every row shares)


def _cell(kind: Kind, countries: dict[str, str]) -> Callable[[object], object]:
    return {
        "text": formats.text,
        "day": formats.day,
        "time": formats.timestamp,
        "country": lambda v: formats.country(v, countries),
        "duration": formats.duration,
        "product": lambda v: PRODUCT_LABELS.get(str(v), formats.text(v)),
    }[kind]


def readable(
    frame: pd.DataFrame, columns: Sequence[Col], countries: dict[str, str] | None = None
) -> pd.DataFrame:
    """The frame as it reads: headers renamed, money in its currency, nothing shows None."""
    out = {}
    for col in shown(columns):
        values = frame[col.name] if col.name in frame else pd.Series([None] * len(frame))
        if col.kind == "money":
            currency = frame[col.currency] if col.currency in frame else [col.currency] * len(frame)
            out[col.label] = [formats.money(v, c) for v, c in zip(values, currency, strict=True)]
        elif col.kind == "count":
            out[col.label] = pd.array(
                [None if formats.is_missing(v) else int(v) for v in values], dtype="Int64"
            )
        elif col.kind in NUMERIC:  # rates in percent, so the table can print "92.34%"
            scale = 100 if col.kind == "rate" else 1
            out[col.label] = pd.array(
                [
                    None if formats.is_missing(v) else float(scale * formats.decimal(v))
                    for v in values
                ],
                dtype="Float64",
            )
        else:
            out[col.label] = [_cell(col.kind, countries or {})(v) for v in values]
    return pd.DataFrame(out, index=range(len(frame)))


def as_text(
    frame: pd.DataFrame, columns: Sequence[Col], countries: dict[str, str] | None = None
) -> pd.DataFrame:
    """``readable`` with the numbers written out too, for an HTML table."""
    out = readable(frame, columns, countries)
    for col in shown(columns):
        write = {
            "count": formats.count,
            "rate": lambda v: formats.MISSING if formats.is_missing(v) else f"{v:.2f}%",
            "number": lambda v: formats.number(v, 2),
        }.get(col.kind)
        if write is not None:
            out[col.label] = [write(v) for v in out[col.label]]
    return out


def shown(columns: Sequence[Col]) -> list[Col]:
    return [col for col in columns if col.on_screen]


def exact(frame: pd.DataFrame, columns: Sequence[Col]) -> pd.DataFrame:
    """The same columns with their exact values, for a CSV download.

    Amounts keep every decimal (as text, so no float rounds them) and the rows'
    currency comes along in a ``Currency`` column when the table does not show one.
    """
    out = {}
    currencies = []
    for col in columns:
        values = frame[col.name] if col.name in frame else pd.Series([None] * len(frame))
        if col.exact_name:
            out[col.label] = list(frame[col.exact_name])
        elif col.kind == "money":
            out[col.label] = [None if formats.is_missing(v) else str(v) for v in values]
            if col.currency in frame:
                currencies.append(col.currency)
        elif col.kind == "count":  # whole numbers, even beside a missing one
            out[col.label] = pd.array(
                [None if formats.is_missing(v) else int(v) for v in values], dtype="Int64"
            )
        else:
            out[col.label] = list(values)
    if currencies and "Currency" not in out:
        out["Currency"] = list(frame[currencies[0]])
    return pd.DataFrame(out, index=range(len(frame)))


def csv(frame: pd.DataFrame, columns: Sequence[Col]) -> bytes:
    return exact(frame, columns).to_csv(index=False).encode()
