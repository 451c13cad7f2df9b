"""Compare the marts with the emulator's ground truth (``/_emulator/truth``).

The truth is what a correct pipeline must reproduce; ``mart_summary`` reads the
same figures back from every mart, and ``differences`` lists every place the
warehouse says something else: counts per status, direction and channel, call
seconds and minutes, spend per currency to 0.00001 (from messages and calls, from
the daily account overview, per product and day against usage records), usage per
category and day, per-customer counts, spend, delivery, opt-outs and reply age,
per-number traffic, and delivery outcomes per day, number, country and channel.
An empty list means the marts reconcile exactly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import yaml

DBT_PROJECT = Path(__file__).resolve().parent.parent / "transform" / "dbt_project.yml"

# Twilio prices carry five decimals: every amount is compared at that precision.
PRICE_QUANTUM = Decimal("0.00001")
# dim_customers' counts, named as the truth names them.
CUSTOMER_COUNTS = (
    "messages",
    "messages_inbound",
    "messages_outbound",
    "calls",
    "calls_inbound",
    "calls_outbound",
    "talk_seconds",
    "outbound_settled",
    "outbound_delivered",
)
# Twilio's message statuses and the delivery outcome of each, as the marts read them.
MESSAGE_STATUSES: dict[str, str] = yaml.safe_load(DBT_PROJECT.read_text())["vars"][
    "message_statuses"
]


def _with_outcome(outcome: str) -> tuple[str, ...]:
    return tuple(s for s, o in MESSAGE_STATUSES.items() if o == outcome)


# fct_delivery_daily's outcome columns, from Twilio's statuses.
DELIVERY_OUTCOMES = {
    "messages_delivered": _with_outcome("delivered"),
    "messages_read": ("read",),
    "messages_unconfirmed": _with_outcome("unconfirmed"),
    "messages_undelivered": _with_outcome("undelivered"),
    "messages_failed": _with_outcome("failed"),
    "messages_pending": _with_outcome("pending"),
}


class Connection(Protocol):
    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


def _rows(conn: Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def money(value: object) -> Decimal:
    """A truth string or a warehouse decimal, to the 0.00001 both are exact to."""
    return Decimal(str(value)).quantize(PRICE_QUANTUM)


def _account() -> dict:
    return {
        "messages": {"total": 0, "by_status": {}, "by_direction": {}, "by_channel": {}},
        "calls": {
            "total": 0,
            "by_status": {},
            "by_direction": {},
            "duration_seconds": 0,
            "billed_minutes": 0,
        },
        "spend": defaultdict(lambda: {"messages": Decimal(0), "calls": Decimal(0)}),
        "usage": {},
        "spend_daily": {},
        "overview": {},
        "daily": {},
    }


def _add(counts: dict, key: str, n: int) -> None:
    counts[key] = counts.get(key, 0) + n


def mart_summary(conn: Connection, schema: str = "analytics") -> dict:
    """The truth's figures, read from the marts."""
    accounts: dict[str, dict] = defaultdict(_account)
    _facts(conn, schema, accounts)
    _dim_accounts(conn, schema, accounts)
    _account_daily(conn, schema, accounts)
    _usage_and_spend(conn, schema, accounts)
    latest = _rows(
        conn,
        f"select max(created_at) from (select created_at from {schema}.fct_messages "
        f"union all select created_at from {schema}.fct_calls) as activity",
    )[0][0]
    return {
        "latest_activity": latest.strftime("%Y-%m-%dT%H:%M:%SZ") if latest else None,
        "accounts": accounts,
        "customers": _customers(conn, schema),
        "interaction_spend": _interaction_spend(conn, schema),
        "numbers": _numbers(conn, schema),
        "delivery": _delivery(conn, schema),
    }


def _facts(conn: Connection, schema: str, accounts: dict[str, dict]) -> None:
    """fct_messages and fct_calls: counts, call time, spend per currency."""
    for account, status, direction, channel, n in _rows(
        conn,
        f"select account_sid, status, direction, channel, count(*) from {schema}.fct_messages "
        "group by 1, 2, 3, 4",
    ):
        messages = accounts[account]["messages"]
        messages["total"] += n
        _add(messages["by_status"], status, n)
        _add(messages["by_direction"], direction, n)
        _add(messages["by_channel"], channel, n)
    for account, status, direction, n, seconds, minutes in _rows(
        conn,
        f"select account_sid, status, direction, count(*), "
        f"coalesce(sum(case when ended_at is not null then duration_seconds end), 0), "
        f"coalesce(sum(case when ended_at is not null then billed_minutes end), 0) "
        f"from {schema}.fct_calls group by 1, 2, 3",
    ):
        calls = accounts[account]["calls"]
        calls["total"] += n
        _add(calls["by_status"], status, n)
        _add(calls["by_direction"], direction, n)
        calls["duration_seconds"] += int(seconds)
        calls["billed_minutes"] += int(minutes)
    for table, kind in (("fct_messages", "messages"), ("fct_calls", "calls")):
        for account, currency, amount in _rows(
            conn,
            f"select account_sid, currency, sum(cost_amount) from {schema}.{table} "
            "where cost_amount is not null group by 1, 2",
        ):
            accounts[account]["spend"][currency][kind] += money(amount)


def _dim_accounts(conn: Connection, schema: str, accounts: dict[str, dict]) -> None:
    for sid, name, status, is_sub, currency in _rows(
        conn,
        f"select account_sid, account_name, account_status, is_subaccount, billing_currency "
        f"from {schema}.dim_accounts",
    ):
        accounts[sid]["dim"] = {
            "friendly_name": name,
            "status": status,
            "is_main": not is_sub,
            "currency": currency,
        }


def _account_daily(conn: Connection, schema: str, accounts: dict[str, dict]) -> None:
    """fct_account_daily summed over its days, and its daily bill."""
    statuses = tuple(MESSAGE_STATUSES)
    status_sums = ", ".join(f"sum(messages_{s})" for s in statuses)
    for row in _rows(
        conn,
        f"select account_sid, sum(messages_total), {status_sums}, sum(call_legs), "
        f"sum(call_duration_seconds), sum(call_billed_minutes), "
        f"sum(messages_cost_amount), sum(calls_cost_amount), "
        f"count(distinct currency) "
        f"from {schema}.fct_account_daily group by 1",
    ):
        account, total, *by_status = row[: 2 + len(statuses)]
        legs, seconds, minutes, messages_cost, calls_cost, currencies = row[2 + len(statuses) :]
        accounts[account]["overview"] = {
            "messages_total": int(total),
            "messages_by_status": {
                s: int(n) for s, n in zip(statuses, by_status, strict=True) if n
            },
            "calls_total": int(legs),
            "duration_seconds": int(seconds),
            "billed_minutes": int(minutes),
            "messages_cost": money(messages_cost),
            "calls_cost": money(calls_cost),
            "currencies": int(currencies),
        }
    for account, day, amount in _rows(
        conn,
        f"select account_sid, activity_date, usage_cost_amount from {schema}.fct_account_daily "
        "where usage_cost_amount <> 0",
    ):
        accounts[account]["daily"][day.isoformat()] = money(amount)


def _usage_and_spend(conn: Connection, schema: str, accounts: dict[str, dict]) -> None:
    for account, day, category, count, usage, price in _rows(
        conn,
        f"select account_sid, usage_date, category, usage_count, usage_amount, cost_amount "
        f"from {schema}.fct_usage_daily "
        "where usage_count <> 0 or usage_amount <> 0 or cost_amount <> 0",
    ):
        accounts[account]["usage"][(day.isoformat(), category)] = {
            "count": int(count),
            "usage": money(usage),
            "price": money(price),
        }
    for account, day, leaves, total in _rows(
        conn,
        f"select account_sid, usage_date, sum(case when not is_rollup then cost_amount end), "
        f"sum(case when is_total then cost_amount end) "
        f"from {schema}.fct_usage_daily group by 1, 2 having sum(case when is_total "
        f"then cost_amount end) <> sum(case when not is_rollup then cost_amount end)",
    ):
        accounts[account].setdefault("leaves_not_total", []).append(
            (day.isoformat(), leaves, total)
        )
    for account, day, product, currency, usage, traffic in _rows(
        conn,
        f"select account_sid, spend_date, product, currency, usage_cost_amount, "
        f"coalesce(traffic_cost_amount, 0) from {schema}.fct_spend_daily",
    ):
        if usage or traffic:
            accounts[account]["spend_daily"][(day.isoformat(), product)] = {
                "currency": currency,
                "usage": money(usage),
                "traffic": money(traffic),
            }


def _customers(conn: Connection, schema: str) -> dict[str, dict]:
    customers = {}
    for row in _rows(
        conn,
        f"select customer_phone, primary_account_sid, customer_country, messages_total, "
        f"messages_inbound, messages_outbound, calls_total, calls_inbound, calls_outbound, "
        f"talk_seconds, messages_with_outcome, messages_delivered, is_opted_out, "
        f"last_message_status, days_since_last_reply, spend_currency, spend_amount, "
        f"spend_by_currency from {schema}.dim_customers",
    ):
        phone, account, country, *counts, opted_out, status, days, currency, amount, by_currency = (
            row
        )
        customer = {
            "account_sid": account,
            "country": country,
            **dict(zip(CUSTOMER_COUNTS, (int(n) for n in counts), strict=True)),
            "opted_out": opted_out,
            "last_message_status": status,
            "days_since_last_reply": days,
        }
        parts = [p.rsplit(" ", 1) for p in by_currency.split(", ")] if by_currency else []
        customer["spend"] = {c: money(a) for c, a in parts}
        customer["single_spend"] = {currency: money(amount)} if currency else None
        customers[phone] = customer
    return customers


def _interaction_spend(conn: Connection, schema: str) -> dict[str, dict[str, Decimal]]:
    spend: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for phone, currency, amount in _rows(
        conn,
        f"select customer_phone, currency, sum(cost_amount) from "
        f"{schema}.fct_customer_interactions where cost_amount is not null group by 1, 2",
    ):
        spend[phone][currency] = money(amount)
    return spend


def _numbers(conn: Connection, schema: str) -> dict[str, dict]:
    numbers = {}
    for row in _rows(
        conn,
        f"select phone_number, account_sid, messages_inbound, messages_outbound, calls_inbound, "
        f"calls_outbound, talk_seconds, currency, messages_cost_amount, calls_cost_amount "
        f"from {schema}.dim_phone_numbers",
    ):
        phone, account, m_in, m_out, c_in, c_out, talk, currency, m_cost, c_cost = row
        numbers[phone] = {
            "account_sid": account,
            "messages_inbound": int(m_in),
            "messages_outbound": int(m_out),
            "calls_inbound": int(c_in),
            "calls_outbound": int(c_out),
            "talk_seconds": int(talk),
            "spend": {currency: {"messages": money(m_cost), "calls": money(c_cost)}}
            if currency
            else {},
        }
    return numbers


def _delivery(conn: Connection, schema: str) -> dict[tuple, dict]:
    columns = ["messages_outbound", *DELIVERY_OUTCOMES]
    rows = _rows(
        conn,
        f"select message_date_local, account_sid, our_phone, customer_country, channel, "
        f"{', '.join(columns)}, top_error_code from {schema}.fct_delivery_daily",
    )
    return {
        (day.isoformat(), account, phone, country, channel): {
            **{c: int(v) for c, v in zip(columns, values[:-1], strict=True)},
            "top_error_code": values[-1],
        }
        for day, account, phone, country, channel, *values in rows
    }


# --- comparing -----------------------------------------------------------------------


def _compare(out: list[str], label: str, truth: object, marts: object) -> None:
    if truth != marts:
        out.append(f"{label}: truth {truth}, marts {marts}")


def _compare_keyed(out: list[str], label: str, truth: dict, marts: dict) -> None:
    """Two {key: value} maps: one line for missing, extra and different keys."""
    missing = [k for k in truth if k not in marts]
    extra = [k for k in marts if k not in truth]
    wrong = [k for k in truth if k in marts and truth[k] != marts[k]]
    for what, keys in (("missing from the marts", missing), ("not in the truth", extra)):
        if keys:
            out.append(f"{label}: {len(keys)} {what}, e.g. {_examples(keys)}")
    if wrong:
        k = wrong[0]
        want, have = truth[k], marts[k]
        if isinstance(want, dict) and isinstance(have, dict):  # show the fields that differ
            fields = [f for f in {**want, **have} if want.get(f) != have.get(f)]
            want, have = ({f: d.get(f) for f in fields} for d in (want, have))
        out.append(f"{label}: {len(wrong)} differ, e.g. {k}: truth {want}, marts {have}")


def _by_day(nested: dict[str, dict], convert: Callable[[dict], dict]) -> dict[tuple, dict]:
    """The truth's {day: {key: amounts}} as the marts' {(day, key): amounts}."""
    return {(day, key): convert(v) for day, inner in nested.items() for key, v in inner.items()}


def _examples(keys: Iterable) -> str:
    return ", ".join(str(k) for k in list(keys)[:3])


def differences(truth: dict, marts: dict) -> list[str]:
    """Every mismatch between truth and marts, as readable lines."""
    out: list[str] = []
    for sid, expected in truth["accounts"].items():
        got = marts["accounts"].get(sid)
        name = f"{expected['friendly_name']} ({sid})"
        if got is None:
            if expected["messages"]["total"] or expected["calls"]["total"]:
                out.append(f"{name}: missing from the marts")
            continue
        _account_differences(out, name, expected, got)
    for sid in set(marts["accounts"]) - set(truth["accounts"]):
        out.append(f"account {sid} is in the marts but not in the truth")
    _compare(out, "latest activity", truth["latest_activity"], marts["latest_activity"])
    _customer_differences(out, truth["customers"], marts)
    _number_differences(out, truth["numbers"], marts["numbers"])
    _delivery_differences(out, truth["delivery"], marts["delivery"])
    return out


def _account_differences(out: list[str], name: str, expected: dict, got: dict) -> None:
    for key in ("total", "by_status", "by_direction", "by_channel"):
        _compare(out, f"{name}: messages {key}", expected["messages"][key], got["messages"][key])
    for key in ("total", "by_status", "by_direction", "duration_seconds", "billed_minutes"):
        _compare(out, f"{name}: calls {key}", expected["calls"][key], got["calls"][key])
    for currency, amounts in expected["spend"].items():
        for kind in ("messages", "calls"):
            have = got["spend"].get(currency, {}).get(kind, Decimal(0))
            _compare(out, f"{name}: {kind} spend {currency}", money(amounts[kind]), have)
    extra = set(got["spend"]) - set(expected["spend"])
    if extra:
        out.append(f"{name}: spend in unexpected currencies {sorted(extra)}")

    active = bool(expected["messages"]["total"] or expected["calls"]["total"] or expected["usage"])
    dim = {k: expected[k] for k in ("friendly_name", "status", "is_main", "currency")}
    if not active:  # an account with nothing billed has no billing currency to show
        dim["currency"] = None
    _compare(out, f"{name}: dim_accounts", dim, got.get("dim"))
    if not active:  # e.g. a closed subaccount: no daily rows at all
        _compare(out, f"{name}: fct_account_daily totals", {}, got["overview"])
        return

    (currency,) = expected["spend"]
    overview = {
        "messages_total": expected["messages"]["total"],
        "messages_by_status": expected["messages"]["by_status"],
        "calls_total": expected["calls"]["total"],
        "duration_seconds": expected["calls"]["duration_seconds"],
        "billed_minutes": expected["calls"]["billed_minutes"],
        "messages_cost": money(expected["spend"][currency]["messages"]),
        "calls_cost": money(expected["spend"][currency]["calls"]),
        "currencies": 1,
    }
    _compare(out, f"{name}: fct_account_daily totals", overview, got["overview"])
    bill = {
        day: money(categories["totalprice"]["price"])
        for day, categories in expected["usage"].items()
        if money(categories.get("totalprice", {}).get("price", 0))
    }
    _compare_keyed(out, f"{name}: fct_account_daily usage cost per day", bill, got["daily"])

    usage = _by_day(
        expected["usage"],
        lambda a: {"count": a["count"], "usage": money(a["usage"]), "price": money(a["price"])},
    )
    _compare_keyed(out, f"{name}: fct_usage_daily (day, category)", usage, got["usage"])
    if got.get("leaves_not_total"):
        out.append(
            f"{name}: fct_usage_daily rows not flagged is_rollup do not add up to totalprice "
            f"on {len(got['leaves_not_total'])} days, e.g. {got['leaves_not_total'][:2]}"
        )

    spend = _by_day(
        expected["spend_daily"],
        lambda a: {
            "currency": currency,
            "usage": money(a["usage"]),
            "traffic": money(a["traffic"]),
        },
    )
    _compare_keyed(out, f"{name}: fct_spend_daily (day, product)", spend, got["spend_daily"])


def _customer_differences(out: list[str], customers: dict[str, dict], marts: dict) -> None:
    fields = ("account_sid", "country", *CUSTOMER_COUNTS, "opted_out", "last_message_status",
              "days_since_last_reply")  # fmt: skip
    expected = {
        phone: {
            **{f: c[f] for f in fields},
            "spend": {cur: money(a) for cur, a in c["spend"].items()},
            "single_spend": {cur: money(a) for cur, a in c["spend"].items()}
            if len(c["spend"]) == 1
            else None,
        }
        for phone, c in customers.items()
    }
    _compare_keyed(out, "dim_customers", expected, marts["customers"])
    spend = {phone: c["spend"] for phone, c in expected.items() if c["spend"]}
    _compare_keyed(
        out, "fct_customer_interactions spend per currency", spend, marts["interaction_spend"]
    )
    opted_out = sum(c["opted_out"] for c in customers.values())
    if not opted_out:
        out.append("the truth has no opted-out customer: opt-out detection is not exercised")


def _number_differences(out: list[str], numbers: dict[str, dict], marts: dict) -> None:
    expected = {
        phone: {
            **{k: v for k, v in n.items() if k != "spend"},
            "spend": {
                currency: {kind: money(a) for kind, a in amounts.items()}
                for currency, amounts in n["spend"].items()
            },
        }
        for phone, n in numbers.items()
    }
    _compare_keyed(out, "dim_phone_numbers", expected, marts)


def _delivery_differences(out: list[str], delivery: list[dict], marts: dict) -> None:
    expected = {}
    for row in delivery:
        by_status = row["by_status"]
        errors = Counter({int(code): n for code, n in row["errors"].items()})
        top = min(errors, key=lambda code: (-errors[code], code)) if errors else None
        expected[
            (row["date"], row["account_sid"], row["number"], row["country"], row["channel"])
        ] = {
            "messages_outbound": sum(by_status.values()),
            **{
                column: sum(by_status.get(s, 0) for s in statuses)
                for column, statuses in DELIVERY_OUTCOMES.items()
            },
            "top_error_code": top,
        }
    _compare_keyed(
        out, "fct_delivery_daily (day, account, number, country, channel)", expected, marts
    )
