"""What changed, as the marts computed it: this period against the previous one, and flags.

The rules and thresholds live in dbt (``fct_period_comparison``, ``fct_spend_jumps``,
``fct_delivery_drops``); these queries only filter and add accounts up. Periods end on
the last complete day, so they follow the account filter but not the date filter;
spend jumps have a day, so they follow both.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from switchboard_analyze.marts import Filters, df, where


def comparison(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Totals and bases per measure (and currency for spend), added over the accounts."""
    return df(
        conn,
        f"""
        select
            measure,
            currency,
            any_value(day_basis) as day_basis,
            any_value(period_days) as period_days,
            min(current_start_date) as current_start_date,
            max(current_end_date) as current_end_date,
            min(previous_start_date) as previous_start_date,
            max(previous_end_date) as previous_end_date,
            sum(current_total) as current_total,
            cast(sum(current_base) as bigint) as current_base,
            sum(previous_total) as previous_total,
            cast(sum(previous_base) as bigint) as previous_base
        from analytics.fct_period_comparison
        where {where(None)}
        group by 1, 2
        order by
            case measure when 'spend' then 1 when 'messages' then 2
                when 'delivery_rate' then 3 else 4 end,
            currency
        """,
        filters.params(),
    )


def spend_jumps(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Days and products whose spend jumped, in the filtered accounts and days, newest first."""
    return df(
        conn,
        f"""
        select
            jumps.spend_date, accounts.account_name, jumps.product, jumps.currency,
            jumps.spend_amount, jumps.baseline_amount, jumps.jump_amount, jumps.jump_ratio,
            jumps.rule_description, account_sid
        from analytics.fct_spend_jumps as jumps
        left join analytics.dim_accounts as accounts using (account_sid)
        where {where("jumps.spend_date")}
        order by jumps.spend_date desc, jumps.jump_amount desc
        """,
        filters.params(),
    )


def delivery_drops(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Countries and numbers whose delivery dropped this period, the largest drop first."""
    return df(
        conn,
        f"""
        select
            accounts.account_name, drops.dimension, drops.dimension_value,
            drops.current_start_date, drops.current_end_date,
            drops.previous_start_date, drops.previous_end_date,
            drops.previous_delivery_rate, drops.current_delivery_rate, drops.drop_points,
            drops.previous_with_outcome, drops.current_with_outcome,
            drops.rule_description, account_sid
        from analytics.fct_delivery_drops as drops
        left join analytics.dim_accounts as accounts using (account_sid)
        where {where(None)}
        order by drops.drop_points desc, drops.dimension, drops.dimension_value
        """,
        filters.params(),
    )
