"""Messages (``/2010-04-01/Accounts/{AccountSid}/Messages.json``): list, create, fetch, update.

Update (``POST .../Messages/{Sid}.json``) cancels a scheduled message
(``Status=canceled``; Twilio's error 30409 once it is past ``scheduled``) or
redacts its body (``Body=``), as the spec's two examples show.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import created
from ..activity import Message, error_message
from ..apis import API_2010, API_VERSION
from ..catalog import money_str
from ..errors import TwilioError, bad_request
from ..http import account_for, emulator, form_params, json_response, owned, query_items
from ..paging import list_envelope, parse_page_request
from ..timefmt import rfc2822
from .message_list import message_listing
from .traffic import DayRange

MOUNT = API_2010
NOT_CANCELABLE = (30409, "This message cannot be canceled")


def render(message: Message, now: int) -> dict:
    status, sent, updated, priced = message.state_at(now)
    final = status == message.final_status
    error = message.error_code if final else None
    base = f"{API_2010}/Accounts/{message.account_sid}/Messages/{message.sid}"
    return {
        "account_sid": message.account_sid,
        "api_version": API_VERSION,
        "body": message.body_at(now),
        "date_created": rfc2822(message.created),
        "date_sent": rfc2822(sent),
        "date_updated": rfc2822(updated),
        "direction": message.direction,
        "error_code": error,
        "error_message": error_message(error),
        "from": message.sender_at(now),
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(message.num_media),
        # Sends through a Messaging Service show 0 segments until a sender is picked.
        "num_segments": "0" if status == "accepted" else str(message.num_segments),
        "price": money_str(message.price, negative=True) if priced else None,
        "price_unit": message.currency,
        "sid": message.sid,
        "status": status,
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "to": message.to,
        "uri": f"{base}.json",
    }


async def list_messages(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    page = parse_page_request(request.url.path, query_items(request))
    filters = list(page.filters)
    sent = DayRange("DateSent", filters)
    to = dict(filters).get("To")
    from_ = dict(filters).get("From")
    now = emu.clock.now()

    def matches(message: Message) -> bool:
        if to is not None and message.to != to:
            return False
        return from_ is None or message.sender_at(now) == from_

    order = emu.config.undated_order
    listing = message_listing(emu.store, account, now, order=order, sent=sent, matches=matches)
    return json_response(list_envelope(page, listing, "messages", lambda m: render(m, now)))


async def create_message(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    params = await form_params(request)
    now = emu.clock.now()
    message = created.create_message(account, params, now, emu.config.seed)
    emu.store.add_created(account, message, params)
    return json_response(render(message, now), status=201)


async def fetch_message(request: Request) -> Response:
    emu = emulator(request)
    _, message = owned(request, emu.store.message)
    return json_response(render(message, emu.clock.now()))


async def update_message(request: Request) -> Response:
    """``Status=canceled`` cancels a scheduled message; ``Body=`` (empty) redacts the body."""
    emu = emulator(request)
    _, message = owned(request, emu.store.message)
    params = await form_params(request)
    now = emu.clock.now()
    if "Status" in params:
        if params["Status"] != "canceled":
            raise bad_request(20001, f"Invalid Status value: {params['Status']}")
        if message.state_at(now)[0] != "scheduled":
            raise bad_request(*NOT_CANCELABLE)
        emu.store.cancel(message, now)
    elif "Body" in params:
        if params["Body"] != "":
            raise bad_request(20001, "A message body can only be redacted: Body must be empty")
        emu.store.redact(message, now)
    else:
        raise TwilioError(400, 20001, "Nothing to update: give Status=canceled or Body=")
    return json_response(render(message, now))


ROUTES = [
    Route("/Accounts/{AccountSid}/Messages.json", list_messages, methods=["GET"]),
    Route("/Accounts/{AccountSid}/Messages.json", create_message, methods=["POST"]),
    Route("/Accounts/{AccountSid}/Messages/{Sid}.json", fetch_message, methods=["GET"]),
    Route("/Accounts/{AccountSid}/Messages/{Sid}.json", update_message, methods=["POST"]),
]
