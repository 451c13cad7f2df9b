"""Verify: one service per account, and the one-time-code attempts sent to its customers."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ..catalog import COUNTRIES, in_currency, money
from ..store import Store
from ..timefmt import DAY
from ..world import Account, make_sid

ATTEMPTS_PER_MESSAGE = 0.08  # verification attempts per message of traffic
_CHANNEL_PRICE = {"sms": "sms_out", "call": "voice_out_min", "whatsapp": "whatsapp"}


@dataclass(frozen=True)
class VerifyService:
    sid: str
    account_sid: str
    friendly_name: str
    created: int


@dataclass(frozen=True)
class Attempt:
    sid: str
    account_sid: str
    service_sid: str
    verification_sid: str
    created: int
    converted_at: int | None  # when the code was checked; None if it never was
    channel: str  # sms | call | whatsapp
    to: str  # a customer's phone number
    country: str
    price: int  # money units, account currency
    currency: str

    def state_at(self, now: int) -> tuple[str, int]:
        """(conversion_status, date_updated) at ``now``."""
        if self.converted_at is not None and now >= self.converted_at:
            return "converted", self.converted_at
        return "unconverted", self.created + 1


def service(seed: int, account: Account) -> VerifyService:
    return VerifyService(
        sid=make_sid("VA", seed, "verify", account.sid),
        account_sid=account.sid,
        friendly_name=f"{account.friendly_name} login",
        created=account.created + 5 * DAY,
    )


def attempts(store: Store, account: Account, day: int) -> list[Attempt]:
    """Attempts created on ``day``, sorted by (created, sid)."""

    def build() -> list[Attempt]:
        world = store.world
        if day < world.history_start_day:
            return []
        index = world.accounts.index(account)
        rng = random.Random(f"{world.seed}:verify:{index}:{day}")
        mean = store.generator.messages_per_day * account.share * ATTEMPTS_PER_MESSAGE
        count = max(0, round(rng.gauss(mean, math.sqrt(mean)))) if mean > 0 else 0
        svc = service(world.seed, account)
        result = []
        for i in range(count):
            customer = rng.choice(account.customers)
            channel = rng.choices(("sms", "call", "whatsapp"), (0.8, 0.1, 0.1))[0]
            created = day * DAY + rng.randrange(DAY)
            converted = created + rng.randint(15, 240) if rng.random() < 0.75 else None
            usd = money(getattr(COUNTRIES[customer.iso_country], _CHANNEL_PRICE[channel]))
            result.append(
                Attempt(
                    sid=make_sid("VL", world.seed, "attempt", index, day, i),
                    account_sid=account.sid,
                    service_sid=svc.sid,
                    verification_sid=make_sid("VE", world.seed, "verification", index, day, i),
                    created=created,
                    converted_at=converted,
                    channel=channel,
                    to=customer.e164,
                    country=customer.iso_country,
                    price=in_currency(usd, account.currency),
                    currency=account.currency,
                )
            )
        result.sort(key=lambda a: (a.created, a.sid))
        return result

    return store.derived("verify-attempts", account, day, build)
