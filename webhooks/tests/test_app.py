"""The endpoints: what is stored, what is answered, and what is refused (and never stored)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import (
    BASE,
    OLD_TOKEN,
    TOKEN,
    Harness,
    call_params,
    cloud_event,
    make_harness,
    message_params,
)
from twilio_webhooks.app import EMPTY_TWIML, create_app
from twilio_webhooks.config import Settings, parse_proxies
from twilio_webhooks.store import GroupCommitter, SqliteBackend, StoreError
from twilio_webhooks.testing import form_request, json_request

SID = "SM" + "a" * 32


def test_message_status_is_stored_with_its_columns(harness: Harness) -> None:
    params = message_params(status="undelivered", ErrorCode="30003", NewParam="kept")
    response = harness.post_form("/twilio/messages/status", params, token="tok-1")
    assert response.status_code == 200
    assert response.content == b""
    [row] = harness.rows()
    assert {k: v for k, v in row.items() if k not in ("seq", "received_at")} == {
        "dedupe_key": f"message:{SID}:undelivered:ErrorCode=30003",
        "kind": "message_status",
        "account_sid": "AC" + "1" * 32,
        "resource_sid": SID,
        "status": "undelivered",
        "sequence_number": None,
        "event_type": None,
        "error_code": 30003,
        "occurred_at": None,
        "idempotency_token": "tok-1",
        "payload": json.dumps(params, sort_keys=True, separators=(",", ":")),
    }


def test_call_status_keeps_sequence_and_timestamp(harness: Harness) -> None:
    response = harness.post_form(
        "/twilio/calls/status", call_params(status="in-progress", sequence=2)
    )
    assert response.status_code == 200
    [row] = harness.rows()
    assert row["kind"] == "call_status"
    assert row["dedupe_key"] == f"call:CA{'b' * 32}:in-progress:2"
    assert (row["status"], row["sequence_number"]) == ("in-progress", 2)
    assert row["occurred_at"] == "2025-10-08T13:54:12+00:00"


def test_incoming_message_answers_empty_twiml(harness: Harness) -> None:
    params = {
        "AccountSid": "AC" + "1" * 32,
        "MessageSid": SID,
        "SmsMessageSid": SID,
        "From": "+447700900123",
        "To": "+14155550100",
        "Body": "Hi 👋",
        "SmsStatus": "received",
    }
    response = harness.post_form("/twilio/messages/incoming", params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == EMPTY_TWIML == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    [row] = harness.rows()
    assert (row["kind"], row["status"], row["dedupe_key"]) == (
        "incoming_message",
        "received",
        f"message:{SID}:received",
    )
    assert json.loads(row["payload"])["Body"] == "Hi 👋"


def test_event_stream_batch_stores_each_cloud_event(harness: Harness) -> None:
    events = [
        cloud_event("EZ1", "sent"),
        cloud_event("EZ2", "delivered", errorCode=None),
        cloud_event("EZ3", "undelivered", errorCode=30005),
    ]
    response = harness.post_events(events)
    assert response.status_code == 200
    rows = harness.rows()
    assert [(r["dedupe_key"], r["status"], r["error_code"]) for r in rows] == [
        ("event:EZ1", "sent", None),
        ("event:EZ2", "delivered", None),
        ("event:EZ3", "undelivered", 30005),
    ]
    assert {r["occurred_at"] for r in rows} == {"2026-06-10T06:02:54.377000+00:00"}
    assert {r["event_type"] for r in rows} == {
        "com.twilio.messaging.message.sent",
        "com.twilio.messaging.message.delivered",
        "com.twilio.messaging.message.undelivered",
    }
    assert json.loads(rows[2]["payload"]) == events[2]


def test_old_and_new_token_both_accepted(harness: Harness, tmp_path: Path) -> None:
    rotating = make_harness(tmp_path / "r.sqlite3", auth_tokens=(TOKEN, OLD_TOKEN))
    try:
        assert (
            rotating.post_form(
                "/twilio/messages/status", message_params(), secret=TOKEN
            ).status_code
            == 200
        )
        assert (
            rotating.post_form(
                "/twilio/messages/status", message_params(status="read"), secret=OLD_TOKEN
            ).status_code
            == 200
        )
        assert (
            rotating.post_form(
                "/twilio/messages/status", message_params(status="sent"), secret="other"
            ).status_code
            == 403
        )
        assert rotating.count() == 2
    finally:
        rotating.committer.close()


def test_shared_key_header_is_honoured(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "k.sqlite3", auth_tokens=(), shared_keys={"key1": "s3cret"})
    try:
        from twilio_webhooks.testing import sign_form

        url = BASE + "/twilio/messages/status"
        params = message_params()
        body, headers = form_request("unused", url, params)
        headers["X-Twilio-Signature"] = sign_form("s3cret", url, params, algorithm="HMAC_SHA256")
        headers["X-Twilio-Webhooks-Signature-Settings"] = "key=key1,algorithm=HMAC_SHA256"
        assert (
            h.client.post("/twilio/messages/status", content=body, headers=headers).status_code
            == 200
        )
        headers["X-Twilio-Webhooks-Signature-Settings"] = "key=key2,algorithm=HMAC_SHA256"
        assert (
            h.client.post("/twilio/messages/status", content=body, headers=headers).status_code
            == 403
        )
        del headers["X-Twilio-Webhooks-Signature-Settings"]
        assert (
            h.client.post("/twilio/messages/status", content=body, headers=headers).status_code
            == 403
        )
        assert h.count() == 1
    finally:
        h.committer.close()


def _refused(harness: Harness, response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert harness.count() == 0
    assert harness.metric(f'twilio_webhooks_rejected_total{{reason="{reason}"}}') == 1


def test_bad_or_missing_signature_is_403(harness: Harness) -> None:
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    headers["X-Twilio-Signature"] = "AAAA" + headers["X-Twilio-Signature"][4:]
    _refused(
        harness,
        harness.client.post("/twilio/messages/status", content=body, headers=headers),
        403,
        "bad_signature",
    )
    del headers["X-Twilio-Signature"]
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 403
    )
    # Signed for another endpoint: the URL is part of the signature.
    body, headers = form_request(TOKEN, BASE + "/twilio/calls/status", message_params())
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 403
    )
    assert harness.count() == 0


def test_tampered_body_is_403(harness: Harness) -> None:
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    tampered = body.replace(b"delivered", b"failed")
    _refused(
        harness,
        harness.client.post("/twilio/messages/status", content=tampered, headers=headers),
        403,
        "bad_signature",
    )
    events = json.dumps([cloud_event()]).encode()
    url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", events)
    r = harness.client.post(
        url[len(BASE) :], content=events.replace(b"DELIVERED", b"FAILED"), headers=headers
    )
    assert r.status_code == 403
    assert harness.count() == 0


def test_wrong_content_type_is_415(harness: Harness) -> None:
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    headers["Content-Type"] = "application/json"
    _refused(
        harness,
        harness.client.post("/twilio/messages/status", content=body, headers=headers),
        415,
        "unsupported_media_type",
    )
    events = json.dumps([cloud_event()]).encode()
    url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", events)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert harness.client.post(url[len(BASE) :], content=events, headers=headers).status_code == 415
    del headers["Content-Type"]
    assert harness.client.post(url[len(BASE) :], content=events, headers=headers).status_code == 415
    assert harness.count() == 0


def test_content_type_parameters_and_case_are_accepted(harness: Harness) -> None:
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    headers["Content-Type"] = "Application/X-WWW-Form-Urlencoded; charset=utf-8"
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 200
    )


def test_oversized_body_is_413_declared_or_streamed(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "big.sqlite3", max_body_bytes=2048)
    try:
        params = message_params(Padding="x" * 3000)
        body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", params)
        _refused(
            h,
            h.client.post("/twilio/messages/status", content=body, headers=headers),
            413,
            "too_large",
        )

        def chunks():  # no Content-Length: the limit applies while reading
            for i in range(0, len(body), 500):
                yield body[i : i + 500]

        r = h.client.post("/twilio/messages/status", content=chunks(), headers=headers)
        assert r.status_code == 413
        assert h.count() == 0
        small, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
        assert (
            h.client.post("/twilio/messages/status", content=small, headers=headers).status_code
            == 200
        )
    finally:
        h.committer.close()


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        (
            "/twilio/messages/status",
            {"AccountSid": "AC1", "MessageStatus": "sent"},
            "MessageSid is missing",
        ),
        (
            "/twilio/messages/status",
            {"AccountSid": "AC1", "MessageSid": "SM1"},
            "MessageStatus is missing",
        ),
        (
            "/twilio/messages/status",
            {"MessageSid": "SM1", "MessageStatus": "sent"},
            "AccountSid is missing",
        ),
        (
            "/twilio/messages/status",
            message_params(ErrorCode="3000x"),
            "ErrorCode must be an integer",
        ),
        (
            "/twilio/messages/status",
            message_params(MessageSid="SM\x00"),
            "MessageSid is not a plausible value",
        ),
        (
            "/twilio/calls/status",
            call_params(SequenceNumber="two"),
            "SequenceNumber must be an integer",
        ),
        (
            "/twilio/calls/status",
            call_params(SequenceNumber="-1"),
            "SequenceNumber must be 0 or more",
        ),
        (
            "/twilio/calls/status",
            call_params(Timestamp="yesterday"),
            "Timestamp is not a date-time",
        ),
        ("/twilio/calls/status", {"AccountSid": "AC1", "CallSid": "CA1"}, "CallStatus is missing"),
        (
            "/twilio/messages/incoming",
            {"AccountSid": "AC1", "MessageSid": "SM1", "To": "+1"},
            "From is missing",
        ),
    ],
)
def test_signed_but_malformed_callbacks_are_400(
    harness: Harness, path: str, params: dict, detail: str
) -> None:
    response = harness.post_form(path, params)
    assert response.status_code == 400
    assert detail in response.text
    assert harness.count() == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "the body is not JSON"),
        (b"{}", "non-empty JSON array"),
        (b"[]", "non-empty JSON array"),
        (b"[1]", "event 0 is not a JSON object"),
        (b'[{"type": "t"}]', "event 0: id is missing"),
        (b'[{"id": "EZ1", "type": "t"}, {"id": "EZ2"}]', "event 1: type is missing"),
        (b'[{"id": "EZ1", "type": "t", "data": []}]', "data must be a JSON object"),
        (b'[{"id": "EZ1", "type": "t", "time": "soon"}]', "time is not a date-time"),
        (b'[{"id": 7, "type": "t"}]', "id must be a string"),
        (b'[{"id": "EZ1", "type": "t", "data": {"x": NaN}}]', "the body is not JSON"),
    ],
)
def test_signed_but_malformed_event_batches_are_400(
    harness: Harness, body: bytes, detail: str
) -> None:
    url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", body)
    response = harness.client.post(url[len(BASE) :], content=body, headers=headers)
    assert response.status_code == 400
    assert detail in response.text
    assert harness.count() == 0


def _nested(depth: int) -> bytes:
    """A CloudEvent whose data nests ``depth`` levels deep, the event itself counted."""
    inner = b"[" * (depth - 2) + b"]" * (depth - 2)
    return b'[{"id": "EZ1", "type": "t", "data": {"x": ' + inner + b"}}]"


@pytest.mark.parametrize(
    ("depth", "detail"),
    [
        (500, "event 0 nests deeper than 32 levels (the depth limit)"),
        (33, "event 0 nests deeper than 32 levels (the depth limit)"),
        (5000, "the body nests deeper than 32 levels (the depth limit)"),
    ],
)
def test_deep_nesting_is_400_naming_the_depth_limit(
    harness: Harness, depth: int, detail: str
) -> None:
    body = _nested(depth)
    url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", body)
    response = harness.client.post(url[len(BASE) :], content=body, headers=headers)
    assert (response.status_code, response.text) == (400, detail + "\n")
    assert harness.count() == 0
    assert harness.metric('twilio_webhooks_rejected_total{reason="malformed"}') == 1


def test_nesting_up_to_the_limit_is_stored(harness: Harness) -> None:
    body = _nested(32)
    url, headers = json_request(TOKEN, BASE + "/twilio/event-streams", body)
    assert harness.client.post(url[len(BASE) :], content=body, headers=headers).status_code == 200
    assert harness.count() == 1


def test_one_bad_event_rejects_the_whole_batch(harness: Harness) -> None:
    response = harness.post_events([cloud_event("EZ1"), {"id": "EZ2"}])
    assert response.status_code == 400
    assert harness.count() == 0


def test_non_utf8_body_is_400(harness: Harness) -> None:
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    r = harness.client.post("/twilio/messages/status", content=body + b"\xff", headers=headers)
    assert r.status_code == 400
    r = harness.client.post("/twilio/messages/status", content=body + b"&x=%ff", headers=headers)
    assert r.status_code == 400
    assert harness.count() == 0


def test_methods_and_paths(harness: Harness) -> None:
    assert harness.client.get("/twilio/messages/status").status_code == 405
    assert harness.client.post("/twilio/nothing").status_code == 404
    assert harness.client.get("/healthz").json() == {"status": "ok"}


def test_behind_a_tls_proxy(tmp_path: Path) -> None:
    """Twilio called https://hooks.example.com; the app sees http://10.0.0.5:8080 from a proxy."""
    body, headers = form_request(
        TOKEN, "https://hooks.example.com/twilio/messages/status", message_params()
    )
    headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"})
    for trusted, expected in ((["10.1.0.0/16"], 200), (["10.2.0.0/16"], 403), ([], 403)):
        h = make_harness(
            tmp_path / f"p{expected}{len(trusted)}.sqlite3", trusted_proxies=parse_proxies(trusted)
        )
        inner = h.client.app

        async def from_proxy(scope, receive, send, inner=inner):
            scope["client"] = ("10.1.2.3", 40000)  # the proxy's address
            await inner(scope, receive, send)

        try:
            client = TestClient(from_proxy, base_url="http://10.0.0.5:8080")
            r = client.post("/twilio/messages/status", content=body, headers=headers)
            assert r.status_code == expected
            assert h.count() == (1 if expected == 200 else 0)
        finally:
            h.committer.close()


def test_behind_a_proxy_that_sends_rfc7239_forwarded(tmp_path: Path) -> None:
    """The signature is checked against the public URL the Forwarded header names."""
    body, headers = form_request(
        TOKEN, "https://hooks.example.com/twilio/messages/status", message_params()
    )
    headers["Forwarded"] = "for=54.172.60.1;proto=https;host=hooks.example.com"
    for trusted, expected in ((["10.1.0.0/16"], 200), ([], 403)):
        h = make_harness(tmp_path / f"f{expected}.sqlite3", trusted_proxies=parse_proxies(trusted))
        inner = h.client.app

        async def from_proxy(scope, receive, send, inner=inner):
            scope["client"] = ("10.1.2.3", 40000)
            await inner(scope, receive, send)

        try:
            client = TestClient(from_proxy, base_url="http://10.0.0.5:8080")
            r = client.post("/twilio/messages/status", content=body, headers=headers)
            assert r.status_code == expected
            assert h.count() == (1 if expected == 200 else 0)
        finally:
            h.committer.close()


def test_metrics_count_what_happened(harness: Harness) -> None:
    params = message_params()
    for _ in range(3):
        assert harness.post_form("/twilio/messages/status", params, token="same").status_code == 200
    assert harness.post_form("/twilio/messages/status", params, secret="wrong").status_code == 403
    assert harness.post_form("/twilio/calls/status", call_params()).status_code == 200
    assert harness.post_form("/twilio/calls/status", {"CallSid": "CA1"}).status_code == 400
    text = harness.client.get("/metrics").text
    expected_lines = [
        'twilio_webhooks_received_total{endpoint="call_status"} 2',
        'twilio_webhooks_received_total{endpoint="message_status"} 4',
        'twilio_webhooks_stored_total{endpoint="call_status"} 1',
        'twilio_webhooks_stored_total{endpoint="message_status"} 1',
        'twilio_webhooks_duplicates_total{endpoint="message_status"} 2',
        'twilio_webhooks_rejected_total{reason="bad_signature"} 1',
        'twilio_webhooks_rejected_total{reason="malformed"} 1',
        'twilio_webhooks_rejected_total{reason="too_large"} 0',
        "twilio_webhooks_store_seconds_count 4",
        "twilio_webhooks_store_commit_events_total 4",
        "twilio_webhooks_store_failures_total 0",
    ]
    for line in expected_lines:
        assert line in text.splitlines(), line


def test_logs_hold_no_secret_and_no_rejected_body(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "SECRET-BODY-MARKER"
    params = message_params(Body=marker)
    body, headers = form_request("attacker-token", BASE + "/twilio/messages/status", params)
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 403
    )
    signed = harness.post_form(
        "/twilio/messages/status", message_params(MessageSid="", Body=marker)
    )
    assert signed.status_code == 400
    huge = message_params(Body=marker * 100_000)
    assert harness.post_form("/twilio/messages/status", huge).status_code == 413
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "rejected /twilio/messages/status (403)" in logged
    for secret in (marker, TOKEN, "attacker-token", headers["X-Twilio-Signature"]):
        assert secret not in logged
    assert marker not in signed.text


class FailingBackend:
    """A store that fails its first ``failures`` commits."""

    def __init__(self, inner, failures: int) -> None:
        self.inner, self.failures = inner, failures

    def write(self, events):
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        return self.inner.write(events)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_store_failure_is_503_and_nothing_is_acknowledged(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "f.sqlite3")
    h.committer.close()

    backend = FailingBackend(SqliteBackend(str(tmp_path / "f.sqlite3")), failures=1)
    committer = GroupCommitter(backend)  # type: ignore[arg-type]
    client = TestClient(create_app(Settings(auth_tokens=(TOKEN,)), committer), base_url=BASE)
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    first = client.post("/twilio/messages/status", content=body, headers=headers)
    assert first.status_code == 503
    assert backend.count() == 0
    second = client.post("/twilio/messages/status", content=body, headers=headers)  # Twilio retries
    assert second.status_code == 200
    assert backend.count() == 1
    assert "twilio_webhooks_store_failures_total 1" in client.get("/metrics").text
    committer.close()


def test_store_error_fails_only_the_request_that_caused_it(tmp_path: Path) -> None:
    """Group commit: when a batch fails, each request is retried alone."""
    backend = SqliteBackend(str(tmp_path / "g.sqlite3"))

    class PoisonOnce:
        def __init__(self) -> None:
            self.calls = 0

        def write(self, events):
            self.calls += 1
            if any(e.resource_sid == "SMpoison" for e in events):
                raise OSError("cannot store this one")
            return backend.write(events)

        def __getattr__(self, name):
            return getattr(backend, name)

    committer = GroupCommitter(PoisonOnce())  # type: ignore[arg-type]
    from twilio_webhooks.events import message_status
    from twilio_webhooks.form import parse_form

    good = message_status(
        parse_form(b"MessageSid=SMgood&MessageStatus=sent&AccountSid=AC1"),
        token=None,
        received_at="2026-01-01T00:00:00+00:00",
    )
    bad = message_status(
        parse_form(b"MessageSid=SMpoison&MessageStatus=sent&AccountSid=AC1"),
        token=None,
        received_at="2026-01-01T00:00:00+00:00",
    )
    futures = [committer.submit(good), committer.submit(bad)]
    assert futures[0].result(timeout=10) == [True]
    with pytest.raises(StoreError):
        futures[1].result(timeout=10)
    committer.close()
    assert [r["resource_sid"] for r in SqliteBackend(str(tmp_path / "g.sqlite3")).read(0, 10)] == [
        "SMgood"
    ]
