"""The webhooks Twilio would send as the emulator's clock moves: what, and signed how.

Each record's life is already known (``activity``): a message is queued (or
accepted by a Messaging Service), sent, then delivered, undelivered, failed or
read; a call is initiated, rings, is answered, and ends. ``message_transitions``
and ``call_transitions`` list those changes with their instants, exactly where
``state_at`` changes. When the clock moves from t0 to t1, every change in
(t0, t1] becomes a webhook: a signed status callback (form-encoded, parameter
names of Twilio's docs), an incoming-message webhook for inbound messages, and
CloudEvents for Event Streams. ``sender`` delivers them in the background.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .activity import Call, Message, error_message
from .apis import API_VERSION
from .bulkexport import COMPLETED, EMPTY, FAILED, DayFile, Job
from .lifecycle import MAX_LAG_DAYS
from .store import Store
from .timefmt import DAY, day_iso, rfc2822
from .world import Account

USER_AGENT = "TwilioProxy/1.1"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
# The longest a record takes to go from created to its final status (a one-hour
# call that rang, plus its child leg): how far back a window looks for records.
LOOKBACK = 2 * 3600
# Event Streams' message types (Messaging.MessageStatus); "accepted" and inbound have none here.
EVENT_STREAM_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed", "read")
EVENTS_PER_BATCH = 50


@dataclass(frozen=True)
class CallbackUrls:
    """Where to send what; each one off when None (all off by default)."""

    message_status: str | None = None
    call_status: str | None = None
    incoming_message: str | None = None
    event_stream: str | None = None

    @property
    def any(self) -> bool:
        return any(
            (self.message_status, self.call_status, self.incoming_message, self.event_stream)
        )


@dataclass(frozen=True)
class Delivery:
    """One signed HTTP POST, sent as many times as it takes, always identical."""

    kind: str  # message_status | call_status | incoming_message | event_stream | bulk_export
    url: str
    body: bytes
    headers: Mapping[str, str]
    events: int  # status changes it carries (a batch carries several)
    method: str = "POST"  # a BulkExport webhook may ask for GET (its WebhookMethod)


def signature(secret: str, url: str, params: Mapping[str, str] | None = None) -> str:
    """X-Twilio-Signature: HMAC-SHA1 of the URL plus each parameter's name and value, sorted."""
    data = url + "".join(name + params[name] for name in sorted(params or {}))
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def message_transitions(message: Message) -> list[tuple[int, str]]:
    """(instant, status) for every change of ``message.state_at``'s status.

    An inbound message is ``receiving`` until Twilio posts the incoming-message
    webhook (``date_sent``), then ``received``; only the latter sends a webhook.
    """
    if message.direction == "inbound":
        arrived = message.sent if message.sent is not None else message.created
        received = (arrived, message.final_status)
        return (
            [received] if arrived == message.created else [(message.created, "receiving"), received]
        )
    out: list[tuple[int, str]] = []
    start = message.created
    if message.send_at is not None:
        out.append((message.created, "scheduled"))
        if message.final_status == "canceled":
            return [*out, (message.final_at, "canceled")]
        start = message.send_at
        out.append((start, "queued"))
    else:
        out.append((start, "accepted" if message.messaging_service_sid else "queued"))
    end = message.sent if message.sent is not None else message.final_at
    if message.sending_at is not None and start < message.sending_at < end:
        out.append((message.sending_at, "sending"))
    if message.sent is not None and message.sent < message.final_at:
        out.append((message.sent, "sent"))
    out.append((message.final_at, message.final_status))
    return out


def call_transitions(call: Call) -> list[tuple[int, str]]:
    """(instant, CallStatus) for every call-progress event; "initiated" is the API's queued."""
    out = [(call.created, "initiated")]
    rings_until = call.answered if call.answered is not None else call.end
    if call.start < rings_until:
        out.append((call.start, "ringing"))
    if call.answered is not None and call.answered < call.end:
        out.append((call.answered, "in-progress"))
    out.append((call.end, call.final_status))
    return out


def _token(seed: int, *parts: object) -> str:
    """I-Twilio-Idempotency-Token: the same for every retry of one webhook."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"twilio-emulator:{seed}:" + ":".join(map(str, parts)))
    )


def _form(url: str, secret: str, params: dict[str, str], token: str) -> tuple[bytes, dict]:
    headers = {
        "Content-Type": FORM,
        "User-Agent": USER_AGENT,
        "X-Twilio-Signature": signature(secret, url, params),
        "I-Twilio-Idempotency-Token": token,
    }
    return urlencode(sorted(params.items())).encode(), headers


def _country(account: Account, e164: str, customer_country: str, customer: str) -> str:
    if e164 == customer:
        return customer_country
    for number in account.numbers:
        if number.e164 == e164:
            return number.iso_country
    return "US"  # agents' numbers


def _bare(address: str) -> str:
    return address.split(":", 1)[1] if ":" in address else address


def message_status_params(message: Message, status: str, at: int) -> dict[str, str]:
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "From": message.from_,
        "MessageSid": message.sid,
        "MessageStatus": status,
        "SmsSid": message.sid,
        "SmsStatus": status,
        "To": message.to,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if status in ("failed", "undelivered") and message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
        params["ErrorMessage"] = error_message(message.error_code) or ""
    if message.channel == "whatsapp":
        params["ChannelPrefix"] = "whatsapp"
        params["ChannelToAddress"] = _bare(message.to)
        if status in ("delivered", "read"):
            params["EventType"] = status.upper()
    elif status in ("delivered", "undelivered"):
        params["RawDlrDoneDate"] = dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime(
            "%y%m%d%H%M"
        )
    return params


def incoming_message_params(message: Message) -> dict[str, str]:
    return {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "Body": message.body,
        "From": message.from_,
        "FromCountry": message.customer_country,
        "MessageSid": message.sid,
        "NumMedia": str(message.num_media),
        "NumSegments": str(message.num_segments),
        "SmsMessageSid": message.sid,
        "SmsSid": message.sid,
        "SmsStatus": "received",
        "To": message.to,
    }


def call_status_params(
    account: Account, call: Call, status: str, at: int, sequence: int
) -> dict[str, str]:
    from_country = _country(account, call.from_, call.customer_country, call.customer)
    to_country = _country(account, call.to, call.customer_country, call.customer)
    params = {
        "AccountSid": call.account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call.sid,
        "CallStatus": status,
        "CallbackSource": "call-progress-events",
        "Called": call.to,
        "CalledCountry": to_country,
        "Caller": call.from_,
        "CallerCountry": from_country,
        "Direction": call.direction,
        "From": call.from_,
        "FromCountry": from_country,
        "SequenceNumber": str(sequence),
        "Timestamp": rfc2822(at) or "",
        "To": call.to,
        "ToCountry": to_country,
    }
    if call.parent_sid:
        params["ParentCallSid"] = call.parent_sid
    if call.answered_by and status in ("in-progress", "completed"):
        params["AnsweredBy"] = call.answered_by
    if at == call.end:
        params["CallDuration"] = str(call.duration)
    return params


def cloud_event(seed: int, message: Message, status: str, at: int) -> dict:
    """A Messaging.MessageStatus CloudEvent, as an Event Streams webhook sink receives it."""
    stamp = dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    data: dict = {
        "accountSid": message.account_sid,
        "apiVersion": API_VERSION,
        "eventName": f"com.twilio.messaging.message.{status}",
        "from": message.from_,
        "messageSid": message.sid,
        "messageStatus": status.upper(),
        "numberOfSegments": message.num_segments,
        "timestamp": stamp,
        "to": message.to,
    }
    if message.messaging_service_sid:
        data["messagingServiceSid"] = message.messaging_service_sid
    if status in ("failed", "undelivered") and message.error_code is not None:
        data["errorCode"] = message.error_code
    event_id = (
        "EZ"
        + hashlib.blake2b(f"{seed}:{message.sid}:{status}".encode(), digest_size=16).hexdigest()
    )
    return {
        "specversion": "1.0",
        "type": f"com.twilio.messaging.message.{status}",
        "source": f"/{API_VERSION}/Accounts/{message.account_sid}/Messages/{message.sid}.json",
        "id": event_id,
        "dataschema": "https://events-schemas.twilio.com/Messaging.MessageStatus/4",
        "datacontenttype": "application/json",
        "time": stamp,
        "data": data,
    }


def _event_batch(url: str, secret: str, events: list[dict], token: str) -> Delivery:
    body = json.dumps(events, separators=(",", ":")).encode()
    signed_url = f"{url}{'&' if '?' in url else '?'}bodySHA256={hashlib.sha256(body).hexdigest()}"
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Twilio-Signature": signature(secret, signed_url),
        "I-Twilio-Idempotency-Token": token,
    }
    return Delivery("event_stream", signed_url, body, headers, len(events))


@dataclass(frozen=True)
class Change:
    at: int
    record: Message | Call
    status: str
    sequence: int  # index of this change in the record's life


def changes(store: Store, account: Account, t0: int, t1: int) -> list[Change]:
    """Every status change of the account's messages and calls in (t0, t1], in time order."""
    found: list[Change] = []
    first = max(store.first_day(account), (t0 - LOOKBACK) // DAY)
    # Scheduled or long-queued messages change days after they were created.
    for day in range(max(store.first_day(account), first - MAX_LAG_DAYS), first):
        for message in store.traffic(account, day).late:
            for i, (at, status) in enumerate(message_transitions(message)):
                if t0 < at <= t1:
                    found.append(Change(at, message, status, i))
    for day in range(first, t1 // DAY + 1):
        traffic = store.traffic(account, day)
        for message in traffic.messages:
            for i, (at, status) in enumerate(message_transitions(message)):
                if t0 < at <= t1:
                    found.append(Change(at, message, status, i))
        for call in traffic.calls:
            for i, (at, status) in enumerate(call_transitions(call)):
                if t0 < at <= t1:
                    found.append(Change(at, call, status, i))
    found.sort(key=lambda c: (c.at, c.record.sid, c.sequence))
    return found


def deliveries(store: Store, urls: CallbackUrls, t0: int, t1: int) -> Iterator[Delivery]:
    """The webhooks for the window (t0, t1], account by account, in time order."""
    seed = store.world.seed
    for account in store.world.accounts:
        secret = account.auth_token
        batch: list[dict] = []
        for change in changes(store, account, t0, t1):
            record, status = change.record, change.status
            key = (record.sid, status, change.sequence)
            if isinstance(record, Call):
                if urls.call_status:
                    params = call_status_params(account, record, status, change.at, change.sequence)
                    body, headers = _form(urls.call_status, secret, params, _token(seed, *key))
                    yield Delivery("call_status", urls.call_status, body, headers, 1)
                continue
            if record.direction == "inbound":
                if urls.incoming_message and status != "receiving":
                    params = incoming_message_params(record)
                    body, headers = _form(urls.incoming_message, secret, params, _token(seed, *key))
                    yield Delivery("incoming_message", urls.incoming_message, body, headers, 1)
                continue
            if urls.message_status:
                params = message_status_params(record, status, change.at)
                body, headers = _form(urls.message_status, secret, params, _token(seed, *key))
                yield Delivery("message_status", urls.message_status, body, headers, 1)
            if urls.event_stream and status in EVENT_STREAM_STATUSES:
                batch.append(cloud_event(seed, record, status, change.at))
                if len(batch) == EVENTS_PER_BATCH:
                    yield _event_batch(urls.event_stream, secret, batch, _token(seed, *key, "es"))
                    batch = []
        if batch and urls.event_stream:
            last = batch[-1]["id"]
            yield _event_batch(urls.event_stream, secret, batch, _token(seed, last, "es"))


def truth(store: Store, t0: int, t1: int) -> dict:
    """What the warehouse must hold once every webhook of (t0, t1] has landed, per account:
    status changes of messages (one per message and status) and of calls (one per
    SequenceNumber), and the sent -> delivered latency of messages whose both
    changes fall in the window."""
    out = {}
    for account in store.world.accounts:
        messages: dict[str, int] = {}
        calls: dict[str, int] = {}
        sent_in_window: dict[str, int] = {}
        latency_messages = latency_seconds = 0
        for change in changes(store, account, t0, t1):
            record = change.record
            if isinstance(record, Call):
                calls[change.status] = calls.get(change.status, 0) + 1
                continue
            if change.status == "receiving":  # no webhook until the message is received
                continue
            messages[change.status] = messages.get(change.status, 0) + 1
            if change.status == "sent":
                sent_in_window[record.sid] = change.at
            elif change.status == "delivered" and record.sid in sent_in_window:
                latency_messages += 1
                latency_seconds += change.at - sent_in_window[record.sid]
        out[account.sid] = {
            "message_events": dict(sorted(messages.items())),
            "call_events": dict(sorted(calls.items())),
            "delivery_latency": {"messages": latency_messages, "seconds": latency_seconds},
        }
    return out


def export_job_params(job: Job, empty: set[int]) -> dict[str, str]:
    """What a finished export job's webhook carries. Twilio documents that it calls the
    webhook "on completion of the job", not the body: the job's own fields, and its
    outcome (``Completed`` unless a day failed; ``CompletedEmptyRecords`` if all empty)."""
    status = FAILED if job.failed else EMPTY if all(day in empty for day in job.days) else COMPLETED
    return {
        "AccountSid": job.account_sid,
        "EndDay": day_iso(job.end_day),
        "FriendlyName": job.friendly_name,
        "JobSid": job.sid,
        "ResourceType": job.resource_type,
        "StartDay": day_iso(job.start_day),
        "Status": status,
    }


def daily_export_params(file: DayFile) -> dict[str, str]:
    """The daily export's webhook, "called when the day's file is available"."""
    return {
        "AccountSid": file.account_sid,
        "Day": day_iso(file.day),
        "FriendlyName": file.friendly_name,
        "ResourceType": file.resource_type,
    }


def export_delivery(
    url: str, method: str, secret: str, params: dict[str, str], seed: int
) -> Delivery:
    """A BulkExport webhook, signed as Twilio signs its webhooks: a POST's form is
    signed with the URL; a GET carries the parameters in its query, signed as the URL."""
    token = _token(seed, "bulk_export", url, *sorted(params.items()))
    if method == "GET":
        query = urlencode(sorted(params.items()))
        full = url + ("&" if urlsplit(url).query else "?") + query
        headers = {
            "User-Agent": USER_AGENT,
            "X-Twilio-Signature": signature(secret, full),
            "I-Twilio-Idempotency-Token": token,
        }
        return Delivery("bulk_export", full, b"", headers, 1, method="GET")
    body, headers = _form(url, secret, params, token)
    return Delivery("bulk_export", url, body, headers, 1)
