"""What each account has set up in its console: addresses, apps, keys, caller IDs, queues,
short codes and usage triggers.

A pure function of the world (and so of the seed). Addresses follow the
account's numbers: every number whose country requires a local address depends
on the account's address in that country; apps point at the same webhook host
as the call events (``voice.webhook_base``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .timefmt import DAY
from .voice import webhook_base
from .world import PhoneNumber, World, make_sid

# Where each country's business address is: (customer, street, city, region, postal code).
_OFFICES = {
    "US": ("Acme Corp", "1 Market St", "San Francisco", "CA", "94105"),
    "GB": ("Acme Europe Ltd", "10 Finsbury Square", "London", "", "EC2A 1AF"),
    "FR": ("Acme Europe SAS", "8 Rue de Londres", "Paris", "Île-de-France", "75009"),
    "DE": ("Acme Europe GmbH", "Unter den Linden 21", "Berlin", "BE", "10117"),
}


@dataclass(frozen=True)
class Address:
    sid: str
    account_sid: str
    friendly_name: str
    customer_name: str
    street: str
    city: str
    region: str
    postal_code: str
    iso_country: str
    emergency_enabled: bool
    created: int


@dataclass(frozen=True)
class Application:
    sid: str
    account_sid: str
    friendly_name: str
    voice_url: str | None
    sms_url: str | None
    status_callback: str | None
    created: int


@dataclass(frozen=True)
class Key:
    sid: str
    friendly_name: str
    created: int


@dataclass(frozen=True)
class CallerId:
    sid: str
    account_sid: str
    friendly_name: str
    e164: str
    created: int


@dataclass(frozen=True)
class Queue:
    sid: str
    account_sid: str
    friendly_name: str
    max_size: int
    created: int


@dataclass(frozen=True)
class ShortCode:
    sid: str
    account_sid: str
    friendly_name: str
    short_code: str
    sms_url: str
    created: int


@dataclass(frozen=True)
class UsageTrigger:
    sid: str
    account_sid: str
    friendly_name: str
    usage_category: str
    trigger_by: str  # count | usage | price
    trigger_value: str  # as Twilio shows it: "500" (price in the account's currency)
    recurring: str  # daily | monthly | yearly | alltime
    callback_url: str
    created: int


@dataclass
class Provisioning:
    """One account's console setup."""

    addresses: list[Address] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    caller_ids: list[CallerId] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    short_codes: list[ShortCode] = field(default_factory=list)
    usage_triggers: list[UsageTrigger] = field(default_factory=list)

    def address_for(self, number: PhoneNumber) -> Address | None:
        """The address a number depends on: its country's, where the country requires one."""
        if not requires_address(number):
            return None
        return next((a for a in self.addresses if a.iso_country == number.iso_country), None)


def requires_address(number: PhoneNumber) -> bool:
    """US numbers need no address; the European mobiles need a local one."""
    return number.iso_country != "US"


# Per account index: (short codes, usage triggers (name, category, by, value, recurring),
# extra API keys, queues).
_PLANS = dict(
    enumerate(
        (
            (
                (("Acme alerts", "72345"),),
                (
                    ("Monthly spend over 500", "totalprice", "price", "500", "monthly"),
                    ("Daily SMS over 100", "sms", "count", "100", "daily"),
                ),
                ("Web app",),
                ("support", "sales"),
            ),
            (
                (),
                (("Monthly spend over 300", "totalprice", "price", "300", "monthly"),),
                (),
                ("support",),
            ),
            (
                (("Acme deals", "89012"),),
                (("Yearly MMS over 5000", "mms", "count", "5000", "yearly"),),
                ("Campaign tool",),
                ("support",),
            ),
        )
    )
)
# Accounts added later (the one closed part-way): a queue, nothing else.
_NO_PLAN: tuple = ((), (), (), ("support",))


def build_provisioning(world: World) -> dict[str, Provisioning]:
    """Each account's setup, keyed by account SID."""
    seed = world.seed
    result: dict[str, Provisioning] = {}
    for account in world.accounts:
        index = account.index
        setup = Provisioning()
        if account.status != "active":  # closed or suspended before the history: nothing
            result[account.sid] = setup
            continue
        short_codes, triggers, key_names, queues = _PLANS.get(index, _NO_PLAN)
        base = webhook_base(account)
        day0 = account.created
        countries = sorted({n.iso_country for n in account.numbers})
        for n, iso in enumerate(countries):
            customer, street, city, region, postal = _OFFICES[iso]
            setup.addresses.append(
                Address(
                    sid=make_sid("AD", seed, "address", index, iso),
                    account_sid=account.sid,
                    friendly_name=f"{city} office",
                    customer_name=customer,
                    street=street,
                    city=city,
                    region=region,
                    postal_code=postal,
                    iso_country=iso,
                    emergency_enabled=iso == "US",
                    created=day0 + (n + 1) * DAY,
                )
            )
        setup.applications += [
            Application(
                sid=make_sid("AP", seed, "app", index, 0),
                account_sid=account.sid,
                friendly_name=f"{account.friendly_name} voice and SMS",
                voice_url=f"{base}/voice/incoming",
                sms_url=f"{base}/sms/incoming",
                status_callback=f"{base}/voice/status",
                created=day0 + 2 * DAY,
            ),
            Application(
                sid=make_sid("AP", seed, "app", index, 1),
                account_sid=account.sid,
                friendly_name=f"{account.friendly_name} outbound",
                voice_url=f"{base}/voice/outbound",
                sms_url=None,
                status_callback=f"{base}/voice/status",
                created=day0 + 5 * DAY,
            ),
        ]
        setup.keys += [
            Key(sid=k.sid, friendly_name=k.friendly_name, created=k.created)
            for k in world.api_keys
            if k.account_sid == account.sid
        ]
        setup.keys += [
            Key(make_sid("SK", seed, "extra-key", index, n), name, day0 + (20 + n) * DAY)
            for n, name in enumerate(key_names)
        ]
        if account.is_main:
            setup.caller_ids += [
                CallerId(
                    sid=make_sid("PN", seed, "caller-id", index, n),
                    account_sid=account.sid,
                    friendly_name=f"Agent desk {n + 1}",
                    e164=agent,
                    created=day0 + (7 + n) * DAY,
                )
                for n, agent in enumerate(world.agent_numbers)
            ]
        setup.queues += [
            Queue(make_sid("QU", seed, "queue", index, n), account.sid, name, 100, day0 + 3 * DAY)
            for n, name in enumerate(queues)
        ]
        setup.short_codes += [
            ShortCode(
                sid=make_sid("SC", seed, "short-code", index, n),
                account_sid=account.sid,
                friendly_name=name,
                short_code=code,
                sms_url=f"{base}/sms/short-code",
                created=day0 + (30 + n) * DAY,
            )
            for n, (name, code) in enumerate(short_codes)
        ]
        setup.usage_triggers += [
            UsageTrigger(
                sid=make_sid("UT", seed, "trigger", index, n),
                account_sid=account.sid,
                friendly_name=name,
                usage_category=category,
                trigger_by=by,
                trigger_value=value,
                recurring=recurring,
                callback_url=f"{base}/usage/alert",
                created=day0 + (40 + n) * DAY,
            )
            for n, (name, category, by, value, recurring) in enumerate(triggers)
        ]
        result[account.sid] = setup
    return result
