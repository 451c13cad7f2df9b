"""What the dashboard and the report read from the marts: one function per figure.

Every query takes the same ``Filters`` (accounts and a date range) and returns a
pandas DataFrame. Amounts stay ``Decimal`` and are never added across currencies:
every amount has its ``currency`` beside it. Days are the marts' own: UTC days for
spend, usage and the account overview (as Twilio bills), local days of the
reporting timezone for delivery and interactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

# The marts each page reads; a page names the missing ones instead of failing.
OVERVIEW = ("dim_accounts", "fct_spend_daily", "fct_account_daily", "fct_delivery_daily")
DELIVERY = ("dim_accounts", "fct_delivery_daily", "fct_messages")
CUSTOMERS = ("dim_accounts", "dim_customers", "fct_customer_interactions")
# The day column of each daily mart (the date filter's range covers them all).
DAYS = (
    ("fct_spend_daily", "spend_date"),
    ("fct_account_daily", "activity_date"),
    ("fct_delivery_daily", "message_date_local"),
)
# Reconciled when usage records and priced traffic differ by less than Twilio's precision.
PRECISION = 0.00001


@dataclass(frozen=True)
class Filters:
    """Accounts (SIDs; empty means all) and days, inclusive."""

    accounts: tuple[str, ...]
    start: date
    end: date

    def params(self) -> dict:
        return {"accounts": list(self.accounts), "start": self.start, "end": self.end}


def _where(day_column: str) -> str:
    return (
        f"(len($accounts) = 0 or list_contains($accounts, account_sid)) "
        f"and {day_column} between $start and $end"
    )


def _df(conn: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Through Arrow, so decimals stay ``Decimal`` (DuckDB's ``.df()`` makes them floats)."""
    return conn.execute(sql, params or {}).to_arrow_table().to_pandas()


def missing_marts(conn: duckdb.DuckDBPyConnection, needed: tuple[str, ...]) -> list[str]:
    present = {
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'analytics'"
        ).fetchall()
    }
    return [f"analytics.{name}" for name in needed if name not in present]


def snapshot_info(conn: duckdb.DuckDBPyConnection) -> dict | None:
    """When the snapshot was published and in which reporting timezone; None if unknown."""
    try:
        row = conn.execute(
            "select published_at, reporting_timezone from main.snapshot_info"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return {"published_at": row[0], "reporting_timezone": row[1]} if row else None


def accounts(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _df(
        conn,
        """
        select account_sid, account_name, billing_currency, account_status,
            account_name || ' (' || coalesce(billing_currency, 'no currency') || ', '
                || account_status || ')' as label
        from analytics.dim_accounts order by is_subaccount, account_name, account_sid
        """,
    )


def date_bounds(conn: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The first and last day the daily marts cover; None for an empty warehouse."""
    present = [
        f"select {column} as day from analytics.{table}"
        for table, column in DAYS
        if not missing_marts(conn, (table,))
    ]
    if not present:
        return None
    first, last = conn.execute(
        f"select min(day), max(day) from ({' union all '.join(present)}) as days"
    ).fetchone()
    return (first, last) if first is not None else None


def spend_daily(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Twilio's bill (usage records) per UTC day, product and currency."""
    return _df(
        conn,
        f"""
        select spend_date, currency, product, sum(usage_cost_amount) as usage_cost_amount
        from analytics.fct_spend_daily
        where {_where("spend_date")}
        group by 1, 2, 3 having sum(usage_cost_amount) <> 0
        order by 1, 2, 3
        """,
        filters.params(),
    )


def reconciliation(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Usage records beside the priced messages and calls, per currency and product."""
    return _df(
        conn,
        f"""
        select
            currency,
            product,
            sum(usage_cost_amount) as usage_records,
            sum(traffic_cost_amount) as priced_traffic,
            sum(difference_amount) as difference,
            count(distinct case when abs(difference_amount) >= {PRECISION}
                then spend_date end) as days_off,
            cast(sum(priced_records) as bigint) as priced_records
        from analytics.fct_spend_daily
        where {_where("spend_date")}
        group by 1, 2
        having sum(usage_cost_amount) <> 0 or sum(traffic_cost_amount) <> 0
        order by 1, 2
        """,
        filters.params(),
    )


def activity_daily(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Messages by direction and call minutes per UTC day (fct_account_daily)."""
    return _df(
        conn,
        f"""
        select
            activity_date,
            cast(sum(messages_inbound) as bigint) as messages_inbound,
            cast(sum(messages_outbound) as bigint) as messages_outbound,
            cast(sum(calls_total) as bigint) as calls,
            cast(sum(call_legs) as bigint) as call_legs,
            cast(sum(call_billed_minutes) as bigint) as billed_minutes,
            round(sum(call_duration_seconds) / 60.0, 1) as talk_minutes
        from analytics.fct_account_daily
        where {_where("activity_date")}
        group by 1 order by 1
        """,
        filters.params(),
    )


def delivery_daily(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Delivery and failure rates of outbound messages per local day."""
    return _df(
        conn,
        f"""
        select
            message_date_local,
            cast(sum(messages_outbound) as bigint) as messages_outbound,
            cast(sum(messages_with_outcome) as bigint) as messages_with_outcome,
            round(sum(messages_delivered) / nullif(sum(messages_with_outcome), 0), 4)
                as delivery_rate,
            round(sum(messages_undelivered + messages_failed)
                / nullif(sum(messages_with_outcome), 0), 4) as failure_rate
        from analytics.fct_delivery_daily
        where {_where("message_date_local")}
        group by 1 order by 1
        """,
        filters.params(),
    )


def delivery_by(conn: duckdb.DuckDBPyConnection, filters: Filters, column: str) -> pd.DataFrame:
    """Outcomes and rates per customer country or per our number, worst first."""
    if column not in ("customer_country", "our_phone"):
        raise ValueError(f"no delivery breakdown by {column!r}")
    return _df(
        conn,
        f"""
        select
            coalesce({column}, 'unknown') as {column},
            cast(sum(messages_outbound) as bigint) as messages_outbound,
            cast(sum(messages_delivered) as bigint) as delivered,
            cast(sum(messages_undelivered) as bigint) as undelivered,
            cast(sum(messages_failed) as bigint) as failed,
            cast(sum(messages_with_outcome) as bigint) as with_outcome,
            round(sum(messages_delivered) / nullif(sum(messages_with_outcome), 0), 4)
                as delivery_rate,
            round(sum(messages_undelivered + messages_failed)
                / nullif(sum(messages_with_outcome), 0), 4) as failure_rate
        from analytics.fct_delivery_daily
        where {_where("message_date_local")}
        group by 1 order by failure_rate desc nulls last, messages_outbound desc, 1
        """,
        filters.params(),
    )


def top_errors(
    conn: duckdb.DuckDBPyConnection, filters: Filters, column: str, limit: int = 3
) -> pd.DataFrame:
    """The most frequent error codes of outbound messages per country or number, with meaning."""
    if column not in ("customer_country", "our_phone"):
        raise ValueError(f"no error breakdown by {column!r}")
    return _df(
        conn,
        f"""
        select {column}, error_code, error_meaning, messages from (
            select
                coalesce({column}, 'unknown') as {column},
                error_code,
                max(error_meaning) as error_meaning,
                count(*) as messages,
                row_number() over (
                    partition by coalesce({column}, 'unknown') order by count(*) desc, error_code
                ) as error_rank
            from analytics.fct_messages
            where not is_inbound and error_code is not null and {_where("message_date_local")}
            group by 1, 2
        ) as ranked
        where error_rank <= {int(limit)}
        order by 1, messages desc, error_code
        """,
        filters.params(),
    )


def find_customers(conn: duckdb.DuckDBPyConnection, text: str, limit: int = 50) -> pd.DataFrame:
    """Customers whose phone, enriched id or name contains ``text`` (any case)."""
    return _df(
        conn,
        """
        select
            customer_phone, customer_id, customer_name, customer_segment, customer_country,
            concat_ws(' · ', customer_name, customer_id, customer_phone) as label
        from analytics.dim_customers
        where contains(lower(customer_phone), lower($text))
           or contains(lower(coalesce(customer_id, '')), lower($text))
           or contains(lower(coalesce(customer_name, '')), lower($text))
        order by customer_name nulls last, customer_phone
        limit $limit
        """,
        {"text": text.strip(), "limit": limit},
    )


def customer(conn: duckdb.DuckDBPyConnection, phone: str) -> dict | None:
    """One customer's row of dim_customers."""
    result = conn.execute("select * from analytics.dim_customers where customer_phone = ?", [phone])
    columns = [d[0] for d in result.description]
    row = result.fetchone()
    return dict(zip(columns, row, strict=True)) if row else None


def timeline(conn: duckdb.DuckDBPyConnection, phone: str, filters: Filters) -> pd.DataFrame:
    """The customer's interactions in order, in the accounts and local days filtered."""
    return _df(
        conn,
        f"""
        select
            occurred_at_local, interaction_type, channel, direction, status, our_phone,
            duration_seconds, billed_minutes, cost_amount, currency, interaction_sid
        from analytics.fct_customer_interactions
        where customer_phone = $phone and {_where("cast(occurred_at_local as date)")}
        order by occurred_at, interaction_sid
        """,
        {**filters.params(), "phone": phone},
    )


def interaction_count(conn: duckdb.DuckDBPyConnection, phone: str) -> int:
    return conn.execute(
        "select count(*) from analytics.fct_customer_interactions where customer_phone = ?",
        [phone],
    ).fetchone()[0]
