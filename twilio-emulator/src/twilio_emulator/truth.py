"""Ground truth: what a correct pipeline must reproduce from the API at the current clock.

Counts and sums come straight from the data model, never from rendered
responses, so a bug in rendering or paging shows up as a mismatch downstream.
Amounts are positive decimal strings, per currency, exact to 0.00001.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .catalog import money_str
from .emulator import Emulator
from .products.counts import product_counts
from .timefmt import iso_z

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
            # Records each product API serves this account's own credentials.
            "products": product_counts(emu.store, account),
        }
    return {
        "clock": iso_z(now),
        "accounts": accounts,
        "customers": dict(sorted(customers.items())),
    }
