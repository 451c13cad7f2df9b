"""Recordings (``.../Recordings.json``): call and conference recordings.

Deleted recordings are listed only with ``IncludeSoftDeleted=true``, with status
``deleted``, for 40 days after deletion (as Twilio keeps their metadata).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010, API_VERSION
from ..catalog import money_str
from ..errors import not_found
from ..http import account_for, emulator, is_true, json_response, owned, query_items
from ..paging import list_envelope, parse_page_request
from ..timefmt import DAY, rfc2822
from ..voice import Recording
from ..world import Account
from . import transcriptions
from .traffic import DayListing, DayRange

MOUNT = API_2010


def render(recording: Recording, now: int, host: str) -> dict:
    status = recording.status_at(now)
    priced = now >= recording.priced_at
    done = status in ("completed", "deleted")
    base = f"{API_2010}/Accounts/{recording.account_sid}/Recordings/{recording.sid}"
    return {
        "account_sid": recording.account_sid,
        "api_version": API_VERSION,
        "call_sid": recording.call_sid,
        "channels": recording.channels,
        "conference_sid": recording.conference_sid,
        "date_created": rfc2822(recording.created),
        "date_updated": rfc2822(recording.updated_at(now)),
        "duration": str(recording.duration) if done or status == "processing" else None,
        "encryption_details": None,
        "error_code": None,
        "media_url": f"{host}{base}",
        "price": money_str(recording.price, negative=True) if priced else None,
        "price_unit": recording.currency,
        "sid": recording.sid,
        "source": recording.source,
        "start_time": rfc2822(recording.created),
        "status": status,
        "subresource_uris": {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
        "uri": f"{base}.json",
    }


def _host(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def list_recordings(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    page = parse_page_request(request.url.path, query_items(request))
    filters = list(page.filters)
    plain = dict(filters)
    created = DayRange("DateCreated", filters)
    deleted_too = is_true(plain.get("IncludeSoftDeleted", "false"))
    now = emu.clock.now()
    store = emu.store

    def matches(recording: Recording) -> bool:
        if not recording.visible(now, include_deleted=deleted_too):
            return False
        if "CallSid" in plain and recording.call_sid != plain["CallSid"]:
            return False
        return "ConferenceSid" not in plain or recording.conference_sid == plain["ConferenceSid"]

    kept = store.retained_from(account)  # older recordings are gone (400 days)
    lo = kept if created.lo is None else max(kept, created.lo)
    hi = store.today if created.hi is None else min(store.today, created.hi)
    listing = DayListing(
        rows_of_day=lambda day: store.voice(account, day).recordings,
        by_sid=store.recording,
        lo=lo,
        hi=hi,
        now=now,
        predicate=matches,
    )
    host = _host(request)
    return json_response(list_envelope(page, listing, "recordings", lambda r: render(r, now, host)))


def _recording(
    request: Request, param: str, *, deleted_too: bool = False
) -> tuple[Account, Recording]:
    """The recording, if visible; a deleted one only if asked (``IncludeSoftDeleted``)."""
    emu = emulator(request)
    account, recording = owned(request, emu.store.recording, param)
    deleted_too = deleted_too or is_true(request.query_params.get("IncludeSoftDeleted", "false"))
    if not recording.visible(emu.clock.now(), include_deleted=deleted_too):
        raise not_found(request.url.path)
    return account, recording


async def fetch_recording(request: Request) -> Response:
    _, recording = _recording(request, "Sid")
    return json_response(render(recording, emulator(request).clock.now(), _host(request)))


async def list_recording_transcriptions(request: Request) -> Response:
    # A deleted recording's transcriptions stay readable while its metadata is kept.
    account, recording = _recording(request, "RecordingSid", deleted_too=True)
    voice = emulator(request).store.voice(account, recording.completed_at // DAY)
    rows = [t for t in voice.transcriptions if t.recording.sid == recording.sid]
    return transcriptions.list_of(request, rows)


_BASE = "/Accounts/{AccountSid}/Recordings"
ROUTES = [
    Route(f"{_BASE}.json", list_recordings),
    Route(f"{_BASE}/{{Sid}}.json", fetch_recording),
    Route(f"{_BASE}/{{RecordingSid}}/Transcriptions.json", list_recording_transcriptions),
]
