"""Call events (``.../Calls/{CallSid}/Events.json``): the requests Twilio made to the
app during a call and what the app answered, oldest first (see ``voice.call_events``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010
from ..http import emulator, json_response, owned, query_items
from ..paging import SequenceListing, list_envelope, parse_page_request

MOUNT = API_2010


async def list_events(request: Request) -> Response:
    store = emulator(request).store
    account, call = owned(request, store.call, "CallSid")
    events = list(enumerate(store.call_events(account, call)))
    listing = SequenceListing(
        events, key_fn=lambda e: -e[0], token_fn=lambda e: f"{call.sid}E{e[0]}"
    )
    page = parse_page_request(request.url.path, query_items(request))
    return json_response(list_envelope(page, listing, "events", lambda e: e[1]))


ROUTES = [Route("/Accounts/{AccountSid}/Calls/{CallSid}/Events.json", list_events)]
