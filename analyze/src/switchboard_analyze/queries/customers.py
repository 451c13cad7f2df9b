"""The Customers page's figures: a list to browse, one customer, and their timeline."""

from __future__ import annotations

import duckdb
import pandas as pd

from switchboard_analyze.marts import Filters, df, where

# How the list can be sorted: key -> (label, order by). Spend sorts one currency at a
# time (``spend:USD``): amounts in two currencies are never compared or added.
SORTS = {
    "messages": ("Most messages", "messages_total desc, customer_phone"),
    "delivery": (
        "Lowest delivery",
        "delivery_rate asc nulls last, messages_with_outcome desc, customer_phone",
    ),
    "opted_out": ("Recently opted out", "opted_out_at desc nulls last, customer_phone"),
}
SPEND = "spend:"


def sort_options(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Sort key -> label: top spend in each currency (most customers first), then the rest."""
    currencies = conn.execute(
        "select currency from analytics.fct_customer_interactions where currency is not null "
        "group by 1 order by count(distinct customer_phone) desc, 1"
    ).fetchall()
    return {
        **{f"{SPEND}{c}": f"Top spend ({c})" for (c,) in currencies},
        **{key: label for key, (label, _) in SORTS.items()},
    }


def _list_where() -> str:
    return (
        "(len($accounts) = 0 or list_contains($accounts, customers.primary_account_sid)) "
        "and ($text = '' or contains(lower(customers.customer_phone), lower($text)) "
        "or contains(lower(coalesce(customers.customer_id, '')), lower($text)) "
        "or contains(lower(coalesce(customers.customer_name, '')), lower($text)))"
        " and (not $opted_out_only or customers.is_opted_out)"
    )


def _spend(currency: str | None) -> str:
    """Each customer's spend in one currency (every leg and message they cost)."""
    return f"""
        select customer_phone, sum(cost_amount) as sort_spend
        from analytics.fct_customer_interactions
        where currency = {"$currency" if currency else "null"}
        group by 1
    """


def customer_list(
    conn: duckdb.DuckDBPyConnection,
    filters: Filters,
    sort: str,
    text: str = "",
    *,
    limit: int = 25,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of customers in the sort's order, and how many match in all."""
    currency = sort.removeprefix(SPEND) if sort.startswith(SPEND) else None
    order = "sort_spend desc nulls last, customer_phone" if currency else SORTS[sort][1]
    params = {
        "accounts": list(filters.accounts),
        "text": text.strip(),
        "currency": currency,
        "opted_out_only": sort == "opted_out",
        "limit": limit,
        "offset": offset,
    }
    body = f"""
        from analytics.dim_customers as customers
        left join ({_spend(currency)}) as spend using (customer_phone)
        where {_list_where()}
    """
    total = conn.execute(
        f"select count(*) {body}",
        {k: v for k, v in params.items() if f"${k}" in body},
    ).fetchone()[0]
    page = df(
        conn,
        f"""
        select
            customers.customer_phone, customers.customer_name, customers.customer_id,
            customers.customer_segment, customers.customer_country,
            customers.messages_total, customers.calls_total, customers.delivery_rate,
            customers.messages_with_outcome, customers.is_opted_out, customers.opted_out_at,
            customers.last_contact_at, spend.sort_spend, $currency as sort_currency
        {body}
        order by {order}
        limit $limit offset $offset
        """,
        params,
    )
    return page, int(total)


def spend_by_currency(conn: duckdb.DuckDBPyConnection, phones: list[str]) -> pd.DataFrame:
    """What each of these customers cost, one row per currency (never added across)."""
    return df(
        conn,
        """
        select customer_phone, currency, sum(cost_amount) as spend_amount
        from analytics.fct_customer_interactions
        where list_contains($phones, customer_phone) and cost_amount is not null
        group by 1, 2 order by 1, 2
        """,
        {"phones": phones},
    )


def customer(conn: duckdb.DuckDBPyConnection, phone: str) -> dict | None:
    """One customer's row of dim_customers."""
    result = conn.execute("select * from analytics.dim_customers where customer_phone = ?", [phone])
    columns = [d[0] for d in result.description]
    row = result.fetchone()
    return dict(zip(columns, row, strict=True)) if row else None


def _timeline_where() -> str:
    return f"customer_phone = $phone and {where('cast(occurred_at_local as date)')}"


def timeline(
    conn: duckdb.DuckDBPyConnection,
    phone: str,
    filters: Filters,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The customer's interactions, newest first, in the accounts and local days filtered."""
    page = "" if limit is None else f"limit {int(limit)} offset {int(offset)}"
    return df(
        conn,
        f"""
        select
            occurred_at_local, interaction_type, channel, direction, status, our_phone,
            duration_seconds, billed_minutes, cost_amount, currency, interaction_sid,
            account_sid
        from analytics.fct_customer_interactions
        where {_timeline_where()}
        order by occurred_at desc, interaction_sid desc
        {page}
        """,
        {**filters.params(), "phone": phone},
    )


def timeline_count(conn: duckdb.DuckDBPyConnection, phone: str, filters: Filters) -> int:
    return conn.execute(
        f"select count(*) from analytics.fct_customer_interactions where {_timeline_where()}",
        {**filters.params(), "phone": phone},
    ).fetchone()[0]


def interaction_count(conn: duckdb.DuckDBPyConnection, phone: str) -> int:
    return conn.execute(
        "select count(*) from analytics.fct_customer_interactions where customer_phone = ?",
        [phone],
    ).fetchone()[0]
