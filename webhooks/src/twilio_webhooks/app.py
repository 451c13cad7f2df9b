"""The ASGI app: four webhook endpoints, ``/healthz`` and ``/metrics``.

Every webhook request goes through the same steps, and the first that fails
answers: content type (415), size (413), encoding (400), signature (403),
content (400), commit (503). Only then 200. Nothing is stored before the
signature is checked, and the answer leaves only after the commit. Logs name the
endpoint and the reason, never a body, a signature or a secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import events
from .config import Settings
from .events import Event, Malformed
from .metrics import Metrics
from .signature import SignatureChecker
from .store import GroupCommitter, StoreError
from .urls import public_url

log = logging.getLogger("twilio_webhooks")

FORM = "application/x-www-form-urlencoded"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FORM_FIELDS = 1000
SIGNATURE_HEADER = "x-twilio-signature"
SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"
IDEMPOTENCY_HEADER = "i-twilio-idempotency-token"


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


class Receiver:
    def __init__(self, settings: Settings, committer: GroupCommitter) -> None:
        self.settings = settings
        self.committer = committer
        self.signatures = SignatureChecker(settings.auth_tokens, settings.shared_keys)
        self.metrics = Metrics()

    def route(self, endpoint: Endpoint) -> Route:
        async def handle(request: Request) -> Response:
            return await self.handle(endpoint, request)

        return Route(endpoint.path, handle, methods=["POST"], name=endpoint.name)

    async def handle(self, endpoint: Endpoint, request: Request) -> Response:
        self.metrics.received[endpoint.name] += 1
        try:
            found = await self._events(endpoint, request)
            started = time.perf_counter()
            try:
                inserted = await self.committer.commit(found)
            except StoreError:
                raise Rejected(503, "store_unavailable", "the store is unavailable") from None
            self.metrics.store_seconds.observe(time.perf_counter() - started)
        except Rejected as exc:
            self.metrics.rejected[exc.reason] += 1
            log.warning("rejected %s (%s): %s", endpoint.path, exc.status, exc.detail)
            return PlainTextResponse(exc.detail + "\n", status_code=exc.status)
        new = sum(inserted)
        self.metrics.stored[endpoint.name] += new
        self.metrics.duplicates[endpoint.name] += len(inserted) - new
        if endpoint.twiml:
            return Response(EMPTY_TWIML, media_type="text/xml")
        return Response(status_code=200)

    async def _events(self, endpoint: Endpoint, request: Request) -> list[Event]:
        headers = request.headers
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if endpoint.json:
            if not (media_type == "application/json" or media_type.endswith("+json")):
                raise Rejected(415, "unsupported_media_type", "expected application/json")
        elif media_type != FORM:
            raise Rejected(415, "unsupported_media_type", f"expected {FORM}")
        body = await self._body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "malformed", "the body is not UTF-8") from None
        url = public_url(request.scope, self.settings)
        signature = headers.get(SIGNATURE_HEADER)
        settings_header = headers.get(SETTINGS_HEADER)
        token = headers.get(IDEMPOTENCY_HEADER) or None
        received_at = events.utc_now_iso()
        try:
            if endpoint.json:
                if not self.signatures.json_ok(url, text, signature, settings_header):
                    raise Rejected(403, "bad_signature", "invalid X-Twilio-Signature")
                return endpoint.parse(text, token=_token(token), received_at=received_at)
            params = _form(text)
            if not self.signatures.form_ok(url, params, signature, settings_header):
                raise Rejected(403, "bad_signature", "invalid X-Twilio-Signature")
            return endpoint.parse(params, token=_token(token), received_at=received_at)
        except Malformed as exc:
            raise Rejected(400, "malformed", str(exc)) from None

    async def _body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if declared.isdigit():
                raise Rejected(413, "too_large", f"the body exceeds {limit} bytes")
            raise Rejected(400, "malformed", "bad Content-Length")
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Rejected(413, "too_large", f"the body exceeds {limit} bytes")
                chunks.append(chunk)
        except ClientDisconnect:
            raise Rejected(400, "malformed", "the client disconnected mid-body") from None
        return b"".join(chunks)

    async def healthz(self, request: Request) -> Response:
        if not self.committer.alive:
            return JSONResponse({"status": "store writer stopped"}, status_code=503)
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


def _form(text: str) -> dict[str, list[str]]:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise Malformed("the body is not a valid form") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def create_app(settings: Settings, committer: GroupCommitter) -> Starlette:
    receiver = Receiver(settings, committer)
    routes = [receiver.route(endpoint) for endpoint in ENDPOINTS]
    routes += [
        Route("/healthz", receiver.healthz, methods=["GET"]),
        Route("/metrics", receiver.metrics_text, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.receiver = receiver
    return app
