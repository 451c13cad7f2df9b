"""Deterministic traffic: the messages and calls of one account on one UTC day.

A day's traffic is a pure function of (seed, account, day), so any day can be
generated on demand, in any order, and always comes out the same. Each record
carries its whole life (queued -> sent -> delivered, priced later); what the API
shows is that life read at the emulator's clock (see ``Message.state_at``).
"""

from __future__ import annotations

import math
import random
from bisect import insort
from dataclasses import dataclass, field

from .catalog import (
    COUNTRIES,
    FAILED_CODES,
    MESSAGE_ERRORS,
    UNDELIVERED_CODES,
    in_currency,
    money,
)
from .lifecycle import Lifecycle, close, live
from .timefmt import DAY
from .world import Account, Customer, PhoneNumber, World, make_sid

OUTBOUND_BODIES = (
    "Your order #{n} has shipped and should arrive within 3 business days.",
    "Your verification code is {n}.",
    "Reminder: your appointment is tomorrow at {h}:00. Reply C to confirm or R to reschedule.",
    "Hi! Thanks for reaching out, an agent will get back to you shortly.",
    "Your payment of {n} was received. Thank you!",
    "Flash sale: 20% off everything this weekend only. Shop now and use code SAVE20 at checkout. "
    "Offer valid until Sunday midnight, while supplies last. Reply STOP to opt out.",
    "Votre commande {n} est en route 🚚",
    "Your delivery window is {h}:00-{h2}:00 today.",
)
INBOUND_BODIES = (
    "Yes",
    "Thanks!",
    "When will my order arrive?",
    "C",
    "Can I change my delivery address?",
    "R",
    "👍",
    "I never received the code, can you resend it?",
)
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")


def segments_for(body: str) -> int:
    """SMS segments: GSM-7 fits 160 (153 per part), anything else UCS-2 fits 70 (67)."""
    if all(ord(ch) < 128 for ch in body):
        return 1 if len(body) <= 160 else math.ceil(len(body) / 153)
    return 1 if len(body) <= 70 else math.ceil(len(body) / 67)


@dataclass(slots=True)
class Message:
    """A message and its whole life; ``state_at`` reads it at an instant.

    Life (``lifecycle.py``): created, then ``scheduled`` until ``send_at`` if
    scheduled, ``queued``/``accepted``, ``sending`` from ``sending_at``, ``sent``
    from ``sent`` (``date_sent``), final from ``final_at``, priced from
    ``priced_at``. Inbound: ``receiving`` until ``sent``, then ``received``.
    """

    sid: str
    account_sid: str
    created: int
    sent: int | None  # date_sent; None while unsent, and forever if never sent
    final_at: int  # when the final status is reached
    final_status: str
    priced_at: int | None  # None: never priced (price null forever)
    price: int  # money units, >= 0 (rendered negative, as Twilio does)
    currency: str
    direction: str
    from_: str
    to: str
    body: str
    num_segments: int
    num_media: int
    error_code: int | None
    messaging_service_sid: str | None
    customer: str
    customer_country: str
    channel: str  # sms | mms | whatsapp
    number_sid: str
    send_at: int | None = None  # scheduled (ScheduleType=fixed) until then
    sending_at: int | None = None  # left the queue: "sending" until ``sent``
    deleted_at: int | None = None  # deleted (by its owner) then: gone from the API
    redacted_at: int | None = None  # body redacted (set to "") then

    @property
    def settled_at(self) -> int:
        """The instant after which its status and price never change again."""
        return max(self.final_at, self.priced_at or self.final_at)

    def exists_at(self, now: int) -> bool:
        """Created by ``now`` and not deleted yet."""
        return self.created <= now and (self.deleted_at is None or now < self.deleted_at)

    def sender_at(self, now: int) -> str | None:
        """``from``: a scheduled message has none until it is sent (the spec's cancel example)."""
        if self.send_at is not None and (now < self.send_at or self.final_status == "canceled"):
            return None
        return self.from_

    def body_at(self, now: int) -> str:
        return "" if self.redacted_at is not None and now >= self.redacted_at else self.body

    def state_at(self, now: int) -> tuple[str, int | None, int, bool]:
        """(status, date_sent, date_updated, priced) as the API shows them at ``now``."""
        sent: int | None = None
        if self.direction == "inbound":
            if self.sent is not None and now >= self.sent:
                status, sent, updated = self.final_status, self.sent, self.sent
            else:
                status, updated = "receiving", self.created
        elif now >= self.final_at:
            status, sent, updated = self.final_status, self.sent, self.final_at
        elif self.sent is not None and now >= self.sent:
            status, sent, updated = "sent", self.sent, self.sent
        elif self.sending_at is not None and now >= self.sending_at:
            status, updated = "sending", self.sending_at
        elif self.send_at is not None:
            scheduled = now < self.send_at
            status = "scheduled" if scheduled else "queued"
            updated = self.created if scheduled else self.send_at
        else:
            status = "accepted" if self.messaging_service_sid else "queued"
            updated = self.created
        priced = self.priced_at is not None and now >= self.priced_at
        if priced:
            updated = max(updated, self.priced_at or 0)
        if self.redacted_at is not None and now >= self.redacted_at:
            updated = max(updated, self.redacted_at)
        return status, sent, updated, priced


@dataclass(slots=True)
class Call:
    sid: str
    account_sid: str
    parent_sid: str | None
    created: int
    start: int  # dialled; start_time is null before this
    answered: int | None  # None when never answered
    end: int  # final status from here on
    final_status: str
    priced_at: int
    price: int
    currency: str
    direction: str
    from_: str
    to: str
    number_sid: str
    customer: str
    customer_country: str
    answered_by: str | None

    @property
    def duration(self) -> int:
        return self.end - self.start if self.final_status == "completed" else 0

    @property
    def billed_minutes(self) -> int:
        return math.ceil(self.duration / 60)

    @property
    def settled_at(self) -> int:
        return max(self.end, self.priced_at)

    def state_at(self, now: int) -> tuple[str, int | None, int | None, int, bool]:
        """(status, start_time, end_time, date_updated, priced) at ``now``."""
        priced = now >= self.priced_at
        if now >= self.end:
            status, start, end, updated = self.final_status, self.start, self.end, self.end
        elif self.answered is not None and now >= self.answered:
            status, start, end, updated = "in-progress", self.start, None, self.answered
        elif now >= self.start:
            status, start, end, updated = "ringing", self.start, None, self.start
        else:
            status, start, end, updated = "queued", None, None, self.created
        if priced:
            updated = max(updated, self.priced_at)
        return status, start, end, updated, priced


def changes_later(message: Message) -> bool:
    """Its status still changes after the day it was created (scheduled, or over midnight)."""
    return message.final_at // DAY > message.created // DAY


@dataclass
class DayTraffic:
    """One account's traffic on one day, each list sorted by (created, sid).

    ``late`` are the day's messages whose status changes on a later day: what lists
    by date_sent, webhooks and alerts of later days must look back at.
    """

    messages: list[Message] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    late: list[Message] = field(default_factory=list)

    def add_message(self, message: Message) -> None:
        insort(self.messages, message, key=lambda m: (m.created, m.sid))
        if changes_later(message):
            insort(self.late, message, key=lambda m: (m.created, m.sid))

    def add_call(self, call: Call) -> None:
        insort(self.calls, call, key=lambda c: (c.created, c.sid))


_WEEKDAY_FACTOR = (1.10, 1.12, 1.10, 1.08, 1.05, 0.80, 0.75)  # Mon..Sun (1970-01-01 was a Thursday)
_CHANNELS = {  # per account index: (sms, mms, whatsapp) weights
    0: (0.82, 0.08, 0.10),
    1: (0.85, 0.00, 0.15),
    2: (0.90, 0.10, 0.00),
    5: (0.95, 0.05, 0.00),  # the subaccount closed part-way (world._CLOSING)
}


class TrafficGenerator:
    """Generates ``DayTraffic`` for (account, day) from the seed and size options."""

    def __init__(
        self,
        world: World,
        *,
        messages_per_day: float,
        calls_per_day: float,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self.world = world
        self.messages_per_day = messages_per_day
        self.calls_per_day = calls_per_day
        self.lifecycle = lifecycle or Lifecycle()
        self._cum_weights: dict[str, list[float]] = {}
        for account in world.accounts:
            total = 0.0
            cum = []
            for customer in account.customers:
                total += customer.weight
                cum.append(total)
            self._cum_weights[account.sid] = cum

    def day(self, account: Account, day: int) -> DayTraffic:
        index = account.index
        rng = random.Random(f"{self.world.seed}:{index}:{day}")
        traffic = DayTraffic()
        if day < self.world.history_start_day or account.status != "active":
            return traffic
        if account.closed_at is not None and day > account.closed_at // DAY:
            return traffic
        factor = _WEEKDAY_FACTOR[(day + 3) % 7] * account.share
        n_messages = _noisy_count(rng, self.messages_per_day * factor)
        n_calls = _noisy_count(rng, self.calls_per_day * factor)
        start = day * DAY
        times = sorted(
            start + int(rng.betavariate(2.4, 2.0) * (DAY - 1)) for _ in range(n_messages)
        )
        for i, created in enumerate(times):
            customer = self._customer(rng, account)
            message = self._message(
                rng, account, index=index, day=day, i=i, created=created, customer=customer
            )
            traffic.messages.append(message)
        for customer in account.customers:  # the STOP that opts a customer out
            if customer.opted_out_at is not None and customer.opted_out_at // DAY == day:
                traffic.messages.append(
                    self._message(
                        rng,
                        account,
                        index=index,
                        day=day,
                        i=f"stop:{customer.e164}",
                        created=customer.opted_out_at,
                        customer=customer,
                        body="STOP",
                    )
                )
        call_times = sorted(
            start + int(rng.betavariate(2.6, 2.2) * (DAY - 1)) for _ in range(n_calls)
        )
        for i, created in enumerate(call_times):
            customer = self._customer(rng, account)
            traffic.calls += self._calls(
                rng, account, index=index, day=day, i=i, created=created, customer=customer
            )
        for message in traffic.messages:  # after the happy path, the real-world life
            live(message, self.world.seed, self.lifecycle)
        if account.closed_at is not None:  # nothing after the account closed
            traffic.messages = [m for m in traffic.messages if m.created < account.closed_at]
            traffic.calls = [c for c in traffic.calls if c.created < account.closed_at]
            for message in traffic.messages:
                close(message, account.closed_at)
        traffic.messages.sort(key=lambda m: (m.created, m.sid))
        traffic.late = [m for m in traffic.messages if changes_later(m)]
        traffic.calls.sort(key=lambda c: (c.created, c.sid))
        return traffic

    def _customer(self, rng: random.Random, account: Account) -> Customer:
        return rng.choices(account.customers, cum_weights=self._cum_weights[account.sid])[0]

    def _our_number(self, rng: random.Random, account: Account, customer: Customer) -> PhoneNumber:
        local = [n for n in account.numbers if n.iso_country == customer.iso_country]
        return rng.choice(local or account.numbers)

    def _message(
        self,
        rng: random.Random,
        account: Account,
        *,
        index: int,
        day: int,
        i: int | str,
        created: int,
        customer: Customer,
        body: str | None = None,
    ) -> Message:
        seed = self.world.seed
        country = COUNTRIES[customer.iso_country]
        number = self._our_number(rng, account, customer)
        if body is not None:
            direction = "inbound"
        else:
            roll = rng.random()
            direction = (
                "inbound" if roll < 0.35 else "outbound-api" if roll < 0.90 else "outbound-reply"
            )
        sms_w, mms_w, wa_w = _CHANNELS[index]
        channel = rng.choices(("sms", "mms", "whatsapp"), (sms_w, mms_w, wa_w))[0]
        if body is not None:
            channel = "sms"
        inbound = direction == "inbound"
        if body is None:
            template = rng.choice(INBOUND_BODIES if inbound else OUTBOUND_BODIES)
            hour = rng.randint(8, 17)
            body = template.format(n=rng.randint(100000, 999999), h=hour, h2=hour + 2)
        num_media = rng.choice((1, 1, 2, 3)) if channel == "mms" else 0
        segments = segments_for(body)
        ours, theirs = number.e164, customer.e164
        if channel == "whatsapp":
            ours, theirs = f"whatsapp:{ours}", f"whatsapp:{theirs}"
        service = account.messaging_service_sid if not inbound and rng.random() < 0.5 else None
        error: int | None = None
        if inbound:
            status, sent, final_at = "received", created, created
        else:
            sent = created + rng.randint(1, 3)
            roll = rng.random()
            opted_out = customer.opted_out_at is not None and created > customer.opted_out_at
            if opted_out and channel == "sms":
                status, error = "failed", 21610
            elif roll < 0.025:
                status, error = "failed", rng.choice(FAILED_CODES)
            elif roll < 0.065:
                status, error = "undelivered", rng.choice(UNDELIVERED_CODES)
            elif roll < 0.095 and channel == "sms":
                status = "sent"  # carrier never returned a delivery receipt
            elif channel == "whatsapp" and rng.random() < 0.6:
                status = "read"
            else:
                status = "delivered"
            final_at = sent + (0 if status in ("failed", "sent") else rng.randint(2, 40))
        priced_at = final_at + rng.randint(60, 3600)
        if status == "failed":
            usd = 0
        elif channel == "sms":
            usd = money(country.sms_in if inbound else country.sms_out) * segments
        elif channel == "mms":
            usd = money("0.01000") if inbound else money(country.mms_out)
        else:
            usd = money("0.00500") if inbound else money(country.whatsapp)
        prefix = "MM" if channel == "mms" else "SM"
        return Message(
            sid=make_sid(prefix, seed, "message", index, day, i),
            account_sid=account.sid,
            created=created,
            sent=sent,
            final_at=final_at,
            final_status=status,
            priced_at=priced_at,
            price=in_currency(usd, account.currency),
            currency=account.currency,
            direction=direction,
            from_=theirs if inbound else ours,
            to=ours if inbound else theirs,
            body=body,
            num_segments=segments,
            num_media=num_media,
            error_code=error,
            messaging_service_sid=service,
            customer=customer.e164,
            customer_country=customer.iso_country,
            channel=channel,
            number_sid=number.sid,
        )

    def _calls(
        self,
        rng: random.Random,
        account: Account,
        *,
        index: int,
        day: int,
        i: int,
        created: int,
        customer: Customer,
    ) -> list[Call]:
        seed = self.world.seed
        country = COUNTRIES[customer.iso_country]
        number = self._our_number(rng, account, customer)
        inbound = rng.random() < 0.55
        start = created + 1
        ring = rng.randint(3, 25)
        roll = rng.random()
        if inbound:
            status = (
                "completed"
                if roll < 0.80
                else "no-answer"
                if roll < 0.88
                else "busy"
                if roll < 0.92
                else "canceled"
                if roll < 0.98
                else "failed"
            )
        else:
            status = (
                "completed"
                if roll < 0.65
                else "no-answer"
                if roll < 0.85
                else "busy"
                if roll < 0.93
                else "failed"
                if roll < 0.97
                else "canceled"
            )
        answered = start + ring if status == "completed" else None
        talk = int(min(3600, rng.lognormvariate(4.6, 0.9))) + 5 if answered else 0
        end = (answered + talk) if answered else start + (0 if status == "failed" else ring)
        answered_by = None
        if not inbound and answered and rng.random() < 0.5:
            answered_by = rng.choice(("human", "human", "human", "machine_start", "fax"))
        rate = money(
            COUNTRIES[number.iso_country].voice_in_min if inbound else country.voice_out_min
        )
        sid = make_sid("CA", seed, "call", index, day, i)
        parent = Call(
            sid=sid,
            account_sid=account.sid,
            parent_sid=None,
            created=created,
            start=start,
            answered=answered,
            end=end,
            final_status=status,
            priced_at=end + rng.randint(30, 1800),
            price=0,
            currency=account.currency,
            direction="inbound" if inbound else "outbound-api",
            from_=customer.e164 if inbound else number.e164,
            to=number.e164 if inbound else customer.e164,
            number_sid=number.sid,
            customer=customer.e164,
            customer_country=customer.iso_country,
            answered_by=answered_by,
        )
        parent.price = in_currency(rate * parent.billed_minutes, account.currency)
        calls = [parent]
        if inbound and answered and rng.random() < 0.35:  # <Dial>ed through to an agent
            leg_start = answered + rng.randint(5, 20)
            if leg_start + 5 < end:
                leg_answer = leg_start + rng.randint(2, 6)
                child = Call(
                    sid=make_sid("CA", seed, "call", index, day, i, "leg"),
                    account_sid=account.sid,
                    parent_sid=sid,
                    created=leg_start - 1,
                    start=leg_start,
                    answered=leg_answer,
                    end=end,
                    final_status="completed",
                    priced_at=end + rng.randint(30, 1800),
                    price=0,
                    currency=account.currency,
                    direction="outbound-dial",
                    from_=customer.e164,
                    to=rng.choice(self.world.agent_numbers),
                    number_sid=number.sid,
                    customer=customer.e164,
                    customer_country=customer.iso_country,
                    answered_by=None,
                )
                child.price = in_currency(
                    money(COUNTRIES["US"].voice_out_min) * child.billed_minutes, account.currency
                )
                calls.append(child)
        return calls


def _noisy_count(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def error_message(code: int | None) -> str | None:
    return MESSAGE_ERRORS.get(code) if code is not None else None
