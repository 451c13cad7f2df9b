"""Transcriptions (``.../Transcriptions.json``): voicemail transcriptions, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010
from ..catalog import MONEY_SCALE
from ..http import account_for, emulator, json_response, list_response, owned, query_items
from ..paging import list_envelope, parse_page_request
from ..timefmt import rfc2822
from ..voice import Transcription
from .traffic import DayListing

MOUNT = API_2010


def render(transcription: Transcription, now: int) -> dict:
    status = transcription.status_at(now)
    done = status != "in-progress"
    account_sid = transcription.account_sid
    return {
        "account_sid": transcription.account_sid,
        "api_version": "2008-08-01",
        "date_created": rfc2822(transcription.created),
        "date_updated": rfc2822(transcription.done_at if done else transcription.created),
        "duration": str(transcription.recording.duration),
        # The spec types this price as a number (recordings' prices are strings).
        "price": -transcription.price / MONEY_SCALE if done else None,
        "price_unit": transcription.recording.currency,
        "recording_sid": transcription.recording.sid,
        "sid": transcription.sid,
        "status": status,
        "transcription_text": transcription.text if status == "completed" else None,
        "type": "fast",
        "uri": f"{API_2010}/Accounts/{account_sid}/Transcriptions/{transcription.sid}.json",
    }


def list_of(request: Request, rows: Iterable[Transcription]) -> Response:
    now = emulator(request).clock.now()
    visible = [t for t in rows if t.created <= now]
    return list_response(request, visible, "transcriptions", lambda t: render(t, now))


async def list_transcriptions(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    page = parse_page_request(request.url.path, query_items(request))
    store = emu.store
    now = emu.clock.now()
    listing = DayListing(
        rows_of_day=lambda day: store.voice(account, day).transcriptions,
        by_sid=store.transcription,
        lo=store.first_day(account),
        hi=store.today,
        now=now,
        predicate=lambda t: True,
    )
    return json_response(list_envelope(page, listing, "transcriptions", lambda t: render(t, now)))


async def fetch_transcription(request: Request) -> Response:
    emu = emulator(request)
    _, transcription = owned(request, emu.store.transcription)
    return json_response(render(transcription, emu.clock.now()))


_BASE = "/Accounts/{AccountSid}/Transcriptions"
ROUTES = [
    Route(f"{_BASE}.json", list_transcriptions),
    Route(f"{_BASE}/{{Sid}}.json", fetch_transcription),
]
