"""Elastic SIP Trunking: the main account's office PBX trunk and where its calls go."""

from __future__ import annotations

from dataclasses import dataclass

from ..timefmt import DAY
from ..world import Account, make_sid


@dataclass(frozen=True)
class Trunk:
    sid: str
    account_sid: str
    friendly_name: str
    domain_name: str
    created: int


@dataclass(frozen=True)
class OriginationUrl:
    """A SIP URI Twilio sends the trunk's inbound calls to: the lowest ``priority`` first,
    shared by ``weight`` among equals (Twilio's Origination URL resource)."""

    sid: str
    trunk: Trunk
    friendly_name: str
    sip_url: str
    priority: int
    weight: int
    enabled: bool
    created: int


def trunks(seed: int, account: Account) -> list[Trunk]:
    """One trunk, on the main account only (subaccounts have none)."""
    if not account.is_main:
        return []
    slug = account.friendly_name.lower().replace(" ", "-")
    return [
        Trunk(
            sid=make_sid("TK", seed, "trunk", account.sid),
            account_sid=account.sid,
            friendly_name="Office PBX",
            domain_name=f"{slug}-pbx.pstn.twilio.com",
            created=account.created + 20 * DAY,
        )
    ]


# (name, host, priority, weight, enabled): the office PBX, then a disabled spare.
_ORIGINATIONS = (
    ("Office PBX primary", "pbx1", 10, 10, True),
    ("Office PBX backup", "pbx2", 20, 10, True),
    ("Old PBX (retired)", "pbx0", 30, 10, False),
)


def origination_urls(seed: int, trunk: Trunk) -> list[OriginationUrl]:
    """The trunk's origination URLs, created with it (a retired one left disabled)."""
    host = trunk.domain_name.split(".", 1)[0].removesuffix("-pbx")
    return [
        OriginationUrl(
            sid=make_sid("OU", seed, "origination", trunk.sid, name),
            trunk=trunk,
            friendly_name=name,
            sip_url=f"sip:{pbx}.{host}.example.com:5060",
            priority=priority,
            weight=weight,
            enabled=enabled,
            created=trunk.created + i * 60,
        )
        for i, (name, pbx, priority, weight, enabled) in enumerate(_ORIGINATIONS)
    ]
