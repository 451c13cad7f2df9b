"""The static world the emulator serves: accounts, their phone numbers and customers.

Everything here is a pure function of the seed and the size options, so the
same command line always yields the same SIDs, numbers and customers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from .catalog import COUNTRIES
from .timefmt import DAY


def make_sid(prefix: str, seed: int, *parts: object) -> str:
    """A Twilio-shaped SID (2 letters + 32 hex) that is stable for (seed, parts)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=16).hexdigest()
    return prefix + digest


def format_national(e164: str) -> str:
    """Display form Twilio uses in ``*_formatted``: ``(305) 141-6799`` for NANP, E.164 otherwise."""
    if e164.startswith("+1") and len(e164) == 12:
        d = e164[2:]
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    return e164


@dataclass(frozen=True)
class PhoneNumber:
    sid: str
    account_sid: str
    e164: str
    iso_country: str
    kind: str  # local | mobile | toll-free
    friendly_name: str
    created: int


@dataclass(frozen=True)
class Customer:
    """Someone the business talks to. ``opted_out_at`` is when they texted STOP, if ever."""

    e164: str
    iso_country: str
    account_sid: str
    weight: float
    opted_out_at: int | None


@dataclass
class Account:
    sid: str
    friendly_name: str
    currency: str
    owner_sid: str
    status: str
    created: int
    share: float  # share of the traffic this account carries
    countries: dict[str, float]  # where its customers live
    auth_token: str
    numbers: list[PhoneNumber] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    messaging_service_sid: str = ""
    index: int = 0  # its place in the plan: seeds its traffic and SIDs, whoever else exists
    closed_at: int | None = None  # closed part-way through: active, with traffic, until then
    balance_served: bool = True  # Balance.json answers ("Child accounts do not contain...")

    @property
    def is_main(self) -> bool:
        return self.sid == self.owner_sid

    def status_at(self, now: int) -> str:
        """``active``, ``suspended`` or ``closed`` at ``now``."""
        if self.closed_at is not None and now >= self.closed_at:
            return "closed"
        return self.status

    def readable_at(self, now: int) -> bool:
        """Its resources answer (a suspended account's 403, a closed one's 404)."""
        return self.status_at(now) == "active"


@dataclass(frozen=True)
class ApiKey:
    sid: str
    secret: str
    account_sid: str
    friendly_name: str
    created: int


@dataclass
class World:
    seed: int
    accounts: list[Account]
    api_keys: list[ApiKey]
    agent_numbers: list[str]
    history_start_day: int

    @property
    def main(self) -> Account:
        return self.accounts[0]

    @property
    def active_accounts(self) -> list[Account]:
        """The accounts active throughout: not closed or suspended before the history,
        nor closed part-way through it (that one has traffic until it closed)."""
        return [a for a in self.accounts if a.status == "active" and a.closed_at is None]

    def account(self, sid: str) -> Account | None:
        for account in self.accounts:
            if account.sid == sid:
                return account
        return None


# (name, currency, traffic share, customer countries, business numbers (country, kind, area))
_ACCOUNT_PLANS = (
    (
        "Acme Corp",
        "USD",
        0.60,
        {"US": 0.70, "CA": 0.10, "MX": 0.10, "BR": 0.05, "GB": 0.05},
        (("US", "local", "415"), ("US", "toll-free", "844"), ("US", "local", "212")),
    ),
    (
        "Acme Europe",
        "EUR",
        0.25,
        {"GB": 0.35, "FR": 0.30, "DE": 0.20, "ES": 0.15},
        (("GB", "mobile", ""), ("FR", "mobile", ""), ("DE", "mobile", "")),
    ),
    (
        "Acme Marketing",
        "USD",
        0.15,
        {"US": 0.80, "CA": 0.10, "IN": 0.10},
        (("US", "local", "650"), ("US", "toll-free", "888")),
    ),
)


# Area codes customers' numbers get in the two NANP countries (+1), so that the
# country of a number can be told from its area code, as it can on real numbers.
# Both tuples have the same length: rng.choice draws the same, whichever is used.
_AREA_CODES = {
    "US": ("212", "305", "312", "415", "512", "617", "702", "206", "646", "718"),
    "CA": ("416", "604", "514", "403", "613", "780", "905", "647", "778", "438"),
}


NO_BALANCE = "Acme Marketing"  # the subaccount whose Balance.json answers 404
CLOSED_INDEX = len(_ACCOUNT_PLANS)  # plan indexes: closed 3, suspended 4, closing 5
# The subaccount closed part-way: what it had, and how far into the history it closed.
_CLOSING = ("Acme Retail", "USD", 0.05, {"US": 0.8, "CA": 0.2}, (("US", "local", "312"),))
CLOSING_AT = 2 / 3


def _buy_numbers(
    rng: random.Random,
    seed: int,
    account: Account,
    numbers: tuple[tuple[str, str, str], ...],
    used_numbers: set[str],
) -> None:
    for n, (iso, kind, area) in enumerate(numbers):
        e164 = _phone(rng, iso, area)
        while e164 in used_numbers:
            e164 = _phone(rng, iso, area)
        used_numbers.add(e164)
        account.numbers.append(
            PhoneNumber(
                sid=make_sid("PN", seed, "number", account.index, n),
                account_sid=account.sid,
                e164=e164,
                iso_country=iso,
                kind=kind,
                friendly_name=format_national(e164),
                created=account.created + (n + 1) * 3 * DAY + rng.randrange(DAY),
            )
        )


def _add_customers(
    rng: random.Random,
    account: Account,
    *,
    customers: int,
    history_start_day: int,
    history_days: int,
    used_numbers: set[str],
) -> None:
    history_span = history_days * DAY
    count = max(5, round(customers * account.share))
    isos = list(account.countries)
    weights = list(account.countries.values())
    for _ in range(count):
        iso = rng.choices(isos, weights)[0]
        e164 = _phone(rng, iso)
        while e164 in used_numbers:
            e164 = _phone(rng, iso)
        used_numbers.add(e164)
        opted_out = rng.random() < 0.03
        account.customers.append(
            Customer(
                e164=e164,
                iso_country=iso,
                account_sid=account.sid,
                weight=rng.paretovariate(1.6),
                opted_out_at=(
                    history_start_day * DAY + rng.randrange(history_span) if opted_out else None
                ),
            )
        )


def _closing(
    seed: int,
    main_sid: str,
    *,
    closes: int | None,
    auth_token: str,
    customers: int,
    history_start_day: int,
    history_days: int,
    used_numbers: set[str],
) -> Account:
    """A subaccount with traffic from the history's start until it closed (``closes``, or
    two thirds into the history)."""
    index = CLOSED_INDEX + 2
    rng = random.Random(f"world:{seed}:closing")
    name, currency, share, countries, numbers = _CLOSING
    closed_day = history_start_day + max(1, round(history_days * CLOSING_AT)) - 1
    closed_at = closes if closes is not None else closed_day * DAY + 13 * 3600
    account = Account(
        sid=make_sid("AC", seed, "account", index),
        friendly_name=name,
        currency=currency,
        owner_sid=main_sid,
        status="active",
        created=(history_start_day - 400 + 30 * index) * DAY + rng.randrange(DAY),
        share=share,
        countries=countries,
        auth_token=make_sid("", seed, "token", index, auth_token),
        messaging_service_sid=make_sid("MG", seed, "service", index),
        index=index,
        closed_at=closed_at,
    )
    _buy_numbers(rng, seed, account, numbers, used_numbers)
    _add_customers(
        rng,
        account,
        customers=customers,
        history_start_day=history_start_day,
        history_days=history_days,
        used_numbers=used_numbers,
    )
    return account


def _phone(rng: random.Random, iso: str, area: str = "") -> str:
    country = COUNTRIES[iso]
    if country.dial == "+1":
        npa = area or rng.choice(_AREA_CODES[iso])
        return f"+1{npa}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    prefix = country.mobile_prefix
    rest = country.national_digits - len(prefix)
    return f"{country.dial}{prefix}{rng.randrange(10 ** (rest - 1), 10**rest)}"


@dataclass(frozen=True)
class Subaccounts:
    """The subaccounts beyond the three active ones, each on unless switched off."""

    closed: bool = True  # closed before the history: listed, its resources answer 404
    suspended: bool = True  # suspended: listed, its resources answer 403 (code 20403)
    closing: bool = True  # closed part-way through the history: traffic until then
    no_balance: bool = True  # one active subaccount whose Balance.json answers 404
    # When the closing one closes: None, two thirds into the history; a number of days,
    # that long after the initial clock (so a test can read it, then watch it close).
    closing_after_days: float | None = None


def build_world(
    *,
    seed: int,
    anchor: int,
    history_days: int,
    customers: int,
    auth_token: str,
    api_key_secret: str,
    subaccounts: Subaccounts | None = None,
) -> World:
    """Build accounts, numbers and customers. ``anchor`` is the emulator's initial clock.

    ``subaccounts`` adds the closed, suspended and closing subaccounts (see below);
    benchmarks leave out the closed one, because some extractors stop at its first 404.
    """
    extra = subaccounts or Subaccounts()
    rng = random.Random(f"world:{seed}")
    anchor_day = anchor // DAY
    history_start_day = anchor_day - history_days + 1
    main_sid = make_sid("AC", seed, "account", 0)
    accounts: list[Account] = []
    used_numbers: set[str] = set()
    for index, (name, currency, share, countries, numbers) in enumerate(_ACCOUNT_PLANS):
        sid = main_sid if index == 0 else make_sid("AC", seed, "account", index)
        created = (history_start_day - 400 + 30 * index) * DAY + rng.randrange(DAY)
        token = auth_token if index == 0 else make_sid("", seed, "token", index, auth_token)
        account = Account(
            sid=sid,
            friendly_name=name,
            currency=currency,
            owner_sid=main_sid,
            status="active",
            created=created,
            share=share,
            countries=countries,
            auth_token=token,
            messaging_service_sid=make_sid("MG", seed, "service", index),
            index=index,
            # The spec: "Child accounts do not contain balance information" (one plays it).
            balance_served=not (extra.no_balance and name == NO_BALANCE),
        )
        _buy_numbers(rng, seed, account, numbers, used_numbers)
        accounts.append(account)

    for account in accounts:
        _add_customers(
            rng,
            account,
            customers=customers,
            history_start_day=history_start_day,
            history_days=history_days,
            used_numbers=used_numbers,
        )

    # The subaccounts below draw nothing from ``rng``, so the other accounts' data is the
    # same with or without them; each keeps its plan index (and so its SIDs) either way.
    def inactive(index: int, name: str, status: str) -> Account:
        return Account(
            sid=make_sid("AC", seed, "account", index),
            friendly_name=name,
            currency="USD",
            owner_sid=main_sid,
            status=status,
            created=(history_start_day - 400 + 30 * index) * DAY + DAY // 2,
            share=0.0,
            countries={},
            auth_token=make_sid("", seed, "token", index, auth_token),
            index=index,
        )

    # Closed before the history began: Twilio still lists it, with status "closed", and
    # answers 404 for its resources.
    if extra.closed:
        accounts.append(inactive(CLOSED_INDEX, "Acme Legacy", "closed"))
    # Suspended (status "suspended" in the list); its resources answer 403, code 20403.
    if extra.suspended:
        accounts.append(inactive(CLOSED_INDEX + 1, "Acme Labs", "suspended"))
    # Closed part-way through the history: traffic until then, 404 from then on.
    if extra.closing:
        accounts.append(
            _closing(
                seed,
                main_sid,
                closes=None
                if extra.closing_after_days is None
                else anchor + int(extra.closing_after_days * DAY),
                auth_token=auth_token,
                customers=customers,
                history_start_day=history_start_day,
                history_days=history_days,
                used_numbers=used_numbers,
            )
        )

    agents = [f"+1415555{n:04d}" for n in rng.sample(range(100, 9999), 4)]
    api_keys = [
        ApiKey(
            sid=make_sid("SK", seed, "key", 0),
            secret=api_key_secret,
            account_sid=main_sid,
            friendly_name="ELT pipeline",
            created=accounts[0].created + 10 * DAY,
        )
    ]
    return World(
        seed=seed,
        accounts=accounts,
        api_keys=api_keys,
        agent_numbers=agents,
        history_start_day=history_start_day,
    )
