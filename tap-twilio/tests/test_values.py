"""Wire values -> Singer values: exact, and loud about anything unexpected."""

from decimal import Decimal

import pytest

from tap_twilio.values import to_decimal, to_int, to_iso_datetime


@pytest.mark.parametrize(
    ("wire", "iso"),
    [
        ("Fri, 24 May 2019 17:44:46 +0000", "2019-05-24T17:44:46+00:00"),
        ("Mon, 01 Jan 2024 00:00:00 +0000", "2024-01-01T00:00:00+00:00"),
        # Not the fixed layout: parsed the slow way, converted to UTC.
        ("Mon, 1 Jan 2024 02:00:00 +0200", "2024-01-01T00:00:00+00:00"),
        ("2015-07-30T20:00:00Z", "2015-07-30T20:00:00+00:00"),
        ("2019-06-24T22:32:49+00:00", "2019-06-24T22:32:49+00:00"),
        ("", None),
        (None, None),
    ],
)
def test_dates_become_iso_utc(wire: str | None, iso: str | None) -> None:
    assert to_iso_datetime(wire) == iso


def test_bad_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a date-time"):
        to_iso_datetime("yesterday")


def test_prices_stay_exact() -> None:
    assert to_decimal("-0.00750") == Decimal("-0.00750")
    assert str(to_decimal("-0.00750")) == "-0.00750"
    # JSON numbers (usage prices) keep their decimal digits, never a binary expansion.
    assert to_decimal(2192.84855) == Decimal("2192.84855")
    assert to_decimal(0.1) == Decimal("0.1")
    assert sum(to_decimal("0.1") for _ in range(10)) == Decimal("1.0")
    assert to_decimal(None) is None
    assert to_decimal("") is None


def test_integers() -> None:
    assert to_int("3") == 3
    assert to_int(4) == 4
    assert to_int(None) is None
    with pytest.raises(ValueError, match="not an integer"):
        to_int("1.5")
