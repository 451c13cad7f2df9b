"""Voice Insights v1 (``/insights/v1``): call summaries."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..activity import Call
from ..apis import PREFIXES
from ..catalog import COUNTRIES
from ..errors import bad_request
from ..http import emulator
from ..products import insights
from ..timefmt import DAY, iso_z
from .product import account_of, meta_list, page_request, parse_instant

MOUNT = PREFIXES["insights"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNIT = {"m": 60, "h": 3600, "d": DAY}
# Call direction -> Voice Insights' direction property.
_DIRECTIONS = {
    "inbound": "inbound",
    "outbound-api": "outbound_api",
    "outbound-dial": "outbound_dial",
}


def _endpoint(e164: str, role: str) -> dict:
    iso = next((c.iso for c in COUNTRIES.values() if e164.startswith(c.dial)), "US")
    return {
        role: e164,
        "carrier": insights.carrier(e164),
        "connection": "mobile",
        "country_code": iso,
        "number_prefix": e164[1:5],
    }


def render_summary(call: Call, now: int, base: str) -> dict:
    status = call.final_status
    return {
        "account_sid": call.account_sid,
        "annotation": None,
        "answered_by": call.answered_by or "unknown",
        "attributes": {"conference_participant": False},
        "call_sid": call.sid,
        "call_state": insights.CALL_STATES[status],
        "call_type": "carrier",
        "carrier_edge": {
            "properties": {
                "direction": "inbound" if call.direction == "inbound" else "outbound",
                "edge_location": "ashburn",
                "media_region": "us1",
                "signaling_region": "us1",
            }
        },
        "client_edge": None,
        "connect_duration": call.end - call.answered if call.answered is not None else 0,
        "created_time": iso_z(call.created),
        "duration": call.end - call.start,
        "end_time": iso_z(call.end),
        "from": _endpoint(call.from_, "caller"),
        "processing_state": insights.processing_state(call, now),
        "properties": {
            "direction": _DIRECTIONS[call.direction],
            "disconnected_by": "callee" if call.answered is not None else "caller",
            "last_sip_response_num": 200 if status == "completed" else 487,
            "pdd_ms": 1000 * ((call.answered or call.end) - call.start),
        },
        "sdk_edge": None,
        "sip_edge": None,
        "start_time": iso_z(call.start),
        "tags": [],
        "to": _endpoint(call.to, "callee"),
        "trust": None,
        "url": f"{base}{API}/Voice/{call.sid}/Summary",
    }


def _time(name: str, value: str | None, now: int, default: int, *, upper: bool) -> int:
    """A StartTime/EndTime value: relative (``30m``, ``4h``, ``7d`` ago) or ISO-8601."""
    if value is None:
        return default
    match = _RELATIVE.match(value.strip())
    if match:
        return now - int(match.group(1)) * _UNIT[match.group(2)]
    return parse_instant(name, value, upper=upper)


async def list_summaries(request: Request) -> Response:
    """Calls that started in [StartTime, EndTime] (default: the last 4 hours), newest first.

    Also ``From``, ``To``, ``CallState``, ``Direction`` and ``ProcessingState``.
    """
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request)
    filters = dict(page.filters)
    now = emu.clock.now()
    lo = _time("StartTime", filters.get("StartTime"), now, now - 4 * 3600, upper=False)
    hi = _time("EndTime", filters.get("EndTime"), now, now, upper=True)
    if lo < insights.summary_floor(now):
        raise bad_request(17002, "StartTime cannot be more than 30 days in the past")
    checks = {
        "From": lambda c: c.from_,
        "To": lambda c: c.to,
        "CallState": lambda c: insights.CALL_STATES[c.final_status],
        "Direction": lambda c: _DIRECTIONS[c.direction],
        "ProcessingState": lambda c: insights.processing_state(c, now),
    }
    rows = [
        call
        for day in range(lo // DAY, min(hi, now) // DAY + 1)
        for call in insights.calls_started(emu.store, account, day)
        if lo <= call.start <= hi
        and insights.has_summary(call, now)
        and all(get(call) == filters[name] for name, get in checks.items() if name in filters)
    ]
    return meta_list(
        request,
        page,
        rows,
        "call_summaries",
        lambda c, base: render_summary(c, now, base),
        key=lambda c: (c.start, c.sid),
    )


ROUTES = [Route(f"{VERSION}/Voice/Summaries", list_summaries)]
