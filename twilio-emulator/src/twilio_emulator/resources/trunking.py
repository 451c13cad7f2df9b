"""Trunking v1 (``/trunking/v1``): Elastic SIP trunks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import PREFIXES
from ..http import emulator
from ..products import trunking
from ..products.trunking import Trunk
from ..timefmt import iso_z
from .product import account_of, meta_list, page_request

MOUNT = PREFIXES["trunking"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
_LINKS = {
    "origination_urls": "OriginationUrls",
    "credential_lists": "CredentialLists",
    "ip_access_control_lists": "IpAccessControlLists",
    "phone_numbers": "PhoneNumbers",
}


def render_trunk(trunk: Trunk, base: str) -> dict:
    url = f"{base}{API}/Trunks/{trunk.sid}"
    return {
        "account_sid": trunk.account_sid,
        "auth_type": "",
        "auth_type_set": [],
        "cnam_lookup_enabled": False,
        "date_created": iso_z(trunk.created),
        "date_updated": iso_z(trunk.created),
        "disaster_recovery_method": "POST",
        "disaster_recovery_url": None,
        "domain_name": trunk.domain_name,
        "friendly_name": trunk.friendly_name,
        "links": {name: f"{url}/{path}" for name, path in _LINKS.items()},
        "recording": {"mode": "do-not-record", "trim": "do-not-trim"},
        "secure": False,
        "sid": trunk.sid,
        "symmetric_rtp_enabled": False,
        "transfer_caller_id": "from-transferee",
        "transfer_mode": "disable-all",
        "url": url,
    }


async def list_trunks(request: Request) -> Response:
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request)
    return meta_list(
        request,
        page,
        trunking.trunks(emu.world.seed, account),
        "trunks",
        render_trunk,
        key=lambda t: (t.created, t.sid),
    )


ROUTES = [Route(f"{VERSION}/Trunks", list_trunks)]
