"""Request helpers shared by every resource: JSON responses, auth, account scoping."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from .emulator import Emulator, Principal
from .errors import TwilioError, forbidden, not_found, unauthorized
from .paging import Created, list_envelope, newest_first, parse_page_request
from .provisioning import Provisioning
from .world import Account

Row = TypeVar("Row", bound=Created)
Filter = Callable[[Any, str], bool]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def emulator(request: Request) -> Emulator:
    return request.app.state.emulator


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(username, password) of an HTTP Basic ``Authorization`` header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return username, password


def principal(request: Request) -> Principal:
    """The authenticated caller, from HTTP Basic auth; 401 (code 20003) otherwise."""
    credentials = basic_credentials(request.headers.get("authorization", ""))
    if credentials is None:
        raise unauthorized()
    found = emulator(request).authenticate(*credentials)
    if found is None:
        raise unauthorized()
    return found


def credential_account(emu: Emulator) -> Callable[[Scope], str | None]:
    """For middleware: the SID of the account a request's credentials belong to, if valid."""

    def account_of(scope: Scope) -> str | None:
        headers = dict(scope.get("headers") or [])
        credentials = basic_credentials(headers.get(b"authorization", b"").decode("latin-1"))
        found = emu.authenticate(*credentials) if credentials else None
        return found.account.sid if found else None

    return account_of


def account_for(request: Request, account_sid: str, *, allow_closed: bool = False) -> Account:
    """The account in the path, if the caller may see it; 404 otherwise, as Twilio does.

    A closed or suspended account can still be fetched (``allow_closed``), but a closed
    one's resources answer 404 and a suspended one's 403 (``readable``).
    """
    caller = principal(request)
    for account in emulator(request).visible_accounts(caller):
        if account.sid == account_sid:
            return account if allow_closed else readable(request, account)
    raise not_found(request.url.path)


def readable(request: Request, account: Account) -> Account:
    """``account`` if its resources answer at the clock: 404 once closed, 403 if suspended."""
    status = account.status_at(emulator(request).clock.now())
    if status == "closed":
        raise not_found(request.url.path)
    if status == "suspended":
        raise forbidden()
    return account


class Owned(Protocol):
    sid: str
    account_sid: str


Found = TypeVar("Found", bound=Owned)


def owned(
    request: Request, lookup: Callable[[str], Found | None], param: str = "Sid"
) -> tuple[Account, Found]:
    """The record the path names, if it belongs to the path's account; Twilio's 404 otherwise."""
    account = account_for(request, request.path_params["AccountSid"])
    found = lookup(request.path_params[param])
    if found is None or found.account_sid != account.sid:
        raise not_found(request.url.path)
    return account, found


def query_items(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


async def form_params(request: Request) -> dict[str, str]:
    """A create request's form body, as Twilio's clients send it (first value per name)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise TwilioError(415, 20001, "Content-Type must be application/x-www-form-urlencoded")
    params: dict[str, str] = {}
    for name, value in parse_qsl((await request.body()).decode(), keep_blank_values=True):
        params.setdefault(name, value)
    return params


def setup_for(request: Request) -> tuple[Account, Provisioning]:
    """The account in the path (if the caller may see it) and its console setup."""
    account = account_for(request, request.path_params["AccountSid"])
    return account, emulator(request).store.provisioning[account.sid]


def list_response(
    request: Request,
    rows: Iterable[Row],
    records_key: str,
    render: Callable[[Row], dict],
    filters: Mapping[str, Filter] | None = None,
) -> Response:
    """A 2010 list of a few records, newest first; ``filters`` maps a query name to a test."""
    page = parse_page_request(request.url.path, query_items(request))
    tests = [(filters[name], value) for name, value in page.filters if filters and name in filters]
    kept = [row for row in rows if all(test(row, value) for test, value in tests)]
    return json_response(list_envelope(page, newest_first(kept), records_key, render))


def find(rows: Iterable[Row], sid: str, request: Request) -> Row:
    """The row with ``sid``, or Twilio's 404."""
    for row in rows:
        if row.sid == sid:
            return row
    raise not_found(request.url.path)


def is_true(value: str) -> bool:
    """Twilio's boolean query values: ``true``/``false`` in any case."""
    return value.strip().lower() == "true"
