"""Applications (``.../Applications.json``): the account's TwiML apps."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import find, json_response, list_response, setup_for
from ..provisioning import Application
from ..timefmt import rfc2822

API = "/2010-04-01"
_FILTERS = {"FriendlyName": lambda a, v: a.friendly_name == v}


def render(app: Application) -> dict:
    return {
        "account_sid": app.account_sid,
        "api_version": "2010-04-01",
        "date_created": rfc2822(app.created),
        "date_updated": rfc2822(app.created),
        "friendly_name": app.friendly_name,
        "message_status_callback": None,
        "public_application_connect_enabled": False,
        "sid": app.sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_status_callback": None,
        "sms_url": app.sms_url,
        "status_callback": app.status_callback,
        "status_callback_method": "POST",
        "uri": f"{API}/Accounts/{app.account_sid}/Applications/{app.sid}.json",
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": app.voice_url,
    }


async def list_applications(request: Request) -> Response:
    _, setup = setup_for(request)
    return list_response(request, setup.applications, "applications", render, _FILTERS)


async def fetch_application(request: Request) -> Response:
    _, setup = setup_for(request)
    return json_response(render(find(setup.applications, request.path_params["Sid"], request)))


_BASE = f"{API}/Accounts/{{AccountSid}}/Applications"
ROUTES = [
    Route(f"{_BASE}.json", list_applications),
    Route(f"{_BASE}/{{Sid}}.json", fetch_application),
]
