"""Request helpers shared by every resource: JSON responses, auth, account scoping."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .emulator import Emulator, Principal
from .errors import TwilioError, not_found, unauthorized
from .world import Account


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def error_response(error: TwilioError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def emulator(request: Request) -> Emulator:
    return request.app.state.emulator


def principal(request: Request) -> Principal:
    """The authenticated caller, from HTTP Basic auth; 401 (code 20003) otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise unauthorized()
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized() from None
    found = emulator(request).authenticate(username, password)
    if found is None:
        raise unauthorized()
    return found


def account_for(request: Request, account_sid: str, *, allow_closed: bool = False) -> Account:
    """The account in the path, if the caller may see it; 404 otherwise, as Twilio does.

    A closed account can still be fetched, but its resources answer 404.
    """
    caller = principal(request)
    for account in emulator(request).visible_accounts(caller):
        if account.sid == account_sid and (allow_closed or account.status != "closed"):
            return account
    raise not_found(request.url.path)


def query_items(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())
