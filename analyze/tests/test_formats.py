"""How figures read: the formats and tables every page and the report share."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from switchboard_analyze import formats, tables
from switchboard_analyze.tables import Col


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("389.45620"), "USD", "$389.46"),
        (Decimal("24.84700"), "EUR", "€24.85"),  # half up, as a bill rounds
        (Decimal("1234567.00500"), "GBP", "£1,234,567.01"),
        (Decimal("-1.50000"), "USD", "-$1.50"),
        (Decimal("3"), "CHF", "CHF 3.00"),  # no symbol of its own: the code
        (0.07342, "EUR", "€0.07"),
        (None, "USD", formats.MISSING),
        (float("nan"), "USD", formats.MISSING),
    ],
)
def test_money_reads_with_its_symbol_and_cents(amount: object, currency: str, shown: str) -> None:
    assert formats.money(amount, currency) == shown


def test_exact_money_keeps_twilios_five_decimals() -> None:
    assert formats.exact_money(Decimal("389.4562"), "USD") == "USD 389.45620"
    assert formats.exact_money(Decimal("1234.56789"), "EUR") == "EUR 1,234.56789"


def test_the_other_formats() -> None:
    assert formats.count(29740) == "29,740"
    assert formats.percent(Decimal("0.8966")) == "89.66%"
    assert formats.points(-0.0681) == "-6.81 pts"
    assert formats.signed_percent(0.25) == "+25.0%"
    assert formats.duration(125) == "2 min 05 s"
    assert formats.duration(45.9) == "45 s"
    assert formats.day(datetime(2026, 11, 20, 14, 5)) == "2026-11-20"
    assert formats.span(date(2026, 11, 13), date(2026, 11, 19)) == "Nov 13 – Nov 19, 2026"
    assert formats.span(date(2025, 12, 29), date(2026, 1, 4)) == "Dec 29, 2025 – Jan 4, 2026"
    names = {"GB": "United Kingdom"}
    assert formats.country("GB", names) == "United Kingdom (GB)"
    assert formats.country("ZZ", names) == "ZZ"
    assert formats.country(None, names) == formats.country("unknown", names) == "Unknown country"
    assert formats.text(None) == formats.text("") == formats.MISSING


COLUMNS = [
    Col("product", "Product", "product"),
    Col("amount", "Amount", "money"),
    Col("rate", "Rate", "rate"),
    Col("count", "Messages", "count"),
    Col("note", "Rule", on_screen=False),
]
FRAME = pd.DataFrame(
    {
        "product": ["whatsapp", "phone_numbers"],
        "currency": ["EUR", "USD"],
        "amount": [Decimal("0.01932"), None],
        "rate": [Decimal("0.9234"), None],
        "count": [1234, None],
        "note": ["why", "why"],
    }
)


def test_a_table_reads_without_none() -> None:
    shown = tables.readable(FRAME, COLUMNS)
    assert list(shown.columns) == ["Product", "Amount", "Rate", "Messages"]
    assert shown["Product"].tolist() == ["WhatsApp", "Phone numbers"]
    assert shown["Amount"].tolist() == ["€0.02", formats.MISSING]
    assert shown["Rate"].tolist()[0] == pytest.approx(92.34)  # drawn as "92.34%"
    assert shown["Messages"].tolist() == [1234, pd.NA]
    written = tables.as_text(FRAME, COLUMNS)
    assert written.to_dict("records") == [
        {"Product": "WhatsApp", "Amount": "€0.02", "Rate": "92.34%", "Messages": "1,234"},
        {"Product": "Phone numbers", "Amount": "—", "Rate": "—", "Messages": "—"},
    ]


def test_a_download_holds_the_exact_values() -> None:
    rows = list(csv.DictReader(io.StringIO(tables.csv(FRAME, COLUMNS).decode())))
    assert rows[0] == {
        "Product": "whatsapp",
        "Amount": "0.01932",
        "Rate": "0.9234",
        "Messages": "1234",
        "Rule": "why",
        "Currency": "EUR",
    }
