"""Message media (``.../Messages/{MessageSid}/Media.json``, records key ``media_list``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..activity import Message
from ..apis import API_2010
from ..http import emulator, find, json_response, list_response, owned
from ..media import Media
from ..timefmt import rfc2822
from .traffic import DayRange

MOUNT = API_2010


def render(media: Media) -> dict:
    base = f"{API_2010}/Accounts/{media.account_sid}/Messages/{media.message_sid}"
    return {
        "account_sid": media.account_sid,
        "content_type": media.content_type,
        "date_created": rfc2822(media.created),
        "date_updated": rfc2822(media.created),
        "parent_sid": media.message_sid,
        "sid": media.sid,
        "uri": f"{base}/Media/{media.sid}.json",
    }


def _message(request: Request) -> Message:
    return owned(request, emulator(request).store.message, "MessageSid")[1]


async def list_media(request: Request) -> Response:
    message = _message(request)
    created = DayRange("DateCreated", list(request.query_params.multi_items()))
    media = [m for m in emulator(request).store.media(message) if created.contains(m.created)]
    return list_response(request, media, "media_list", render)


async def fetch_media(request: Request) -> Response:
    message = _message(request)
    media = emulator(request).store.media(message)
    return json_response(render(find(media, request.path_params["Sid"], request)))


_BASE = "/Accounts/{AccountSid}/Messages/{MessageSid}/Media"
ROUTES = [Route(f"{_BASE}.json", list_media), Route(f"{_BASE}/{{Sid}}.json", fetch_media)]
