"""The emulator's data model: the world, the clock, and traffic generated on demand.

This is the one place that knows which records exist at the current clock.
Resources (``resources/``) render what it holds; ``truth`` sums it up.
"""

from __future__ import annotations

import calendar
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from .activity import Call, DayTraffic, Message, TrafficGenerator
from .catalog import NUMBER_RENT, USAGE_LEAVES, USAGE_ROLLUPS, in_currency
from .created import OutboxEntry
from .inventory import AvailableNumber, available_numbers
from .lifecycle import MAX_LAG_DAYS
from .media import Media, media_of
from .provisioning import Provisioning, build_provisioning
from .timefmt import DAY, day_to_date
from .voice import Conference, Recording, Transcription, VoiceDay, call_events, derive_day
from .world import Account, World

# Twilio keeps messages and recordings this many days (today included); older ones are gone.
RETENTION_DAYS = 400
# A day's usage never changes once this long after the day has ended (prices land late).
SETTLE_DELAY = 3 * 3600

T = TypeVar("T")


class Clock:
    """The emulator's notion of "now": frozen unless advanced, so reads are repeatable."""

    def __init__(self, start: int) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> int:
        return self._now

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now


@dataclass(frozen=True)
class UsageAmount:
    count: int
    usage: int
    price: int  # money units in the account's currency


class Store:
    def __init__(
        self,
        world: World,
        clock: Clock,
        generator: TrafficGenerator,
        *,
        retention_days: int | None = RETENTION_DAYS,
    ) -> None:
        self.world = world
        self.clock = clock
        self.generator = generator
        self.retention_days = retention_days  # of messages and recordings; None: forever
        self._days: dict[tuple[str, int], DayTraffic] = {}
        self._messages_by_sid: dict[str, Message] = {}
        self._calls_by_sid: dict[str, Call] = {}
        self._settled_usage: dict[tuple[str, int], dict[str, UsageAmount]] = {}
        self._sent_on: dict[tuple[str, int], list[Message]] = {}
        self._unsent: dict[tuple[str, int], list[Message]] = {}
        self._indexed_through = world.history_start_day - 1  # every day <= this is generated
        self._derived: dict[tuple[str, str, int], Any] = {}
        self.outbox: list[OutboxEntry] = []  # what clients created through the API
        self._voice: dict[tuple[str, int], VoiceDay] = {}
        self._conferences_by_sid: dict[str, Conference] = {}
        self._recordings_by_sid: dict[str, Recording] = {}
        self._transcriptions_by_sid: dict[str, Transcription] = {}
        self._lock = threading.Lock()
        self.provisioning: dict[str, Provisioning] = build_provisioning(world)
        self._numbers_in_use = frozenset(
            [n.e164 for a in world.accounts for n in a.numbers]
            + [c.e164 for a in world.accounts for c in a.customers]
        )

    # --- days -------------------------------------------------------------------------

    @property
    def today(self) -> int:
        return self.clock.now() // DAY

    def traffic(self, account: Account, day: int) -> DayTraffic:
        key = (account.sid, day)
        cached = self._days.get(key)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._days.get(key)
            if cached is None:
                cached = self.generator.day(account, day)
                for message in cached.messages:
                    self._messages_by_sid[message.sid] = message
                for call in cached.calls:
                    self._calls_by_sid[call.sid] = call
                self._days[key] = cached
        return cached

    def add_created(self, account: Account, record: Message | Call, params: dict[str, str]) -> None:
        """Store a message or call a client created, in its day, and in the outbox."""
        day = record.created // DAY
        traffic = self.traffic(account, day)
        with self._lock:
            if isinstance(record, Message):
                traffic.add_message(record)
                self._messages_by_sid[record.sid] = record
                self._forget_indexes(account, day)
                kind = "message"
            else:
                traffic.add_call(record)
                self._calls_by_sid[record.sid] = record
                kind = "call"
            self.outbox.append(OutboxEntry(kind, record.sid, account.sid, record.created, params))

    def cancel(self, message: Message, now: int) -> None:
        """Cancel a scheduled message (``Status=canceled``): never sent, never priced."""
        account = self.world.account(message.account_sid)
        with self._lock:
            message.final_status, message.final_at, message.error_code = "canceled", now, None
            message.sent = message.sending_at = message.priced_at = None
            message.price = 0
            if account is not None:
                self._forget_indexes(account, message.created // DAY)

    def redact(self, message: Message, now: int) -> None:
        """Redact a message's body (``Body=``): it reads "" from now on."""
        with self._lock:
            if message.redacted_at is None or message.redacted_at > now:
                message.redacted_at = now

    def _forget_indexes(self, account: Account, day: int) -> None:
        """A message of ``day`` changed or arrived: the lists derived from its days go stale."""
        for later in range(day, day + MAX_LAG_DAYS + 1):
            self._sent_on.pop((account.sid, later), None)
        self._unsent.pop((account.sid, day), None)

    def first_day(self, account: Account) -> int:
        return self.world.history_start_day

    def retained_from(self, account: Account) -> int:
        """The first day whose messages and recordings Twilio still keeps (400 days, today
        included): older ones are gone from lists and fetches."""
        first = self.first_day(account)
        if self.retention_days is None:
            return first
        return max(first, self.today - self.retention_days + 1)

    def kept(self, account: Account, created: int) -> bool:
        """A message or recording created at ``created`` is still kept at the clock."""
        return created // DAY >= self.retained_from(account)

    def derived(self, kind: str, account: Account, day: int, build: Callable[[], T]) -> T:
        """Records a product module derives from one account's day (``products/``), built once.

        What they derive is a pure function of (seed, account, day), like the
        traffic itself; which of them are visible is decided at read time.
        """
        key = (kind, account.sid, day)
        cached = self._derived.get(key)
        if cached is None:
            cached = build()
            with self._lock:
                self._derived.setdefault(key, cached)
        return cached

    # --- messages and calls -----------------------------------------------------------

    def _index_through_today(self) -> None:
        """Generate every day up to today, so that any existing SID can be found.

        Days are generated lazily by lists; a SID (fetched directly, or named by a
        PageToken) may belong to a day no list has touched yet, e.g. after a restart.
        """
        today = self.today
        if self._indexed_through >= today:
            return
        for account in self.world.accounts:
            for day in range(self._indexed_through + 1, today + 1):
                self.traffic(account, day)
        self._indexed_through = today

    def message(self, sid: str) -> Message | None:
        """The message with ``sid``, if it exists at the clock (created, not deleted)."""
        message = self.any_message(sid)
        if message is None or not message.exists_at(self.clock.now()):
            return None
        account = self.world.account(message.account_sid)
        return message if account is not None and self.kept(account, message.created) else None

    def any_message(self, sid: str) -> Message | None:
        """The message with ``sid`` created by the clock, deleted or not (for page tokens)."""
        message = self._messages_by_sid.get(sid)
        if message is None:
            self._index_through_today()
            message = self._messages_by_sid.get(sid)
        return message if message is not None and message.created <= self.clock.now() else None

    def call(self, sid: str) -> Call | None:
        call = self._calls_by_sid.get(sid)
        if call is None:
            self._index_through_today()
            call = self._calls_by_sid.get(sid)
        return call if call is not None and call.created <= self.clock.now() else None

    def messages_desc(
        self, account: Account, *, from_day: int | None = None, to_day: int | None = None
    ) -> Iterator[Message]:
        """Messages existing at the clock, newest first by (date_created, sid), created in
        [from_day, to_day]."""
        now = self.clock.now()
        hi = min(self.today, to_day if to_day is not None else self.today)
        lo = max(self.retained_from(account), from_day if from_day is not None else -(10**9))
        for day in range(hi, lo - 1, -1):
            for message in reversed(self.traffic(account, day).messages):
                if message.exists_at(now):
                    yield message

    def sent_on(self, account: Account, day: int) -> list[Message]:
        """Messages whose ``date_sent`` is (or will be) on ``day``, by (date_sent, sid).

        They were created that day or, scheduled or long queued, up to
        ``MAX_LAG_DAYS`` before: the days before contribute their ``late`` messages.
        Deleted ones included: usage still bills them.
        """
        key = (account.sid, day)
        cached = self._sent_on.get(key)
        if cached is not None:
            return cached
        found = [m for m in self.traffic(account, day).messages if _sent_day(m) == day]
        for earlier in range(day - MAX_LAG_DAYS, day):
            found += [m for m in self.traffic(account, earlier).late if _sent_day(m) == day]
        found.sort(key=lambda m: (m.sent, m.sid))
        with self._lock:
            self._sent_on[key] = found
        return found

    def never_sent(self, account: Account, day: int) -> list[Message]:
        """Messages created on ``day`` that will never have a ``date_sent`` (canceled, failed
        before sending), by (created, sid)."""
        key = (account.sid, day)
        cached = self._unsent.get(key)
        if cached is None:
            cached = [m for m in self.traffic(account, day).messages if m.sent is None]
            with self._lock:
                self._unsent[key] = cached
        return cached

    def calls_desc(
        self, account: Account, *, from_day: int | None = None, to_day: int | None = None
    ) -> Iterator[Call]:
        now = self.clock.now()
        hi = min(self.today, to_day if to_day is not None else self.today)
        lo = max(self.first_day(account), from_day if from_day is not None else -(10**9))
        for day in range(hi, lo - 1, -1):
            for call in reversed(self.traffic(account, day).calls):
                if call.created <= now:
                    yield call

    def media(self, message: Message) -> list[Media]:
        return media_of(self.world.seed, message)

    def call_events(self, account: Account, call: Call) -> list[dict]:
        return call_events(self.world.seed, account, call, self.clock.now())

    # --- conferences, recordings, transcriptions ----------------------------------------

    def voice(self, account: Account, day: int) -> VoiceDay:
        """What was created on ``day`` around the calls of that day and the day before."""
        key = (account.sid, day)
        cached = self._voice.get(key)
        if cached is not None:
            return cached
        calls = self.traffic(account, day - 1).calls + self.traffic(account, day).calls
        derived = derive_day(self.world.seed, account, day, calls)
        with self._lock:
            for conference in derived.conferences:
                self._conferences_by_sid[conference.sid] = conference
            for recording in derived.recordings:
                self._recordings_by_sid[recording.sid] = recording
            for transcription in derived.transcriptions:
                self._transcriptions_by_sid[transcription.sid] = transcription
            self._voice[key] = derived
        return derived

    def conference(self, sid: str) -> Conference | None:
        found = self._conferences_by_sid.get(sid)
        return found if found is not None and found.created <= self.clock.now() else None

    def recording(self, sid: str) -> Recording | None:
        found = self._recordings_by_sid.get(sid)
        if found is None or found.created > self.clock.now():
            return None
        account = self.world.account(found.account_sid)
        return found if account is not None and self.kept(account, found.created) else None

    def transcription(self, sid: str) -> Transcription | None:
        found = self._transcriptions_by_sid.get(sid)
        return found if found is not None and found.created <= self.clock.now() else None

    def waiting_conferences(self, account: Account) -> list[Conference]:
        """Conferences whose customer is still waiting for an agent (``init``) at the clock."""
        now = self.clock.now()
        return [
            c
            for day in (self.today - 1, self.today)
            for c in self.voice(account, day).conferences
            if c.created <= now and c.state_at(now)[0] == "init"
        ]

    def history_days(self, account: Account) -> range:
        return range(self.first_day(account), self.today + 1)

    # --- inventory ----------------------------------------------------------------------

    def available_numbers(self, iso_country: str, kind: str) -> list[AvailableNumber]:
        """Numbers on sale today in a country, of one type (``local``, ``mobile``, ...)."""
        return available_numbers(
            self.world.seed, iso_country, kind, self.today, self._numbers_in_use
        )

    def all_messages(self, account: Account) -> Iterator[Message]:
        return self.messages_desc(account)

    def all_calls(self, account: Account) -> Iterator[Call]:
        return self.calls_desc(account)

    # --- usage -------------------------------------------------------------------------

    def usage_day(self, account: Account, day: int) -> dict[str, UsageAmount]:
        """Billed usage of one account on one day, per category (leaves and roll-ups)."""
        key = (account.sid, day)
        cached = self._settled_usage.get(key)
        if cached is not None:
            return cached
        leaves = self._usage_leaves(account, day)
        result = dict(leaves)
        for rollup, (_, children) in USAGE_ROLLUPS.items():
            parts = [leaves[c] for c in children]
            if rollup == "totalprice":
                price = sum(p.price for p in parts)
                result[rollup] = UsageAmount(count=0, usage=price, price=price)
            else:
                result[rollup] = UsageAmount(
                    count=sum(p.count for p in parts),
                    usage=sum(p.usage for p in parts),
                    price=sum(p.price for p in parts),
                )
        if self.clock.now() >= (day + 1) * DAY + SETTLE_DELAY:
            self._settled_usage[key] = result
        return result

    def _usage_leaves(self, account: Account, day: int) -> dict[str, UsageAmount]:
        now = self.clock.now()
        counts = {c: [0, 0, 0] for c in USAGE_LEAVES}
        if day <= self.today:
            traffic = self.traffic(account, day)
            # Twilio bills a message when it is sent (a scheduled one: at SendAt, not when
            # it was created): on the UTC day of its date_sent, once priced.
            for m in self.sent_on(account, day):
                if m.priced_at is None or now < m.priced_at or m.final_status == "failed":
                    continue
                inbound = m.direction == "inbound"
                if m.channel == "sms":
                    bucket, amount = ("sms-inbound" if inbound else "sms-outbound"), m.num_segments
                elif m.channel == "mms":
                    bucket, amount = ("mms-inbound" if inbound else "mms-outbound"), 1
                else:
                    bucket = (
                        "channels-whatsapp-inbound" if inbound else "channels-whatsapp-outbound"
                    )
                    amount = 1
                row = counts[bucket]
                row[0] += 1
                row[1] += amount
                row[2] += m.price
            for c in traffic.calls:
                if c.created > now or now < c.priced_at or c.billed_minutes == 0:
                    continue
                row = counts["calls-inbound" if c.direction == "inbound" else "calls-outbound"]
                row[0] += 1
                row[1] += c.billed_minutes
                row[2] += c.price
            voice = self.voice(account, day)
            for r in voice.recordings:
                if r.created <= now and now >= r.priced_at:
                    row = counts["recordings"]
                    row[0] += 1
                    row[1] += math.ceil(r.duration / 60)
                    row[2] += r.price
            for t in voice.transcriptions:
                if t.created <= now and t.status_at(now) == "completed":
                    row = counts["transcriptions"]
                    row[0] += 1
                    row[1] += math.ceil(t.recording.duration / 60)
                    row[2] += t.price
            closed = account.closed_at is not None and day * DAY >= account.closed_at
            if now >= day * DAY and not closed:  # a closed account's numbers are released
                for number in account.numbers:
                    if is_rent_day(number.created, day):
                        bucket = {
                            "local": "phonenumbers-local",
                            "mobile": "phonenumbers-mobile",
                            "toll-free": "phonenumbers-tollfree",
                        }[number.kind]
                        row = counts[bucket]
                        row[0] += 1
                        row[1] += 1
                        row[2] += in_currency(NUMBER_RENT[number.kind], account.currency)
        return {c: UsageAmount(*v) for c, v in counts.items()}


def _sent_day(message: Message) -> int | None:
    return None if message.sent is None else message.sent // DAY


def is_rent_day(number_created: int, day: int) -> bool:
    """Numbers are billed monthly on the day-of-month they were bought (clamped to month end)."""
    if day < number_created // DAY + 1:
        return False
    bought = day_to_date(number_created // DAY)
    date = day_to_date(day)
    last = calendar.monthrange(date.year, date.month)[1]
    return date.day == min(bought.day, last)
