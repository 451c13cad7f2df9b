"""What a webhook says, as rows for the store: one ``Event`` per status change.

Each parser takes a request that already passed signature validation and returns
its events, or raises ``Malformed`` with a one-line reason (the app answers 400).
Unknown parameters are kept in the payload: Twilio adds new ones without notice.

An event's identity (its deduplication key) is built only from what Twilio signs:
message + status (+ the signed fields that tell two receipts of one status apart),
call + status + SequenceNumber, CloudEvent id. ``I-Twilio-Idempotency-Token`` is a
header the signature does not cover, so anyone holding one captured callback could
re-send it with new tokens; the token is recorded with the event, never part of its
identity: a retry (same content, same token) and a replay (same content, any token)
are both the event already stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import orjson

from .form import Form, Malformed, to_json

MESSAGE_STATUS = "message_status"
CALL_STATUS = "call_status"
INCOMING_MESSAGE = "incoming_message"
EVENT_STREAM = "event_stream"
KINDS = (MESSAGE_STATUS, CALL_STATUS, INCOMING_MESSAGE, EVENT_STREAM)

MAX_TEXT = 256  # longest SID, status, type or token we accept in a typed column
# Signed parameters that make two callbacks of one message and one status two events:
# a carrier's second delivery receipt (RawDlrDoneDate), another error (ErrorCode), a
# channel's own event (EventType, e.g. WhatsApp's DELIVERED and READ).
MESSAGE_DISTINCT = ("ErrorCode", "RawDlrDoneDate", "EventType")
# How deep a CloudEvent's objects and arrays may nest (the event itself is level 1).
# Twilio's nest 3 or 4 levels; the payload's JSON writer stops at 255, orjson's parser
# at 1,024, each with its own unhelpful error.
MAX_DEPTH = 32
DEPTH_LIMIT = f"nests deeper than {MAX_DEPTH} levels (the depth limit)"
_INTEGER = re.compile(r"-?[0-9]{1,12}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# How Twilio writes a callback's Timestamp; anything else goes through email.utils.
_TWILIO_TIME = re.compile(
    rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{{2}}) ({'|'.join(_MONTHS)}) ([1-9][0-9]{{3}}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) \+0000"
)
UTC = dt.timezone.utc

__all__ = ["Event", "Malformed"]  # Malformed lives with the form parser, which raises it too


class Event(NamedTuple):
    """One row of the store, its fields in the table's column order."""

    dedupe_key: str
    kind: str
    account_sid: str | None
    resource_sid: str | None
    status: str | None
    sequence_number: int | None
    event_type: str | None
    error_code: int | None
    occurred_at: str | None  # ISO-8601 UTC, from the event itself; None when it has no time
    received_at: str  # ISO-8601 UTC, when the receiver got it
    idempotency_token: str | None
    payload: str  # the parameters or CloudEvent, as JSON


COLUMNS = Event._fields


def utc_now_iso() -> str:
    return dt.datetime.now(UTC).isoformat()


def _text(value: object, name: str, *, required: bool = False) -> str | None:
    """A short, storable string (no NUL, valid Unicode) or None."""
    if value is None or value == "":
        if required:
            raise Malformed(f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise Malformed(f"{name} must be a string")
    if len(value) > MAX_TEXT or not value.isprintable():  # control characters: not a SID
        raise Malformed(f"{name} is not a plausible value")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed(f"{name} is not valid Unicode") from None
    return value


def _int(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Malformed(f"{name} must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value)
    else:
        raise Malformed(f"{name} must be an integer")
    if not -(2**31) <= number < 2**31:
        raise Malformed(f"{name} is out of range")
    return number


def _instant(value: object, name: str) -> str | None:
    """RFC 2822 (callbacks) or ISO-8601 (CloudEvents) in, ISO-8601 UTC out."""
    text = _text(value, name)
    if text is None:
        return None
    try:
        twilio = _TWILIO_TIME.fullmatch(text)
        if twilio:  # what email.utils would say, sooner
            day, month, year, hour, minute, second = twilio.groups()
            parsed = dt.datetime(
                int(year),
                _MONTHS.index(month) + 1,
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=UTC,
            )
        elif text[:1].isdigit():
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise Malformed(f"{name} is not a date-time: expected RFC 2822 or ISO-8601") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).isoformat()
    except OverflowError:
        raise Malformed(f"{name} is out of range") from None


def _first(fields: Mapping[str, str], *names: str) -> str | None:
    """The value of the first of ``names`` the form has (even if it is empty)."""
    for name in names:
        if name in fields:
            return fields[name]
    return None


def _required(fields: Mapping[str, str], label: str, *names: str) -> str:
    value = _text(_first(fields, *names), label, required=True)
    assert value is not None
    return value


def identity(kind: str, *parts: str) -> str:
    """A deduplication key: ``kind:part:part…``, each ``%`` and ``:`` escaped, so two
    different lists of parts can never give one key."""
    key = ":".join(parts)
    if key.count(":") != len(parts) - 1 or "%" in key:  # a part holds ":" or "%"
        key = ":".join(p.replace("%", "%25").replace(":", "%3A") for p in parts)
    return f"{kind}:{key}"


def _distinct(fields: Mapping[str, str]) -> list[str]:
    """``Name=value`` of each ``MESSAGE_DISTINCT`` parameter the callback carries."""
    return [
        f"{name}={_text(fields[name], name)}"
        for name in MESSAGE_DISTINCT
        if fields.get(name)  # absent or empty: not part of the key
    ]


def _callback(
    form: Form,
    *,
    kind: str,
    sid: str,
    status: str,
    natural_key: str,
    token: str | None,
    received_at: str,
    sequence_number: int | None = None,
    occurred_at: str | None = None,
) -> list[Event]:
    """The one event of a form callback, keyed by what Twilio signed (never the token)."""
    fields = form.fields
    return [
        Event(
            dedupe_key=natural_key,
            kind=kind,
            account_sid=_required(fields, "AccountSid", "AccountSid"),
            resource_sid=sid,
            status=status,
            sequence_number=sequence_number,
            event_type=None,
            error_code=_int(fields.get("ErrorCode"), "ErrorCode"),
            occurred_at=occurred_at,
            received_at=received_at,
            idempotency_token=token,
            payload=form.payload(),
        )
    ]


def message_status(form: Form, *, token: str | None, received_at: str) -> list[Event]:
    """A message status callback: one status of one message (it carries no time)."""
    sid = _required(form.fields, "MessageSid", "MessageSid", "SmsSid")
    status = _required(form.fields, "MessageStatus", "MessageStatus", "SmsStatus").lower()
    return _callback(
        form,
        kind=MESSAGE_STATUS,
        sid=sid,
        status=status,
        natural_key=identity("message", sid, status, *_distinct(form.fields)),
        token=token,
        received_at=received_at,
    )


def incoming_message(form: Form, *, token: str | None, received_at: str) -> list[Event]:
    """An incoming message webhook: a customer wrote to one of our numbers."""
    fields = form.fields
    sid = _required(fields, "MessageSid", "MessageSid", "SmsMessageSid", "SmsSid")
    status = (_text(fields.get("SmsStatus"), "SmsStatus") or "received").lower()
    _required(fields, "From", "From")
    _required(fields, "To", "To")
    return _callback(
        form,
        kind=INCOMING_MESSAGE,
        sid=sid,
        status=status,
        natural_key=identity("message", sid, status),
        token=token,
        received_at=received_at,
    )


def call_status(form: Form, *, token: str | None, received_at: str) -> list[Event]:
    """A call progress callback: one status of one call, numbered by SequenceNumber."""
    fields = form.fields
    sid = _required(fields, "CallSid", "CallSid")
    status = _required(fields, "CallStatus", "CallStatus").lower()
    sequence = _int(fields.get("SequenceNumber"), "SequenceNumber")
    if sequence is not None and sequence < 0:
        raise Malformed("SequenceNumber must be 0 or more")
    return _callback(
        form,
        kind=CALL_STATUS,
        sid=sid,
        status=status,
        natural_key=identity("call", sid, status, "" if sequence is None else str(sequence)),
        token=token,
        received_at=received_at,
        sequence_number=sequence,
        occurred_at=_instant(fields.get("Timestamp"), "Timestamp"),
    )


def _pick(data: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if data.get(name) not in (None, ""):
            return data[name]
    return None


def _deeper_than(value: object, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` levels (``value`` is level 1);
    level by level, without recursion."""
    level, current = 1, [value]
    while current:
        if level > limit:
            return True
        children: list[Any] = []
        for item in current:
            values = item.values() if isinstance(item, dict) else item
            children.extend(v for v in values if isinstance(v, (dict, list)))
        current, level = children, level + 1
    return False


def event_stream(body: str | bytes, *, token: str | None, received_at: str) -> list[Event]:
    """An Event Streams delivery: a JSON array of CloudEvents, each deduplicated by its id."""
    try:
        batch = orjson.loads(body)  # strict: no NaN, no lone surrogates, depth <= 1024
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise Malformed(f"the body {DEPTH_LIMIT}") from None
        raise Malformed("the body is not JSON") from None
    if not isinstance(batch, list) or not batch:
        raise Malformed("the body must be a non-empty JSON array of CloudEvents")
    events = []
    for index, cloud_event in enumerate(batch):
        where = f"event {index}"
        if not isinstance(cloud_event, dict):
            raise Malformed(f"{where} is not a JSON object")
        if _deeper_than(cloud_event, MAX_DEPTH):
            raise Malformed(f"{where} {DEPTH_LIMIT}")
        event_id = _text(cloud_event.get("id"), f"{where}: id", required=True)
        event_type = _text(cloud_event.get("type"), f"{where}: type", required=True)
        data = cloud_event.get("data")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise Malformed(f"{where}: data must be a JSON object")
        status = _text(
            _pick(data, "messageStatus", "callStatus", "CallStatus", "status"), f"{where}: status"
        )
        events.append(
            Event(
                dedupe_key=identity("event", event_id),
                kind=EVENT_STREAM,
                account_sid=_text(_pick(data, "accountSid", "AccountSid"), f"{where}: accountSid"),
                resource_sid=_text(
                    _pick(data, "messageSid", "callSid", "CallSid", "sid"), f"{where}: resource sid"
                ),
                status=status.lower() if status else None,
                sequence_number=_int(
                    _pick(data, "sequenceNumber", "SequenceNumber"), f"{where}: sequenceNumber"
                ),
                event_type=event_type,
                error_code=_int(_pick(data, "errorCode", "ErrorCode"), f"{where}: errorCode"),
                occurred_at=_instant(
                    cloud_event.get("time") or _pick(data, "timestamp"), f"{where}: time"
                ),
                received_at=received_at,
                idempotency_token=token,
                payload=to_json(cloud_event),
            )
        )
    return events
