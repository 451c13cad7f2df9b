"""Messaging Services: the ``MG`` services outbound messages already carry, and their senders."""

from __future__ import annotations

from dataclasses import dataclass

from ..timefmt import DAY
from ..world import Account, PhoneNumber


@dataclass(frozen=True)
class Service:
    sid: str
    account_sid: str
    friendly_name: str
    created: int


@dataclass(frozen=True)
class ServiceNumber:
    """A phone number in a service's sender pool (its SID is the number's ``PN`` SID)."""

    service_sid: str
    number: PhoneNumber
    added: int

    @property
    def sid(self) -> str:
        return self.number.sid


def service(account: Account) -> Service:
    """The account's one Messaging Service, created two days after the account."""
    return Service(
        sid=account.messaging_service_sid,
        account_sid=account.sid,
        friendly_name=f"{account.friendly_name} notifications",
        created=account.created + 2 * DAY + 3600,
    )


def sender_pool(account: Account) -> list[ServiceNumber]:
    """Every number of the account: messages sent through the service leave from any of them."""
    svc = service(account)
    return [ServiceNumber(svc.sid, n, max(n.created, svc.created) + 600) for n in account.numbers]
