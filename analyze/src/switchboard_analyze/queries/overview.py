"""The Overview's figures: spend per day and product, the reconciliation, activity."""

from __future__ import annotations

import duckdb
import pandas as pd

from switchboard_analyze.marts import Filters, df, where

# Reconciled when usage records and priced traffic differ by less than Twilio's precision.
PRECISION = 0.00001


def spend_daily(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Twilio's bill (usage records) per UTC day, product and currency."""
    return df(
        conn,
        f"""
        select spend_date, currency, product, sum(usage_cost_amount) as usage_cost_amount
        from analytics.fct_spend_daily
        where {where("spend_date")}
        group by 1, 2, 3 having sum(usage_cost_amount) <> 0
        order by 1, 2, 3
        """,
        filters.params(),
    )


def reconciliation(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Usage records beside the priced messages and calls, per currency and product."""
    return df(
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
        where {where("spend_date")}
        group by 1, 2
        having sum(usage_cost_amount) <> 0 or sum(traffic_cost_amount) <> 0
        order by 1, 2
        """,
        filters.params(),
    )


def activity_daily(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Messages by direction and call minutes per UTC day (fct_account_daily)."""
    return df(
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
        where {where("activity_date")}
        group by 1 order by 1
        """,
        filters.params(),
    )


def delivery_daily(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Delivery and failure rates of outbound messages per local day."""
    return df(
        conn,
        f"""
        select
            message_date_local,
            cast(sum(messages_outbound) as bigint) as messages_outbound,
            cast(sum(messages_delivered) as bigint) as messages_delivered,
            cast(sum(messages_with_outcome) as bigint) as messages_with_outcome,
            round(sum(messages_delivered) / nullif(sum(messages_with_outcome), 0), 4)
                as delivery_rate,
            round(sum(messages_undelivered + messages_failed)
                / nullif(sum(messages_with_outcome), 0), 4) as failure_rate
        from analytics.fct_delivery_daily
        where {where("message_date_local")}
        group by 1 order by 1
        """,
        filters.params(),
    )
