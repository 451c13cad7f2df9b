"""Addresses (``.../Addresses.json``) and the numbers that depend on each one
(``.../Addresses/{AddressSid}/DependentPhoneNumbers.json``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010
from ..http import find, is_true, list_response, setup_for
from ..provisioning import Address, Provisioning
from ..timefmt import rfc2822
from ..world import PhoneNumber
from . import console, phone_numbers

MOUNT = API_2010
_FILTERS = {
    "CustomerName": lambda a, v: a.customer_name == v,
    "FriendlyName": lambda a, v: a.friendly_name == v,
    "EmergencyEnabled": lambda a, v: a.emergency_enabled == is_true(v),
    "IsoCountry": lambda a, v: a.iso_country == v,
}
# What a dependent number shows: a subset of the IncomingPhoneNumber it is.
_DEPENDENT_FIELDS = (
    "sid", "account_sid", "friendly_name", "phone_number", "voice_url", "voice_method",
    "voice_fallback_method", "voice_fallback_url", "voice_caller_id_lookup", "date_created",
    "date_updated", "sms_fallback_method", "sms_fallback_url", "sms_method", "sms_url",
    "address_requirements", "capabilities", "status_callback", "status_callback_method",
    "api_version", "sms_application_sid", "voice_application_sid", "trunk_sid",
    "emergency_status", "emergency_address_sid", "uri",
)  # fmt: skip


def render(address: Address, request: Request | None = None) -> dict:
    return {
        "account_sid": address.account_sid,
        "city": address.city,
        "customer_name": address.customer_name,
        "date_created": rfc2822(address.created),
        "date_updated": rfc2822(address.created),
        "emergency_enabled": address.emergency_enabled,
        "friendly_name": address.friendly_name,
        "iso_country": address.iso_country,
        "postal_code": address.postal_code,
        "region": address.region,
        "sid": address.sid,
        "street": address.street,
        "street_secondary": None,
        "uri": f"{API_2010}/Accounts/{address.account_sid}/Addresses/{address.sid}.json",
        "validated": True,
        "verified": address.iso_country != "US",  # verified for regulatory bundles in Europe
    }


def render_dependent(number: PhoneNumber, setup: Provisioning) -> dict:
    full = phone_numbers.render(number, setup)
    return {name: full[name] for name in _DEPENDENT_FIELDS}


async def list_dependent_numbers(request: Request) -> Response:
    account, setup = setup_for(request)
    address = find(setup.addresses, request.path_params["AddressSid"], request)
    dependent = [n for n in account.numbers if setup.address_for(n) == address]
    return list_response(
        request,
        dependent,
        "dependent_phone_numbers",
        lambda n: render_dependent(n, setup),
    )


_BASE = "/Accounts/{AccountSid}/Addresses"
ROUTES = [
    *console.routes(_BASE, "addresses", lambda setup: setup.addresses, render, _FILTERS),
    Route(f"{_BASE}/{{AddressSid}}/DependentPhoneNumbers.json", list_dependent_numbers),
]
