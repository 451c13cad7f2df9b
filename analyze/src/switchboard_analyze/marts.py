"""Reading the marts: the filters every page shares, and what every page needs first.

Queries return pandas DataFrames through Arrow, so amounts stay ``Decimal``; they are
never added across currencies: every amount has its ``currency`` beside it. Days are
the marts' own: UTC days for spend, usage and the account overview (as Twilio bills),
local days of the reporting timezone for delivery and interactions. Each page's own
figures are in ``queries/``, one function per figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

# The marts each page reads; a page names the missing ones instead of failing.
OVERVIEW = (
    "dim_accounts",
    "fct_spend_daily",
    "fct_account_daily",
    "fct_delivery_daily",
    "fct_period_comparison",
    "fct_spend_jumps",
    "fct_delivery_drops",
)
DELIVERY = ("dim_accounts", "fct_delivery_daily", "fct_messages", "fct_delivery_drops")
CUSTOMERS = ("dim_accounts", "dim_customers", "fct_customer_interactions")
LIVE = (
    "dim_accounts",
    "fct_message_current_status",
    "fct_message_delivery_latency",
    "fct_call_current_status",
)
# The day column of each daily mart (the date filter's range covers them all).
DAYS = (
    ("fct_spend_daily", "spend_date"),
    ("fct_account_daily", "activity_date"),
    ("fct_delivery_daily", "message_date_local"),
)


@dataclass(frozen=True)
class Filters:
    """Accounts (SIDs; empty means all) and days, inclusive."""

    accounts: tuple[str, ...]
    start: date
    end: date

    def params(self) -> dict:
        return {"accounts": list(self.accounts), "start": self.start, "end": self.end}


def where(day_column: str | None) -> str:
    """The filter's SQL: accounts, and days on ``day_column`` (None: accounts only)."""
    accounts = "(len($accounts) = 0 or list_contains($accounts, account_sid))"
    return (
        accounts if day_column is None else f"{accounts} and {day_column} between $start and $end"
    )


def df(conn: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Through Arrow, so decimals stay ``Decimal`` (DuckDB's ``.df()`` makes them floats).

    Only the parameters the query names are bound (DuckDB refuses extra ones), so a
    query can take the whole ``Filters`` and use its accounts alone.
    """
    used = {name: value for name, value in (params or {}).items() if f"${name}" in sql}
    return conn.execute(sql, used).to_arrow_table().to_pandas()


def present(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'analytics'"
        ).fetchall()
    }


def missing_marts(conn: duckdb.DuckDBPyConnection, needed: tuple[str, ...]) -> list[str]:
    have = present(conn)
    return [f"analytics.{name}" for name in needed if name not in have]


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
    return df(
        conn,
        """
        select account_sid, account_name, billing_currency, account_status,
            account_name || ' (' || coalesce(billing_currency, 'no currency') || ', '
                || account_status || ')' as label
        from analytics.dim_accounts order by is_subaccount, account_name, account_sid
        """,
    )


def account_names(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        conn.execute("select account_sid, account_name from analytics.dim_accounts").fetchall()
    )


def countries(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """ISO code -> English name (dim_countries); empty for a snapshot without it."""
    if "dim_countries" not in present(conn):
        return {}
    return dict(
        conn.execute("select iso_country, country_name from analytics.dim_countries").fetchall()
    )


def date_bounds(conn: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The first and last day the daily marts cover; None for an empty warehouse."""
    have = present(conn)
    parts = [
        f"select {column} as day from analytics.{table}" for table, column in DAYS if table in have
    ]
    if not parts:
        return None
    first, last = conn.execute(
        f"select min(day), max(day) from ({' union all '.join(parts)}) as days"
    ).fetchone()
    return (first, last) if first is not None else None
