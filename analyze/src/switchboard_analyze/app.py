"""The Switchboard dashboard: Overview, Delivery health and Customers, on the warehouse snapshot.

Run it with ``make dashboard`` (``python -m switchboard_analyze.serve``). It reads
only the snapshot the pipeline publishes after each build (``SWITCHBOARD_SNAPSHOT``,
default ``output/warehouse.snapshot.duckdb``), through one short read-only connection
per page view, so it never holds the file ``meltano run`` writes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from switchboard_analyze import charts, marts, snapshot

ROW_HEIGHT = 35  # Streamlit's table rows, to show a whole table without scrolling
PAGES = {
    "Overview": marts.OVERVIEW,
    "Delivery health": marts.DELIVERY,
    "Customers": marts.CUSTOMERS,
}


def money(value: object) -> str:
    """An exact amount as text with Twilio's five decimals; blank when there is none."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return ""
    return f"{Decimal(str(value)):,.5f}"


def percent(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.2%}"


def chart(spec: object) -> None:
    if spec is not None:
        st.altair_chart(spec, width="stretch")


def sidebar_filters(conn: duckdb.DuckDBPyConnection, info: dict | None) -> marts.Filters | None:
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
    labels = dict(zip(accounts["account_sid"], accounts["label"], strict=True))
    chosen = st.sidebar.multiselect(
        "Accounts",
        options=list(labels),
        format_func=labels.__getitem__,
        placeholder="All accounts",
        help="None chosen: every account.",
    )
    first, last = bounds
    picked = st.sidebar.date_input(
        "Days", value=(first, last), min_value=first, max_value=last, format="YYYY-MM-DD"
    )
    # While a range is being picked, only its first day is set.
    start, end = (*tuple(picked), last)[:2] if isinstance(picked, tuple) else (picked, last)
    st.sidebar.caption(
        "Spend, usage and the account overview count UTC days, as Twilio bills; delivery and "
        f"customer timelines count days in {timezone}."
    )
    return marts.Filters(accounts=tuple(chosen), start=start, end=end)


def overview(conn: duckdb.DuckDBPyConnection, filters: marts.Filters, timezone: str) -> None:
    st.header("Overview")
    spend = marts.spend_daily(conn, filters)
    recon = marts.reconciliation(conn, filters)
    if spend.empty:
        st.info("No spend in the selected accounts and days.")
    for currency, spend_chart in charts.spend_by_currency(spend).items():
        rows = recon[recon["currency"] == currency]
        bill = sum(rows["usage_records"], Decimal(0))
        cols = st.columns(3)
        cols[0].metric(f"Spend, usage records ({currency})", money(bill))
        cols[1].metric(
            f"Priced messages and calls ({currency})",
            money(sum(rows["priced_traffic"].dropna(), Decimal(0))),
        )
        cols[2].metric(
            f"Difference on priced products ({currency})",
            money(sum(rows["difference"].dropna(), Decimal(0))),
        )
        chart(spend_chart)

    st.subheader("Reconciliation: usage records vs. priced messages and calls")
    if not recon.empty:
        off = recon[recon["days_off"] > 0]
        if off.empty:
            st.success(
                "Twilio's usage records and the priced messages and calls agree to 0.00001 on "
                "every day, product and currency selected."
            )
        else:
            st.warning(
                f"{int(off['days_off'].sum())} product-days differ by 0.00001 or more: "
                + ", ".join(f"{r.currency} {r.product}" for r in off.itertuples())
            )
        table = recon.assign(
            usage_records=recon["usage_records"].map(money),
            priced_traffic=recon["priced_traffic"].map(money),
            difference=recon["difference"].map(money),
        )
        st.dataframe(table, hide_index=True, height=ROW_HEIGHT * (len(table) + 1) + 3)
        st.caption(
            "phone_numbers (rental) and other have no per-message price: they have usage "
            "records only. Amounts are never added across currencies."
        )

    activity = marts.activity_daily(conn, filters)
    delivery = marts.delivery_daily(conn, filters)
    st.subheader("Messages and delivery")
    chart(charts.messages_per_day(activity))
    chart(charts.delivery_rate_per_day(delivery, timezone))
    st.subheader("Calls")
    cols = st.columns(3)
    cols[0].metric("Calls", f"{int(activity['calls'].sum()):,}", help="Customer-facing calls")
    cols[1].metric(
        "Call legs", f"{int(activity['call_legs'].sum()):,}", help="Forwarding legs included"
    )
    cols[2].metric("Billed minutes", f"{int(activity['billed_minutes'].sum()):,}")
    chart(charts.call_minutes_per_day(activity))


def delivery_health(conn: duckdb.DuckDBPyConnection, filters: marts.Filters, timezone: str) -> None:
    st.header("Delivery health")
    st.caption(
        f"Outbound messages on days in {timezone}. Rates are over messages with an outcome "
        "(delivered, sent without receipt, undelivered, failed or canceled); failures are "
        "undelivered plus failed."
    )
    for column, label in (("customer_country", "country"), ("our_phone", "our number")):
        st.subheader(f"By {label}")
        breakdown = marts.delivery_by(conn, filters, column)
        if breakdown.empty:
            st.info("No outbound messages in the selected accounts and days.")
            continue
        chart(charts.failure_rate_by(breakdown, column, f"Failure rate by {label}"))
        st.dataframe(
            breakdown.assign(
                delivery_rate=breakdown["delivery_rate"].map(percent),
                failure_rate=breakdown["failure_rate"].map(percent),
            ),
            hide_index=True,
        )
        errors = marts.top_errors(conn, filters, column)
        st.markdown(f"**Top error codes by {label}**, with what they mean")
        if errors.empty:
            st.info("No error codes in the selected accounts and days.")
        else:
            st.dataframe(errors, hide_index=True)


def customers(conn: duckdb.DuckDBPyConnection, filters: marts.Filters, timezone: str) -> None:
    st.header("Customers")
    text = st.text_input("Phone number, customer id or name", placeholder="e.g. +1415 or Kim")
    if not text.strip():
        st.caption("Type part of a phone number, an enriched customer id or a name.")
        return
    found = marts.find_customers(conn, text)
    if found.empty:
        st.info(f"No customer's phone, id or name contains {text.strip()!r}.")
        return
    labels = dict(zip(found["customer_phone"], found["label"], strict=True))
    phone = st.selectbox(
        f"{len(found)} match{'es' if len(found) > 1 else ''}",
        options=list(labels),
        format_func=labels.__getitem__,
    )
    summary = marts.customer(conn, phone)
    if summary is None:  # the snapshot was replaced between the two queries
        st.info("That customer is no longer in the snapshot: search again.")
        return
    st.subheader(labels[phone])
    cols = st.columns(4)
    cols[0].metric("Messages", f"{summary['messages_total']:,}")
    cols[1].metric("Calls", f"{summary['calls_total']:,}")
    cols[2].metric("Spend", summary["spend_by_currency"] or "none")
    cols[3].metric("Delivery rate", percent(summary["delivery_rate"]) or "n/a")
    cols = st.columns(4)
    cols[0].metric("Country", summary["customer_country"] or "unknown")
    cols[1].metric("Segment", summary["customer_segment"] or "not enriched")
    cols[2].metric("Opted out", "yes" if summary["is_opted_out"] else "no")
    days = summary["days_since_last_reply"]
    cols[3].metric("Days since last reply", "never replied" if days is None else f"{days}")
    with st.expander("Everything dim_customers knows"):
        st.dataframe(
            pd.DataFrame({"column": list(summary), "value": [str(v) for v in summary.values()]}),
            hide_index=True,
        )
    history = marts.timeline(conn, phone, filters)
    total = marts.interaction_count(conn, phone)
    st.subheader("Timeline")
    st.caption(
        f"{len(history):,} of {total:,} interactions in the selected accounts and days, "
        f"oldest first; times in {timezone}."
    )
    st.dataframe(history.assign(cost_amount=history["cost_amount"].map(money)), hide_index=True)


RENDER = {"Overview": overview, "Delivery health": delivery_health, "Customers": customers}


def render(conn: duckdb.DuckDBPyConnection, page: str, path: Path) -> None:
    missing = marts.missing_marts(conn, PAGES[page])
    if missing:
        st.warning(
            f"The snapshot at {path} has no {', '.join(missing)}, which {page} needs. Build "
            "the marts (`make demo`, or `meltano run dbt-duckdb:build warehouse-snapshot:publish`)"
            " and reload."
        )
        return
    info = marts.snapshot_info(conn)
    filters = sidebar_filters(conn, info)
    if filters is None:
        return
    RENDER[page](conn, filters, info["reporting_timezone"] if info else "the reporting timezone")


def main() -> None:
    st.set_page_config(page_title="Switchboard", layout="wide")
    st.sidebar.title("Switchboard")
    page = st.sidebar.radio("Page", list(PAGES))
    path = snapshot.reader_path()
    try:
        with snapshot.reading(path) as conn:
            render(conn, page, path)
    except snapshot.SnapshotUnavailable as exc:
        st.warning(str(exc))
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        st.error(
            f"The warehouse snapshot at {path} could not be read ({reason}). If the pipeline "
            "is publishing a new one, reload in a moment."
        )


main()
