"""What every page does first: open the snapshot, check its marts, draw the shared filters.

The filters are bound to the URL (``?account=Acme+Corp+(USD)&days=2026-08-01&days=2026-08-31``:
Streamlit writes a choice as it reads), as every page's own controls are, so a link
reproduces what its sender sees. A page
calls ``run`` with the marts it needs and a function that draws it; a missing mart, an
empty warehouse or a snapshot being replaced reads as a sentence, never a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from switchboard_analyze import marts, snapshot

# Query parameters of the shared filters (and the widgets' keys).
ACCOUNT = "account"
DAYS = "days"


@dataclass(frozen=True)
class Page:
    """What a page draws from: one short read-only connection, and the filters chosen."""

    conn: duckdb.DuckDBPyConnection
    filters: marts.Filters
    timezone: str
    countries: dict[str, str]
    path: Path


def account_labels(accounts: pd.DataFrame) -> dict[str, str]:
    """SID -> "Acme Corp (USD)": what the filter shows and the URL holds, so it is unique
    (a name two accounts share gets the end of each SID)."""
    pairs = zip(accounts["account_name"], accounts["billing_currency"], strict=True)
    names = [f"{name} ({cur})" if isinstance(cur, str) else str(name) for name, cur in pairs]
    return {
        sid: f"{name} · {sid[-6:]}" if names.count(name) > 1 else name
        for sid, name in zip(accounts["account_sid"], names, strict=True)
    }


def sidebar_filters(
    conn: duckdb.DuckDBPyConnection, info: dict | None, *, days: bool = True
) -> marts.Filters | None:
    """Accounts and days; None (with a message) when the warehouse has no data yet."""
    timezone = info["reporting_timezone"] if info else "unknown (snapshot without metadata)"
    st.sidebar.markdown(f"**Reporting timezone:** `{timezone}`")
    if info:
        st.sidebar.caption(f"Snapshot published {info['published_at']:%Y-%m-%d %H:%M:%S %Z}")
    accounts = marts.accounts(conn)
    bounds = marts.date_bounds(conn)
    if accounts.empty or bounds is None:
        st.info(
            "The warehouse has no data yet: no account or no day in the marts. Run the "
            "pipeline (`make demo`, or `make run` against Twilio); it publishes a new "
            "snapshot after each build."
        )
        return None
    labels = account_labels(accounts)
    chosen = st.sidebar.multiselect(
        "Accounts",
        options=list(labels),
        format_func=labels.__getitem__,
        placeholder="All accounts",
        help="None chosen: every account.",
        key=ACCOUNT,
        bind="query-params",
    )
    first, last = bounds
    if not days:
        return marts.Filters(accounts=tuple(chosen), start=first, end=last)
    picked = st.sidebar.date_input(
        "Days",
        value=(first, last),
        min_value=first,
        max_value=last,
        format="YYYY-MM-DD",
        key=DAYS,
        bind="query-params",
    )
    # While a range is being picked, only its first day is set.
    start, end = (*tuple(picked), last)[:2] if isinstance(picked, tuple) else (picked, last)
    st.sidebar.caption(
        "Spend, usage and the account overview count UTC days, as Twilio bills; delivery and "
        f"customer timelines count days in {timezone}."
    )
    return marts.Filters(accounts=tuple(chosen), start=start, end=end)


def run(
    title: str, needed: tuple[str, ...], draw: Callable[[Page], None], *, days: bool = True
) -> None:
    """Open the snapshot and draw the page, or say in one sentence why it cannot be."""
    path = snapshot.reader_path()
    try:
        with snapshot.reading(path) as conn:
            missing = marts.missing_marts(conn, needed)
            if missing:
                st.warning(
                    f"The snapshot at {path} has no {', '.join(missing)}, which {title} needs. "
                    "Build the marts (`make demo`, or `meltano run dbt-duckdb:build "
                    "warehouse-snapshot:publish`) and reload."
                )
                return
            info = marts.snapshot_info(conn)
            filters = sidebar_filters(conn, info, days=days)
            if filters is None:
                return
            timezone = info["reporting_timezone"] if info else "the reporting timezone"
            draw(Page(conn, filters, timezone, marts.countries(conn), path))
    except snapshot.SnapshotUnavailable as exc:
        st.warning(str(exc))
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        st.error(
            f"The warehouse snapshot at {path} could not be read ({reason}). If the pipeline "
            "is publishing a new one, reload in a moment."
        )
