"""Messages and calls created through the API (``POST .../Messages.json``, ``.../Calls.json``).

They join the same data model as generated traffic: they are listed, priced,
settle as the clock moves, and count in the truth. Each also lands in the
outbox (``GET /_emulator/outbox``), so tests can read what a client sent.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from .activity import Call, Message, segments_for
from .catalog import COUNTRIES, Country, in_currency, money
from .errors import bad_request
from .timefmt import iso_z, parse_iso_instant
from .world import Account, PhoneNumber, make_sid

_counter = itertools.count(1)

# Twilio's error codes for a bad create request.
TO_MISSING = (21604, "A 'To' phone number is required.")
FROM_MISSING = (21603, "A 'From' phone number is required.")
BODY_MISSING = (21602, "Message body is required.")
TO_INVALID = (21211, "Invalid 'To' Phone Number")
URL_MISSING = (21205, "Url parameter is required.")
# Scheduling (Twilio's Message Scheduling docs and error pages 35111, 35114, 35118, 35126).
SCHEDULE_TYPE = (35126, "The ScheduleType value provided is not supported for this channel")
SEND_AT_MISSING = (35111, "SendAt timestamp is missing")
SERVICE_MISSING = (35118, "MessagingServiceSid is required to schedule a message")
SEND_AT_RANGE = (
    35114,
    "SendAt time must be between 300 seconds and 35 days (3024000 seconds) in the future, "
    "inclusive.",
)
MIN_SEND_AHEAD = 300  # error 35115's current text (2026-04); earlier docs said 900
MAX_SEND_AHEAD = 35 * 86_400
TALK_SECONDS = 42  # a created call is answered and lasts this long


@dataclass
class OutboxEntry:
    kind: str  # "message" or "call"
    sid: str
    account_sid: str
    created: int
    params: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "sid": self.sid,
            "account_sid": self.account_sid,
            "date_created": iso_z(self.created),
            "params": self.params,
        }


def _country_of(e164: str) -> Country:
    """The country whose calling code is the longest prefix of the number (US by default)."""
    digits = e164.removeprefix("whatsapp:")
    matches = [c for c in COUNTRIES.values() if digits.startswith(c.dial)]
    return max(matches, key=lambda c: len(c.dial)) if matches else COUNTRIES["US"]


def _valid_number(value: str) -> bool:
    digits = value.removeprefix("whatsapp:")
    return digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) <= 16


def _our_number(account: Account, value: str, what: str) -> PhoneNumber:
    plain = value.removeprefix("whatsapp:")
    for number in account.numbers:
        if number.e164 == plain:
            return number
    raise bad_request(
        21606 if what == "message" else 21210,
        f"The From phone number {value} is not a valid, SMS-capable inbound phone number "
        "or short code for your account."
        if what == "message"
        else f"The source phone number provided, {value}, is not yet verified for your account.",
    )


def send_at(params: dict[str, str], now: int) -> int | None:
    """When a scheduled message (``ScheduleType=fixed``) is to be sent; None if not scheduled."""
    kind = params.get("ScheduleType")
    if kind is None:
        return None
    if kind != "fixed":
        raise bad_request(*SCHEDULE_TYPE)
    if not params.get("SendAt"):
        raise bad_request(*SEND_AT_MISSING)
    if not params.get("MessagingServiceSid"):
        raise bad_request(*SERVICE_MISSING)
    try:
        at = parse_iso_instant(params["SendAt"])
    except ValueError:
        raise bad_request(*SEND_AT_RANGE) from None
    if not MIN_SEND_AHEAD <= at - now <= MAX_SEND_AHEAD:
        raise bad_request(*SEND_AT_RANGE)
    return at


def create_message(account: Account, params: dict[str, str], now: int, seed: int) -> Message:
    """Validate like Twilio, then queue a message that is sent, delivered and priced later
    (a scheduled one: ``scheduled`` until ``SendAt``, then the same)."""
    to = params.get("To", "")
    if not to:
        raise bad_request(*TO_MISSING)
    if not _valid_number(to):
        raise bad_request(*TO_INVALID)
    service = params.get("MessagingServiceSid") or None
    if not params.get("From") and not service:
        raise bad_request(*FROM_MISSING)
    body = params.get("Body", "")
    if not body and not params.get("MediaUrl"):
        raise bad_request(*BODY_MISSING)
    number = _our_number(account, params["From"], "message") if params.get("From") else None
    number = number or account.numbers[0]
    country = _country_of(to)
    channel = (
        "whatsapp" if to.startswith("whatsapp:") else "mms" if params.get("MediaUrl") else "sms"
    )
    segments = segments_for(body) if body else 1
    usd = {
        "sms": money(country.sms_out) * segments,
        "mms": money(country.mms_out),
        "whatsapp": money(country.whatsapp),
    }[channel]
    scheduled = send_at(params, now)
    sent = (scheduled or now) + 1
    final = sent + 4
    return Message(
        sid=make_sid("MM" if channel == "mms" else "SM", seed, "created", next(_counter), now),
        account_sid=account.sid,
        created=now,
        sent=sent,
        final_at=final,
        final_status="delivered",
        priced_at=final + 60,
        price=in_currency(usd, account.currency),
        currency=account.currency,
        direction="outbound-api",
        from_=params.get("From") or number.e164,
        to=to,
        body=body,
        num_segments=segments,
        num_media=1 if channel == "mms" else 0,
        error_code=None,
        messaging_service_sid=service,
        customer=to.removeprefix("whatsapp:"),
        customer_country=country.iso,
        channel=channel,
        number_sid=number.sid,
        send_at=scheduled,
    )


def create_call(account: Account, params: dict[str, str], now: int, seed: int) -> Call:
    """Validate like Twilio, then dial a call that is answered, ends and is priced later."""
    to, from_ = params.get("To", ""), params.get("From", "")
    if not to:
        raise bad_request(21201, "No 'To' number is specified")
    if not from_:
        raise bad_request(21213, "No 'From' number is specified")
    if not _valid_number(to):
        raise bad_request(21211, "Invalid 'To' Phone Number")
    if not (params.get("Url") or params.get("Twiml") or params.get("ApplicationSid")):
        raise bad_request(*URL_MISSING)
    number = _our_number(account, from_, "call")
    country = _country_of(to)
    start = now + 1
    answered = start + 5
    end = answered + TALK_SECONDS
    call = Call(
        sid=make_sid("CA", seed, "created", next(_counter), now),
        account_sid=account.sid,
        parent_sid=None,
        created=now,
        start=start,
        answered=answered,
        end=end,
        final_status="completed",
        priced_at=end + 60,
        price=0,
        currency=account.currency,
        direction="outbound-api",
        from_=from_,
        to=to,
        number_sid=number.sid,
        customer=to,
        customer_country=country.iso,
        answered_by=None,
    )
    minutes = math.ceil(call.duration / 60)
    call.price = in_currency(money(country.voice_out_min) * minutes, account.currency)
    return call
