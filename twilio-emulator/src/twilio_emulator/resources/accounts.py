"""Accounts: the main account and its subaccounts (``/2010-04-01/Accounts.json``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010
from ..http import account_for, emulator, json_response, principal, query_items
from ..paging import SequenceListing, list_envelope, parse_page_request
from ..timefmt import rfc2822
from ..world import Account

MOUNT = API_2010
_SUBRESOURCES = {
    "available_phone_numbers": "AvailablePhoneNumbers",
    "calls": "Calls",
    "conferences": "Conferences",
    "incoming_phone_numbers": "IncomingPhoneNumbers",
    "notifications": "Notifications",
    "outgoing_caller_ids": "OutgoingCallerIds",
    "recordings": "Recordings",
    "transcriptions": "Transcriptions",
    "addresses": "Addresses",
    "signing_keys": "SigningKeys",
    "connect_apps": "ConnectApps",
    "sip": "SIP",
    "authorized_connect_apps": "AuthorizedConnectApps",
    "usage": "Usage",
    "keys": "Keys",
    "applications": "Applications",
    "short_codes": "SMS/ShortCodes",
    "queues": "Queues",
    "messages": "Messages",
    "balance": "Balance",
}


def render(account: Account, now: int) -> dict:
    base = f"{API_2010}/Accounts/{account.sid}"
    status = account.status_at(now)
    changed = account.closed_at if status == "closed" and account.closed_at else account.created
    return {
        "auth_token": account.auth_token,  # Twilio really returns it; taps must drop it
        "date_created": rfc2822(account.created),
        "date_updated": rfc2822(changed),
        "friendly_name": account.friendly_name,
        "owner_account_sid": account.owner_sid,
        "sid": account.sid,
        "status": status,
        "subresource_uris": {k: f"{base}/{v}.json" for k, v in _SUBRESOURCES.items()},
        "type": "Full",
        "uri": f"{base}.json",
    }


async def list_accounts(request: Request) -> Response:
    caller = principal(request)
    page = parse_page_request(request.url.path, query_items(request))
    filters = dict(page.filters)
    now = emulator(request).clock.now()
    rows = [
        a
        for a in emulator(request).visible_accounts(caller)
        if filters.get("FriendlyName", a.friendly_name) == a.friendly_name
        and filters.get("Status", a.status_at(now)) == a.status_at(now)
    ]
    rows.sort(key=lambda a: (a.created, a.sid), reverse=True)
    listing = SequenceListing(rows, key_fn=lambda a: (a.created, a.sid), token_fn=lambda a: a.sid)
    return json_response(list_envelope(page, listing, "accounts", lambda a: render(a, now)))


async def fetch_account(request: Request) -> Response:
    account = account_for(request, request.path_params["Sid"], allow_closed=True)
    return json_response(render(account, emulator(request).clock.now()))


ROUTES = [
    Route("/Accounts.json", list_accounts),
    Route("/Accounts/{Sid}.json", fetch_account),
]
