"""Monitor v1 (``/monitor/v1``): Alerts and Events (the audit log)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010, API_VERSION, PREFIXES
from ..errors import TwilioError, bad_request
from ..http import emulator
from ..products import monitor
from ..products.monitor import Alert, AuditEvent
from ..timefmt import iso_z
from .product import InstantRange, account_of, meta_list, page_request

MOUNT = PREFIXES["monitor"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry


def render_alert(alert: Alert, base: str) -> dict:
    kind = "Calls" if alert.resource_sid.startswith("CA") else "Messages"
    return {
        "account_sid": alert.account_sid,
        "alert_text": urlencode(
            [("Msg", alert.text), ("ErrorCode", alert.error_code), ("LogLevel", alert.log_level)]
        ),
        "api_version": API_VERSION,
        "date_created": iso_z(alert.created),
        "date_generated": iso_z(alert.generated),
        "date_updated": iso_z(alert.created),
        "error_code": str(alert.error_code),
        "log_level": alert.log_level,
        "more_info": f"https://www.twilio.com/docs/errors/{alert.error_code}",
        # The API request that created the failing message or call.
        "request_method": "POST",
        "request_url": f"{base}{API_2010}/Accounts/{alert.account_sid}/{kind}.json",
        "resource_sid": alert.resource_sid,
        "service_sid": alert.service_sid,
        "sid": alert.sid,
        "url": f"{base}{API}/Alerts/{alert.sid}",
    }


async def list_alerts(request: Request) -> Response:
    """Filters: ``LogLevel``, ``StartDate``/``EndDate`` on ``date_generated``, both inclusive."""
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request)
    filters = dict(page.filters)
    now = emu.clock.now()
    floor = monitor.alert_floor(now)
    window = InstantRange(filters, "StartDate", "EndDate")
    if window.lo is not None and window.lo < floor:
        raise bad_request(20001, "Queries for alerts older than 30 days are not supported")
    level = filters.get("LogLevel")
    rows = [
        alert
        for day in window.days(floor // 86_400, emu.store.today)
        for alert in monitor.alerts(emu.store, account, day)
        if alert.created <= now
        and window.contains(alert.generated)
        and (level is None or alert.log_level == level)
    ]
    cap = emu.config.alerts_cap
    return meta_list(
        request,
        page,
        rows,
        "alerts",
        render_alert,
        key=lambda a: (a.generated, a.sid),
        cap=None if cap is None else (cap, emu.config.alerts_cap_mode, _cap_error(cap)),
    )


def _cap_error(cap: int) -> TwilioError:
    """Past the cap, in ``error`` mode. Twilio documents the cap, not its error: a guess."""
    return bad_request(
        20001,
        f"Alerts queries return at most {cap:,} results: narrow StartDate and EndDate",
    )


def _resource_url(event: AuditEvent, base: str) -> str:
    api = f"{base}{API_2010}/Accounts/{event.account_sid}"
    sid = event.resource_sid
    return {
        "account": api,
        "phone-number": f"{api}/IncomingPhoneNumbers/{sid}.json",
        "api-key": f"{api}/Keys/{sid}.json",
        "messaging-service": f"{base}/messaging/v1/Services/{sid}",
        "verify-service": f"{base}/verify/v2/Services/{sid}",
        "studio-flow": f"{base}/studio/v2/Flows/{sid}",
        "trunk": f"{base}/trunking/v1/Trunks/{sid}",
    }[event.resource_type]


def render_event(event: AuditEvent, base: str) -> dict:
    api = f"{base}{API_2010}/Accounts/{event.account_sid}"
    return {
        "account_sid": event.account_sid,
        "actor_sid": event.actor_sid,
        "actor_type": "user",
        "description": None,
        "event_data": event.data,
        "event_date": iso_z(event.date),
        "event_type": event.event_type,
        "links": {"actor": api, "resource": _resource_url(event, base)},
        "resource_sid": event.resource_sid,
        "resource_type": event.resource_type,
        "sid": event.sid,
        "source": "web",
        "source_ip_address": event.source_ip,
        "url": f"{base}{API}/Events/{event.sid}",
    }


async def list_events(request: Request) -> Response:
    """Filters: ``ActorSid``, ``EventType``, ``ResourceSid``, ``SourceIpAddress``, dates."""
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request)
    filters = dict(page.filters)
    window = InstantRange(filters, "StartDate", "EndDate")
    now = emu.clock.now()
    plain = {
        "ActorSid": "actor_sid",
        "EventType": "event_type",
        "ResourceSid": "resource_sid",
        "SourceIpAddress": "source_ip",
    }
    rows = [
        event
        for event in monitor.audit_log(emu.world, account)
        if event.date <= now
        and window.contains(event.date)
        and all(
            getattr(event, attr) == filters[name] for name, attr in plain.items() if name in filters
        )
    ]
    return meta_list(
        request,
        page,
        rows,
        "events",
        render_event,
        key=lambda e: (e.date, e.sid),
    )


ROUTES = [
    Route(f"{VERSION}/Alerts", list_alerts),
    Route(f"{VERSION}/Events", list_events),
]
