"""IncomingPhoneNumbers: the business's own numbers (``.../IncomingPhoneNumbers.json``)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010, API_VERSION
from ..errors import not_found
from ..http import json_response, query_items, setup_for
from ..paging import SequenceListing, list_envelope, parse_page_request
from ..provisioning import Provisioning, requires_address
from ..timefmt import rfc2822
from ..world import PhoneNumber

MOUNT = API_2010
_TYPES = {"Local": "local", "Mobile": "mobile", "TollFree": "toll-free"}
ORIGIN = "twilio"  # every number was bought from Twilio (none is "hosted")


def render(number: PhoneNumber, setup: Provisioning) -> dict:
    """The number as Twilio shows it; its address and app come from the account's setup."""
    address = setup.address_for(number)
    app = setup.applications[0].sid if setup.applications else None
    return {
        "account_sid": number.account_sid,
        "address_requirements": "local" if requires_address(number) else "none",
        "address_sid": address.sid if address else None,
        "api_version": API_VERSION,
        "beta": False,
        "bundle_sid": None,
        "capabilities": {
            "fax": False,
            "mms": number.iso_country in ("US", "CA"),
            "sms": True,
            "voice": True,
        },
        "date_created": rfc2822(number.created),
        "date_updated": rfc2822(number.created),
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": number.friendly_name,
        "identity_sid": None,
        "origin": ORIGIN,
        "phone_number": number.e164,
        "sid": number.sid,
        "sms_application_sid": app,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_url": None,
        "status": "in-use",
        "status_callback": None,
        "status_callback_method": "POST",
        "trunk_sid": None,
        "type": number.kind if number.kind != "toll-free" else "tollfree",
        "uri": f"{API_2010}/Accounts/{number.account_sid}/IncomingPhoneNumbers/{number.sid}.json",
        "voice_application_sid": app,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": None,
    }


def _matches(number: PhoneNumber, filters: dict[str, str], kind: str | None) -> bool:
    if kind and number.kind != kind:
        return False
    if "FriendlyName" in filters and filters["FriendlyName"] != number.friendly_name:
        return False
    if "Origin" in filters and filters["Origin"] != ORIGIN:
        return False
    pattern = filters.get("PhoneNumber")
    if pattern:  # partial match anywhere in the number; each '*' stands for one digit
        regex = r"\d".join(re.escape(part) for part in pattern.split("*"))
        if not re.search(regex, number.e164):
            return False
    return True


async def list_numbers(request: Request, kind: str | None = None) -> Response:
    account, setup = setup_for(request)
    page = parse_page_request(request.url.path, query_items(request))
    filters = dict(page.filters)
    rows = sorted(
        (n for n in account.numbers if _matches(n, filters, kind)),
        key=lambda n: (n.created, n.sid),
        reverse=True,
    )
    listing = SequenceListing(rows, key_fn=lambda n: (n.created, n.sid), token_fn=lambda n: n.sid)
    return json_response(
        list_envelope(page, listing, "incoming_phone_numbers", lambda n: render(n, setup))
    )


async def fetch_number_or_list_type(request: Request) -> Response:
    """``/IncomingPhoneNumbers/{Sid}.json`` is an instance, unless it names a type list."""
    sid = request.path_params["Sid"]
    if sid in _TYPES:
        return await list_numbers(request, _TYPES[sid])
    account, setup = setup_for(request)
    for number in account.numbers:
        if number.sid == sid:
            return json_response(render(number, setup))
    raise not_found(request.url.path)


_BASE = "/Accounts/{AccountSid}/IncomingPhoneNumbers"
ROUTES = [
    Route(f"{_BASE}.json", list_numbers),
    Route(f"{_BASE}/{{Sid}}.json", fetch_number_or_list_type),
]
