"""Customers (``/customers``): a list to browse and sort, and one customer's whole history.

Every control lives in the URL: the search (``q``), the order (``sort``), the list's
page (``list``), the open customer (``customer``) and the timeline's page
(``timeline``), so a link opens the same customer on the same page of their history.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from switchboard_analyze import formats, layout, marts, ui
from switchboard_analyze.layout import Page
from switchboard_analyze.queries import customers
from switchboard_analyze.tables import Col

CUSTOMER = "customer"  # the open customer's phone, in the URL
LIST_ROWS = 25
TIMELINE_ROWS = 50

LIST = [
    Col("customer_label", "Customer", exact_name="customer_name"),
    Col("customer_id", "Customer id", on_screen=False),
    Col("customer_phone", "Phone"),
    Col("customer_country", "Country", "country"),
    Col("customer_segment", "Segment", on_screen=False),
    Col("messages_total", "Messages", "count"),
    Col("calls_total", "Calls", "count"),
    Col("spend_text", "Spend", exact_name="spend_exact"),
    Col("delivery_rate", "Delivery rate", "rate"),
    Col("opted_out_at", "Opted out (UTC)", "day", exact_name="opted_out_at"),
    Col("last_contact_at", "Last contact (UTC)", "day", exact_name="last_contact_at"),
]
EVERYTHING = [Col("column", "Column"), Col("value", "Value")]
CHANNELS = {"sms": "SMS", "mms": "MMS", "whatsapp": "WhatsApp", "voice": "Voice"}


def timeline_columns(timezone: str) -> list[Col]:
    return [
        Col("occurred_at_local", f"When ({timezone})", "time"),
        Col("interaction_type", "Type", on_screen=False),  # the channel says it: Voice is a call
        Col("channel", "Channel"),
        Col("direction", "Direction"),
        Col("status", "Status", width=100),  # "undelivered" whole, wherever it first shows
        Col("our_phone", "Our number"),
        Col("duration_seconds", "Duration", "duration", exact_name="duration_seconds"),
        Col("billed_minutes", "Minutes", "count", help="Billed minutes (calls)"),
        Col("cost_amount", "Cost", "money"),
        Col("interaction_sid", "SID"),
    ]


def spend_columns(conn: object, frame: pd.DataFrame) -> pd.DataFrame:
    """Each customer's spend per currency, as read (``$1.20 · €0.50``) and exactly."""
    spend = customers.spend_by_currency(conn, list(frame["customer_phone"]))  # type: ignore[arg-type]
    read: dict[str, list[str]] = {}
    exact: dict[str, list[str]] = {}
    for row in spend.itertuples(index=False):
        read.setdefault(row.customer_phone, []).append(
            formats.money(row.spend_amount, row.currency)
        )
        exact.setdefault(row.customer_phone, []).append(
            formats.exact_money(row.spend_amount, row.currency)
        )
    return frame.assign(
        customer_label=[
            " · ".join(str(v) for v in (name, cid) if not formats.is_missing(v)) or formats.MISSING
            for name, cid in zip(frame["customer_name"], frame["customer_id"], strict=True)
        ],
        spend_text=[
            " · ".join(read.get(p, [])) or formats.MISSING for p in frame["customer_phone"]
        ],
        spend_exact=["; ".join(exact.get(p, [])) for p in frame["customer_phone"]],
    )


def open_customer(phones: list[str]) -> None:
    """The list's row selection opens that customer (in the URL), on their newest page."""
    selected = st.session_state["customers-table"].selection.rows
    if selected:
        st.query_params[CUSTOMER] = phones[selected[0]]
        st.session_state["timeline"] = 1


def browse(page: Page) -> None:
    options = customers.sort_options(page.conn)
    text = st.text_input(
        "Search",
        placeholder="Part of a phone number, a customer id or a name",
        key="q",
        bind="query-params",
    )
    sort = st.segmented_control(
        "Sort by",
        list(options),
        format_func=options.__getitem__,
        default=next(iter(options)),
        required=True,
        key="sort",
        bind="query-params",
    )
    sort = sort or next(iter(options))
    _, total = customers.customer_list(page.conn, page.filters, sort, text, limit=0)
    if not total:
        if text.strip():
            st.info(f"No customer's phone, id or name contains {text.strip()!r}.")
        elif sort == "opted_out":
            st.info("No customer of the selected accounts has opted out.")
        else:
            st.info("No customer in the selected accounts.")
        return
    shown = st.container()  # the list, above its pages
    number = st.pagination(math.ceil(total / LIST_ROWS), key="list", bind="query-params")
    rows, _ = customers.customer_list(
        page.conn, page.filters, sort, text, limit=LIST_ROWS, offset=(number - 1) * LIST_ROWS
    )
    rows = spend_columns(page.conn, rows)
    start = (number - 1) * LIST_ROWS + 1
    phones = list(rows["customer_phone"])
    with shown:
        st.caption(
            f"Customers {start:,}–{start + len(rows) - 1:,} of {total:,}, sorted by "
            f"{options[sort]}, over their whole history (the selected days do not apply). "
            "Select a row to open the customer."
        )
        ui.table(
            rows,
            LIST,
            "customers",
            page.countries,
            selectable=True,
            on_select=lambda: open_customer(phones),
        )


def summary(page: Page, found: dict) -> None:
    spend = customers.spend_by_currency(page.conn, [found["customer_phone"]])
    read = " · ".join(formats.money(r.spend_amount, r.currency) for r in spend.itertuples())
    exact = "; ".join(formats.exact_money(r.spend_amount, r.currency) for r in spend.itertuples())
    opted = (
        "yes"
        + (
            f", since {formats.timestamp(found['opted_out_at'])} UTC"
            if found["opted_out_at"]
            else ""
        )
        if found["is_opted_out"]
        else "no"
    )
    days = found["days_since_last_reply"]
    ui.figures(
        [
            formats.Figure("Messages", formats.count(found["messages_total"])),
            formats.Figure("Calls", formats.count(found["calls_total"])),
            formats.Figure("Spend", read or "none", exact),
            formats.Figure(
                "Delivery rate",
                formats.percent(found["delivery_rate"])
                if found["delivery_rate"] is not None
                else "n/a",
                f"{found['messages_delivered'] or 0:,} delivered of "
                f"{found['messages_with_outcome'] or 0:,} with an outcome",
            ),
            formats.Figure("Days since last reply", "never replied" if days is None else f"{days}"),
        ],
        per_row=5,
    )
    st.markdown(
        f"**Country:** {formats.country(found['customer_country'], page.countries)} · "
        f"**Segment:** {found['customer_segment'] or 'not enriched'} · **Opted out:** {opted}"
    )
    with st.expander("Everything dim_customers knows"):
        ui.table(
            pd.DataFrame(
                {"column": list(found), "value": [formats.text(v) for v in found.values()]}
            ),
            EVERYTHING,
            "customer",
        )


def history(page: Page, phone: str) -> None:
    everything = customers.timeline(page.conn, phone, page.filters)
    total = customers.interaction_count(page.conn, phone)
    st.subheader("Timeline")
    columns = timeline_columns(page.timezone)
    if everything.empty:
        st.caption(f"0 of {total:,} interactions in the selected accounts and days.")
        return
    everything = everything.assign(
        interaction_type=everything["interaction_type"].str.capitalize(),
        channel=everything["channel"].map(lambda c: CHANNELS.get(c, c)),
    )
    shown = st.container()  # the page of the timeline, above the pages
    number = st.pagination(
        math.ceil(len(everything) / TIMELINE_ROWS), key="timeline", bind="query-params"
    )
    start = (number - 1) * TIMELINE_ROWS
    rows = everything.iloc[start : start + TIMELINE_ROWS]
    with shown:
        st.caption(
            f"{start + 1:,}–{start + len(rows):,} of {len(everything):,} interactions in the "
            f"selected accounts and days ({total:,} in all), newest first; times in "
            f"{page.timezone}."
        )
        ui.table(rows, columns, "timeline", download=everything)


def customer_view(page: Page, phone: str) -> None:
    if st.button("← All customers"):
        del st.query_params[CUSTOMER]
        st.session_state.pop("customers-table", None)  # so the same row can open it again
        st.rerun()
    found = customers.customer(page.conn, phone)
    if found is None:
        st.info(f"No customer {phone} in the snapshot: pick one from the list.")
        return
    name = " · ".join(str(v) for v in (found["customer_name"], found["customer_id"], phone) if v)
    st.subheader(name)
    summary(page, found)
    history(page, phone)


def draw(page: Page) -> None:
    st.header("Customers")
    phone = st.query_params.get(CUSTOMER)
    if phone:
        customer_view(page, phone)
    else:
        browse(page)


layout.run("Customers", marts.CUSTOMERS, draw)
