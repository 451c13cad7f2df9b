"""Messaging v1 (``/messaging/v1``): Services and their sender pools."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import PREFIXES
from ..errors import not_found
from ..products import messaging
from ..products.messaging import Service, ServiceNumber
from ..timefmt import iso_z
from .product import account_of, meta_list, page_request

MOUNT = PREFIXES["messaging"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
_LINKS = {
    "phone_numbers": "PhoneNumbers",
    "short_codes": "ShortCodes",
    "alpha_senders": "AlphaSenders",
    "messages": "Messages",
    "us_app_to_person": "Compliance/Usa2p",
    "us_app_to_person_usecases": "Compliance/Usa2p/Usecases",
    "channel_senders": "ChannelSenders",
    "destination_alpha_senders": "DestinationAlphaSenders",
}


def render_service(svc: Service, base: str) -> dict:
    url = f"{base}{API}/Services/{svc.sid}"
    return {
        "account_sid": svc.account_sid,
        "area_code_geomatch": True,
        "date_created": iso_z(svc.created),
        "date_updated": iso_z(svc.created),
        "fallback_method": "POST",
        "fallback_to_long_code": True,
        "fallback_url": None,
        "friendly_name": svc.friendly_name,
        "inbound_method": "POST",
        "inbound_request_url": None,
        "links": {name: f"{url}/{path}" for name, path in _LINKS.items()},
        "mms_converter": True,
        "scan_message_content": "inherit",
        "sid": svc.sid,
        "smart_encoding": True,
        "status_callback": None,
        "sticky_sender": True,
        "synchronous_validation": False,
        "url": url,
        "us_app_to_person_registered": False,
        "use_inbound_webhook_on_number": True,
        "usecase": "notifications",
        "validity_period": 14400,
    }


async def list_services(request: Request) -> Response:
    account = account_of(request)
    page = page_request(request)
    return meta_list(
        request,
        page,
        [messaging.service(account)],
        "services",
        render_service,
        key=lambda s: (s.created, s.sid),
    )


def render_number(entry: ServiceNumber, base: str) -> dict:
    number = entry.number
    capabilities = (
        ["MMS", "SMS", "Voice"] if number.iso_country in ("US", "CA") else ["SMS", "Voice"]
    )
    return {
        "account_sid": number.account_sid,
        "capabilities": capabilities,
        "country_code": number.iso_country,
        "date_created": iso_z(entry.added),
        "date_updated": iso_z(entry.added),
        "phone_number": number.e164,
        "service_sid": entry.service_sid,
        "sid": number.sid,
        "url": f"{base}{API}/Services/{entry.service_sid}/PhoneNumbers/{number.sid}",
    }


async def list_service_numbers(request: Request) -> Response:
    account = account_of(request)
    if request.path_params["ServiceSid"] != messaging.service(account).sid:
        raise not_found(request.url.path)
    page = page_request(request)
    return meta_list(
        request,
        page,
        messaging.sender_pool(account),
        "phone_numbers",
        render_number,
        key=lambda n: (n.added, n.sid),
    )


ROUTES = [
    Route(f"{VERSION}/Services", list_services),
    Route(f"{VERSION}/Services/{{ServiceSid}}/PhoneNumbers", list_service_numbers),
]
