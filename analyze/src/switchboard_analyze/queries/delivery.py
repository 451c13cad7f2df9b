"""Delivery health's figures: outcomes by customer country and by our number, and errors."""

from __future__ import annotations

import duckdb
import pandas as pd

from switchboard_analyze.marts import Filters, df, where

BREAKDOWNS = ("customer_country", "our_phone")


def _check(column: str) -> None:
    if column not in BREAKDOWNS:
        raise ValueError(f"no delivery breakdown by {column!r}")


def delivery_by(conn: duckdb.DuckDBPyConnection, filters: Filters, column: str) -> pd.DataFrame:
    """Outcomes and rates per customer country or our number, most failures first."""
    _check(column)
    return df(
        conn,
        f"""
        select
            coalesce({column}, 'unknown') as {column},
            cast(sum(messages_outbound) as bigint) as messages_outbound,
            cast(sum(messages_with_outcome) as bigint) as with_outcome,
            cast(sum(messages_delivered) as bigint) as delivered,
            cast(sum(messages_undelivered) as bigint) as undelivered,
            cast(sum(messages_failed) as bigint) as failed,
            cast(sum(messages_undelivered + messages_failed) as bigint) as failures,
            round(sum(messages_delivered) / nullif(sum(messages_with_outcome), 0), 4)
                as delivery_rate,
            round(sum(messages_undelivered + messages_failed)
                / nullif(sum(messages_with_outcome), 0), 4) as failure_rate
        from analytics.fct_delivery_daily
        where {where("message_date_local")}
        group by 1
        order by failures desc, failure_rate desc nulls last, messages_outbound desc, 1
        """,
        filters.params(),
    )


def top_errors(
    conn: duckdb.DuckDBPyConnection, filters: Filters, column: str, limit: int = 3
) -> pd.DataFrame:
    """Each country's or number's most frequent error codes, the most messages first."""
    _check(column)
    return df(
        conn,
        f"""
        select {column}, error_code, error_meaning, messages, share_of_errors from (
            select
                coalesce({column}, 'unknown') as {column},
                error_code,
                max(error_meaning) as error_meaning,
                count(*) as messages,
                round(count(*) / sum(count(*)) over (
                    partition by coalesce({column}, 'unknown')), 4) as share_of_errors,
                row_number() over (
                    partition by coalesce({column}, 'unknown') order by count(*) desc, error_code
                ) as error_rank
            from analytics.fct_messages
            where not is_inbound and error_code is not null and {where("message_date_local")}
            group by 1, 2
        ) as ranked
        where error_rank <= {int(limit)}
        order by messages desc, 1, error_code
        """,
        filters.params(),
    )
