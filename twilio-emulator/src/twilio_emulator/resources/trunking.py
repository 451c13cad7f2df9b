"""Trunking v1 (``/trunking/v1``): Elastic SIP trunks and their origination URLs."""

from __future__ import annotations

from ..apis import PREFIXES
from ..products import trunking
from ..products.trunking import OriginationUrl, Trunk
from ..timefmt import iso_z
from .lists import ProductList, Scope, routes

MOUNT = PREFIXES["trunking"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
SPEC = "twilio_trunking_v1"
_LINKS = {
    "origination_urls": "OriginationUrls",
    "credential_lists": "CredentialLists",
    "ip_access_control_lists": "IpAccessControlLists",
    "phone_numbers": "PhoneNumbers",
}


def _trunk_url(trunk: Trunk, base: str) -> str:
    return f"{base}{API}/Trunks/{trunk.sid}"


def render_trunk(trunk: Trunk, scope: Scope, base: str) -> dict:
    url = _trunk_url(trunk, base)
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


def render_origination_url(origination: OriginationUrl, scope: Scope, base: str) -> dict:
    trunk = origination.trunk
    return {
        "account_sid": trunk.account_sid,
        "date_created": iso_z(origination.created),
        "date_updated": iso_z(origination.created),
        "enabled": origination.enabled,
        "friendly_name": origination.friendly_name,
        "priority": origination.priority,
        "sid": origination.sid,
        "sip_url": origination.sip_url,
        "trunk_sid": trunk.sid,
        "url": f"{_trunk_url(trunk, base)}/OriginationUrls/{origination.sid}",
        "weight": origination.weight,
    }


TRUNKS = ProductList(
    stream="trunks",
    product="trunking",
    version=VERSION,
    path="/Trunks",
    spec=SPEC,
    key="trunks",
    rows=lambda scope: trunking.trunks(scope.seed, scope.account),
    render=render_trunk,
)
ORIGINATION_URLS = ProductList(
    stream="trunk_origination_urls",
    product="trunking",
    version=VERSION,
    path="/Trunks/{TrunkSid}/OriginationUrls",
    spec=SPEC,
    key="origination_urls",
    parent=TRUNKS,
    rows=lambda scope: trunking.origination_urls(scope.seed, scope.parent("TrunkSid")),
    render=render_origination_url,
)

LISTS = (TRUNKS, ORIGINATION_URLS)
ROUTES = routes(LISTS)
