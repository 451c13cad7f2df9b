"""OutgoingCallerIds (``.../OutgoingCallerIds.json``): numbers verified to call from."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import find, json_response, list_response, setup_for
from ..provisioning import CallerId
from ..timefmt import rfc2822

API = "/2010-04-01"
_FILTERS = {
    "FriendlyName": lambda c, v: c.friendly_name == v,
    "PhoneNumber": lambda c, v: c.e164 == v,
}


def render(caller_id: CallerId) -> dict:
    return {
        "account_sid": caller_id.account_sid,
        "date_created": rfc2822(caller_id.created),
        "date_updated": rfc2822(caller_id.created),
        "friendly_name": caller_id.friendly_name,
        "phone_number": caller_id.e164,
        "sid": caller_id.sid,
        "uri": f"{API}/Accounts/{caller_id.account_sid}/OutgoingCallerIds/{caller_id.sid}.json",
    }


async def list_caller_ids(request: Request) -> Response:
    _, setup = setup_for(request)
    return list_response(request, setup.caller_ids, "outgoing_caller_ids", render, _FILTERS)


async def fetch_caller_id(request: Request) -> Response:
    _, setup = setup_for(request)
    return json_response(render(find(setup.caller_ids, request.path_params["Sid"], request)))


_BASE = f"{API}/Accounts/{{AccountSid}}/OutgoingCallerIds"
ROUTES = [Route(f"{_BASE}.json", list_caller_ids), Route(f"{_BASE}/{{Sid}}.json", fetch_caller_id)]
