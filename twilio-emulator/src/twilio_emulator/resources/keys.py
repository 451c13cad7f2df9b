"""Keys (``.../Keys.json``): the account's API keys (never their secrets)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import find, json_response, list_response, setup_for
from ..provisioning import Key
from ..timefmt import rfc2822

API = "/2010-04-01"


def render(key: Key) -> dict:
    return {
        "date_created": rfc2822(key.created),
        "date_updated": rfc2822(key.created),
        "friendly_name": key.friendly_name,
        "sid": key.sid,
    }


async def list_keys(request: Request) -> Response:
    _, setup = setup_for(request)
    return list_response(request, setup.keys, "keys", render)


async def fetch_key(request: Request) -> Response:
    _, setup = setup_for(request)
    return json_response(render(find(setup.keys, request.path_params["Sid"], request)))


ROUTES = [
    Route(f"{API}/Accounts/{{AccountSid}}/Keys.json", list_keys),
    Route(f"{API}/Accounts/{{AccountSid}}/Keys/{{Sid}}.json", fetch_key),
]
