"""Elastic SIP Trunking: the main account's office PBX trunk."""

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
