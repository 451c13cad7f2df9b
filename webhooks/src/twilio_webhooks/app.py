"""The ASGI app: four webhook endpoints, ``/healthz`` and ``/metrics``.

Every webhook request goes through the same steps, and the first that fails
answers: content type (415), size (413), body slower than ``body_timeout`` (408,
connection closed), encoding (400), signature (403), content (400), commit (503).
Only then 200. Nothing is stored before the
signature is checked, and the answer leaves only after the commit. Logs name the
endpoint and the reason, never a body, a signature or a secret.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import events
from .config import Settings
from .deadlines import Deadlines
from .events import Event, Malformed
from .form import parse_form
from .metrics import Metrics
from .signature import SignatureChecker
from .store import GroupCommitter, StoreError
from .urls import public_url

log = logging.getLogger("twilio_webhooks")

FORM = "application/x-www-form-urlencoded"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
TEXT = b"text/plain; charset=utf-8"
XML = b"text/xml; charset=utf-8"
# The two answers to a stored webhook, built once.
OK_EMPTY = [(b"content-type", TEXT), (b"content-length", b"0")], b""
OK_TWIML = (
    [(b"content-type", XML), (b"content-length", b"%d" % len(EMPTY_TWIML))],
    EMPTY_TWIML.encode(),
)


class Rejected(Exception):
    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    json: bool  # Event Streams posts JSON; callbacks post forms
    parse: Callable[..., list[Event]]
    twiml: bool = False  # answer with empty TwiML (Twilio reads the reply to an incoming message)


ENDPOINTS = (
    Endpoint("message_status", "/twilio/messages/status", False, events.message_status),
    Endpoint("call_status", "/twilio/calls/status", False, events.call_status),
    Endpoint("incoming_message", "/twilio/messages/incoming", False, events.incoming_message, True),
    Endpoint("event_stream", "/twilio/event-streams", True, events.event_stream),
)


_WANTED = {
    b"content-type": "content_type",
    b"content-length": "content_length",
    b"x-twilio-signature": "signature",
    b"x-twilio-webhooks-signature-settings": "settings",
    b"i-twilio-idempotency-token": "token",
}


def _headers(scope: Scope) -> dict[str, str]:
    """The few request headers the receiver reads, in one pass over the raw list."""
    found = {}
    for key, value in scope["headers"]:
        name = _WANTED.get(key)
        if name is not None and name not in found:
            found[name] = value.decode("latin-1")
    return found


class _WebhookEndpoint:
    """A plain ASGI app per endpoint: no Request/Response objects on the hot path."""

    def __init__(self, receiver: Receiver, endpoint: Endpoint) -> None:
        self.receiver, self.endpoint = receiver, endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, (headers, body) = await self.receiver.handle(self.endpoint, scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Receiver:
    def __init__(self, settings: Settings, committer: GroupCommitter) -> None:
        self.settings = settings
        self.committer = committer
        self.signatures = SignatureChecker(settings.auth_tokens, settings.shared_keys)
        self.metrics = Metrics()
        self.deadlines = Deadlines()

    def route(self, endpoint: Endpoint) -> Route:
        return Route(
            endpoint.path, _WebhookEndpoint(self, endpoint), methods=["POST"], name=endpoint.name
        )

    async def handle(
        self, endpoint: Endpoint, scope: Scope, receive: Receive
    ) -> tuple[int, tuple[list[tuple[bytes, bytes]], bytes]]:
        """(status, (headers, body)) of the answer to one webhook request."""
        self.metrics.received[endpoint.name] += 1
        try:
            found = await self._events(endpoint, scope, receive)
            started = time.perf_counter()
            try:
                inserted = await self.committer.commit(found)
            except StoreError:
                raise Rejected(503, "store_unavailable", "the store is unavailable") from None
            self.metrics.store_seconds.observe(time.perf_counter() - started)
        except Rejected as exc:
            self.metrics.rejected[exc.reason] += 1
            log.warning("rejected %s (%s): %s", endpoint.path, exc.status, exc.detail)
            body = (exc.detail + "\n").encode()
            headers = [(b"content-type", TEXT), (b"content-length", b"%d" % len(body))]
            if exc.status == 408:  # the rest of the body may never come: free the connection
                headers.append((b"connection", b"close"))
            return exc.status, (headers, body)
        new = sum(inserted)
        self.metrics.stored[endpoint.name] += new
        self.metrics.duplicates[endpoint.name] += len(inserted) - new
        return 200, (OK_TWIML if endpoint.twiml else OK_EMPTY)

    async def _events(self, endpoint: Endpoint, scope: Scope, receive: Receive) -> list[Event]:
        headers = _headers(scope)
        media_type = headers.get("content_type", "").split(";", 1)[0].strip().lower()
        if endpoint.json:
            if not (media_type == "application/json" or media_type.endswith("+json")):
                raise Rejected(415, "unsupported_media_type", "expected application/json")
        elif media_type != FORM:
            raise Rejected(415, "unsupported_media_type", f"expected {FORM}")
        body = await self._body(headers.get("content_length"), receive)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "malformed", "the body is not UTF-8") from None
        url = public_url(scope, self.settings)
        signature, settings_header = headers.get("signature"), headers.get("settings")
        token = _token(headers.get("token"))
        received_at = events.utc_now_iso()
        try:
            if endpoint.json:
                if not self.signatures.json_ok(url, text, signature, settings_header):
                    raise Rejected(403, "bad_signature", "invalid X-Twilio-Signature")
                return endpoint.parse(body, token=token, received_at=received_at)
            form = parse_form(body)
            if not self.signatures.form_ok(url, form.pairs, signature, settings_header):
                raise Rejected(403, "bad_signature", "invalid X-Twilio-Signature")
            return endpoint.parse(form, token=token, received_at=received_at)
        except Malformed as exc:
            raise Rejected(400, "malformed", str(exc)) from None

    async def _body(self, declared: str | None, receive: Receive) -> bytes:
        limit = self.settings.max_body_bytes
        if declared is not None:
            if not declared.isdigit():
                raise Rejected(400, "malformed", "bad Content-Length")
            if int(declared) > limit:
                raise Rejected(413, "too_large", f"the body exceeds {limit} bytes")
        task = self.deadlines.start(self.settings.body_timeout)
        try:
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise Rejected(400, "malformed", "the client disconnected mid-body")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise Rejected(413, "too_large", f"the body exceeds {limit} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        except asyncio.CancelledError:
            if not self.deadlines.expired(task):  # cancelled for another reason (shutdown)
                raise
            timeout = self.settings.body_timeout
            raise Rejected(
                408, "body_timeout", f"the body did not arrive within {timeout:g}s"
            ) from None
        finally:
            self.deadlines.finish(task)

    async def healthz(self, request: Request) -> Response:
        """ok only when a heartbeat commits now: a store that cannot commit is unhealthy."""
        problem = await self.committer.probe(self.settings.health_timeout)
        if problem is not None:
            return JSONResponse({"status": problem}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def metrics_text(self, request: Request) -> Response:
        return PlainTextResponse(
            self.metrics.render(self.committer.stats),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )


def _token(value: str | None) -> str | None:
    """The idempotency token, if it is a plausible one (else the natural key is used)."""
    if value is None or len(value) > events.MAX_TEXT or not value.isprintable():
        return None
    return value


def create_app(settings: Settings, committer: GroupCommitter) -> Starlette:
    """The Starlette app. POSTs to the webhook paths go straight to their endpoint
    (the hot path skips Starlette's middleware and router); all else goes through it."""
    receiver = Receiver(settings, committer)
    hot = {endpoint.path: _WebhookEndpoint(receiver, endpoint) for endpoint in ENDPOINTS}
    routes = [receiver.route(endpoint) for endpoint in ENDPOINTS]
    routes += [
        Route("/healthz", receiver.healthz, methods=["GET"]),
        Route("/metrics", receiver.metrics_text, methods=["GET"]),
    ]
    app = _Front(routes=routes)
    app.hot = hot
    app.state.receiver = receiver
    return app


class _Front(Starlette):
    hot: dict[str, _WebhookEndpoint]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.hot.get(scope["path"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
