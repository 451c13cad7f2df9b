"""Slow or stalled uploads are cut off: 408, the connection closed, counted in the metrics."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

from tests.conftest import BASE, TOKEN, http_get, http_post, make_harness, message_params
from twilio_webhooks.app import ENDPOINTS
from twilio_webhooks.testing import form_request, running_receiver

STALLED = int(os.environ.get("TWILIO_WEBHOOKS_STALLED_UPLOADS", "300"))


def test_a_body_that_never_arrives_is_408(tmp_path: Path) -> None:
    """In-process: the app's body read gives up after body_timeout, whatever the client."""
    h = make_harness(tmp_path / "t.sqlite3", body_timeout=0.2)
    try:
        receiver = h.client.app.state.receiver
        endpoint = ENDPOINTS[0]
        scope = {
            "type": "http",
            "method": "POST",
            "path": endpoint.path,
            "headers": [
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", b"100"),
            ],
        }

        async def stalled() -> dict:
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

        started = time.monotonic()
        status, (headers, body) = asyncio.run(receiver.handle(endpoint, scope, stalled))
        assert status == 408
        assert (b"connection", b"close") in headers
        assert body == b"the body did not arrive within 0.2s\n"
        assert 0.2 <= time.monotonic() - started < 1
        assert h.metric('twilio_webhooks_rejected_total{reason="body_timeout"}') == 1
        assert h.count() == 0
    finally:
        h.committer.close()


def _stall(host: str, port: int) -> socket.socket:
    """Headers and 10 of the 1,000 bytes announced, then nothing."""
    sock = socket.create_connection((host, port), timeout=30)
    sock.sendall(
        b"POST /twilio/messages/status HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        + b"AccountSid"
    )
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    reply = b""
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return reply


def test_stalled_and_dripping_uploads_against_a_real_server(tmp_path: Path) -> None:
    """STALLED connections stall mid-body and one drips a byte every 0.2 s; with
    --body-timeout 1 every one gets 408 and is closed, and the server serves throughout."""
    store = tmp_path / "slow.sqlite3"
    with running_receiver(
        store_url=f"sqlite:///{store}", auth_tokens=[TOKEN], extra_args=("--body-timeout", "1")
    ) as receiver:
        host, port = receiver.url.removeprefix("http://").split(":")
        started = time.monotonic()
        stalled = [_stall(host, int(port)) for _ in range(STALLED)]
        drip = _stall(host, int(port))
        url = receiver.url + "/twilio/messages/status"
        body, headers = form_request(TOKEN, url, message_params())
        assert http_post(url, body, headers)[0] == 200  # served while they stall
        drip.settimeout(0.2)
        dripped, reply = 0, b""
        while not reply and dripped < 100:
            try:
                drip.sendall(b"x")
                dripped += 1
                reply = drip.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        drip.settimeout(30)
        reply += _answer(drip)
        assert reply.startswith(b"HTTP/1.1 408 "), reply[:80]
        assert dripped < 10  # cut after about a second, not when the body would have ended
        replies = [_answer(sock) for sock in stalled]
        closed_after = time.monotonic() - started
        for sock in stalled:
            sock.close()
        drip.close()
        assert {r.split(b"\r\n", 1)[0] for r in replies} == {b"HTTP/1.1 408 Request Timeout"}
        assert all(b"connection: close" in r.lower() for r in replies)
        metrics = http_get(receiver.url + "/metrics")[1]
        assert f'twilio_webhooks_rejected_total{{reason="body_timeout"}} {STALLED + 1}' in metrics
        assert http_get(receiver.url + "/healthz")[0] == 200
    print(
        f"{STALLED} stalled uploads and 1 drip: all answered 408 and closed in {closed_after:.1f} s"
    )


def test_a_body_within_the_timeout_is_stored(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "ok.sqlite3", body_timeout=5)
    try:
        body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())

        def chunks():
            for i in range(0, len(body), 7):
                yield body[i : i + 7]

        response = h.client.post("/twilio/messages/status", content=chunks(), headers=headers)
        assert response.status_code == 200
        assert h.count() == 1
    finally:
        h.committer.close()
