"""The charts, as Altair (Vega-Lite) specs: the same ones in the dashboard and the report.

Each takes a DataFrame from ``queries`` and returns a chart, or None when there is
nothing to draw. Colours and sizes come from ``palette``; every day axis reads the
same way (``Nov 20``) and is drawn on UTC dates, so a browser's own timezone never
shifts a bar to the neighbouring day. Spend is drawn one currency at a time: a chart
never stacks two currencies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from switchboard_analyze import formats, palette

WIDTH = "container"
DAY_COLUMNS = {"spend_date", "activity_date", "message_date_local"}


def _drawable(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Decimals to floats, days to ``YYYY-MM-DD`` (parsed as UTC dates by Vega)."""
    out = df.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce")
    for column in DAY_COLUMNS.intersection(out.columns):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


def _configured(chart: alt.Chart, height: int = palette.HEIGHT) -> alt.Chart:
    return chart.properties(width=WIDTH, height=height, config=palette.vega_config())


def day_x(column: str, title: str) -> alt.X:
    """One day axis for every chart: a tick per week, labelled ``Nov 20``, UTC dates."""
    return alt.X(
        f"utcyearmonthdate({column}):T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(
            format="%b %d", labelAngle=0, tickCount="week", grid=False, labelOverlap="greedy"
        ),
    )


def day_tooltip(column: str) -> alt.Tooltip:
    return alt.Tooltip(f"utcyearmonthdate({column}):T", title="Day", format="%Y-%m-%d")


def money_axis(currency: str) -> alt.Axis:
    prefix = formats.symbol(currency).replace("'", "\\'")
    return alt.Axis(labelExpr=f"'{prefix}' + format(datum.value, ',.2f')")


def spend_by_currency(spend: pd.DataFrame) -> dict[str, alt.Chart]:
    """Twilio's bill per UTC day, stacked by product: one chart per currency."""
    charts: dict[str, alt.Chart] = {}
    for currency, rows in spend.groupby("currency", sort=True):
        data = _drawable(rows, "usage_cost_amount")
        data["product_label"] = data["product"].map(palette.PRODUCT_LABELS)
        data["stack"] = data["product"].map(palette.PRODUCTS.index)
        labels = [palette.PRODUCT_LABELS[p] for p in palette.PRODUCTS]
        colors = [palette.PRODUCT_COLORS[p] for p in palette.PRODUCTS]
        chart = (
            alt.Chart(data, title=f"Spend per day in {currency} (UTC days, usage records)")
            .mark_bar()
            .encode(
                x=day_x("spend_date", "Day (UTC)"),
                y=alt.Y(
                    "sum(usage_cost_amount):Q",
                    title=f"Spend ({currency})",
                    axis=money_axis(str(currency)),
                ),
                color=alt.Color(
                    "product_label:N",
                    scale=alt.Scale(domain=labels, range=colors),
                    sort=labels,
                    title="Product",
                ),
                order=alt.Order("stack:Q", sort="ascending"),  # SMS at the bottom
                tooltip=[
                    day_tooltip("spend_date"),
                    alt.Tooltip("product_label:N", title="Product"),
                    alt.Tooltip(
                        "sum(usage_cost_amount):Q",
                        title=f"Spend ({currency}, exact)",
                        format=",.5f",
                    ),
                ],
            )
        )
        charts[str(currency)] = _configured(chart, palette.TALL)
    return charts


def messages_per_day(activity: pd.DataFrame) -> alt.Chart | None:
    if activity.empty:
        return None
    data = _drawable(activity).melt(
        id_vars=["activity_date"],
        value_vars=["messages_outbound", "messages_inbound"],
        var_name="direction",
        value_name="messages",
    )
    data["direction"] = data["direction"].map(
        {"messages_outbound": "Outbound", "messages_inbound": "Inbound"}
    )
    chart = (
        alt.Chart(data, title="Messages per day (UTC days)")
        .mark_bar()
        .encode(
            x=day_x("activity_date", "Day (UTC)"),
            y=alt.Y("messages:Q", title="Messages", axis=alt.Axis(format=",d")),
            color=alt.Color(
                "direction:N",
                title="Direction",
                scale=alt.Scale(
                    domain=list(palette.DIRECTION_COLORS),
                    range=list(palette.DIRECTION_COLORS.values()),
                ),
            ),
            tooltip=[
                day_tooltip("activity_date"),
                alt.Tooltip("direction:N", title="Direction"),
                alt.Tooltip("messages:Q", title="Messages", format=","),
            ],
        )
    )
    return _configured(chart)


def delivery_rate_per_day(delivery: pd.DataFrame, timezone: str) -> alt.Chart | None:
    """Delivered / messages with an outcome, per local day (the axis starts near the data)."""
    data = _drawable(delivery, "delivery_rate").dropna(subset=["delivery_rate"])
    if data.empty:
        return None
    chart = (
        alt.Chart(data, title=f"Delivery rate of outbound messages per day ({timezone} days)")
        .mark_line(point=True, color=palette.DELIVERY)
        .encode(
            x=day_x("message_date_local", f"Day ({timezone})"),
            y=alt.Y(
                "delivery_rate:Q",
                title="Delivery rate",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                day_tooltip("message_date_local"),
                alt.Tooltip("delivery_rate:Q", title="Delivery rate", format=".2%"),
                alt.Tooltip(
                    "messages_with_outcome:Q", title="Messages with an outcome", format=","
                ),
                alt.Tooltip("messages_outbound:Q", title="Outbound messages", format=","),
            ],
        )
    )
    return _configured(chart)


def call_minutes_per_day(activity: pd.DataFrame) -> alt.Chart | None:
    if activity.empty or not activity["calls"].sum():
        return None
    data = _drawable(activity, "billed_minutes", "talk_minutes")
    chart = (
        alt.Chart(data, title="Call minutes per day (UTC days, billed minutes)")
        .mark_bar(color=palette.MINUTES)
        .encode(
            x=day_x("activity_date", "Day (UTC)"),
            y=alt.Y("billed_minutes:Q", title="Billed minutes", axis=alt.Axis(format=",d")),
            tooltip=[
                day_tooltip("activity_date"),
                alt.Tooltip("calls:Q", title="Calls", format=","),
                alt.Tooltip("billed_minutes:Q", title="Billed minutes", format=","),
                alt.Tooltip("talk_minutes:Q", title="Talk minutes", format=",.1f"),
            ],
        )
    )
    return _configured(chart)


def failure_rate_by(breakdown: pd.DataFrame, label_column: str, title: str) -> alt.Chart | None:
    """Failure rate per country or number, worst first (rows without outcomes left out)."""
    data = _drawable(breakdown, "failure_rate").dropna(subset=["failure_rate"])
    if data.empty:
        return None
    chart = (
        alt.Chart(data, title=title)
        .mark_bar(color=palette.BAD)
        .encode(
            y=alt.Y(f"{label_column}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("failure_rate:Q", title="Failure rate", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip(f"{label_column}:N", title=""),
                alt.Tooltip("failure_rate:Q", title="Failure rate", format=".2%"),
                alt.Tooltip("with_outcome:Q", title="Messages with an outcome", format=","),
                alt.Tooltip("failed:Q", title="Failed", format=","),
                alt.Tooltip("undelivered:Q", title="Undelivered", format=","),
            ],
        )
    )
    return chart.properties(
        width=WIDTH, height=alt.Step(palette.BAR_ROW), config=palette.vega_config()
    )


def latency_histogram(distribution: pd.DataFrame, bucket_seconds: int) -> alt.Chart | None:
    """Messages per sent -> delivered latency bucket."""
    if distribution.empty:
        return None
    data = distribution.assign(
        bucket_end_seconds=distribution["bucket_start_seconds"] + bucket_seconds
    )
    chart = (
        alt.Chart(data, title="Sent → delivered latency (webhooks)")
        .mark_bar(color=palette.LATENCY)
        .encode(
            x=alt.X("bucket_start_seconds:Q", title="Seconds from sent to delivered", bin="binned"),
            x2="bucket_end_seconds:Q",
            y=alt.Y("sum(messages):Q", title="Messages", axis=alt.Axis(format=",d")),
            tooltip=[
                alt.Tooltip("bucket_start_seconds:Q", title="From (s)"),
                alt.Tooltip("bucket_end_seconds:Q", title="To (s)"),
                alt.Tooltip("sum(messages):Q", title="Messages", format=","),
            ],
        )
    )
    return _configured(chart)
