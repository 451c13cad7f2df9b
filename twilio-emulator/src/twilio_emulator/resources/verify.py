"""Verify v2 (``/verify/v2``): services and verification attempts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import PREFIXES
from ..catalog import money_str
from ..errors import bad_request
from ..http import emulator
from ..paging import DEFAULT_PAGE_SIZE, PageRequest
from ..products import verify
from ..products.verify import Attempt, VerifyService
from ..timefmt import iso_z
from .product import InstantRange, account_of, meta_list, page_request

MOUNT = PREFIXES["verify"]
VERSION = "/v2"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
_LINKS = {
    "verification_checks": "VerificationCheck",
    "verifications": "Verifications",
    "rate_limits": "RateLimits",
    "messaging_configurations": "MessagingConfigurations",
    "entities": "Entities",
    "webhooks": "Webhooks",
    "access_tokens": "AccessTokens",
}


def render_service(svc: VerifyService, base: str) -> dict:
    url = f"{base}{API}/Services/{svc.sid}"
    return {
        "account_sid": svc.account_sid,
        "code_length": 6,
        "custom_code_enabled": False,
        "date_created": iso_z(svc.created),
        "date_updated": iso_z(svc.created),
        "default_template_sid": None,
        "do_not_share_warning_enabled": True,
        "dtmf_input_required": True,
        "friendly_name": svc.friendly_name,
        "links": {name: f"{url}/{path}" for name, path in _LINKS.items()},
        "lookup_enabled": False,
        "passkeys": None,
        "psd2_enabled": False,
        "push": {"apn_credential_sid": None, "fcm_credential_sid": None, "include_date": False},
        "sid": svc.sid,
        "skip_sms_to_landlines": False,
        "totp": {"code_length": 6, "issuer": svc.friendly_name, "skew": 1, "time_step": 30},
        "tts_name": None,
        "url": url,
        "verify_event_subscription_enabled": False,
        "whatsapp": {"from": None, "msg_service_sid": None},
    }


def _page(request: Request) -> PageRequest:
    """Verify's own page-size maximum, when played: 25, error 60373 above it (and a default
    page within it, so that the next_page_url a client follows stays valid)."""
    limit = emulator(request).config.verify_page_size_limit
    if limit is None:
        return page_request(request)
    return page_request(
        request,
        limit,
        default_page_size=min(DEFAULT_PAGE_SIZE, limit),
        too_large=bad_request(60373, "Invalid page size"),
    )


async def list_services(request: Request) -> Response:
    emu = emulator(request)
    account = account_of(request)
    page = _page(request)
    return meta_list(
        request,
        page,
        [verify.service(emu.world.seed, account)],
        "services",
        render_service,
        key=lambda s: (s.created, s.sid),
    )


def render_attempt(attempt: Attempt, now: int, base: str) -> dict:
    status, updated = attempt.state_at(now)
    channel_data = {
        "code_length": 6,
        "country": attempt.country,
        "locale": "en",
        "status": "approved" if status == "converted" else "pending",
        "to": attempt.to,
        "verification_sid": attempt.verification_sid,
    }
    if attempt.channel == "sms":
        channel_data["message_status"] = "delivered"
    return {
        "account_sid": attempt.account_sid,
        "channel": attempt.channel,
        "channel_data": channel_data,
        "conversion_status": status,
        "date_created": iso_z(attempt.created),
        "date_updated": iso_z(updated),
        "price": {"currency": attempt.currency.lower(), "value": money_str(attempt.price)},
        "service_sid": attempt.service_sid,
        "sid": attempt.sid,
        "url": f"{base}{API}/Attempts/{attempt.sid}",
        "verification_sid": attempt.verification_sid,
    }


async def list_attempts(request: Request) -> Response:
    """Filters: ``DateCreatedAfter``/``DateCreatedBefore`` (inclusive instants), ``Channel``,
    ``Country``, ``Status``, ``VerifyServiceSid``, ``VerificationSid``, ``ChannelData.To``."""
    emu = emulator(request)
    account = account_of(request)
    page = _page(request)
    filters = dict(page.filters)
    window = InstantRange(filters, "DateCreatedAfter", "DateCreatedBefore")
    now = emu.clock.now()
    store = emu.store
    plain = {
        "Channel": lambda a: a.channel,
        "Country": lambda a: a.country,
        "Status": lambda a: a.state_at(now)[0],
        "VerifyServiceSid": lambda a: a.service_sid,
        "VerificationSid": lambda a: a.verification_sid,
        "ChannelData.To": lambda a: a.to,
    }
    rows = [
        a
        for day in window.days(store.first_day(account), store.today)
        for a in verify.attempts(store, account, day)
        if a.created <= now
        and window.contains(a.created)
        and all(get(a) == filters[name] for name, get in plain.items() if name in filters)
    ]
    return meta_list(
        request,
        page,
        rows,
        "attempts",
        lambda a, base: render_attempt(a, now, base),
        key=lambda a: (a.created, a.sid),
    )


ROUTES = [
    Route(f"{VERSION}/Services", list_services),
    Route(f"{VERSION}/Attempts", list_attempts),
]
