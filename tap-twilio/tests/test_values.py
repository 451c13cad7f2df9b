"""Wire values -> Singer values: exact, and loud about anything unexpected."""

import datetime as dt
from decimal import Decimal
from email.utils import format_datetime

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


def test_many_days_keep_their_own_dates() -> None:
    """The fast path remembers each day's prefix: every day of years stays its own."""
    first = dt.datetime(2019, 1, 1, 23, 59, 58, tzinfo=dt.timezone.utc)
    for n in range(6000):  # more days than the memo holds
        when = first + dt.timedelta(days=n)
        assert to_iso_datetime(format_datetime(when)) == when.isoformat()


@pytest.mark.parametrize(
    "wire", ["Fri, 24 Foo 2019 17:44:46 +0000", "Fri, 2x May 2019 17:44:46 +0000"]
)
def test_a_date_like_twilio_s_but_wrong_is_an_error(wire: str) -> None:
    with pytest.raises(ValueError, match="not a date-time"):
        to_iso_datetime(wire)


@pytest.mark.parametrize(
    ("wire", "number"), [("0", 0), ("0012", 12), ("-3", -3), (" 4", 4), ("2.0", 2)]
)
def test_integers_from_text(wire: str, number: int) -> None:
    assert to_int(wire) == number


@pytest.mark.parametrize("wire", ["²", "1.5e-1", "one"])
def test_not_integers(wire: str) -> None:
    with pytest.raises(ValueError, match=r"not an integer|not a number"):
        to_int(wire)
