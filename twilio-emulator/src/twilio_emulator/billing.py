"""Money over time: the account balance and usage triggers, both read from billed usage.

The balance starts at ``OPENING_CREDIT`` and is topped up by ``RECHARGE`` each
time it would fall under ``RECHARGE_BELOW`` (Twilio's auto-recharge), so it is
always ``credit - everything billed so far`` in the account's currency, to the
0.00001. A usage trigger sums its category over its period; it fires when a
settled day takes the sum over its value.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import money
from .provisioning import UsageTrigger
from .store import SETTLE_DELAY, Store, UsageAmount
from .timefmt import DAY, date_to_day, day_to_date
from .world import Account

OPENING_CREDIT = money("50.00000")
RECHARGE = money("100.00000")
RECHARGE_BELOW = money("20.00000")
_NOTHING = UsageAmount(0, 0, 0)


def spend_to_date(store: Store, account: Account) -> int:
    """Everything billed to the account so far (usage ``totalprice``), in money units."""
    return sum(
        store.usage_day(account, day)["totalprice"].price for day in store.history_days(account)
    )


def balance(store: Store, account: Account) -> int:
    """Credit left, in money units of the account's currency, after auto-recharges."""
    left = OPENING_CREDIT - spend_to_date(store, account)
    if left < RECHARGE_BELOW:
        recharges = -(-(RECHARGE_BELOW - left) // RECHARGE)  # ceiling division
        left += recharges * RECHARGE
    return left


@dataclass(frozen=True)
class TriggerState:
    current: int  # count, usage or money units, per ``trigger_by``
    fired_at: int | None


def _period_start(trigger: UsageTrigger, today: int, first: int) -> int:
    date = day_to_date(today)
    if trigger.recurring == "daily":
        return today
    if trigger.recurring == "monthly":
        return max(first, date_to_day(date.replace(day=1)))
    if trigger.recurring == "yearly":
        return max(first, date_to_day(date.replace(month=1, day=1)))
    return first


def _measure(amount: UsageAmount, trigger_by: str) -> int:
    return {"count": amount.count, "usage": amount.usage, "price": amount.price}[trigger_by]


def trigger_state(store: Store, account: Account, trigger: UsageTrigger) -> TriggerState:
    """The trigger's current value over its period, and when it fired in it, if it did."""
    threshold = (
        money(trigger.trigger_value)
        if trigger.trigger_by == "price"
        else int(trigger.trigger_value)
    )
    now = store.clock.now()
    today = store.today
    current = 0
    fired_at = None
    for day in range(_period_start(trigger, today, store.first_day(account)), today + 1):
        amounts = store.usage_day(account, day)
        current += _measure(amounts.get(trigger.usage_category, _NOTHING), trigger.trigger_by)
        settled = (day + 1) * DAY + SETTLE_DELAY
        if fired_at is None and current >= threshold and now >= settled:
            fired_at = settled
    return TriggerState(current, fired_at)
