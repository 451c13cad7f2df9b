"""Faults on command: the errors, stalls, resets, limits and wrong-shape answers of the API.

A ``FaultPlan`` says what to inject; ``FaultInjector`` (ASGI middleware) applies it
to every API request: the 2010 API and every product API (Monitor, Messaging,
Conversations, Studio, Verify, Trunking, Insights). The admin API under
``/_emulator/`` is never faulted, so a test can always read the truth and change
the plan while one emulator process serves a whole fault matrix.

Random faults are repeatable: whether the k-th request for a URL fails, and how,
is a hash of (seed, URL, k), independent of timing and of other clients. Rules
(revoked credential, closed account, page-size limits, retention) are exact.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .apis import ADMIN, API_2010, FILES, PREFIXES
from .errors import (
    EXPIRED,
    TwilioError,
    bad_request,
    error_response,
    not_found,
    s3_error,
    unauthorized,
)
from .store import Clock
from .timefmt import DAY, parse_filter_day

# Random faults, by the name used in rates (CLI ``--fault KIND=RATE``, JSON ``rates``).
KINDS: dict[str, str] = {
    "429": "429 Too Many Requests (code 20429) with Retry-After",
    "429-no-retry-after": "429 Too Many Requests (code 20429) without Retry-After",
    "500": "500 Internal Server Error (code 20500)",
    "502": "502 Bad Gateway (an HTML page from the edge)",
    "503": "503 Service Unavailable (code 20503)",
    "504": "504 Gateway Timeout (an HTML page from the edge)",
    "reset": "connection closed after half of the response body",
    "truncated": "200 with the JSON body cut in half",
    "invalid-json": "200 with a body that is not JSON",
    "timeout": "no answer until the client hangs up (or hang_seconds pass)",
    # Wrong-shape 200s: the body parses, but is not the page the client asked for.
    "missing-key": "200 list page without its records key (2010) or the key meta.key names",
    "null-list": "200 list page whose records key is null",
    "html-200": "200 with an HTML error page (Content-Type text/html)",
    "truncated-envelope": "200 list page cut to its paging fields (page, page_size, next/previous)",
    # BulkExport: counted only on the requests they apply to; others pass through.
    "expired-link": "a BulkExport file download answers 403 AccessDenied 'Request has expired'",
    "failed-job": "a BulkExport job being created will fail: each of its days ends Failed",
}
# Kinds that reshape a list page; other answers (an instance, an error) pass through untouched.
LIST_SHAPES = ("missing-key", "null-list", "truncated-envelope")
_JOBS = re.compile(r"/v1/Exports/[A-Za-z]+/Jobs$")

_ACCOUNT = re.compile(rf"^{API_2010}/Accounts/(AC[0-9a-fA-F]{{32}})/")
# Lists whose history Twilio keeps for a limited time, and the filter that dates them.
_RETAINED = (
    (re.compile(r"/Messages\.json$"), "DateSent"),
    (re.compile(r"/Recordings\.json$"), "DateCreated"),
)
_EDGE_PAGE = b"<html><head><title>%d</title></head><body><h1>%d %s</h1></body></html>\n"
JSON = "application/json; charset=utf-8"
_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Twilio - Error</title></head><body>"
    b"<h1>We're sorry, something went wrong.</h1></body></html>\n"
)
# The 2010 list envelope's keys: a list page has exactly one key more, its records.
ENVELOPE_KEYS = frozenset(
    {"end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri"}
    | {"start", "uri"}
)


@dataclass(frozen=True)
class FaultPlan:
    """What to inject. The default plan injects nothing but Twilio's 400-day retention."""

    seed: int = 0
    rates: Mapping[str, float] = field(default_factory=dict)  # kind -> share of requests
    retry_after: int = 1  # seconds, sent with "429"
    latency_ms: int = 0  # added to every API request
    max_concurrent: int | None = None  # 429 past this many API requests in flight
    hang_seconds: float = 30.0  # how long a "timeout" stalls at most
    revoke_after: int | None = None  # the credential stops working after N API requests
    close_after: Mapping[str, int] = field(default_factory=dict)  # account SID -> N requests
    page_size_limit: int | None = None  # PageSize above it: 400, code 20007
    usage_page_size_limit: int | None = None  # usage PageSize above it: 500 (Airbyte #23512)
    retention_days: int = 400  # Messages/Recordings before it: 400, code 20004

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultPlan:
        """Build a plan from JSON; ValueError names the first bad key."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fault setting {unknown[0]!r}; known: {sorted(names)}")
        rates = dict(data.get("rates") or {})
        for kind, rate in rates.items():
            if kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
            if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                raise ValueError(f"rate of {kind!r} must be a number from 0 to 1")
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        plan = cls(**{**data, "rates": rates, "close_after": dict(data.get("close_after") or {})})
        if not isinstance(plan.seed, int):
            raise ValueError("seed must be an integer")
        for sid, after in plan.close_after.items():
            if not isinstance(after, int) or after < 0:
                raise ValueError(f"close_after of {sid} must be an integer >= 0")
        for name in ("retry_after", "latency_ms", "hang_seconds", "retention_days"):
            value = getattr(plan, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
        for name in ("max_concurrent", "revoke_after", "page_size_limit", "usage_page_size_limit"):
            value = getattr(plan, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be an integer >= 0 or null")
        return plan

    def to_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "rates": dict(self.rates),
            "close_after": dict(self.close_after),
        }


class Faults:
    """The live plan and what it has done so far (reset whenever the plan changes)."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self.in_flight = 0  # API requests being served now, whatever the plan
        self.set(plan or FaultPlan())

    def set(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.requests = 0  # API requests seen under this plan
        self.injected: Counter[str] = Counter()
        self.injected_by_api: Counter[str] = Counter()  # "2010-04-01", "monitor", ...
        self._asked: Counter[str] = Counter()  # URL -> times requested
        self._per_account: Counter[str] = Counter()

    def report(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            # Every API is faulted (the 2010 API and each product API), never /_emulator/.
            "applies_to": [API_2010, *PREFIXES.values(), FILES],
            "requests": self.requests,
            "in_flight": self.in_flight,
            "injected": dict(sorted(self.injected.items())),
            "injected_by_api": dict(sorted(self.injected_by_api.items())),
        }

    def count(self, kind: str, path: str) -> None:
        """One fault of ``kind`` injected on ``path`` (counted per kind and per API)."""
        self.injected[kind] += 1
        self.injected_by_api[path.strip("/").split("/", 1)[0]] += 1

    def draw(self, url: str) -> str | None:
        """The random fault (if any) for this request: a pure function of (seed, URL, k)."""
        self._asked[url] += 1
        rates = self.plan.rates
        if not rates:
            return None
        digest = hashlib.blake2b(
            f"{self.plan.seed}|{url}|{self._asked[url]}".encode(), digest_size=8
        ).digest()
        point = int.from_bytes(digest, "big") / 2**64
        total = 0.0
        for kind in KINDS:  # a fixed order, so a plan always maps points the same way
            total += rates.get(kind, 0.0)
            if point < total:
                return kind
        return None

    def rule_error(
        self, path: str, query: list[tuple[str, str]], today: int, account_sid: str | None
    ) -> TwilioError | None:
        """The error a rule of the plan gives this request, if any (checked in this order).

        ``account_sid`` is the account whose resources the request reads: the one in a
        2010 path, else (product APIs) the one the credentials belong to.
        """
        plan = self.plan
        if plan.revoke_after is not None and self.requests > plan.revoke_after:
            return unauthorized()
        if account_sid is not None and account_sid in plan.close_after:
            self._per_account[account_sid] += 1
            if self._per_account[account_sid] > plan.close_after[account_sid]:
                return not_found(path)
        page_size = _page_size(query)
        if plan.page_size_limit is not None and page_size > plan.page_size_limit:
            return bad_request(
                20007, f"Page size too large. The maximum page size is {plan.page_size_limit}"
            )
        if (
            plan.usage_page_size_limit is not None
            and "/Usage/Records" in path
            and page_size > plan.usage_page_size_limit
        ):
            return TwilioError(500, 20500, "An internal server error has occurred")
        return _retention_error(path, query, today, plan.retention_days)


def path_account(path: str) -> str | None:
    """The account SID a 2010 path names (``.../Accounts/AC.../...``), if any."""
    match = _ACCOUNT.match(path)
    return match.group(1) if match else None


def _page_size(query: list[tuple[str, str]]) -> int:
    for name, value in query:
        if name == "PageSize":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _retention_error(
    path: str, query: list[tuple[str, str]], today: int, retention_days: int
) -> TwilioError | None:
    """Twilio answers 400/20004 when a date range reaches before its retention window."""
    for pattern, filter_name in _RETAINED:
        if not pattern.search(path):
            continue
        floor = today - retention_days + 1
        for name, value in query:
            if name not in (filter_name, f"{filter_name}>", f"{filter_name}<"):
                continue
            try:
                day = parse_filter_day(value)
            except ValueError:
                return None  # the resource reports the bad value (20001)
            if day < floor:
                return bad_request(
                    20004,
                    "Date range specified in query is partially or entirely outside of "
                    f"retention window of {retention_days} days",
                )
    return None


class InjectedReset(Exception):
    """Raised after half a response body: the server then closes the connection."""


class _QuietResets(logging.Filter):
    """Keep uvicorn from logging a traceback for every reset we inject on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InjectedReset)


def _quiet_resets() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietResets) for f in logger.filters):
        logger.addFilter(_QuietResets())


class FaultInjector:
    """ASGI middleware applying ``Faults`` to every API request; ``/_emulator/`` passes through.

    ``account_of`` names the account a request's credentials belong to (product
    APIs have no account in the path), for ``close_after``.
    """

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        clock: Clock,
        account_of: Callable[[Scope], str | None],
    ) -> None:
        self.app = app
        self.faults = faults
        self.clock = clock
        self.account_of = account_of
        _quiet_resets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN + "/"):
            await self.app(scope, receive, send)
            return
        faults = self.faults
        faults.requests += 1
        faults.in_flight += 1
        try:
            await self._handle(scope, receive, send)
        finally:
            faults.in_flight -= 1

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults, plan = self.faults, self.faults.plan
        path = scope["path"]
        if plan.max_concurrent is not None and faults.in_flight > plan.max_concurrent:
            faults.count("concurrency", path)
            error = TwilioError(429, 20429, "Too Many Requests")
            await error_response(error)(scope, receive, send)
            return
        if plan.latency_ms:
            await asyncio.sleep(plan.latency_ms / 1000)
        query_string = scope.get("query_string", b"").decode("latin-1")
        query = parse_qsl(query_string, keep_blank_values=True)
        account = path_account(path) or (self.account_of(scope) if plan.close_after else None)
        error = faults.rule_error(path, query, self.clock.now() // DAY, account)
        if error is not None:
            faults.count(f"rule:{error.status}:{error.code}", path)
            await error_response(error)(scope, receive, send)
            return
        kind = faults.draw(f"{path}?{query_string}")
        if kind is None:
            await self.app(scope, receive, send)
            return
        if kind in LIST_SHAPES:  # counted only when the answer was a list page to reshape
            if await self._mangle(kind, scope, receive, send):
                faults.count(kind, path)
            return
        if kind == "expired-link" and path.startswith(FILES + "/"):
            faults.count(kind, path)
            await s3_error(*EXPIRED)(scope, receive, send)
            return
        if kind == "failed-job" and scope["method"] == "POST" and _JOBS.search(path):
            faults.count(kind, path)
            scope.setdefault("state", {})["failed_job"] = True
            await self.app(scope, receive, send)
            return
        if kind in ("expired-link", "failed-job"):  # not a request they apply to
            await self.app(scope, receive, send)
            return
        faults.count(kind, path)
        if kind in ("reset", "truncated", "invalid-json", "html-200"):
            await self._mangle(kind, scope, receive, send)
            return
        if kind in ("429", "429-no-retry-after"):
            headers = {"Retry-After": str(plan.retry_after)} if kind == "429" else {}
            error = TwilioError(429, 20429, "Too Many Requests", headers=headers)
            await error_response(error)(scope, receive, send)
        elif kind == "500":
            await error_response(TwilioError(500, 20500, "An internal server error has occurred"))(
                scope, receive, send
            )
        elif kind == "503":
            await error_response(TwilioError(503, 20503, "Service Unavailable"))(
                scope, receive, send
            )
        elif kind in ("502", "504"):
            status = int(kind)
            reason = "Bad Gateway" if status == 502 else "Gateway Timeout"
            page = _EDGE_PAGE % (status, status, reason.encode())
            await Response(page, status_code=status, media_type="text/html")(scope, receive, send)
        else:  # timeout
            if await _client_hung_up(receive, plan.hang_seconds):
                return
            await self.app(scope, _replay_request(), send)

    async def _mangle(self, kind: str, scope: Scope, receive: Receive, send: Send) -> bool:
        """Run the real handler, then break its response; False if it was left alone.

        ``reset``, ``truncated`` and ``invalid-json`` break any answer, as before;
        ``html-200`` replaces it; the list shapes reshape a 200 list page only.
        """
        start: Message = {}
        body = b""

        async def capture(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body += message.get("body", b"")

        await self.app(scope, receive, capture)
        if kind == "reset":
            await send(start)  # Content-Length still announces the whole body
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise InjectedReset
        if kind in LIST_SHAPES:
            page = _list_page(start, body)
            if page is None:
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return False
            reshaped = orjson.dumps(reshape(kind, page))
            await Response(reshaped, status_code=200, media_type=JSON)(scope, receive, send)
            return True
        if kind == "truncated":
            replacement, media_type = body[: len(body) // 2], "application/json"
        elif kind == "html-200":
            replacement, media_type = _ERROR_PAGE, "text/html; charset=utf-8"
        else:  # invalid-json: an HTML body announced as JSON
            replacement = b"<html><body>upstream sent an invalid response</body></html>"
            media_type = "application/json"
        await Response(replacement, status_code=200, media_type=media_type)(scope, receive, send)
        return True


def _list_page(start: Message, body: bytes) -> dict | None:
    """The JSON list page a 200 answer carries, or None (an instance, an error, not JSON)."""
    if start.get("status") != 200:
        return None
    try:
        page = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(page, dict):
        return None
    if isinstance(page.get("meta"), dict) and page["meta"].get("key") in page:
        return page
    return page if set(page) > ENVELOPE_KEYS and len(page) == len(ENVELOPE_KEYS) + 1 else None


def reshape(kind: str, page: dict) -> dict:
    """A list page with the wrong shape ``kind`` (one of ``LIST_SHAPES``)."""
    meta = page.get("meta")
    key = meta["key"] if isinstance(meta, dict) else next(iter(set(page) - ENVELOPE_KEYS))
    if kind == "missing-key":
        return {k: v for k, v in page.items() if k != key}
    if kind == "null-list":
        return {**page, key: None}
    paging = ("page", "page_size", "next_page_url", "previous_page_url")
    if isinstance(meta, dict):
        return {"meta": {k: meta[k] for k in paging if k in meta}}
    return {k: page[k] for k in ("page", "page_size", "next_page_uri", "previous_page_uri")}


async def _client_hung_up(receive: Receive, seconds: float) -> bool:
    """Wait until the client disconnects (True) or ``seconds`` pass (False)."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), timeout=seconds)
    except asyncio.TimeoutError:
        return False
    return True


def _replay_request() -> Receive:
    """A receive channel for a GET whose (empty) request message was already consumed."""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    return receive


async def admin(request: Request) -> Response:
    """``GET``: the plan and what it injected. ``POST``: replace the plan. ``DELETE``: clear it."""
    faults: Faults = request.app.state.faults
    if request.method == "POST":
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the fault plan must be a JSON object")
            faults.set(FaultPlan.from_dict(body))
        except (ValueError, TypeError) as exc:
            raise bad_request(20001, f"invalid fault plan: {exc}") from None
    elif request.method == "DELETE":
        faults.set(FaultPlan())
    # The real-world edge behaviours (edge.py) are not the plan's, but a test counts them too.
    edge = request.app.state.edge
    report = {**faults.report(), "edge": dict(sorted(edge.injected.items()))}
    return Response(orjson.dumps(report), media_type="application/json")
