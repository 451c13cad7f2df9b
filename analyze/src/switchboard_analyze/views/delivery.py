"""Delivery health (``/delivery``): where messages fail, most failures first, and why."""

from __future__ import annotations

import streamlit as st

from switchboard_analyze import charts, formats, layout, marts, overview, ui
from switchboard_analyze.layout import Page
from switchboard_analyze.queries import changes, delivery
from switchboard_analyze.tables import Col

LABELS = {"customer_country": "Country", "our_phone": "Our number"}


def breakdown_columns(column: str) -> list[Col]:
    kind = "country" if column == "customer_country" else "text"
    return [
        Col(column, LABELS[column], kind),
        Col("messages_outbound", "Outbound", "count"),
        Col("with_outcome", "With an outcome", "count"),
        Col("delivered", "Delivered", "count"),
        Col("undelivered", "Undelivered", "count"),
        Col("failed", "Failed", "count"),
        Col("failures", "Failures", "count", help="Undelivered plus failed"),
        Col("delivery_rate", "Delivery rate", "rate"),
        Col("failure_rate", "Failure rate", "rate"),
    ]


def error_columns(column: str) -> list[Col]:
    kind = "country" if column == "customer_country" else "text"
    return [
        Col(column, LABELS[column], kind),
        Col("error_code", "Error code"),
        Col("error_meaning", "What it means", width="large"),
        Col("messages", "Messages", "count"),
        Col("share_of_errors", f"Share of the {LABELS[column].lower()}'s errors", "rate"),
    ]


def section(page: Page, column: str) -> None:
    label = LABELS[column].lower()
    st.subheader(f"By {label}")
    breakdown = delivery.delivery_by(page.conn, page.filters, column)
    if breakdown.empty:
        st.info("No outbound messages in the selected accounts and days.")
        return
    named = breakdown.assign(
        label=[
            formats.country(v, page.countries) if column == "customer_country" else v
            for v in breakdown[column]
        ]
    )
    ui.chart(charts.failure_rate_by(named, "label", f"Failure rate by {label}"))
    ui.table(
        breakdown,
        breakdown_columns(column),
        f"delivery-by-{label.replace(' ', '-')}",
        page.countries,
    )
    errors = delivery.top_errors(page.conn, page.filters, column)
    st.markdown(f"**The most frequent error codes by {label}**, most messages first")
    if errors.empty:
        st.info("No error codes in the selected accounts and days.")
        return
    errors = errors.assign(error_code=errors["error_code"].map(lambda c: f"{int(c)}"))
    ui.table(errors, error_columns(column), f"errors-by-{label.replace(' ', '-')}", page.countries)


def drops(page: Page) -> None:
    found = changes.delivery_drops(page.conn, page.filters)
    if found.empty:
        return
    first = found.iloc[0]
    st.warning(
        f"Delivery dropped in {len(found)} place{'s' * (len(found) != 1)} this period "
        f"({formats.span(first['current_start_date'], first['current_end_date'])}): "
        f"{first['rule_description']}."
    )
    ui.table(overview.drops_table(found, page.countries), overview.DROPS, "delivery-drops")


def draw(page: Page) -> None:
    st.header("Delivery health")
    st.caption(
        f"Outbound messages on days in {page.timezone}. Rates are over messages with an "
        "outcome (delivered, sent without receipt, undelivered, failed or canceled); "
        "failures are undelivered plus failed."
    )
    drops(page)
    for column in delivery.BREAKDOWNS:
        section(page, column)


layout.run("Delivery health", marts.DELIVERY, draw)
