"""Overview (``/``): what changed, what was flagged, the totals, the charts, the bill."""

from __future__ import annotations

import streamlit as st

from switchboard_analyze import formats, layout, marts, overview, ui
from switchboard_analyze.layout import Page


def what_changed(view: overview.Overview) -> None:
    st.subheader("What changed")
    if view.comparison.empty:
        st.info("Not enough days yet to compare one period with the one before.")
        return
    st.caption(
        f"The last complete days, {overview.periods(view)} (UTC days; delivery on days in "
        f"{view.timezone}). The selected days do not apply: the periods end on the last "
        "complete day in the warehouse."
    )
    ui.figures(overview.changed(view), per_row=3)  # room for "Delivery rate, last 7 days"


def flags(view: overview.Overview) -> None:
    st.subheader("Flagged")
    jumps, drops = view.jumps, overview.drops_table(view.drops, view.countries)
    if jumps.empty and drops.empty:
        st.success(
            "Nothing flagged: no product's spend jumped on a selected day, and no country's "
            "or number's delivery dropped this period."
        )
        return
    if not jumps.empty:
        st.warning(
            f"Spend jumped {len(jumps)} time{'s' * (len(jumps) != 1)} in the selected days: "
            f"{jumps['rule_description'].iloc[0]}."
        )
        ui.table(jumps, overview.JUMPS, "spend-jumps")
    if not drops.empty:
        st.warning(
            f"Delivery dropped in {len(drops)} place{'s' * (len(drops) != 1)} this period: "
            f"{drops['rule_description'].iloc[0]}."
        )
        ui.table(drops, overview.DROPS, "delivery-drops", view.countries)


def reconciliation(view: overview.Overview) -> None:
    st.subheader("Reconciliation: usage records vs. priced messages and calls")
    recon = view.recon
    if recon.empty:
        return
    ui.figures(overview.reconciliation(view), per_row=4)
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
    ui.table(recon, overview.RECONCILIATION, "reconciliation")
    st.caption(
        "Phone numbers (rental) and other have no per-message price: they have usage "
        "records only. Amounts are never added across currencies."
    )


def draw(page: Page) -> None:
    st.header("Overview")
    view = overview.build(page.conn, page.filters, page.timezone)
    what_changed(view)
    flags(view)
    st.subheader(f"Totals, {formats.span(page.filters.start, page.filters.end)}")
    if view.spend.empty:
        st.info("No spend in the selected accounts and days.")
    ui.figures(overview.totals(view), per_row=4)
    for spec in overview.chart_list(view):
        ui.chart(spec)
    reconciliation(view)


layout.run("Overview", marts.OVERVIEW, draw)
