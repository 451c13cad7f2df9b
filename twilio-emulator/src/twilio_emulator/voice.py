"""What happens around calls: conferences, recordings, transcriptions and call events.

Everything here is derived from the calls of ``activity`` with random streams
seeded by the call's SID, so it changes no message or call and stays a pure
function of (seed, call). Each record carries its whole life; the API shows it
read at the emulator's clock (``state_at``).

- A bridged inbound call (customer + agent leg) goes through a conference room
  for ``CONFERENCE_SHARE`` of the time: the customer waits in it (``init``) until
  the agent answers (``in-progress``); it ends when the customer hangs up.
- ``RECORDED_SHARE`` of completed parent calls are recorded; some recordings are
  deleted later and kept as ``deleted`` for ``SOFT_DELETE_KEEP`` (Twilio: 40 days).
- Voicemails (``RecordVerb`` recordings) are often transcribed.
- Twilio serves a call's events ``EVENTS_DELAY`` after the call ends.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .activity import Call
from .apis import API_2010, API_VERSION
from .catalog import in_currency, money
from .timefmt import DAY, rfc2822
from .world import Account, make_sid

CONFERENCE_SHARE = 0.6
RECORDED_SHARE = 0.4
TRANSCRIBED_SHARE = 0.7
DELETED_SHARE = 0.1
SOFT_DELETE_KEEP = 40 * DAY
EVENTS_DELAY = 15 * 60
RECORDING_RATE = money("0.00250")  # USD per started minute
TRANSCRIPTION_RATE = money("0.05000")  # USD per started minute
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

VOICEMAILS = (
    "Hi, this is about my order, could you call me back please? Thanks.",
    "Hello, I'd like to change my delivery address. Call me when you can.",
    "I was charged twice this month, please get back to me.",
    "Just confirming my appointment for tomorrow. Bye.",
)


def _rng(seed: int, kind: str, sid: str) -> random.Random:
    return random.Random(f"{seed}:{kind}:{sid}")


def webhook_base(account: Account) -> str:
    """Where this account's TwiML app lives (its Applications point here too)."""
    slug = account.friendly_name.lower().replace("acme ", "").replace(" ", "-")
    return f"https://{'www' if account.is_main else slug}.acme.example.com"


@dataclass(slots=True)
class Conference:
    sid: str
    account_sid: str
    friendly_name: str
    region: str
    customer: Call  # the inbound call: joins first and waits for the agent
    agent: Call  # the agent leg: the conference starts when it answers

    @property
    def created(self) -> int:
        return self.customer.answered or self.customer.start

    @property
    def started(self) -> int:
        return self.agent.answered or self.agent.start

    @property
    def ended(self) -> int:
        return self.customer.end

    def state_at(self, now: int) -> tuple[str, int]:
        """(status, date_updated) at ``now``."""
        if now >= self.ended:
            return "completed", self.ended
        if now >= self.started:
            return "in-progress", self.started
        return "init", self.created

    def participants_at(self, now: int) -> list[Participant]:
        """Who is in the room at ``now``: Twilio lists live participants only."""
        if now >= self.ended or now < self.created:
            return []
        people = [
            Participant(self, self.customer, "customer", self.created, self.created, "connected")
        ]
        if now >= self.agent.start:
            connected = now >= self.started
            people.append(
                Participant(
                    self,
                    self.agent,
                    "agent",
                    self.agent.start,
                    self.started if connected else self.agent.start,
                    "connected" if connected else "ringing",
                )
            )
        return people


@dataclass(frozen=True, slots=True)
class Participant:
    conference: Conference
    call: Call
    label: str  # customer | agent
    created: int
    updated: int
    status: str


@dataclass(slots=True)
class Recording:
    sid: str
    account_sid: str
    call_sid: str
    conference_sid: str | None
    source: str
    channels: int
    created: int  # recording started
    end: int  # recording stopped (the call ended)
    completed_at: int  # processed and available
    priced_at: int
    price: int  # money units, account currency
    currency: str
    deleted_at: int | None

    @property
    def duration(self) -> int:
        return self.end - self.created

    def status_at(self, now: int) -> str:
        if self.deleted_at is not None and now >= self.deleted_at:
            return "deleted"
        if now >= self.completed_at:
            return "completed"
        return "processing" if now >= self.end else "in-progress"

    def updated_at(self, now: int) -> int:
        status = self.status_at(now)
        if status == "deleted":
            return self.deleted_at or self.completed_at
        if status == "completed":
            return max(self.completed_at, self.priced_at if now >= self.priced_at else 0)
        return self.end if status == "processing" else self.created

    def visible(self, now: int, *, include_deleted: bool) -> bool:
        """Listed at ``now``: deleted ones only on request, and only for 40 days."""
        if self.created > now:
            return False
        if self.deleted_at is None or now < self.deleted_at:
            return True
        return include_deleted and now < self.deleted_at + SOFT_DELETE_KEEP


@dataclass(slots=True)
class Transcription:
    sid: str
    account_sid: str
    recording: Recording
    created: int
    done_at: int
    final_status: str  # completed | failed
    price: int  # money units, account currency; 0 when failed
    text: str

    def status_at(self, now: int) -> str:
        return self.final_status if now >= self.done_at else "in-progress"


@dataclass
class VoiceDay:
    """Conferences, recordings and transcriptions created on one day, by (created, sid)."""

    conferences: list[Conference]
    recordings: list[Recording]
    transcriptions: list[Transcription]


def derive_day(seed: int, account: Account, day: int, calls: list[Call]) -> VoiceDay:
    """Everything created on ``day`` from ``calls`` (those of the day and the day before)."""
    by_parent = {c.parent_sid: c for c in calls if c.parent_sid is not None}
    conferences: list[Conference] = []
    recordings: list[Recording] = []
    transcriptions: list[Transcription] = []
    for call in calls:
        if call.parent_sid is not None:
            continue
        leg = by_parent.get(call.sid)
        conference = None
        if leg is not None and _rng(seed, "conference", call.sid).random() < CONFERENCE_SHARE:
            conference = Conference(
                sid=make_sid("CF", seed, "conference", call.sid),
                account_sid=account.sid,
                friendly_name=f"support-{call.sid[-6:]}",
                region="ie1" if account.currency == "EUR" else "us1",
                customer=call,
                agent=leg,
            )
            if conference.created // DAY == day:
                conferences.append(conference)
        recording = _recording(seed, account, call, leg, conference)
        if recording is None:
            continue
        if recording.created // DAY == day:
            recordings.append(recording)
        transcription = _transcription(seed, account, recording)
        if transcription is not None and transcription.created // DAY == day:
            transcriptions.append(transcription)
    conferences.sort(key=lambda c: (c.created, c.sid))
    recordings.sort(key=lambda r: (r.created, r.sid))
    transcriptions.sort(key=lambda t: (t.created, t.sid))
    return VoiceDay(conferences, recordings, transcriptions)


def _recording(
    seed: int, account: Account, call: Call, leg: Call | None, conference: Conference | None
) -> Recording | None:
    if call.final_status != "completed" or call.answered is None:
        return None
    rng = _rng(seed, "recording", call.sid)
    if rng.random() >= RECORDED_SHARE:
        return None
    if conference is not None:
        source, start, channels = "Conference", conference.started, 1
    elif call.direction == "outbound-api":
        source, start, channels = "OutboundAPI", call.answered, 2
    elif leg is not None:
        source, start, channels = "DialVerb", call.answered, 2
    else:
        source, start, channels = "RecordVerb", call.answered, 1
    if start >= call.end:
        return None
    completed_at = call.end + rng.randint(2, 30)
    minutes = math.ceil((call.end - start) / 60)
    deleted = rng.random() < DELETED_SHARE
    return Recording(
        sid=make_sid("RE", seed, "recording", call.sid),
        account_sid=account.sid,
        call_sid=call.sid,
        conference_sid=conference.sid if conference is not None else None,
        source=source,
        channels=channels,
        created=start,
        end=call.end,
        completed_at=completed_at,
        priced_at=completed_at + rng.randint(30, 600),
        price=in_currency(RECORDING_RATE * minutes, account.currency),
        currency=account.currency,
        deleted_at=completed_at + rng.randint(1, 30) * DAY + rng.randrange(DAY)
        if deleted
        else None,
    )


def _transcription(seed: int, account: Account, recording: Recording) -> Transcription | None:
    if recording.source != "RecordVerb":
        return None
    rng = _rng(seed, "transcription", recording.sid)
    if rng.random() >= TRANSCRIBED_SHARE:
        return None
    failed = rng.random() < 0.05
    minutes = math.ceil(recording.duration / 60)
    return Transcription(
        sid=make_sid("TR", seed, "transcription", recording.sid),
        account_sid=account.sid,
        recording=recording,
        created=recording.completed_at,
        done_at=recording.completed_at + rng.randint(10, 120),
        final_status="failed" if failed else "completed",
        price=0 if failed else in_currency(TRANSCRIPTION_RATE * minutes, account.currency),
        text=rng.choice(VOICEMAILS),
    )


def call_events(seed: int, account: Account, call: Call, now: int) -> list[dict]:
    """The requests Twilio made to the app for ``call`` and its answers, oldest first.

    Empty until ``EVENTS_DELAY`` after the call ends, as Twilio serves them.
    """
    if call.final_status not in FINAL_CALL_STATUSES or now < call.end + EVENTS_DELAY:
        return []
    rng = _rng(seed, "events", call.sid)
    app = webhook_base(account)
    common = {
        "account_sid": account.sid,
        "call_sid": call.sid,
        "from": call.from_,
        "to": call.to,
        "direction": call.direction,
        "api_version": API_VERSION,
    }
    xml = "application/xml"
    # (when, url Twilio requested, its parameters, (status, content type, body) answered)
    steps: list[tuple[int, str, dict, tuple[int, str, str]]] = []
    if call.direction == "outbound-api":
        api = f"https://api.twilio.com{API_2010}/Accounts/{account.sid}/Calls.json"
        params = {"url": f"{app}/voice/outbound", "method": "POST", "timeout": "60"}
        steps.append(
            (call.created, api, params, (201, "application/json", f'{{"sid": "{call.sid}"}}'))
        )
        if call.answered is not None:
            say = "<Response><Say>Hello, this is Acme calling about your order.</Say></Response>"
            answered = {"call_status": "in-progress"}
            steps.append((call.answered, f"{app}/voice/outbound", answered, (200, xml, say)))
    elif call.direction == "outbound-dial":
        say = "<Response><Say>Connecting you to a customer.</Say></Response>"
        answered = {"call_status": "in-progress"}
        steps.append(
            (call.answered or call.start, f"{app}/voice/whisper", answered, (200, xml, say))
        )
    else:
        enqueue = "<Response><Enqueue>support</Enqueue></Response>"
        ringing = {"call_status": "ringing"}
        steps.append((call.start, f"{app}/voice/incoming", ringing, (200, xml, enqueue)))
    final = {"call_status": call.final_status, "call_duration": str(call.duration)}
    steps.append((call.end, f"{app}/voice/status", final, (204, "text/plain", "")))
    return [
        {
            "request": {"method": "POST", "url": url, "parameters": {**common, **params}},
            "response": {
                "response_code": code,
                "request_duration": rng.randint(20, 400),
                "content_type": content_type,
                "response_body": body,
                "date_created": rfc2822(at),
            },
        }
        for at, url, params, (code, content_type, body) in steps
    ]
