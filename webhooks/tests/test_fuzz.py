"""Fuzzed bodies, headers, content types and paths: never a 5xx, never a crash, nothing bad stored.

Hypothesis runs derandomized (the same examples every run). Each property sends
requests that are authentic (signed with the receiver's token) or not, so both
the signature gate and the parsers behind it are exercised.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BASE, TOKEN, Harness, http_get, make_harness
from twilio_webhooks.testing import form_request, json_request, running_receiver

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORM_PATHS = ("/twilio/messages/status", "/twilio/calls/status", "/twilio/messages/incoming")
ALLOWED = {200, 400, 403, 404, 405, 413, 415}
NAMES = st.sampled_from(
    ["MessageSid", "SmsSid", "MessageStatus", "AccountSid", "ErrorCode", "CallSid", "CallStatus",
     "SequenceNumber", "Timestamp", "From", "To", "Body", "SmsStatus", "SmsMessageSid"]
) | st.text(min_size=1, max_size=12)  # fmt: skip
VALUES = st.text(max_size=40) | st.sampled_from(
    [
        "",
        "0",
        "-1",
        "99999999999999",
        "SM" + "a" * 32,
        "delivered",
        "\x00",
        "Wed, 08 Oct 2025 13:54:12 +0000",
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
CLOUD_EVENT = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=30) | st.integers(),
        "type": st.text(max_size=30),
        "time": st.text(max_size=30) | st.just("2026-06-10T06:02:54.377Z"),
        "data": st.dictionaries(
            st.sampled_from(
                [
                    "messageSid",
                    "messageStatus",
                    "accountSid",
                    "errorCode",
                    "sequenceNumber",
                    "timestamp",
                ]
            ),
            JSON,
        )
        | JSON,
    },
)


@pytest.fixture(scope="module")
def fuzz_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = make_harness(tmp_path_factory.mktemp("fuzz") / "events.sqlite3", max_body_bytes=4096)
    yield h
    h.committer.close()


def _check(harness: Harness, response) -> None:
    assert response.status_code in ALLOWED, (response.status_code, response.text)


@FUZZ
@given(
    path=st.sampled_from([*FORM_PATHS, "/twilio/event-streams", "/twilio/x", "/healthz"]),
    body=st.binary(max_size=600),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "",
            "application/x-www-form-urlencoded; charset=latin-1",
            "multipart/form-data; boundary=x",
        ]
    ),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "X-Twilio-Signature",
                "I-Twilio-Idempotency-Token",
                "X-Twilio-Webhooks-Signature-Settings",
                "Host",
                "X-Forwarded-Proto",
                "Content-Length",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    ),
)
def test_random_requests_never_5xx_and_store_nothing(
    fuzz_harness: Harness, path, body, content_type, headers
) -> None:
    before = fuzz_harness.count()
    request_headers = {"Content-Type": content_type, **headers} if content_type else dict(headers)
    request_headers.pop("Content-Length", None)  # a lying Content-Length is a transport matter
    response = fuzz_harness.client.post(path, content=body, headers=request_headers)
    _check(fuzz_harness, response)
    assert response.status_code != 200  # unsigned: nothing gets in
    assert fuzz_harness.count() == before


@FUZZ
@given(
    path=st.sampled_from(FORM_PATHS),
    params=st.dictionaries(NAMES, VALUES, max_size=12),
    token=st.none() | st.text(max_size=300),
)
def test_signed_random_forms_are_200_or_400(fuzz_harness: Harness, path, params, token) -> None:
    before = fuzz_harness.count()
    url = BASE + path
    body, headers = form_request(TOKEN, url, params)
    if token is not None and token.isprintable() and token.isascii():
        headers["I-Twilio-Idempotency-Token"] = token
    response = fuzz_harness.client.post(path, content=body, headers=headers)
    _check(fuzz_harness, response)
    assert response.status_code in (200, 400, 413)
    if response.status_code != 200:
        assert fuzz_harness.count() == before


@FUZZ
@given(batch=st.lists(CLOUD_EVENT, max_size=5) | JSON)
def test_signed_random_event_batches_are_200_or_400(fuzz_harness: Harness, batch) -> None:
    before = fuzz_harness.count()
    body = json.dumps(batch).encode()
    url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", body)
    response = fuzz_harness.client.post(url[len(BASE) :], content=body, headers=headers)
    _check(fuzz_harness, response)
    assert response.status_code in (200, 400, 413)
    if response.status_code != 200:
        assert fuzz_harness.count() == before
    else:
        assert isinstance(batch, list)
        assert batch


def test_garbage_on_the_socket_does_not_kill_the_server(tmp_path: Path) -> None:
    """Broken HTTP, half requests and resets against a real process; it keeps serving."""
    garbage = [
        b"\x00\x01\x02\r\n\r\n",
        b"POST /twilio/messages/status HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\nshort",
        b"POST /twilio/messages/status HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /twilio/event-streams HTTP/1.1\r\n" + b"X-Pad: y\r\n" * 2000 + b"\r\n",
        b"POST /twilio/messages/status HTTP/9.9\r\n\r\n",
    ]
    with running_receiver(
        store_url=f"sqlite:///{tmp_path / 'e.sqlite3'}", auth_tokens=[TOKEN]
    ) as receiver:
        host, port = receiver.url.removeprefix("http://").split(":")
        for payload in garbage:
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
                reply = b""
                try:
                    while chunk := sock.recv(65536):
                        reply += chunk
                except (ConnectionResetError, TimeoutError):
                    pass
                assert not reply.startswith(b"HTTP/1.1 5"), reply[:100]
        assert http_get(receiver.url + "/healthz") == (200, '{"status":"ok"}')
        assert receiver.process.poll() is None
