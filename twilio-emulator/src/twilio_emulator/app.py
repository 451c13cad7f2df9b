"""The ASGI app: Twilio's resources, the ``/_emulator/`` admin API, and Twilio's headers."""

from __future__ import annotations

import re
import secrets
import time
import zoneinfo
from collections import Counter
from email.utils import formatdate

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import behaviours, resources
from .apis import ADMIN, PREFIXES
from .edge import Edge, EdgeBehaviour
from .emulator import Emulator
from .errors import TwilioError, bad_request, error_response, not_found
from .faults import FaultInjector, FaultPlan, Faults
from .faults import admin as faults_admin
from .http import credential_account, emulator, json_response
from .resources.exportfiles import FileStore
from .store import Clock
from .timefmt import iso_z
from .truth import compute_truth

_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


class TwilioHeaders:
    """Adds the headers Twilio sends on every response and counts requests.

    ``Date`` follows the emulator's clock, not the host's, as a client would see
    it from Twilio: run uvicorn with ``date_header=False``. ``served`` counts the
    API requests (everything but ``/_emulator/``) per API, by the path's first
    segment (``2010-04-01``, ``monitor``, ...), for benchmarks.
    """

    def __init__(self, app: ASGIApp, clock: Clock, served: Counter[str]) -> None:
        self.app = app
        self.clock = clock
        self.served = served
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not path.startswith(ADMIN + "/"):
            self.served[path.split("/", 2)[1]] += 1
        self.in_flight += 1
        started = time.perf_counter()
        concurrent = self.in_flight

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - started
                message.setdefault("headers", [])
                message["headers"] += [
                    (b"date", formatdate(self.clock.now(), usegmt=True).encode()),
                    (b"twilio-request-id", b"RQ" + secrets.token_hex(16).encode()),
                    (b"twilio-request-duration", f"{elapsed:.3f}".encode()),
                    (b"twilio-concurrent-requests", str(concurrent).encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.in_flight -= 1


async def health(request: Request) -> Response:
    emu = emulator(request)
    return json_response({"status": "ok", "clock": iso_z(emu.clock.now())})


async def info(request: Request) -> Response:
    """Public facts a test or demo needs (no secrets): accounts, sizes, clock."""
    emu = emulator(request)
    config = emu.config
    return json_response(
        {
            "clock": iso_z(emu.clock.now()),
            "seed": config.seed,
            "history_start": iso_z(emu.world.history_start_day * 86_400),
            "messages_per_day": config.messages_per_day,
            "calls_per_day": config.calls_per_day,
            "main_account_sid": emu.world.main.sid,
            # Where each product API is served: <this URL><prefix>/v1/...
            "product_prefixes": PREFIXES,
            # Every product list declared as data (resources/lists.py): path, key, filters.
            "product_lists": [item.describe() for item in resources.LISTS],
            # Twilio's real-world behaviours and their settings (behaviours.py).
            "behaviours": behaviours.report(config),
            "api_key_sid": emu.world.api_keys[0].sid,
            "accounts": [
                {
                    "sid": a.sid,
                    "friendly_name": a.friendly_name,
                    "currency": a.currency,
                    "status": a.status_at(emu.clock.now()),
                    "closed_at": iso_z(a.closed_at),
                    "balance_served": a.balance_served,
                    "numbers": [n.e164 for n in a.numbers],
                }
                for a in emu.world.accounts
            ],
        }
    )


async def served(request: Request) -> Response:
    """API requests served since the emulator started, in total and per API."""
    by_api: Counter[str] = request.app.state.served
    return json_response({"total": sum(by_api.values()), "by_api": dict(sorted(by_api.items()))})


async def clock(request: Request) -> Response:
    """GET: the clock. POST ``{"advance": "1d"}`` or ``{"advance_seconds": 86400}``: move it."""
    emu = emulator(request)
    if request.method == "POST":
        body = await request.json()
        if "advance_seconds" in body:
            seconds = int(body["advance_seconds"])
        else:
            match = _DURATION.match(str(body.get("advance", "")))
            if not match:
                raise bad_request(20001, 'advance must look like "90s", "15m", "3h" or "2d"')
            seconds = int(match.group(1)) * _SECONDS[match.group(2)]
        try:
            emu.advance(seconds)
        except ValueError as exc:
            raise bad_request(20001, str(exc)) from None
    now = emu.clock.now()
    return json_response({"now": iso_z(now), "epoch": now})


async def outbox(request: Request) -> Response:
    """Messages and calls clients created through the API, oldest first."""
    return json_response({"outbox": [e.as_json() for e in emulator(request).store.outbox]})


async def webhooks(request: Request) -> Response:
    """Webhook delivery counters and their truth (``?wait=30`` waits until all are sent)."""
    emu = emulator(request)
    wait = request.query_params.get("wait")
    if wait:
        try:
            seconds = min(float(wait), 600.0)
        except ValueError:
            raise bad_request(20001, "wait must be a number of seconds") from None
        await run_in_threadpool(emu.wait_webhooks, seconds)
    return json_response(await run_in_threadpool(emu.webhook_report))


async def truth(request: Request) -> Response:
    """``?tz=Europe/Paris``: the reporting timezone local days are counted in (default UTC)."""
    tz = request.query_params.get("tz", "UTC")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise bad_request(
            20001, f"Unknown timezone {tz!r}: use an IANA name such as UTC or Europe/Paris"
        ) from None
    return json_response(compute_truth(emulator(request), tz))


async def _twilio_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwilioError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(not_found(request.url.path))
    if exc.status_code == 405:
        return error_response(TwilioError(405, 20004, "Method not allowed"))
    return error_response(TwilioError(exc.status_code, 20001, str(exc.detail)))


def create_app(emu: Emulator, faults: FaultPlan | None = None) -> Starlette:
    """The emulator's app; ``faults`` is the initial fault plan (see ``faults.py``)."""
    routes: list[BaseRoute] = [
        Route(f"{ADMIN}/health", health),
        Route(f"{ADMIN}/info", info),
        Route(f"{ADMIN}/clock", clock, methods=["GET", "POST"]),
        Route(f"{ADMIN}/truth", truth),
        Route(f"{ADMIN}/outbox", outbox),
        Route(f"{ADMIN}/webhooks", webhooks),
        Route(f"{ADMIN}/faults", faults_admin, methods=["GET", "POST", "DELETE"]),
        Route(f"{ADMIN}/requests", served),
    ]
    routes += resources.mounts()
    app = Starlette(
        routes=routes,
        exception_handlers={TwilioError: _twilio_error, HTTPException: _http_error},
    )
    app.state.emulator = emu
    app.state.faults = Faults(faults)
    app.state.served = Counter()
    app.state.edge = Edge(emu.config.edge)
    app.state.files = FileStore()
    # The last added is the outermost: injected faults still carry Twilio's headers, and
    # the edge's own habits sit under the fault plan, next to the resources.
    app.add_middleware(EdgeBehaviour, edge=app.state.edge)
    app.add_middleware(
        FaultInjector,
        faults=app.state.faults,
        clock=emu.clock,
        account_of=credential_account(emu),
    )
    app.add_middleware(TwilioHeaders, clock=emu.clock, served=app.state.served)
    return app
