"""A message's real-world life: scheduled, waiting, failing before it is sent, changed later.

``activity`` draws each message as the happy path has it (queued, sent within
seconds, delivered, priced within the hour). ``live`` then gives it the life
Twilio's docs describe, each part behind its own switch (``Lifecycle``, from
``EmulatorConfig``):

- scheduled (Messaging Service, ``ScheduleType=fixed``): ``scheduled`` with no
  ``date_sent`` until ``SendAt``, then ``queued`` and the usual life; some are
  canceled first (``canceled``, ``date_sent`` and ``price`` null forever);
- pending: ``queued``/``accepted``, ``sending`` and ``receiving`` last seconds to
  minutes, sometimes hours, with ``date_sent`` null throughout;
- failed before sending: ``failed`` messages never get a ``date_sent``, and half
  are never priced (``price`` null), the others priced ``0``;
- ``partially_delivered`` (multi-segment SMS) and ``outbound-call`` messages;
- late changes: a few messages are deleted, and some bodies redacted, long after.

Every draw comes from a random stream of the message's own SID, in a fixed order
whatever the switches, so each switch changes only its own part and the day's
traffic (SIDs, counts, bodies) is the same with any of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .timefmt import DAY

if TYPE_CHECKING:
    from .activity import Message

SCHEDULED_SHARE = 0.10  # of outbound Messaging-Service messages
CANCELED_SHARE = 0.15  # of scheduled messages
# Generated SendAt leads: Twilio's 15 minutes to 35 days (the API accepts 5 minutes on).
MIN_LEAD = 15 * 60
MAX_LEAD = 35 * DAY
OUTBOUND_CALL_SHARE = 0.04  # of outbound-api messages: sent during a call
PARTIAL_SHARE = 0.06  # of delivered multi-segment SMS
NEVER_PRICED_SHARE = 0.5  # of failed messages: price stays null
DELETED_SHARE = 0.004
DELETED_WITHIN = 120 * DAY
REDACTED_SHARE = 0.01
REDACTED_WITHIN = 60 * DAY
# The latest a message's status can change after its creation: a scheduled message's
# lead, hours in a queue, then delivery. Lists and webhooks look this far back.
MAX_LAG_DAYS = 36
_DRAWS = 16


@dataclass(frozen=True)
class Lifecycle:
    """Which parts of the real-world life messages get (all on: Twilio's behaviour)."""

    scheduled: bool = True
    pending: bool = True
    failed_before_send: bool = True
    partially_delivered: bool = True
    outbound_call: bool = True
    deleted: bool = True
    redacted: bool = True


def _queue_wait(u: float, v: float) -> int:
    """Seconds an outbound message waits in the queue: mostly seconds, sometimes hours."""
    if u < 0.85:
        return 1 + int(v * 4)
    if u < 0.97:
        return 5 + int(v * 295)
    if u < 0.995:
        return 300 + int(v * 3300)
    return 3600 + int(v * 5 * 3600)


def _receive_wait(u: float, v: float) -> int:
    """Seconds an inbound message is ``receiving`` before Twilio posts it to the webhook."""
    return int(v * 3) if u < 0.97 else 3 + int(v * 177)


def live(message: Message, seed: int, options: Lifecycle) -> None:
    """Give ``message`` (as ``activity`` drew it) its real-world life, in place."""
    u = random.Random(f"{seed}:lifecycle:{message.sid}").random
    d = [u() for _ in range(_DRAWS)]
    if message.direction == "inbound":
        _receive(message, d, options)
    else:
        _send(message, d, options)
    if message.final_status == "canceled":
        return
    if options.deleted and d[11] < DELETED_SHARE:
        message.deleted_at = message.settled_at + 3600 + int(d[12] * DELETED_WITHIN)
    if options.redacted and d[13] < REDACTED_SHARE:
        message.redacted_at = message.final_at + 60 + int(d[14] * REDACTED_WITHIN)


def _receive(message: Message, d: list[float], options: Lifecycle) -> None:
    if not options.pending:
        return
    priced_gap = (message.priced_at or message.final_at) - message.final_at
    message.sent = message.created + _receive_wait(d[5], d[6])
    message.final_at = message.sent
    message.priced_at = message.final_at + priced_gap


def _send(message: Message, d: list[float], options: Lifecycle) -> None:
    if options.outbound_call and message.direction == "outbound-api" and d[0] < OUTBOUND_CALL_SHARE:
        message.direction = "outbound-call"
    drawn_sent = message.sent if message.sent is not None else message.created  # activity's
    sent_delay = drawn_sent - message.created
    final_gap = message.final_at - drawn_sent
    priced_gap = (message.priced_at or message.final_at) - message.final_at
    start = message.created
    if options.scheduled and message.messaging_service_sid and d[1] < SCHEDULED_SHARE:
        lead = MIN_LEAD + int(d[2] ** 3 * (MAX_LEAD - MIN_LEAD))
        message.send_at = message.created + lead
        if d[3] < CANCELED_SHARE:
            message.final_status, message.error_code = "canceled", None
            message.final_at = message.created + 60 + int(d[4] * (lead - 120))
            message.sent = message.priced_at = None
            message.price = 0
            return
        start = message.send_at
    if options.pending:
        message.sending_at = start + _queue_wait(d[5], d[6])
        sent = message.sending_at + 1 + int(d[7] * 4)
    else:
        sent = start + sent_delay
    if options.failed_before_send and message.final_status == "failed":
        # Twilio: "failed" means the message could not be sent: it never gets a date_sent.
        message.final_at = (message.sending_at or start) + 1 + int(d[8] * 5)
        message.sent = None
        never = d[9] < NEVER_PRICED_SHARE
        message.priced_at = None if never else message.final_at + priced_gap
        return
    message.sent = sent
    message.final_at = sent + final_gap
    message.priced_at = message.final_at + priced_gap
    if (
        options.partially_delivered
        and message.final_status == "delivered"
        and message.channel == "sms"
        and message.num_segments > 1
        and d[10] < PARTIAL_SHARE
    ):
        message.final_status = "partially_delivered"


def close(message: Message, at: int) -> None:
    """Its account closed at ``at``: a message still scheduled then is canceled then, never
    sent. That includes one drawn to be canceled later: its cancel (``POST Status=canceled``)
    could not come after the close, when the account's resources answer 404."""
    if message.send_at is None or message.send_at < at:
        return
    if message.final_status == "canceled" and message.final_at <= at:
        return  # canceled before the account closed: that cancel stands
    message.final_status, message.error_code, message.final_at = "canceled", None, at
    message.sent = message.sending_at = message.priced_at = None
    message.price = 0
    message.deleted_at = message.redacted_at = None
