"""What a webhook says, as rows for the store: one ``Event`` per status change.

Each parser takes a request that already passed signature validation and returns
its events, or raises ``Malformed`` with a one-line reason (the app answers 400).
Every event carries its deduplication key: Twilio's ``I-Twilio-Idempotency-Token``
when the request has one (it stays the same when Twilio retries), else the
natural key of what happened (message + status, call + status + SequenceNumber,
CloudEvent id). Unknown parameters are kept in the payload: Twilio adds new ones
without notice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

MESSAGE_STATUS = "message_status"
CALL_STATUS = "call_status"
INCOMING_MESSAGE = "incoming_message"
EVENT_STREAM = "event_stream"
KINDS = (MESSAGE_STATUS, CALL_STATUS, INCOMING_MESSAGE, EVENT_STREAM)

MAX_TEXT = 256  # longest SID, status, type or token we accept in a typed column
_INTEGER = re.compile(r"-?[0-9]{1,12}")


class Malformed(ValueError):
    """The request is authentic but does not say what its endpoint expects."""


@dataclass(frozen=True, slots=True)
class Event:
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

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.dedupe_key,
            self.kind,
            self.account_sid,
            self.resource_sid,
            self.status,
            self.sequence_number,
            self.event_type,
            self.error_code,
            self.occurred_at,
            self.received_at,
            self.idempotency_token,
            self.payload,
        )


COLUMNS = (
    "dedupe_key",
    "kind",
    "account_sid",
    "resource_sid",
    "status",
    "sequence_number",
    "event_type",
    "error_code",
    "occurred_at",
    "received_at",
    "idempotency_token",
    "payload",
)

Params = Mapping[str, Sequence[str]]  # form parameters: name -> every value sent


def utc_now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


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
        if text[:1].isdigit():
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise Malformed(f"{name} is not a date-time: expected RFC 2822 or ISO-8601") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    try:
        return parsed.astimezone(dt.timezone.utc).isoformat()
    except OverflowError:
        raise Malformed(f"{name} is out of range") from None


def _first(params: Params, *names: str) -> str | None:
    for name in names:
        values = params.get(name)
        if values:
            return values[0]
    return None


def _json(value: object) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. a lone surrogate
        raise Malformed("the content is not valid Unicode") from None


def _form_payload(params: Params) -> str:
    return _json({k: (v[0] if len(v) == 1 else list(v)) for k, v in params.items()})


def _callback(
    params: Params,
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
    """The one event of a form callback: keyed by its token when it has one."""
    return [
        Event(
            dedupe_key=f"token:{token}" if token else natural_key,
            kind=kind,
            account_sid=_text(_first(params, "AccountSid"), "AccountSid", required=True),
            resource_sid=sid,
            status=status,
            sequence_number=sequence_number,
            event_type=None,
            error_code=_int(_first(params, "ErrorCode"), "ErrorCode"),
            occurred_at=occurred_at,
            received_at=received_at,
            idempotency_token=token,
            payload=_form_payload(params),
        )
    ]


def _required(params: Params, label: str, *names: str) -> str:
    value = _text(_first(params, *names), label, required=True)
    assert value is not None
    return value


def message_status(params: Params, *, token: str | None, received_at: str) -> list[Event]:
    """A message status callback: one status of one message (it carries no time)."""
    sid = _required(params, "MessageSid", "MessageSid", "SmsSid")
    status = _required(params, "MessageStatus", "MessageStatus", "SmsStatus").lower()
    return _callback(
        params,
        kind=MESSAGE_STATUS,
        sid=sid,
        status=status,
        natural_key=f"message:{sid}:{status}",
        token=token,
        received_at=received_at,
    )


def incoming_message(params: Params, *, token: str | None, received_at: str) -> list[Event]:
    """An incoming message webhook: a customer wrote to one of our numbers."""
    sid = _required(params, "MessageSid", "MessageSid", "SmsMessageSid", "SmsSid")
    status = (_text(_first(params, "SmsStatus"), "SmsStatus") or "received").lower()
    _required(params, "From", "From")
    _required(params, "To", "To")
    return _callback(
        params,
        kind=INCOMING_MESSAGE,
        sid=sid,
        status=status,
        natural_key=f"message:{sid}:{status}",
        token=token,
        received_at=received_at,
    )


def call_status(params: Params, *, token: str | None, received_at: str) -> list[Event]:
    """A call progress callback: one status of one call, numbered by SequenceNumber."""
    sid = _required(params, "CallSid", "CallSid")
    status = _required(params, "CallStatus", "CallStatus").lower()
    sequence = _int(_first(params, "SequenceNumber"), "SequenceNumber")
    if sequence is not None and sequence < 0:
        raise Malformed("SequenceNumber must be 0 or more")
    return _callback(
        params,
        kind=CALL_STATUS,
        sid=sid,
        status=status,
        natural_key=f"call:{sid}:{status}:{'' if sequence is None else sequence}",
        token=token,
        received_at=received_at,
        sequence_number=sequence,
        occurred_at=_instant(_first(params, "Timestamp"), "Timestamp"),
    )


def _pick(data: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if data.get(name) not in (None, ""):
            return data[name]
    return None


def event_stream(body: str | bytes, *, token: str | None, received_at: str) -> list[Event]:
    """An Event Streams delivery: a JSON array of CloudEvents, each deduplicated by its id."""
    try:
        batch = orjson.loads(body)  # strict: no NaN, no lone surrogates, depth <= 1024
    except orjson.JSONDecodeError:
        raise Malformed("the body is not JSON") from None
    if not isinstance(batch, list) or not batch:
        raise Malformed("the body must be a non-empty JSON array of CloudEvents")
    events = []
    for index, cloud_event in enumerate(batch):
        where = f"event {index}"
        if not isinstance(cloud_event, dict):
            raise Malformed(f"{where} is not a JSON object")
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
                dedupe_key=f"event:{event_id}",
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
                payload=_json(cloud_event),
            )
        )
    return events
