"""OutgoingCallerIds (``.../OutgoingCallerIds.json``): numbers verified to call from."""

from __future__ import annotations

from starlette.requests import Request

from ..apis import API_2010
from ..provisioning import CallerId
from ..timefmt import rfc2822
from . import console

MOUNT = API_2010
_FILTERS = {
    "FriendlyName": lambda c, v: c.friendly_name == v,
    "PhoneNumber": lambda c, v: c.e164 == v,
}


def render(caller_id: CallerId, request: Request | None = None) -> dict:
    return {
        "account_sid": caller_id.account_sid,
        "date_created": rfc2822(caller_id.created),
        "date_updated": rfc2822(caller_id.created),
        "friendly_name": caller_id.friendly_name,
        "phone_number": caller_id.e164,
        "sid": caller_id.sid,
        "uri": f"{API_2010}/Accounts/{caller_id.account_sid}/OutgoingCallerIds/"
        f"{caller_id.sid}.json",
    }


ROUTES = console.routes(
    "/Accounts/{AccountSid}/OutgoingCallerIds",
    "outgoing_caller_ids",
    lambda setup: setup.caller_ids,
    render,
    _FILTERS,
)
