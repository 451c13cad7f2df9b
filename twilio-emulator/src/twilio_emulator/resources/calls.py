"""Calls (``/2010-04-01/Accounts/{AccountSid}/Calls.json``), parent and child legs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import created
from ..activity import Call
from ..apis import API_2010, API_VERSION
from ..catalog import money_str
from ..http import account_for, emulator, form_params, json_response, owned, query_items
from ..paging import list_envelope, parse_page_request
from ..timefmt import rfc2822
from ..world import format_national
from .traffic import DayListing, DayRange

MOUNT = API_2010
_SUBRESOURCES = {
    "notifications": "Notifications",
    "recordings": "Recordings",
    "payments": "Payments",
    "events": "Events",
    "siprec": "Siprec",
    "streams": "Streams",
    "transcriptions": "Transcriptions",
    "user_defined_message_subscriptions": "UserDefinedMessageSubscriptions",
    "user_defined_messages": "UserDefinedMessages",
}


def render(call: Call, now: int) -> dict:
    status, start, end, updated, priced = call.state_at(now)
    base = f"{API_2010}/Accounts/{call.account_sid}/Calls/{call.sid}"
    return {
        "account_sid": call.account_sid,
        "answered_by": call.answered_by if end is not None else None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": rfc2822(call.created),
        "date_updated": rfc2822(updated),
        "direction": call.direction,
        "duration": str(call.duration) if end is not None else None,
        "end_time": rfc2822(end),
        "forwarded_from": None,
        "from": call.from_,
        "from_formatted": format_national(call.from_),
        "group_sid": None,
        "parent_call_sid": call.parent_sid,
        "phone_number_sid": call.number_sid,
        "price": money_str(call.price, negative=True) if priced else None,
        "price_unit": call.currency,
        "queue_time": "0",
        "sid": call.sid,
        "start_time": rfc2822(start),
        "status": status,
        "subresource_uris": {k: f"{base}/{v}.json" for k, v in _SUBRESOURCES.items()},
        "to": call.to,
        "to_formatted": format_national(call.to),
        "trunk_sid": None,
        "uri": f"{base}.json",
    }


async def list_calls(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    page = parse_page_request(request.url.path, query_items(request))
    filters = list(page.filters)
    plain = dict(filters)
    started = DayRange("StartTime", filters)
    ended = DayRange("EndTime", filters)
    now = emu.clock.now()
    store = emu.store

    def matches(call: Call) -> bool:
        if "To" in plain and call.to != plain["To"]:
            return False
        if "From" in plain and call.from_ != plain["From"]:
            return False
        if "ParentCallSid" in plain and call.parent_sid != plain["ParentCallSid"]:
            return False
        status, start, end, _, _ = call.state_at(now)
        if "Status" in plain and status != plain["Status"]:
            return False
        if started.active and not started.contains(start):
            return False
        return not ended.active or ended.contains(end)

    # Calls are dialled a second after creation: StartTime days map to creation days.
    lo = store.first_day(account)
    if started.lo is not None:
        lo = max(lo, started.lo - 1)
    hi = store.today if started.hi is None else min(store.today, started.hi)
    listing = DayListing(
        rows_of_day=lambda day: store.traffic(account, day).calls,
        by_sid=store.call,
        lo=lo,
        hi=hi,
        now=now,
        predicate=matches,
    )
    return json_response(list_envelope(page, listing, "calls", lambda c: render(c, now)))


async def create_call(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    params = await form_params(request)
    now = emu.clock.now()
    call = created.create_call(account, params, now, emu.config.seed)
    emu.store.add_created(account, call, params)
    return json_response(render(call, now), status=201)


async def fetch_call(request: Request) -> Response:
    emu = emulator(request)
    _, call = owned(request, emu.store.call)
    return json_response(render(call, emu.clock.now()))


ROUTES = [
    Route("/Accounts/{AccountSid}/Calls.json", list_calls, methods=["GET"]),
    Route("/Accounts/{AccountSid}/Calls.json", create_call, methods=["POST"]),
    Route("/Accounts/{AccountSid}/Calls/{Sid}.json", fetch_call),
]
