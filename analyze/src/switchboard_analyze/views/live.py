"""Live (``/live``): what webhooks said since the last API sync, refreshing itself.

From the webhook marts: each message's and call's latest known status (ahead of the
API when a webhook is newer) and sent -> delivered latency. The page re-reads the
snapshot every ``REFRESH_SECONDS``, so a wall screen stays current without a reload.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from switchboard_analyze import charts, formats, layout, marts, snapshot, ui
from switchboard_analyze.layout import Page
from switchboard_analyze.queries import live
from switchboard_analyze.tables import Col

REFRESH_SECONDS = 30
LATEST = 20  # messages ahead of the API on screen (the download has them all)

MESSAGE_STATUSES = [
    Col("status", "Latest status"),
    Col("messages", "Messages", "count"),
    Col("ahead_of_api", "Webhook first", "count", help="A webhook told us after the last API sync"),
    Col("webhook_only", "Webhook only", "count", help="The last API sync has not seen them yet"),
]
CALL_STATUSES = [
    Col("status", "Latest status"),
    Col("calls", "Calls", "count"),
    Col(
        "ahead_of_api", "Callback first", "count", help="A callback told us after the last API sync"
    ),
]
AHEAD = [
    Col("webhook_status_at", "When (UTC)", "time"),
    Col("message_sid", "Message", width="large"),
    Col("status", "Latest status"),
    Col("api_status", "Last API sync said"),
]


def seconds(value: object) -> str:
    return formats.MISSING if formats.is_missing(value) else f"{float(value):,.1f} s"  # type: ignore[arg-type]


def body(page: Page) -> None:
    statuses = live.message_statuses(page.conn, page.filters)
    calls = live.call_statuses(page.conn, page.filters)
    latency = live.latency_summary(page.conn, page.filters)
    last = live.last_event_at(page.conn)
    fresh = live.freshness_summary(page.conn)
    if last is None:
        st.info(
            "No webhook has reached the warehouse yet. Point Twilio's status callbacks at "
            "`twilio-webhooks serve` and set TAP_TWILIO_WEBHOOKS_STORE_URL (see "
            "webhooks/README.md); the next pipeline run (or `python -m switchboard.live`) "
            "loads what it stored."
        )
    st.caption(
        f"Latest webhook: {formats.timestamp(last)} UTC. Re-read every {REFRESH_SECONDS} s; "
        "the live path (`python -m switchboard.live`) loads webhooks seconds after they "
        "arrive, and each scheduled run loads them too."
    )
    if fresh and fresh["events"]:
        window = f"over the {fresh['events']:,} events made visible in the last "
        window += f"{live.FRESHNESS_WINDOW_MINUTES} minutes before the latest build"
        ui.figures(
            [
                formats.Figure(
                    "Freshness, median",
                    seconds(fresh["p50_seconds"]),
                    "From the receiver's commit to the event's row in the live marts, " + window,
                ),
                formats.Figure("Freshness, p95", seconds(fresh["p95_seconds"]), window),
                formats.Figure("Freshness, max", seconds(fresh["max_seconds"]), window),
                formats.Figure(
                    "Latest build",
                    f"{formats.timestamp(fresh['latest_visible_at'])} UTC",
                    "When the live marts last took in new events",
                ),
            ],
            per_row=4,
        )
    ui.figures(
        [
            formats.Figure(
                "Messages ahead",
                formats.count(statuses["ahead_of_api"].sum()),
                "Messages whose latest status came from a webhook after the last API sync",
            ),
            formats.Figure(
                "Calls ahead",
                formats.count(calls["ahead_of_api"].sum()),
                "Calls whose latest status came from a status callback after the last API sync",
            ),
            formats.Figure(
                "Median delivery",
                seconds(latency["median_seconds"]),
                f"Sent → delivered, over {latency['messages']:,} messages whose webhooks "
                "reported both",
            ),
            formats.Figure("90th percentile", seconds(latency["p90_seconds"]), "Sent → delivered"),
            formats.Figure("Slowest", seconds(latency["max_seconds"]), "Sent → delivered"),
        ],
        per_row=5,
    )
    ui.chart(
        charts.latency_histogram(
            live.latency_distribution(page.conn, page.filters), live.LATENCY_BUCKET_SECONDS
        )
    )
    left, right = st.columns(2)
    with left:
        st.subheader("Messages by latest status")
        ui.table(statuses, MESSAGE_STATUSES, "message-statuses")
    with right:
        st.subheader("Calls by latest status")
        ui.table(calls, CALL_STATUSES, "call-statuses")
    st.subheader("Latest messages ahead of the API")
    ahead = live.latest_ahead(page.conn, page.filters)
    if ahead.empty:
        st.caption("None: the last API sync knows every status webhooks reported.")
    else:
        st.caption(f"The latest {min(LATEST, len(ahead))} of {len(ahead):,}.")
        ui.table(ahead.head(LATEST), AHEAD, "ahead-of-api", download=ahead)


def draw(page: Page) -> None:
    st.header("Live")

    @st.fragment(run_every=REFRESH_SECONDS)
    def refreshing() -> None:
        # Each refresh opens the snapshot again: the pipeline may have published a new one.
        try:
            with snapshot.reading(page.path) as conn:
                body(Page(conn, page.filters, page.timezone, page.countries, page.path))
        except snapshot.SnapshotUnavailable as exc:
            st.warning(str(exc))
        except duckdb.Error as exc:
            st.error(f"The snapshot could not be read ({str(exc).splitlines()[0]}): retrying.")

    refreshing()


layout.run("Live", marts.LIVE, draw, days=False)
