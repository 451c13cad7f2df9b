"""The receiver's fast parsers say exactly what the standard library says."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twilio_webhooks.events import Malformed, _instant
from twilio_webhooks.form import parse_form

EXAMPLES = settings(max_examples=500, derandomize=True, deadline=None)


def standard(body: bytes) -> list[tuple[str, str]] | None:
    """parse_qsl's reading of a form body, or None where it refuses it."""
    try:
        return parse_qsl(body.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return None


def ours(body: bytes) -> list[tuple[str, str]] | None:
    try:
        return parse_form(body).pairs
    except Malformed:
        return None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"a=1",
        b"a=1&b=2&a=3",
        b"a&b=&=c",
        b"a=%2B1+2&b=%C3%A9",
        b"x=1&&y=2&",
        b"k%20ey=v%26al%3D",
        b"a=x%26y=z&b=1",  # an encoded & must not split the value
        b"a=x%3dy&b=1",
        b"a=%3d%3D&b=%26",
        b"a=%zz%2&b=%",
        b"a=%C3&b=%A9",
        b"a=%C3%A9%C3",
        b"Body=caf\xc3\xa9+%C3%A9&x=1",
    ],
)
def test_forms_read_as_parse_qsl(body: bytes) -> None:
    assert ours(body) == standard(body)


FORM_TEXT = st.lists(
    st.sampled_from(
        ["a", "B", "=", "&", "+", "%", "%26", "%3D", "%3d", "%2B", "%C3", "%A9", "%z", "é", "\x00"]
    ),
    max_size=16,
).map("".join)


@EXAMPLES
@given(FORM_TEXT)
def test_random_forms_read_as_parse_qsl(text: str) -> None:
    body = text.encode()
    assert ours(body) == standard(body)


def test_fields_hold_the_first_value_and_the_payload_all_of_them() -> None:
    form = parse_form(b"MediaUrl=b&To=%2B1&MediaUrl=a")
    assert form.fields == {"MediaUrl": "b", "To": "+1"}
    assert form.payload() == '{"MediaUrl":["b","a"],"To":"+1"}'
    assert parse_form(b"To=%2B1&A=").payload() == '{"A":"","To":"+1"}'


def test_too_many_fields_is_malformed() -> None:
    with pytest.raises(Malformed, match="too many form fields"):
        parse_form(b"a=1&" * 1000)


@EXAMPLES
@given(
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=-5))]),
)
def test_twilio_timestamps_read_as_email_utils(moment: dt.datetime, zone: dt.timezone) -> None:
    text = format_datetime(moment.replace(microsecond=0, tzinfo=zone))
    expected = parsedate_to_datetime(text).astimezone(dt.timezone.utc).isoformat()
    assert _instant(text, "Timestamp") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wed, 08 Oct 2025 13:54:12 +0000",
        "Wed, 8 Oct 2025 13:54:12 +0000",
        "Mon, 08 Oct 0099 13:54:12 +0000",  # email.utils reads a year below 100 as 19xx/20xx
        "Wed, 08 Oct 2025 13:54:12 -0000",
        "Wed, 08 Oct 2025 13:54:12 GMT",
    ],
)
def test_timestamp_forms_read_as_email_utils(text: str) -> None:
    parsed = parsedate_to_datetime(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    assert _instant(text, "Timestamp") == parsed.astimezone(dt.timezone.utc).isoformat()


@pytest.mark.parametrize(
    "text", ["Wed, 31 Feb 2025 13:54:12 +0000", "Wed, 08 Oct 2025 24:00:00 +0000"]
)
def test_impossible_timestamps_are_malformed(text: str) -> None:
    with pytest.raises(Malformed, match="not a date-time"):
        _instant(text, "Timestamp")
