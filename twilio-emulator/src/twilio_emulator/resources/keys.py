"""Keys (``.../Keys.json``): the account's API keys (never their secrets)."""

from __future__ import annotations

from starlette.requests import Request

from ..provisioning import Key
from ..timefmt import rfc2822
from . import console

API = "/2010-04-01"


def render(key: Key, request: Request | None = None) -> dict:
    return {
        "date_created": rfc2822(key.created),
        "date_updated": rfc2822(key.created),
        "friendly_name": key.friendly_name,
        "sid": key.sid,
    }


ROUTES = console.routes(
    f"{API}/Accounts/{{AccountSid}}/Keys", "keys", lambda setup: setup.keys, render
)
