"""Ground truth: what a correct pipeline must reproduce from the API at the current clock.

Counts and sums come straight from the data model, never from rendered
responses, so a bug in rendering or paging shows up as a mismatch downstream.
Amounts are positive decimal strings, per currency, exact to 0.00001.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .billing import balance
from .catalog import money_str
from .emulator import Emulator
from .inventory import COUNTRY_OFFER, TYPE_PATHS
from .timefmt import iso_z
from .world import Account

CUSTOMER_FACING_CALLS = ("inbound", "outbound-api")


def compute_truth(emu: Emulator) -> dict:
    now = emu.clock.now()
    accounts: dict[str, dict] = {}
    customers: dict[str, dict] = defaultdict(
        lambda: {
            "account_sid": None,
            "messages": 0,
            "messages_inbound": 0,
            "messages_outbound": 0,
            "calls": 0,
            "calls_inbound": 0,
            "calls_outbound": 0,
            "talk_seconds": 0,
        }
    )
    for account in emu.world.accounts:
        by_status: Counter[str] = Counter()
        by_direction: Counter[str] = Counter()
        by_channel: Counter[str] = Counter()
        message_spend = 0
        for message in emu.store.messages_desc(account):
            status, _, _, priced = message.state_at(now)
            by_status[status] += 1
            by_direction[message.direction] += 1
            by_channel[message.channel] += 1
            if priced:
                message_spend += message.price
            customer = customers[message.customer]
            customer["account_sid"] = account.sid
            customer["messages"] += 1
            inbound = message.direction == "inbound"
            customer["messages_inbound" if inbound else "messages_outbound"] += 1

        call_status: Counter[str] = Counter()
        call_direction: Counter[str] = Counter()
        duration = billed_minutes = call_spend = 0
        for call in emu.store.calls_desc(account):
            status, _, end, _, priced = call.state_at(now)
            call_status[status] += 1
            call_direction[call.direction] += 1
            if end is not None:
                duration += call.duration
                billed_minutes += call.billed_minutes
            if priced:
                call_spend += call.price
            if call.direction in CUSTOMER_FACING_CALLS:
                customer = customers[call.customer]
                customer["account_sid"] = account.sid
                customer["calls"] += 1
                inbound = call.direction == "inbound"
                customer["calls_inbound" if inbound else "calls_outbound"] += 1
                if end is not None:
                    customer["talk_seconds"] += call.duration

        total_messages = sum(by_status.values())
        total_calls = sum(call_status.values())
        accounts[account.sid] = {
            "friendly_name": account.friendly_name,
            "currency": account.currency,
            "status": account.status,
            "is_main": account.is_main,
            "messages": {
                "total": total_messages,
                "by_status": dict(sorted(by_status.items())),
                "by_direction": dict(sorted(by_direction.items())),
                "by_channel": dict(sorted(by_channel.items())),
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
            **resource_counts(emu, account),
        }
    return {
        "clock": iso_z(now),
        "accounts": accounts,
        "customers": dict(sorted(customers.items())),
        "available_phone_numbers": inventory_counts(emu),
    }


def _by_status(statuses: list[str]) -> dict:
    return {"total": len(statuses), "by_status": dict(sorted(Counter(statuses).items()))}


def resource_counts(emu: Emulator, account: Account) -> dict:
    """How many records each other 2010 list of the account holds at the clock.

    Conferences are counted in every status; participants only while connected
    (Twilio keeps no history of them); recordings include the soft-deleted ones
    still kept; call events count only calls whose events are served already.
    """
    store = emu.store
    now = emu.clock.now()
    setup = store.provisioning[account.sid]
    days = store.history_days(account)
    voice = [store.voice(account, day) for day in days]
    conferences = [c for v in voice for c in v.conferences if c.created <= now]
    recordings = [r for v in voice for r in v.recordings if r.visible(now, include_deleted=True)]
    transcriptions = [t for v in voice for t in v.transcriptions if t.created <= now]
    left = balance(store, account)
    return {
        "balance": {account.currency: ("-" if left < 0 else "") + money_str(abs(left))},
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
        "message_media": sum(m.num_media for m in store.messages_desc(account)),
        "call_events": sum(len(store.call_events(account, c)) for c in store.calls_desc(account)),
        "conferences": _by_status([c.state_at(now)[0] for c in conferences]),
        "conference_participants": sum(len(c.participants_at(now)) for c in conferences),
        "recordings": _by_status([r.status_at(now) for r in recordings]),
        "transcriptions": _by_status([t.status_at(now) for t in transcriptions]),
    }


def inventory_counts(emu: Emulator) -> dict:
    """Numbers on sale today (the same for every account): countries, and numbers per type."""
    counts = {"countries": len(COUNTRY_OFFER)}
    for kind in TYPE_PATHS:
        counts[kind] = sum(len(emu.store.available_numbers(iso, kind)) for iso in COUNTRY_OFFER)
    return counts
