"""Conferences (``.../Conferences.json``) and their live participants
(``.../Conferences/{ConferenceSid}/Participants.json``).

From 2026-09-30 Twilio lists only ``in-progress`` conferences unless ``Status`` is
given (its changelog of 2026-07-08, "Conference list endpoint rollout extended",
moved the switch from 2026-07-13); the emulator follows its clock. Participants are
listed only while connected to a conference that has not ended: Twilio keeps no
participant history.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010, API_VERSION
from ..errors import bad_request, not_found
from ..http import account_for, emulator, is_true, json_response, owned, query_items
from ..paging import SequenceListing, list_envelope, parse_page_request
from ..timefmt import date_to_day, rfc2822
from ..voice import Conference, Participant
from .traffic import DayListing, DayRange

MOUNT = API_2010
STATUSES = ("init", "in-progress", "completed")
IN_PROGRESS_BY_DEFAULT_FROM = date_to_day(dt.date(2026, 9, 30))


def render(conference: Conference, now: int) -> dict:
    status, updated = conference.state_at(now)
    ended = status == "completed"
    base = f"{API_2010}/Accounts/{conference.account_sid}/Conferences/{conference.sid}"
    return {
        "account_sid": conference.account_sid,
        "api_version": API_VERSION,
        "call_sid_ending_conference": conference.customer.sid if ended else None,
        "date_created": rfc2822(conference.created),
        "date_updated": rfc2822(updated),
        "friendly_name": conference.friendly_name,
        "reason_conference_ended": (
            "participant-with-end-conference-on-exit-left" if ended else None
        ),
        "region": conference.region,
        "sid": conference.sid,
        "status": status,
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "uri": f"{base}.json",
    }


async def list_conferences(request: Request) -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    page = parse_page_request(request.url.path, query_items(request))
    filters = list(page.filters)
    plain = dict(filters)
    created = DayRange("DateCreated", filters, date_only=True)
    updated = DayRange("DateUpdated", filters, date_only=True)
    store = emu.store
    status = plain.get("Status")
    if status is not None and status not in STATUSES:
        raise bad_request(20001, f"Invalid Status value: {status}")
    if status is None and store.today >= IN_PROGRESS_BY_DEFAULT_FROM:
        status = "in-progress"
    now = emu.clock.now()

    def matches(conference: Conference) -> bool:
        state, changed = conference.state_at(now)
        if status is not None and state != status:
            return False
        if "FriendlyName" in plain and conference.friendly_name != plain["FriendlyName"]:
            return False
        if created.active and not created.contains(conference.created):
            return False
        return not updated.active or updated.contains(changed)

    # A conference lasts at most a couple of hours: it was created on its update day
    # or the day before.
    lo = store.first_day(account)
    for bound in (created.lo, None if updated.lo is None else updated.lo - 1):
        lo = lo if bound is None else max(lo, bound)
    hi = store.today
    for bound in (created.hi, updated.hi):
        hi = hi if bound is None else min(hi, bound)
    listing = DayListing(
        rows_of_day=lambda day: store.voice(account, day).conferences,
        by_sid=store.conference,
        lo=lo,
        hi=hi,
        now=now,
        predicate=matches,
    )
    return json_response(list_envelope(page, listing, "conferences", lambda c: render(c, now)))


def _conference(request: Request) -> Conference:
    return owned(request, emulator(request).store.conference, "ConferenceSid")[1]


async def fetch_conference(request: Request) -> Response:
    return json_response(render(_conference(request), emulator(request).clock.now()))


def render_participant(participant: Participant) -> dict:
    conference = participant.conference
    base = f"{API_2010}/Accounts/{conference.account_sid}/Conferences/{conference.sid}"
    return {
        "account_sid": conference.account_sid,
        "call_sid": participant.call.sid,
        "call_sid_to_coach": None,
        "coaching": False,
        "conference_sid": conference.sid,
        "date_created": rfc2822(participant.created),
        "date_updated": rfc2822(participant.updated),
        "end_conference_on_exit": participant.label == "customer",
        "hold": False,
        "label": participant.label,
        "muted": False,
        "queue_time": None,
        "start_conference_on_enter": participant.label == "agent",
        "status": participant.status,
        "uri": f"{base}/Participants/{participant.call.sid}.json",
    }


_FLAGS = {"Muted": "muted", "Hold": "hold", "Coaching": "coaching"}


async def list_participants(request: Request) -> Response:
    conference = _conference(request)
    page = parse_page_request(request.url.path, query_items(request))
    rows = conference.participants_at(emulator(request).clock.now())
    for name, value in page.filters:
        if name in _FLAGS:  # no emulated participant is muted, on hold or coaching
            rows = [p for p in rows if render_participant(p)[_FLAGS[name]] == is_true(value)]
    rows.sort(key=lambda p: (p.created, p.call.sid), reverse=True)
    listing = SequenceListing(
        rows, key_fn=lambda p: (p.created, p.call.sid), token_fn=lambda p: p.call.sid
    )
    return json_response(list_envelope(page, listing, "participants", render_participant))


async def fetch_participant(request: Request) -> Response:
    conference = _conference(request)
    for participant in conference.participants_at(emulator(request).clock.now()):
        if participant.call.sid == request.path_params["CallSid"]:
            return json_response(render_participant(participant))
    raise not_found(request.url.path)


_BASE = "/Accounts/{AccountSid}/Conferences"
ROUTES = [
    Route(f"{_BASE}.json", list_conferences),
    Route(f"{_BASE}/{{ConferenceSid}}.json", fetch_conference),
    Route(f"{_BASE}/{{ConferenceSid}}/Participants.json", list_participants),
    Route(f"{_BASE}/{{ConferenceSid}}/Participants/{{CallSid}}.json", fetch_participant),
]
