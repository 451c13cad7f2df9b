"""What changed, computed again from the emulator's truth, for the end-to-end tests.

The dbt marts (``fct_period_comparison``, ``fct_spend_jumps``, ``fct_delivery_drops``)
must say exactly this. Nothing here reads the warehouse or shares code with dbt: the
periods, sums and rules are written again from their definitions (transform/README.md)
on the truth's own figures: spend per UTC day and product from usage records, billed
call minutes from the calls' usage records, delivery outcomes per local day, number
and country, and messages per UTC day from the emulator's API.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

# The marts' defaults (transform/dbt_project.yml vars).
PERIOD_DAYS = 7
JUMP_RATIO = Decimal(2)
JUMP_BASELINE_DAYS = 7
JUMP_MIN_AMOUNT = Decimal("1.00")
JUMP_IGNORED = ("phone_numbers",)
DROP_POINTS = Decimal(5)
DROP_MIN_MESSAGES = 20
PENDING = ("queued", "accepted", "scheduled", "sending")
DELIVERED = ("delivered", "read")
CALL_USAGE = ("calls-inbound", "calls-outbound")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Periods:
    current: Period  # UTC days
    previous: Period
    current_local: Period  # days of the reporting timezone
    previous_local: Period


def _periods(last: date, days: int) -> tuple[Period, Period]:
    return (
        Period(last - timedelta(days - 1), last),
        Period(last - timedelta(2 * days - 1), last - timedelta(days)),
    )


def periods(truth: dict, days: int = PERIOD_DAYS) -> Periods:
    """The last complete days: the period ends the day before the latest activity's day."""
    latest = datetime.fromisoformat(truth["latest_activity"].replace("Z", "+00:00"))
    local = latest.astimezone(ZoneInfo(truth["reporting_timezone"]))
    current, previous = _periods(latest.date() - timedelta(1), days)
    current_local, previous_local = _periods(local.date() - timedelta(1), days)
    return Periods(current, previous, current_local, previous_local)


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def spend(truth: dict, p: Periods) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(account, currency) -> usage records billed in the current and the previous period."""
    out = {}
    for sid, account in truth["accounts"].items():
        now = before = Decimal(0)
        seen = False
        for iso, products in account["spend_daily"].items():
            total = sum(Decimal(a["usage"]) for a in products.values())
            if _day(iso) in p.current:
                now, seen = now + total, True
            elif _day(iso) in p.previous:
                before, seen = before + total, True
        if seen:
            out[(sid, account["currency"])] = (now, before)
    return out


def call_minutes(truth: dict, p: Periods) -> dict[str, tuple[int, int]]:
    """account -> billed minutes of every call leg, current and previous period."""
    out = {}
    for sid, account in truth["accounts"].items():
        minutes = {"now": 0, "before": 0}
        for iso, categories in account["usage"].items():
            billed = sum(int(categories.get(c, {}).get("usage", 0)) for c in CALL_USAGE)
            if _day(iso) in p.current:
                minutes["now"] += billed
            elif _day(iso) in p.previous:
                minutes["before"] += billed
        out[sid] = (minutes["now"], minutes["before"])
    return out


def messages(per_day: dict[str, Counter], p: Periods) -> dict[str, tuple[int, int]]:
    """account -> messages created in the current and the previous period (UTC days)."""
    return {
        sid: (
            sum(n for day, n in days.items() if day in p.current),
            sum(n for day, n in days.items() if day in p.previous),
        )
        for sid, days in per_day.items()
        if any(day in p.current or day in p.previous for day in days)
    }


def _outcomes(row: dict) -> tuple[int, int]:
    """Delivered, and outbound messages with an outcome, of one truth delivery row."""
    statuses = row["by_status"]
    delivered = sum(statuses.get(s, 0) for s in DELIVERED)
    settled = sum(statuses.values()) - sum(statuses.get(s, 0) for s in PENDING)
    return delivered, settled


def delivery(truth: dict, p: Periods, by: str | None = None) -> dict[tuple, list[int]]:
    """(account[, country or number]) -> [delivered now, with an outcome now, delivered
    before, with an outcome before], on local days."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in truth["delivery"]:
        day = _day(row["date"])
        if day not in p.current_local and day not in p.previous_local:
            continue
        key: tuple = (row["account_sid"],)
        if by == "customer_country":
            key += (row["country"] or "unknown",)
        elif by == "our_phone":
            key += (row["number"],)
        delivered, settled = _outcomes(row)
        offset = 0 if day in p.current_local else 2
        out[key][offset] += delivered
        out[key][offset + 1] += settled
    return dict(out)


def delivery_drops(truth: dict, p: Periods) -> dict[tuple[str, str, str], list[int]]:
    """(account, dimension, value) -> the four counts, where the rate fell by the rule."""
    drops = {}
    for dimension in ("customer_country", "our_phone"):
        for (sid, value), (now_ok, now_n, before_ok, before_n) in delivery(
            truth, p, dimension
        ).items():
            if now_n < DROP_MIN_MESSAGES or before_n < DROP_MIN_MESSAGES:
                continue
            fall = Decimal(before_ok) / before_n - Decimal(now_ok) / now_n
            if 100 * fall >= DROP_POINTS:
                drops[(sid, dimension, value)] = [now_ok, now_n, before_ok, before_n]
    return drops


def spend_jumps(truth: dict) -> dict[tuple[str, date, str], tuple[Decimal, Decimal]]:
    """(account, UTC day, product) -> (spend, baseline total over the days before), for
    every day and product whose spend jumped by the rule."""
    daily: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(dict)
    first = None
    for sid, account in truth["accounts"].items():
        for iso, products in account["spend_daily"].items():
            first = min(first or _day(iso), _day(iso))
            for product, amounts in products.items():
                if product not in JUMP_IGNORED:
                    daily[(sid, product)][_day(iso)] = Decimal(amounts["usage"])
    jumps = {}
    for (sid, product), days in daily.items():
        for day, amount in days.items():
            if first is None or day - timedelta(JUMP_BASELINE_DAYS) < first:
                continue  # not enough history before it
            baseline = sum(
                (
                    days.get(day - timedelta(k), Decimal(0))
                    for k in range(1, JUMP_BASELINE_DAYS + 1)
                ),
                Decimal(0),
            )
            steps = JUMP_BASELINE_DAYS
            if steps * amount >= JUMP_RATIO * baseline and (
                steps * amount - baseline >= JUMP_MIN_AMOUNT * steps
            ):
                jumps[(sid, day, product)] = (amount, baseline)
    return jumps
