"""A response counts only if it has the shape it should: a 200 whose records list is
missing, null or not a list is retried as an invalid body, never taken for the last page;
a host that never answers fails within seconds, naming the setting."""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tap_twilio import client as client_module
from tap_twilio.client import UNREACHABLE_ATTEMPTS, TwilioClient, instance_shape, list_shape
from tap_twilio.errors import ApiUnavailableError
from tap_twilio.retry import RetryPolicy

PAGE_1 = {"messages": [{"sid": "SM1"}], "next_page_uri": "/2010-04-01/M.json?Page=1"}
PAGE_2 = {"messages": [{"sid": "SM2"}], "next_page_uri": None}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"next_page_uri": None}, "no 'messages' list"),
        ({"messages": None, "next_page_uri": None}, "a NoneType for the 'messages' list"),
        ({"messages": {"sid": "SM1"}}, "a dict for the 'messages' list"),
        ({"messages": [], "next_page_uri": 3}, "a next-page link that is a int"),
        ({"messages": ["SM1"]}, "records in 'messages' that are not objects"),
        ({"meta": {"key": "alerts", "next_page_url": None}}, "no meta.key 'alerts' list"),
    ],
)
def test_list_shape_names_what_is_wrong(body: dict, problem: str) -> None:
    assert list_shape("messages")(body) == problem


@pytest.mark.parametrize(
    "body",
    [
        {"messages": [], "next_page_uri": None},
        {"messages": [{"sid": "SM1"}]},
        {"meta": {"key": "alerts", "next_page_url": None}, "alerts": []},
    ],
)
def test_list_shape_accepts_both_envelopes(body: dict) -> None:
    assert list_shape("messages")(body) is None


def test_instance_shape_needs_its_key() -> None:
    assert instance_shape(("account_sid",))({"balance": "1"}) == "no account_sid in the resource"
    assert instance_shape(("account_sid",))({"account_sid": "AC1"}) is None


class Scripted:
    """A local server answering each request with the next scripted (status, body)."""

    def __init__(self, script: list[tuple[int, str]]) -> None:
        self.script = script
        self.asked = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = outer.script[min(outer.asked, len(outer.script) - 1)]
                outer.asked += 1
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", waits.append)
    return waits


def client(base_url: str, attempts: int = 4) -> TwilioClient:
    return TwilioClient(
        base_url=base_url,
        username="AC",
        password="secret",
        credential_hint="",
        host_setting="base_url",
        timeout=5,
        connect_timeout=1,
        user_agent="test",
        logger=logging.getLogger("test"),
        retry=RetryPolicy(max_attempts=attempts, base_seconds=0.01),
    )


@pytest.mark.parametrize("read_ahead", [False, True], ids=["in-turn", "read-ahead"])
@pytest.mark.parametrize(
    "wrong",
    [
        json.dumps({"next_page_uri": None, "page": 1}),  # the envelope without its records
        json.dumps({"messages": None, "next_page_uri": None}),
        "<html><body>Service temporarily unavailable</body></html>",
        json.dumps({"next_page_uri": None}),
    ],
)
def test_a_wrong_shaped_page_is_retried_never_taken_for_the_end(
    wrong: str, read_ahead: bool, sleeps: list[float]
) -> None:
    server = Scripted([(200, json.dumps(PAGE_1)), (200, wrong), (200, json.dumps(PAGE_2))])
    pages = list(
        client(server.url).pages("/2010-04-01/M.json", {}, "messages", read_ahead=read_ahead)
    )
    assert [r["sid"] for page in pages for r in page] == ["SM1", "SM2"]
    assert server.asked == 3
    assert len(sleeps) == 1


@pytest.mark.parametrize("read_ahead", [False, True], ids=["in-turn", "read-ahead"])
def test_a_page_that_stays_wrong_fails_the_run_in_one_line(
    read_ahead: bool, sleeps: list[float]
) -> None:
    """Also when it is the page read ahead: the error reaches the reader."""
    server = Scripted([(200, json.dumps(PAGE_1)), (200, json.dumps({"next_page_uri": None}))])
    pages = client(server.url, attempts=3).pages(
        "/2010-04-01/M.json", {}, "messages", read_ahead=read_ahead
    )
    assert [r["sid"] for r in next(pages)] == ["SM1"]
    with pytest.raises(ApiUnavailableError) as caught:
        list(pages)
    assert str(caught.value) == (
        "gave up on GET /2010-04-01/M.json after 3 attempts (max_attempts); "
        "last error: HTTP 200 with no 'messages' list"
    )


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:{port}", "http://no-such-host.invalid"])
def test_a_host_that_never_answers_fails_fast_naming_the_setting(
    base_url: str, sleeps: list[float]
) -> None:
    url = base_url.format(port=unused_port())
    slow = client(url, attempts=8)
    with pytest.raises(ApiUnavailableError) as caught:
        slow.get("/2010-04-01/Accounts.json")
    assert slow.requests_made == UNREACHABLE_ATTEMPTS  # not the 8 of max_attempts
    assert sum(sleeps) < 2
    assert f"cannot reach {url.split('//')[1]}" in str(caught.value)
    assert "check base_url and the network" in str(caught.value)


def test_a_host_that_answered_before_gets_the_full_retry_budget(sleeps: list[float]) -> None:
    server = Scripted([(200, json.dumps(PAGE_2))])
    reachable = client(server.url, attempts=5)
    reachable.get("/2010-04-01/M.json")
    server.server.shutdown()
    server.server.server_close()
    with pytest.raises(ApiUnavailableError, match="after 5 attempts"):
        reachable.get("/2010-04-01/M.json")
