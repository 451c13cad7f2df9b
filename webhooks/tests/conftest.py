"""Fixtures: an in-process receiver on a fresh SQLite store, and request builders."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from twilio_webhooks.app import create_app
from twilio_webhooks.config import Settings
from twilio_webhooks.store import GroupCommitter, SqliteBackend
from twilio_webhooks.testing import form_request, json_request

TOKEN = "0123456789abcdef0123456789abcdef"
OLD_TOKEN = "fedcba9876543210fedcba9876543210"
BASE = "https://hooks.example.com"


@dataclass
class Harness:
    client: TestClient
    backend: SqliteBackend
    committer: GroupCommitter
    path: Path

    def rows(self) -> list[dict]:
        return self.backend.read(0, 100_000)

    def count(self) -> int:
        return self.backend.count()

    def post_form(
        self,
        path: str,
        params: dict[str, str],
        *,
        secret: str = TOKEN,
        token: str | None = None,
        url: str | None = None,
    ):
        body, headers = form_request(secret, url or BASE + path, params, token=token)
        return self.client.post(path, content=body, headers=headers)

    def post_events(
        self, events: list[dict], *, secret: str = TOKEN, path: str = "/twilio/event-streams"
    ):
        body = json.dumps(events).encode()
        signed_url, headers = json_request(secret, BASE + path, body)
        return self.client.post(signed_url[len(BASE) :], content=body, headers=headers)

    def metric(self, line_prefix: str) -> float:
        for line in self.client.get("/metrics").text.splitlines():
            if line.startswith(line_prefix + " "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no metric {line_prefix}")


def http_get(url: str) -> tuple[int, str]:
    """GET a local receiver (http://127.0.0.1 only)."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return response.status, response.read().decode()


def http_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


def make_harness(path: Path, **settings) -> Harness:
    settings.setdefault("auth_tokens", (TOKEN,))
    backend = SqliteBackend(str(path))
    committer = GroupCommitter(backend)
    app = create_app(Settings(**settings), committer)
    client = TestClient(app, base_url=BASE)
    return Harness(client, backend, committer, path)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = make_harness(tmp_path / "events.sqlite3")
    yield h
    h.committer.close()


def message_params(sid: str = "SM" + "a" * 32, status: str = "delivered", **extra: str) -> dict:
    return {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "From": "+14155550100",
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "To": "+14155550199",
        **extra,
    }


def call_params(
    sid: str = "CA" + "b" * 32, status: str = "ringing", sequence: int = 1, **extra: str
) -> dict:
    return {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": status,
        "CallbackSource": "call-progress-events",
        "Direction": "outbound-api",
        "From": "+14155550100",
        "SequenceNumber": str(sequence),
        "Timestamp": "Wed, 08 Oct 2025 13:54:12 +0000",
        "To": "+14155550199",
        **extra,
    }


def cloud_event(event_id: str = "EZ" + "c" * 32, status: str = "delivered", **data) -> dict:
    return {
        "specversion": "1.0",
        "type": f"com.twilio.messaging.message.{status}",
        "source": "/2010-04-01/Accounts/AC1/Messages/SM1.json",
        "id": event_id,
        "datacontenttype": "application/json",
        "time": "2026-06-10T06:02:54.377Z",
        "data": {
            "accountSid": "AC" + "1" * 32,
            "messageSid": "SM" + "a" * 32,
            "messageStatus": status.upper(),
            **data,
        },
    }


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    from tests.postgres import Unavailable, temporary_postgres

    try:
        with temporary_postgres() as url:
            yield url
    except Unavailable as exc:
        pytest.skip(str(exc))
