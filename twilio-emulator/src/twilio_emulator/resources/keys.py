"""Keys (``.../Keys.json``): the account's API keys (never their secrets)."""

from __future__ import annotations

from starlette.requests import Request

from ..apis import API_2010
from ..provisioning import Key
from ..timefmt import rfc2822
from . import console

MOUNT = API_2010


def render(key: Key, request: Request | None = None) -> dict:
    return {
        "date_created": rfc2822(key.created),
        "date_updated": rfc2822(key.created),
        "friendly_name": key.friendly_name,
        "sid": key.sid,
    }


ROUTES = console.routes("/Accounts/{AccountSid}/Keys", "keys", lambda setup: setup.keys, render)
