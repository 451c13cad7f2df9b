"""Applications (``.../Applications.json``): the account's TwiML apps."""

from __future__ import annotations

from starlette.requests import Request

from ..apis import API_2010, API_VERSION
from ..provisioning import Application
from ..timefmt import rfc2822
from . import console

MOUNT = API_2010
_FILTERS = {"FriendlyName": lambda a, v: a.friendly_name == v}


def render(app: Application, request: Request | None = None) -> dict:
    return {
        "account_sid": app.account_sid,
        "api_version": API_VERSION,
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
        "uri": f"{API_2010}/Accounts/{app.account_sid}/Applications/{app.sid}.json",
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": app.voice_url,
    }


ROUTES = console.routes(
    "/Accounts/{AccountSid}/Applications",
    "applications",
    lambda setup: setup.applications,
    render,
    _FILTERS,
)
