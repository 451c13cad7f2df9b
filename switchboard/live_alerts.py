"""Alerts that matter in real time, from the live marts the webhooks keep current.

After each live run (``switchboard.live``), the outcomes webhooks reported over the
last ``ALERT_LIVE_WINDOW_MINUTES`` (by when they reached the receiver,
``analytics.fct_message_webhook_outcomes``) are checked against these rules; each
breach is an SMS through the alert channel (``switchboard.alerts``), at most one per
rule and subject per ``ALERT_QUIET_MINUTES``:

- ``ALERT_LIVE_DELIVERY_RATE_BELOW`` (e.g. ``0.9``): the delivery rate from one of our
  numbers, or to one country, fell below it, over at least ``ALERT_LIVE_MIN_MESSAGES``
  (20) messages with an outcome;
- ``ALERT_LIVE_ERROR_BURSTS`` (e.g. ``30007=10,30003=25``): an error code (30007 is
  carrier filtering) came back at least that many times.

Unset, a rule is off. The SQL runs on DuckDB and PostgreSQL; every value in it is
one this module parsed (numbers, a timestamp), never text from outside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MART = "fct_message_webhook_outcomes"


@dataclass(frozen=True)
class LiveRules:
    window_minutes: int = 15
    delivery_rate_below: Decimal | None = None
    min_messages: int = 20
    error_bursts: Mapping[int, int] = field(default_factory=dict)  # error code -> count

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LiveRules | None:
        """The rules set in the environment; None when none is (or ValueError, one line)."""
        rate = env.get("ALERT_LIVE_DELIVERY_RATE_BELOW", "").strip()
        bursts = env.get("ALERT_LIVE_ERROR_BURSTS", "").strip()
        if not rate and not bursts:
            return None
        try:
            threshold = Decimal(rate) if rate else None
        except InvalidOperation:
            raise ValueError("ALERT_LIVE_DELIVERY_RATE_BELOW must be a rate, e.g. 0.9") from None
        if threshold is not None and not 0 < threshold <= 1:
            raise ValueError("ALERT_LIVE_DELIVERY_RATE_BELOW must be above 0 and at most 1")
        parsed: dict[int, int] = {}
        for item in (i.strip() for i in bursts.split(",") if i.strip()):
            code, sep, count = item.partition("=")
            if not (sep and code.strip().isdigit() and count.strip().isdigit()):
                raise ValueError(
                    "ALERT_LIVE_ERROR_BURSTS must look like 30007=10,30003=25 (code=count)"
                )
            parsed[int(code)] = int(count)
        return cls(
            window_minutes=int(env.get("ALERT_LIVE_WINDOW_MINUTES") or 15),
            delivery_rate_below=threshold,
            min_messages=int(env.get("ALERT_LIVE_MIN_MESSAGES") or 20),
            error_bursts=parsed,
        )


@dataclass(frozen=True)
class Breach:
    key: str  # the rule and its subject: one alert per key and quiet period
    text: str


def _rows(conn: Any, sql: str) -> list[tuple]:
    """DuckDB and psycopg connections both run ``execute`` and ``fetchall``."""
    cursor = conn.execute(sql)
    return list(cursor.fetchall())


def breaches(
    conn: Any, rules: LiveRules, now: dt.datetime, schema: str = "analytics"
) -> list[Breach]:
    """Every rule breached over the window that ends at ``now`` (UTC)."""
    since = (now - dt.timedelta(minutes=rules.window_minutes)).replace(tzinfo=None)
    window = f"received_at >= timestamp '{since.isoformat(sep=' ')}'"
    minutes = f"in the last {rules.window_minutes} minutes"
    out: list[Breach] = []
    if rules.delivery_rate_below is not None:
        sql = " union all ".join(
            f"select '{dimension}', {column}, count(*), "
            "sum(case when delivery_outcome = 'delivered' then 1 else 0 end) "
            f"from {schema}.{MART} where {window} and {column} is not null "
            f"group by {column} having count(*) >= {int(rules.min_messages)}"
            for dimension, column in (("number", "our_phone"), ("country", "customer_country"))
        )
        threshold = rules.delivery_rate_below
        for dimension, subject, messages, delivered in sorted(_rows(conn, sql)):
            rate = Decimal(int(delivered)) / Decimal(int(messages))
            if rate < threshold:
                where = f"from {subject}" if dimension == "number" else f"to {subject}"
                out.append(
                    Breach(
                        f"live delivery rate {dimension} {subject}",
                        f"live: delivery {where} fell to {rate:.1%} ({delivered} of "
                        f"{messages} messages) {minutes} (alert below {threshold:.0%})",
                    )
                )
    if rules.error_bursts:
        codes = ", ".join(str(int(code)) for code in sorted(rules.error_bursts))
        sql = (
            f"select error_code, max(error_meaning), count(*) from {schema}.{MART} "
            f"where {window} and error_code in ({codes}) group by error_code"
        )
        for code, meaning, count in sorted(_rows(conn, sql)):
            limit = rules.error_bursts[int(code)]
            if int(count) >= limit:
                what = f"error {code}" + (f" ({meaning})" if meaning else "")
                out.append(
                    Breach(
                        f"live error burst {code}",
                        f"live: {what} came back {count} times {minutes} (alert at {limit})",
                    )
                )
    return out
