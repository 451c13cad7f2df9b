"""The Live page's figures, from the webhook marts: statuses ahead of the API, latency.

Only accounts filter them: these marts hold the latest state of each message and call,
not a history by day.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from switchboard_analyze.marts import Filters, df, where

LATENCY_BUCKET_SECONDS = 5


def message_statuses(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Messages per latest known status, and how many of them webhooks know first."""
    return df(
        conn,
        f"""
        select
            status,
            count(*) as messages,
            count(case when is_ahead_of_api then 1 end) as ahead_of_api,
            count(case when api_status is null then 1 end) as webhook_only
        from analytics.fct_message_current_status
        where {where(None)}
        group by 1 order by messages desc, 1
        """,
        filters.params(),
    )


def call_statuses(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Calls per latest known status, and how many of them callbacks know first."""
    return df(
        conn,
        f"""
        select
            status,
            count(*) as calls,
            count(case when is_ahead_of_api then 1 end) as ahead_of_api
        from analytics.fct_call_current_status
        where {where(None)}
        group by 1 order by calls desc, 1
        """,
        filters.params(),
    )


def latest_ahead(
    conn: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 100
) -> pd.DataFrame:
    """The messages whose latest status only webhooks know yet, the latest first."""
    return df(
        conn,
        f"""
        select webhook_status_at, message_sid, status, api_status, account_sid
        from analytics.fct_message_current_status
        where is_ahead_of_api and {where(None)}
        order by webhook_status_at desc nulls last, message_sid
        """,
        filters.params(),
    )


def latency_summary(conn: duckdb.DuckDBPyConnection, filters: Filters) -> dict:
    """Sent -> delivered: how many, the median, the 90th percentile and the slowest."""
    row = conn.execute(
        f"""
        select
            count(*),
            quantile_cont(latency_seconds, 0.5),
            quantile_cont(latency_seconds, 0.9),
            max(latency_seconds),
            max(delivered_at)
        from analytics.fct_message_delivery_latency
        where {where(None)}
        """,
        {"accounts": list(filters.accounts)},
    ).fetchone()
    keys = ("messages", "median_seconds", "p90_seconds", "max_seconds", "latest_delivered_at")
    return dict(zip(keys, row, strict=True))


def latency_distribution(conn: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Messages per latency bucket (``LATENCY_BUCKET_SECONDS`` wide) and how it was measured."""
    return df(
        conn,
        f"""
        select
            cast(floor(latency_seconds / {LATENCY_BUCKET_SECONDS}) * {LATENCY_BUCKET_SECONDS}
                as integer) as bucket_start_seconds,
            measured_from,
            count(*) as messages
        from analytics.fct_message_delivery_latency
        where {where(None)}
        group by 1, 2 order by 1, 2
        """,
        filters.params(),
    )


def last_event_at(conn: duckdb.DuckDBPyConnection) -> object:
    """When the latest webhook the marts know of happened (UTC); None before any."""
    return conn.execute(
        "select max(webhook_status_at) from (select webhook_status_at "
        "from analytics.fct_message_current_status union all select webhook_status_at "
        "from analytics.fct_call_current_status) as events"
    ).fetchone()[0]


FRESHNESS_WINDOW_MINUTES = 60


def freshness_summary(conn: duckdb.DuckDBPyConnection) -> dict | None:
    """Receiver to live mart, seconds, over the events made visible in the last
    ``FRESHNESS_WINDOW_MINUTES`` before the latest build (``fct_webhook_freshness``);
    None when the snapshot has no such mart (built before it existed)."""
    exists = conn.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'analytics' and table_name = 'fct_webhook_freshness'"
    ).fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute(
        f"""
        with measured as (
            select * from analytics.fct_webhook_freshness where is_measured
        )
        select
            count(*),
            quantile_cont(freshness_seconds, 0.5),
            quantile_cont(freshness_seconds, 0.95),
            max(freshness_seconds),
            max(visible_at)
        from measured
        where visible_at >= (select max(visible_at) from measured)
            - interval {FRESHNESS_WINDOW_MINUTES} minute
        """
    ).fetchone()
    keys = ("events", "p50_seconds", "p95_seconds", "max_seconds", "latest_visible_at")
    return dict(zip(keys, row, strict=True))
