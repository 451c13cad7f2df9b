"""Ground truth: what a correct pipeline must reproduce from the API at the current clock.

Counts and sums come straight from the data model, never from rendered
responses, so a bug in rendering or paging shows up as a mismatch downstream.
Amounts are positive decimal strings, per currency, exact to 0.00001. Days are
UTC days where Twilio's usage records set them (usage, spend), and days of the
reporting timezone ``tz`` where an analyst reads them (delivery, days since a
customer's last reply).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from . import behaviours
from .activity import Call, Message
from .billing import balance
from .catalog import USAGE_LEAVES, money_str
from .emulator import Emulator
from .inventory import COUNTRY_OFFER, TYPE_PATHS
from .products.counts import product_counts
from .provisioning import Provisioning
from .resources import LISTS, lists
from .timefmt import DAY, day_iso, iso_z
from .world import Account

CUSTOMER_FACING_CALLS = ("inbound", "outbound-api")
# Outbound statuses that are not an outcome yet: delivery rates leave them out.
PENDING_STATUSES = ("queued", "accepted", "scheduled", "sending")
DELIVERED_STATUSES = ("delivered", "read")
OPT_OUT_KEYWORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE")
OPT_OUT_ERROR = 21610


def product_of_category(category: str) -> str:
    """The spend product a usage leaf belongs to (sms, mms, whatsapp, voice, phone_numbers)."""
    for prefix, product in (
        ("sms", "sms"),
        ("mms", "mms"),
        ("channels-whatsapp", "whatsapp"),
        ("calls", "voice"),
        ("phonenumbers", "phone_numbers"),
    ):
        if category.startswith(prefix):
            return product
    return "other"


def _customer() -> dict:
    return {
        "account_sid": None,
        "country": None,
        "messages": 0,
        "messages_inbound": 0,
        "messages_outbound": 0,
        "outbound_settled": 0,
        "outbound_delivered": 0,
        "calls": 0,
        "calls_inbound": 0,
        "calls_outbound": 0,
        "talk_seconds": 0,
        "spend_units": Counter(),
        "opted_out": False,
        "last_message_status": None,
        "last_reply": None,
    }


def _number() -> dict:
    return {
        "account_sid": None,
        "messages_inbound": 0,
        "messages_outbound": 0,
        "calls_inbound": 0,
        "calls_outbound": 0,
        "talk_seconds": 0,
        "spend_units": defaultdict(Counter),
    }


def compute_truth(emu: Emulator, tz: str = "UTC") -> dict:
    """The truth at the emulator's clock; ``tz`` is the reporting timezone (IANA name)."""
    zone = ZoneInfo(tz)
    now = emu.clock.now()

    def local_date(ts: int) -> dt.date:
        return dt.datetime.fromtimestamp(ts, zone).date()

    accounts: dict[str, dict] = {}
    customers: dict[str, dict] = defaultdict(_customer)
    numbers: dict[str, dict] = defaultdict(_number)
    number_e164 = {n.sid: n.e164 for a in emu.world.accounts for n in a.numbers}
    delivery: dict[tuple[str, str, str, str | None, str], Counter] = defaultdict(Counter)
    delivery_errors: dict[tuple[str, str, str, str | None, str], Counter] = defaultdict(Counter)
    latest_activity = None
    for account in emu.world.accounts:
        # What the API serves: nothing of a closed or suspended account (404, 403).
        readable = account.readable_at(now)
        for owned in account.numbers if readable else ():  # every number, traffic or not
            numbers[owned.e164]["account_sid"] = account.sid
        by_status: Counter[str] = Counter()
        by_direction: Counter[str] = Counter()
        by_channel: Counter[str] = Counter()
        undated: Counter[str] = Counter()  # date_sent null at the clock, per status
        unpriced: Counter[str] = Counter()  # price null at the clock, per status
        spend_by_status: Counter[str] = Counter()
        traffic_daily: dict[str, Counter] = defaultdict(Counter)  # UTC day -> product -> units
        message_spend = 0
        for message in emu.store.messages_desc(account) if readable else ():  # newest first
            status, sent, _, priced = message.state_at(now)
            latest_activity = max(latest_activity or message.created, message.created)
            by_status[status] += 1
            if sent is None:
                undated[status] += 1
            if priced:
                spend_by_status[status] += message.price
            else:
                unpriced[status] += 1
            by_direction[message.direction] += 1
            by_channel[message.channel] += 1
            if priced:
                message_spend += message.price
                # Billed on the UTC day it was sent, as usage records bill it.
                billed = message.created if sent is None else sent
                traffic_daily[day_iso(billed // DAY)][message.channel] += message.price
            _add_message(customers[message.customer], message, status, priced, local_date, now)
            inbound = message.direction == "inbound"
            # Our side, as the API shows it: none until Twilio picks a sender for a
            # scheduled message (and never for one canceled first).
            ours = number_e164[message.number_sid]
            if not inbound and message.sender_at(now) is None:
                ours = None
            if ours is not None:
                number = numbers[ours]
                number["messages_inbound" if inbound else "messages_outbound"] += 1
                if priced:
                    number["spend_units"][message.currency]["messages"] += message.price
            if not inbound:
                key = (
                    local_date(message.created).isoformat(),
                    account.sid,
                    ours,
                    message.customer_country,
                    message.channel,
                )
                delivery[key][status] += 1
                if status == message.final_status and message.error_code is not None:
                    delivery_errors[key][str(message.error_code)] += 1

        call_status: Counter[str] = Counter()
        call_direction: Counter[str] = Counter()
        duration = billed_minutes = call_spend = 0
        for call in emu.store.calls_desc(account) if readable else ():
            status, _, end, _, priced = call.state_at(now)
            latest_activity = max(latest_activity or call.created, call.created)
            call_status[status] += 1
            call_direction[call.direction] += 1
            if end is not None:
                duration += call.duration
                billed_minutes += call.billed_minutes
            if priced:
                call_spend += call.price
                traffic_daily[day_iso(call.created // DAY)]["voice"] += call.price
            _add_call(
                customers[call.customer], numbers[number_e164[call.number_sid]], call, end, priced
            )

        total_messages = sum(by_status.values())
        total_calls = sum(call_status.values())
        accounts[account.sid] = {
            "friendly_name": account.friendly_name,
            "currency": account.currency,
            "status": account.status_at(now),
            "is_main": account.is_main,
            # Whether its resources answer at the clock (not closed, not suspended).
            "readable": readable,
            "closed_at": iso_z(account.closed_at) if account.closed_at is not None else None,
            # Whether Balance.json answers: not for a child account without balance.
            "balance_served": readable and account.balance_served,
            "messages": {
                "total": total_messages,
                "by_status": dict(sorted(by_status.items())),
                "by_direction": dict(sorted(by_direction.items())),
                "by_channel": dict(sorted(by_channel.items())),
                # Scheduled, queued, sending, receiving, canceled, failed before sending.
                "undated": _by_status_counts(undated),
                "unpriced": _by_status_counts(unpriced),
                # In the account's currency; canceled and failed-before-send cost nothing.
                "spend_by_status": {s: money_str(u) for s, u in sorted(spend_by_status.items())},
            },
            "calls": {
                "total": total_calls,
                "by_status": dict(sorted(call_status.items())),
                "by_direction": dict(sorted(call_direction.items())),
                "duration_seconds": duration,
                "billed_minutes": billed_minutes,
            },
            "spend": {
                account.currency: {
                    "messages": money_str(message_spend),
                    "calls": money_str(call_spend),
                    "total": money_str(message_spend + call_spend),
                }
            },
            **(_usage_and_spend(emu, account, traffic_daily) if readable else _NO_USAGE),
            # Records each product API serves this account's own credentials, per stream.
            "products": {
                **product_counts(emu.store, account),
                **lists.counts(LISTS, emu.store, account),
            }
            if readable
            else {},
            **resource_counts(emu, account, readable=readable),
        }
        if account.closed_at is not None:  # what a pipeline could read before it closed
            accounts[account.sid]["history_before_close"] = history_before(emu, account)

    as_of = local_date(latest_activity) if latest_activity is not None else None
    return {
        "clock": iso_z(now),
        # Twilio's real-world behaviours this truth was computed under (as /_emulator/info).
        "behaviours": behaviours.report(emu.config),
        # Records that existed and are gone (or changed) by the clock, with when: what a
        # pipeline may hold from before, for a reconciliation to account for.
        **changes_over_time(emu),
        "reporting_timezone": tz,
        "latest_activity": iso_z(latest_activity),
        "accounts": accounts,
        "customers": {phone: _finish_customer(c, as_of) for phone, c in sorted(customers.items())},
        "numbers": {
            e164: {
                **{k: v for k, v in n.items() if k != "spend_units"},
                "spend": {
                    currency: {kind: money_str(units[kind]) for kind in ("messages", "calls")}
                    for currency, units in sorted(n["spend_units"].items())
                },
            }
            for e164, n in sorted(numbers.items())
        },
        "delivery": [
            {
                "date": key[0],
                "account_sid": key[1],
                "number": key[2],
                "country": key[3],
                "channel": key[4],
                "by_status": dict(sorted(counts.items())),
                "errors": dict(sorted(delivery_errors[key].items())),
            }
            for key, counts in sorted(delivery.items(), key=lambda kv: str(kv[0]))
        ],
        # Per stream, the records of what is the same for every account (Twilio's catalogs).
        "shared": shared_counts(emu),
        # Per stream, when Twilio forgets records: a warehouse keeps more than it serves.
        "forgets": {**FORGETS, **lists.forgotten(LISTS)},
    }


def _add_message(  # noqa: PLR0917  (one message's whole contribution, as read at now)
    customer: dict,
    message: Message,
    status: str,
    priced: bool,
    local_date: Callable[[int], dt.date],
    now: int,
) -> None:
    customer["account_sid"] = message.account_sid
    customer["country"] = message.customer_country
    customer["messages"] += 1
    if customer["last_message_status"] is None:  # messages come newest first
        customer["last_message_status"] = status
    if priced:
        customer["spend_units"][message.currency] += message.price
    if message.direction == "inbound":
        customer["messages_inbound"] += 1
        if customer["last_reply"] is None:
            customer["last_reply"] = local_date(message.created)
        # what the API shows: a STOP whose body was redacted says nothing any more
        if message.body_at(now).strip().upper() in OPT_OUT_KEYWORDS:
            customer["opted_out"] = True
        return
    customer["messages_outbound"] += 1
    if status not in PENDING_STATUSES:
        customer["outbound_settled"] += 1
    if status in DELIVERED_STATUSES:
        customer["outbound_delivered"] += 1
    if status == message.final_status and message.error_code == OPT_OUT_ERROR:
        customer["opted_out"] = True


def _add_call(customer: dict, number: dict, call: Call, end: int | None, priced: bool) -> None:
    """Counts go to customer-facing legs; every leg's price goes to the customer's spend."""
    customer["account_sid"] = call.account_sid
    customer["country"] = call.customer_country
    if priced:
        customer["spend_units"][call.currency] += call.price
        number["spend_units"][call.currency]["calls"] += call.price
    if call.direction not in CUSTOMER_FACING_CALLS:
        return
    inbound = call.direction == "inbound"
    customer["calls"] += 1
    customer["calls_inbound" if inbound else "calls_outbound"] += 1
    number["calls_inbound" if inbound else "calls_outbound"] += 1
    if end is not None:
        customer["talk_seconds"] += call.duration
        number["talk_seconds"] += call.duration


def _finish_customer(customer: dict, as_of: dt.date | None) -> dict:
    last_reply = customer.pop("last_reply")
    units = customer.pop("spend_units")
    return {
        **customer,
        "spend": {currency: money_str(units[currency]) for currency in sorted(units)},
        "days_since_last_reply": (as_of - last_reply).days if last_reply and as_of else None,
    }


def _usage_and_spend(emu: Emulator, account: Account, traffic_daily: dict[str, Counter]) -> dict:
    """Usage records per UTC day and category, and spend per day and product, both
    from usage (what Twilio bills) and from priced messages and calls (traffic)."""
    usage: dict[str, dict] = {}
    spend_daily: dict[str, dict] = {}
    for day in range(emu.world.history_start_day, emu.store.today + 1):
        iso = day_iso(day)
        rows = emu.store.usage_day(account, day)
        usage_day = {
            category: {
                "count": amount.count,
                "usage": money_str(amount.usage) if category == "totalprice" else amount.usage,
                "price": money_str(amount.price),
            }
            for category, amount in sorted(rows.items())
            if amount.count or amount.usage or amount.price
        }
        if usage_day:
            usage[iso] = usage_day
        by_product: Counter[str] = Counter()
        for category in USAGE_LEAVES:
            by_product[product_of_category(category)] += rows[category].price
        traffic = traffic_daily.get(iso, Counter())
        products = {p for p, units in by_product.items() if units} | {
            p for p, units in traffic.items() if units
        }
        if products:
            spend_daily[iso] = {
                product: {
                    "usage": money_str(by_product[product]),
                    "traffic": money_str(traffic[product]),
                }
                for product in sorted(products)
            }
    return {"usage": usage, "spend_daily": spend_daily}


def _by_status_counts(counts: Counter[str]) -> dict:
    return {"total": sum(counts.values()), "by_status": dict(sorted(counts.items()))}


def _by_status(statuses: list[str]) -> dict:
    return {"total": len(statuses), "by_status": dict(sorted(Counter(statuses).items()))}


_NO_USAGE: dict = {"usage": {}, "spend_daily": {}}


def history_before(emu: Emulator, account: Account) -> dict:
    """Messages and calls an account closed part-way through had before it closed."""
    store = emu.store
    days = store.history_days(account)
    return {
        "messages": sum(len(store.traffic(account, day).messages) for day in days),
        "calls": sum(len(store.traffic(account, day).calls) for day in days),
    }


def resource_counts(emu: Emulator, account: Account, *, readable: bool = True) -> dict:
    """How many records each other 2010 list of the account holds at the clock (none for
    an account whose resources do not answer).

    Conferences are counted in every status; participants only while connected
    (Twilio keeps no history of them); recordings include the soft-deleted ones
    still kept; call events count only calls whose events are served already.
    """
    store = emu.store
    now = emu.clock.now()
    setup = store.provisioning[account.sid]
    days = store.history_days(account) if readable else range(0)
    voice = [store.voice(account, day) for day in days]
    conferences = [c for v in voice for c in v.conferences if c.created <= now]
    recordings = [
        r
        for v in voice
        for r in v.recordings
        if r.visible(now, include_deleted=True) and store.kept(account, r.created)
    ]
    transcriptions = [t for v in voice for t in v.transcriptions if t.created <= now]
    if not readable:
        setup = Provisioning()
    served = readable and account.balance_served
    left = balance(store, account) if served else 0
    messages = store.messages_desc(account) if readable else ()
    calls = store.calls_desc(account) if readable else ()
    return {
        # Empty when Balance.json does not answer (no balance information, or 404/403).
        "balance": {account.currency: ("-" if left < 0 else "") + money_str(abs(left))}
        if served
        else {},
        "addresses": len(setup.addresses),
        "dependent_phone_numbers": sum(
            1 for n in account.numbers if setup.address_for(n) is not None
        ),
        "applications": len(setup.applications),
        "keys": len(setup.keys),
        "outgoing_caller_ids": len(setup.caller_ids),
        "queues": len(setup.queues),
        "short_codes": len(setup.short_codes),
        "usage_triggers": len(setup.usage_triggers),
        "message_media": sum(m.num_media for m in messages),
        "call_events": sum(len(store.call_events(account, c)) for c in calls),
        "conferences": _by_status([c.state_at(now)[0] for c in conferences]),
        "conference_participants": sum(len(c.participants_at(now)) for c in conferences),
        "recordings": _by_status([r.status_at(now) for r in recordings]),
        "transcriptions": _by_status([t.status_at(now) for t in transcriptions]),
    }


# The 2010 and product streams whose records Twilio forgets (lists declared as data
# say so in their declaration).
FORGETS = {
    "alerts": "30 days after it was generated",
    "call_summaries": "30 days after the call started",
    "recordings": "40 days after it was deleted",
}


def shared_counts(emu: Emulator) -> dict[str, int]:
    """Per tap-twilio stream, the records of Twilio's catalogs (the same for every account):
    the numbers on sale today (countries, and numbers per type) and the declared lists."""
    counts = {"available_phone_number_countries": len(COUNTRY_OFFER)}
    for kind in TYPE_PATHS:
        counts[f"available_phone_numbers_{kind}"] = sum(
            len(emu.store.available_numbers(iso, kind)) for iso in COUNTRY_OFFER
        )
    return {**counts, **lists.shared_counts(LISTS, emu.store)}


def changes_over_time(emu: Emulator) -> dict[str, list[dict]]:
    """Deletions (messages, recordings) and body redactions that happened by the clock,
    oldest first: ``{"kind", "sid", "account_sid", "deleted_at"}`` and
    ``{"sid", "account_sid", "redacted_at"}``."""
    store, now = emu.store, emu.clock.now()
    deletions: list[tuple[int, str, str, str]] = []
    redactions: list[tuple[int, str, str]] = []
    for account in emu.world.accounts:
        for day in store.history_days(account):
            for m in store.traffic(account, day).messages:
                if m.created > now:
                    continue
                if m.deleted_at is not None and m.deleted_at <= now:
                    deletions.append((m.deleted_at, "message", m.sid, account.sid))
                elif m.redacted_at is not None and m.redacted_at <= now:
                    redactions.append((m.redacted_at, m.sid, account.sid))
            for r in store.voice(account, day).recordings:
                if r.created <= now and r.deleted_at is not None and r.deleted_at <= now:
                    deletions.append((r.deleted_at, "recording", r.sid, account.sid))
    return {
        "deletions": [
            {"kind": kind, "sid": sid, "account_sid": account, "deleted_at": iso_z(at)}
            for at, kind, sid, account in sorted(deletions)
        ],
        "redactions": [
            {"sid": sid, "account_sid": account, "redacted_at": iso_z(at)}
            for at, sid, account in sorted(redactions)
        ],
    }
