"""Webhooks the emulator sends as its clock advances: what, when, signed how, retried how."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support import STEADY_EDGE
from twilio_emulator import testing
from twilio_emulator.activity import Call
from twilio_emulator.callbacks import (
    EVENT_STREAM_STATUSES,
    CallbackUrls,
    call_transitions,
    changes,
    message_transitions,
    signature,
)
from twilio_emulator.emulator import Emulator, EmulatorConfig
from twilio_emulator.sender import SenderConfig
from twilio_emulator.timefmt import DAY, parse_iso_instant

NOW = parse_iso_instant("2026-11-20T12:00:00Z")


def small_config(**kwargs) -> EmulatorConfig:
    return EmulatorConfig(
        **STEADY_EDGE,
        seed=7,
        days=3,
        messages_per_day=150,
        calls_per_day=40,
        customers=200,
        now=NOW,
        **kwargs,
    )


# --- signing ------------------------------------------------------------------------------


def test_signature_matches_twilios_documented_vectors() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    json_url = url + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    assert signature("12345", json_url) == "a9nBmqA0ju/hNViExpshrM61xv4="


# --- what changes when --------------------------------------------------------------------


def test_transitions_are_exactly_where_the_api_status_changes() -> None:
    emu = Emulator(small_config())
    checked = Counter()
    for account in emu.world.accounts:
        for day in range(emu.world.history_start_day, emu.store.today + 1):
            traffic = emu.store.traffic(account, day)
            for record in [*traffic.messages, *traffic.calls]:
                is_call = isinstance(record, Call)
                life = call_transitions(record) if is_call else message_transitions(record)
                times = [t for t, _ in life]
                assert times == sorted(set(times)), record.sid
                assert life[0][0] == record.created
                for i, (at, status) in enumerate(life):
                    api_status = record.state_at(at)[0]
                    assert api_status == ("queued" if status == "initiated" else status)
                    until = life[i + 1][0] - 1 if i + 1 < len(life) else at + 7 * DAY
                    assert record.state_at(until)[0] == api_status  # no change in between
                    if i:
                        assert record.state_at(at - 1)[0] != api_status
                assert life[-1][1] == record.final_status
                checked["call" if is_call else "message"] += 1
    assert checked["message"] > 300
    assert checked["call"] > 80


def test_windows_split_anywhere_give_the_same_changes() -> None:
    emu = Emulator(small_config())
    account = emu.world.main
    t0, t1 = NOW, NOW + DAY
    whole = changes(emu.store, account, t0, t1)
    for cut in (t0 + 1, t0 + 3600, t0 + 43_210, t1 - 1):
        parts = changes(emu.store, account, t0, cut) + changes(emu.store, account, cut, t1)
        assert parts == whole
    assert len(whole) > 100


# --- delivery -----------------------------------------------------------------------------


@dataclass
class Capture:
    """A local webhook sink that records every request and answers as told."""

    url: str
    requests: list[dict] = field(default_factory=list)
    fail_first: bool = False  # answer 500 to the first attempt of each token
    always: int | None = None  # answer this status to everything
    gate: threading.Event | None = None  # hold each request until set
    held: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def capture_server() -> Iterator[Capture]:
    capture = Capture(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if capture.gate is not None:
                capture.held.set()
                capture.gate.wait(timeout=60)
            token = self.headers.get("I-Twilio-Idempotency-Token")
            with capture.lock:
                seen = sum(1 for r in capture.requests if r["token"] == token)
                capture.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body, "token": token}
                )
            status = 200
            if capture.always is not None:
                status = capture.always
            elif capture.fail_first and seen == 0:
                status = 500
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    capture.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield capture
    finally:
        if capture.gate is not None:
            capture.gate.set()
        server.shutdown()


def urls(base: str) -> CallbackUrls:
    return CallbackUrls(
        message_status=base + "/messages/status",
        call_status=base + "/calls/status?source=emulator",
        incoming_message=base + "/messages/incoming",
        event_stream=base + "/events",
    )


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 (local)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local)
        return json.loads(response.read())


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (local)
        return json.loads(response.read())


def advance_and_wait(served: testing.ServedEmulator, duration: str) -> dict:
    post_json(served.url + "/_emulator/clock", {"advance": duration})
    return get_json(served.url + "/_emulator/webhooks?wait=60")


def test_advancing_the_clock_sends_every_change_signed() -> None:
    with capture_server() as sink:
        config = small_config(webhooks=SenderConfig(urls=urls(sink.url)))
        with testing.serve(config) as served:
            report = advance_and_wait(served, "3h")
            emu = served.emulator
            tokens = {a.sid: a.auth_token for a in emu.world.accounts}
            expected = Counter()
            for account in emu.world.accounts:
                for change in changes(emu.store, account, NOW, NOW + 3 * 3600):
                    record = change.record
                    if isinstance(record, Call):
                        expected["call_status"] += 1
                    elif record.direction == "inbound":  # "receiving" sends nothing
                        expected["incoming_message"] += change.status != "receiving"
                    else:
                        expected["message_status"] += 1
                        expected["event_stream"] += change.status in EVENT_STREAM_STATUSES
    assert report["pending"] == 0
    assert report["failed"] == 0
    assert report["events_by_kind"] == dict(sorted(expected.items()))
    got = Counter()
    call_sequences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for request in sink.requests:
        headers, path = request["headers"], request["path"]
        assert headers["User-Agent"] == "TwilioProxy/1.1"
        url = sink.url + path
        if path.startswith("/events"):
            assert headers["Content-Type"] == "application/json"
            digest = dict(parse_qsl(urlsplit(path).query))["bodySHA256"]
            assert digest == hashlib.sha256(request["body"]).hexdigest()
            batch = json.loads(request["body"])
            account = batch[0]["data"]["accountSid"]
            assert {e["data"]["accountSid"] for e in batch} == {account}  # one sink per account
            assert headers["X-Twilio-Signature"] == _sign(tokens[account], url, {})
            for event in batch:
                assert (
                    event["type"]
                    == "com.twilio.messaging.message." + event["data"]["messageStatus"].lower()
                )
                assert event["id"].startswith("EZ")
            got["event_stream"] += len(batch)
            continue
        params = dict(parse_qsl(request["body"].decode(), keep_blank_values=True))
        assert headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
        assert headers["X-Twilio-Signature"] == _sign(tokens[params["AccountSid"]], url, params)
        kind = {"/messages/status": "message_status", "/messages/incoming": "incoming_message"}
        got[kind.get(path, "call_status")] += 1
        if "CallSid" in params:
            assert path == "/calls/status?source=emulator"
            assert params["CallbackSource"] == "call-progress-events"
            call_sequences[params["CallSid"]].append(
                (int(params["SequenceNumber"]), params["CallStatus"])
            )
        elif path == "/messages/status":
            assert params["MessageStatus"] == params["SmsStatus"]
            assert params["MessageSid"] == params["SmsSid"]
    assert got == expected
    assert len({r["token"] for r in sink.requests}) == len(sink.requests)  # one token each
    for sid, events in call_sequences.items():
        numbers = sorted(n for n, _ in events)
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), sid


def _sign(secret: str, url: str, params: dict[str, str]) -> str:
    """Independent of the emulator's code: Twilio's algorithm, written out."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(
        hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    ).decode()


def test_non_2xx_answers_are_retried_with_the_same_token_and_body() -> None:
    with capture_server() as sink:
        sink.fail_first = True
        config = small_config(webhooks=SenderConfig(urls=urls(sink.url), backoff=0.01))
        with testing.serve(config) as served:
            report = advance_and_wait(served, "1h")
    by_token = defaultdict(list)
    for request in sink.requests:
        by_token[request["token"]].append(request)
    assert len(by_token) == report["delivered"] > 10
    for attempts in by_token.values():
        assert len(attempts) == 2
        first, second = attempts
        assert first["body"] == second["body"]
        assert first["path"] == second["path"]
        assert first["headers"]["X-Twilio-Signature"] == second["headers"]["X-Twilio-Signature"]
    assert report["retries"] == report["delivered"]
    assert report["failed"] == 0


def test_gives_up_after_the_configured_attempts() -> None:
    with capture_server() as sink:
        sink.always = 503
        config = small_config(webhooks=SenderConfig(urls=urls(sink.url), attempts=3, backoff=0.0))
        with testing.serve(config) as served:
            report = advance_and_wait(served, "30m")
    assert report["delivered"] == 0
    assert report["failed"] == report["planned"] > 0
    assert report["attempts"] == 3 * report["planned"] == len(sink.requests)


def test_a_clock_advance_never_waits_for_a_slow_receiver() -> None:
    with capture_server() as sink:
        sink.gate = threading.Event()  # the receiver hangs until the test lets it go
        config = small_config(webhooks=SenderConfig(urls=urls(sink.url), queue_size=5))
        with testing.serve(config) as served:
            for _ in range(3):
                clock = post_json(served.url + "/_emulator/clock", {"advance": "2h"})
            assert sink.held.wait(timeout=30)
            assert clock["epoch"] == NOW + 6 * 3600  # three advances answered while it hangs
            busy = get_json(served.url + "/_emulator/webhooks")
            assert busy["pending"] > 0
            assert busy["delivered"] == 0
            sink.gate.set()
            report = get_json(served.url + "/_emulator/webhooks?wait=60")
    assert report["pending"] == 0
    assert report["failed"] == 0
    assert report["delivered"] == report["planned"] == len(sink.requests)


def test_off_by_default() -> None:
    emu = Emulator(small_config())
    assert emu.webhooks is None
    assert emu.webhook_report() == {"enabled": False}
    emu.advance(DAY)  # nothing to send, nothing started


@pytest.mark.parametrize(("duration", "seconds"), [("1h", 3600), ("1d", DAY)])
def test_truth_counts_what_was_delivered(duration: str, seconds: int) -> None:
    with capture_server() as sink:
        config = small_config(webhooks=SenderConfig(urls=urls(sink.url)))
        with testing.serve(config) as served:
            report = advance_and_wait(served, duration)
            emu = served.emulator
    truth = report["truth"]
    kinds = report["events_by_kind"]
    message_events = sum(sum(a["message_events"].values()) for a in truth.values())
    assert message_events == kinds["message_status"] + kinds["incoming_message"]
    assert sum(sum(a["call_events"].values()) for a in truth.values()) == kinds["call_status"]
    # Sent -> delivered latency, straight from the records: both changes inside the window.
    for account in emu.world.accounts:
        latencies = [
            m.final_at - m.sent
            for day in range(emu.world.history_start_day, emu.store.today + 1)
            for m in emu.store.traffic(account, day).messages
            if m.final_status == "delivered" and m.sent is not None
            and m.sent > NOW and m.final_at <= NOW + seconds
        ]  # fmt: skip
        assert truth[account.sid]["delivery_latency"] == {
            "messages": len(latencies),
            "seconds": sum(latencies),
        }
