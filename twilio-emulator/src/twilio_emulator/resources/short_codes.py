"""ShortCodes (``.../SMS/ShortCodes.json``): the account's SMS short codes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import find, json_response, list_response, setup_for
from ..provisioning import ShortCode
from ..timefmt import rfc2822

API = "/2010-04-01"
_FILTERS = {
    "FriendlyName": lambda s, v: s.friendly_name == v,
    "ShortCode": lambda s, v: s.short_code == v,
}


def render(code: ShortCode) -> dict:
    return {
        "account_sid": code.account_sid,
        "api_version": "2010-04-01",
        "date_created": rfc2822(code.created),
        "date_updated": rfc2822(code.created),
        "friendly_name": code.friendly_name,
        "short_code": code.short_code,
        "sid": code.sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_url": code.sms_url,
        "uri": f"{API}/Accounts/{code.account_sid}/SMS/ShortCodes/{code.sid}.json",
    }


async def list_short_codes(request: Request) -> Response:
    _, setup = setup_for(request)
    return list_response(request, setup.short_codes, "short_codes", render, _FILTERS)


async def fetch_short_code(request: Request) -> Response:
    _, setup = setup_for(request)
    return json_response(render(find(setup.short_codes, request.path_params["Sid"], request)))


_BASE = f"{API}/Accounts/{{AccountSid}}/SMS/ShortCodes"
ROUTES = [
    Route(f"{_BASE}.json", list_short_codes),
    Route(f"{_BASE}/{{Sid}}.json", fetch_short_code),
]
