"""ShortCodes (``.../SMS/ShortCodes.json``): the account's SMS short codes."""

from __future__ import annotations

from starlette.requests import Request

from ..apis import API_2010, API_VERSION
from ..provisioning import ShortCode
from ..timefmt import rfc2822
from . import console

MOUNT = API_2010
_FILTERS = {
    "FriendlyName": lambda s, v: s.friendly_name == v,
    "ShortCode": lambda s, v: s.short_code == v,
}


def render(code: ShortCode, request: Request | None = None) -> dict:
    return {
        "account_sid": code.account_sid,
        "api_version": API_VERSION,
        "date_created": rfc2822(code.created),
        "date_updated": rfc2822(code.created),
        "friendly_name": code.friendly_name,
        "short_code": code.short_code,
        "sid": code.sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_url": code.sms_url,
        "uri": f"{API_2010}/Accounts/{code.account_sid}/SMS/ShortCodes/{code.sid}.json",
    }


ROUTES = console.routes(
    "/Accounts/{AccountSid}/SMS/ShortCodes",
    "short_codes",
    lambda setup: setup.short_codes,
    render,
    _FILTERS,
)
