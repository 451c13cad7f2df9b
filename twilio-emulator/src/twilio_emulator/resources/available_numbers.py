"""AvailablePhoneNumbers: countries with numbers for sale (``.../AvailablePhoneNumbers.json``)
and the numbers on sale per type (``.../AvailablePhoneNumbers/{CountryCode}/Local.json``...).

As Twilio answers (and the spec's examples show), these lists are not paged: the
body is the records and ``uri`` only.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010
from ..errors import not_found
from ..http import account_for, emulator, json_response, query_items
from ..inventory import COUNTRY_OFFER, TYPE_PATHS, AvailableNumber, offers

MOUNT = API_2010
_KINDS = {path: kind for kind, path in TYPE_PATHS.items()}


def render_country(account_sid: str, iso: str) -> dict:
    name, kinds = COUNTRY_OFFER[iso]
    base = f"{API_2010}/Accounts/{account_sid}/AvailablePhoneNumbers/{iso}"
    return {
        "beta": False,
        "country": name,
        "country_code": iso,
        "subresource_uris": {kind: f"{base}/{TYPE_PATHS[kind]}.json" for kind in kinds},
        "uri": f"{base}.json",
    }


def render_number(number: AvailableNumber) -> dict:
    nanp = number.iso_country in ("US", "CA")
    return {
        "address_requirements": "none" if number.iso_country == "US" else "local",
        "beta": False,
        "capabilities": {
            "mms": nanp and number.kind == "local",
            "sms": number.kind != "toll_free" or nanp,
            "voice": True,
            "fax": False,
        },
        "friendly_name": number.friendly_name,
        "iso_country": number.iso_country,
        "lata": number.lata,
        "latitude": number.latitude,
        "locality": number.locality,
        "longitude": number.longitude,
        "phone_number": number.e164,
        "postal_code": number.postal_code,
        "rate_center": number.rate_center,
        "region": number.region,
    }


async def list_countries(request: Request) -> Response:
    account = account_for(request, request.path_params["AccountSid"])
    countries = [render_country(account.sid, iso) for iso in COUNTRY_OFFER]
    return json_response({"countries": countries, "uri": request.url.path})


async def fetch_country(request: Request) -> Response:
    account = account_for(request, request.path_params["AccountSid"])
    iso = request.path_params["CountryCode"]
    if iso not in COUNTRY_OFFER:
        raise not_found(request.url.path)
    return json_response(render_country(account.sid, iso))


async def list_numbers(request: Request) -> Response:
    account_for(request, request.path_params["AccountSid"])
    iso = request.path_params["CountryCode"]
    kind = _KINDS.get(request.path_params["Type"])
    if kind is None or not offers(iso, kind):
        raise not_found(request.url.path)
    filters = dict(query_items(request))
    numbers = emulator(request).store.available_numbers(iso, kind)
    if "Contains" in filters:
        numbers = [n for n in numbers if filters["Contains"].replace("*", "") in n.e164]
    if "AreaCode" in filters:
        numbers = [n for n in numbers if n.e164.startswith(f"+1{filters['AreaCode']}")]
    return json_response(
        {"available_phone_numbers": [render_number(n) for n in numbers], "uri": request.url.path}
    )


_BASE = "/Accounts/{AccountSid}/AvailablePhoneNumbers"
ROUTES = [
    Route(f"{_BASE}.json", list_countries),
    Route(f"{_BASE}/{{CountryCode}}.json", fetch_country),
    Route(f"{_BASE}/{{CountryCode}}/{{Type}}.json", list_numbers),
]
