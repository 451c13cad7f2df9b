"""Compare the marts with the emulator's ground truth (``/_emulator/truth``).

The truth is what a correct pipeline must reproduce; ``differences`` lists every
place the warehouse says something else: counts per status and direction, call
seconds and minutes, spend per currency to 0.00001, and per-customer counts.
An empty list means the marts reconcile exactly.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Protocol

CENT = Decimal("0.00001")


class Connection(Protocol):
    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


def _rows(conn: Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def mart_summary(conn: Connection, schema: str = "analytics") -> dict:
    """The truth's shape, computed from the marts."""
    accounts: dict[str, dict] = defaultdict(
        lambda: {
            "messages": {"total": 0, "by_status": {}, "by_direction": {}},
            "calls": {
                "total": 0,
                "by_status": {},
                "by_direction": {},
                "duration_seconds": 0,
                "billed_minutes": 0,
            },
            "spend": defaultdict(lambda: {"messages": Decimal(0), "calls": Decimal(0)}),
        }
    )
    for account, status, direction, n in _rows(
        conn,
        f"select account_sid, status, direction, count(*) from {schema}.fct_messages "
        "group by 1, 2, 3",
    ):
        messages = accounts[account]["messages"]
        messages["total"] += n
        messages["by_status"][status] = messages["by_status"].get(status, 0) + n
        messages["by_direction"][direction] = messages["by_direction"].get(direction, 0) + n
    for account, status, direction, n, seconds, minutes in _rows(
        conn,
        f"select account_sid, status, direction, count(*), "
        f"coalesce(sum(case when ended_at is not null then duration_seconds end), 0), "
        f"coalesce(sum(case when ended_at is not null then billed_minutes end), 0) "
        f"from {schema}.fct_calls group by 1, 2, 3",
    ):
        calls = accounts[account]["calls"]
        calls["total"] += n
        calls["by_status"][status] = calls["by_status"].get(status, 0) + n
        calls["by_direction"][direction] = calls["by_direction"].get(direction, 0) + n
        calls["duration_seconds"] += int(seconds)
        calls["billed_minutes"] += int(minutes)
    for table, kind in (("fct_messages", "messages"), ("fct_calls", "calls")):
        for account, currency, amount in _rows(
            conn,
            f"select account_sid, currency, sum(cost_amount) from {schema}.{table} "
            "where cost_amount is not null group by 1, 2",
        ):
            accounts[account]["spend"][currency][kind] += Decimal(str(amount))
    customers = {
        row[0]: {
            "messages": int(row[1]),
            "messages_inbound": int(row[2]),
            "messages_outbound": int(row[3]),
            "calls": int(row[4]),
            "calls_inbound": int(row[5]),
            "calls_outbound": int(row[6]),
            "talk_seconds": int(row[7]),
        }
        for row in _rows(
            conn,
            f"select customer_phone, messages_total, messages_inbound, messages_outbound, "
            f"calls_total, calls_inbound, calls_outbound, talk_seconds from {schema}.dim_customers",
        )
    }
    return {"accounts": accounts, "customers": customers}


def _compare(out: list[str], label: str, truth: object, marts: object) -> None:
    if truth != marts:
        out.append(f"{label}: truth {truth}, marts {marts}")


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
        for kind in ("messages", "calls"):
            for key in ("total", "by_status", "by_direction"):
                _compare(out, f"{name}: {kind} {key}", expected[kind][key], got[kind][key])
        for key in ("duration_seconds", "billed_minutes"):
            _compare(out, f"{name}: calls {key}", expected["calls"][key], got["calls"][key])
        for currency, amounts in expected["spend"].items():
            for kind in ("messages", "calls"):
                want = Decimal(amounts[kind]).quantize(CENT)
                have = got["spend"].get(currency, {}).get(kind, Decimal(0)).quantize(CENT)
                _compare(out, f"{name}: {kind} spend {currency}", want, have)
        extra = set(got["spend"]) - set(expected["spend"])
        if extra:
            out.append(f"{name}: spend in unexpected currencies {sorted(extra)}")
    for sid in set(marts["accounts"]) - set(truth["accounts"]):
        out.append(f"account {sid} is in the marts but not in the truth")
    fields = ("messages", "messages_inbound", "messages_outbound", "calls", "calls_inbound",
              "calls_outbound", "talk_seconds")  # fmt: skip
    wrong = [
        phone
        for phone, expected in truth["customers"].items()
        if {f: expected[f] for f in fields} != marts["customers"].get(phone)
    ]
    if wrong:
        out.append(f"{len(wrong)} customers differ, e.g. {wrong[:3]}")
    unknown = set(marts["customers"]) - set(truth["customers"])
    if unknown:
        out.append(f"{len(unknown)} customers are in the marts but not in the truth")
    return out
