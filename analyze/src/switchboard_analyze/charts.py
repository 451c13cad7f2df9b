"""The charts, as Altair (Vega-Lite) specs: the same ones in the dashboard and the report.

Each takes a DataFrame from ``marts`` and returns a chart, or None when there is
nothing to draw. Spend is drawn one currency at a time: a chart never stacks two
currencies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

WIDTH = "container"
HEIGHT = 220
DAY_COLUMNS = {"spend_date", "activity_date", "message_date_local"}
PRODUCTS = ["sms", "mms", "whatsapp", "voice", "phone_numbers", "other"]


def _numeric(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Decimals to floats and days to timestamps, for drawing (tables keep the decimals)."""
    out = df.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce")
    for column in DAY_COLUMNS.intersection(out.columns):
        out[column] = pd.to_datetime(out[column])
    return out


def spend_by_currency(spend: pd.DataFrame) -> dict[str, alt.Chart]:
    """Twilio's bill per UTC day, stacked by product: one chart per currency."""
    charts: dict[str, alt.Chart] = {}
    for currency, rows in spend.groupby("currency", sort=True):
        data = _numeric(rows, "usage_cost_amount")
        charts[str(currency)] = (
            alt.Chart(data, title=f"Spend per day in {currency} (UTC days, usage records)")
            .mark_bar()
            .encode(
                x=alt.X("yearmonthdate(spend_date):T", title="day"),
                y=alt.Y("sum(usage_cost_amount):Q", title=f"spend ({currency})"),
                color=alt.Color(
                    "product:N", scale=alt.Scale(domain=PRODUCTS), sort=PRODUCTS, title="product"
                ),
                tooltip=[
                    alt.Tooltip("yearmonthdate(spend_date):T", title="day"),
                    "product:N",
                    alt.Tooltip("sum(usage_cost_amount):Q", title=currency, format=",.5f"),
                ],
            )
            .properties(width=WIDTH, height=HEIGHT)
        )
    return charts


def messages_per_day(activity: pd.DataFrame) -> alt.Chart | None:
    if activity.empty:
        return None
    data = _numeric(activity).melt(
        id_vars=["activity_date"],
        value_vars=["messages_outbound", "messages_inbound"],
        var_name="direction",
        value_name="messages",
    )
    data["direction"] = data["direction"].str.removeprefix("messages_")
    return (
        alt.Chart(data, title="Messages per day (UTC days)")
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(activity_date):T", title="day"),
            y=alt.Y("messages:Q", title="messages"),
            color=alt.Color("direction:N", title="direction"),
            tooltip=[
                alt.Tooltip("yearmonthdate(activity_date):T", title="day"),
                "direction:N",
                "messages:Q",
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def delivery_rate_per_day(delivery: pd.DataFrame, timezone: str) -> alt.Chart | None:
    """Delivered / messages with an outcome, per local day (the axis starts near the data)."""
    data = _numeric(delivery, "delivery_rate").dropna(subset=["delivery_rate"])
    if data.empty:
        return None
    return (
        alt.Chart(data, title=f"Delivery rate of outbound messages per day ({timezone} days)")
        .mark_line(point=True)
        .encode(
            x=alt.X("message_date_local:T", title="day"),
            y=alt.Y(
                "delivery_rate:Q",
                title="delivery rate",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                alt.Tooltip("message_date_local:T", title="day"),
                alt.Tooltip("delivery_rate:Q", title="delivery rate", format=".2%"),
                alt.Tooltip("messages_with_outcome:Q", title="messages with an outcome"),
                alt.Tooltip("messages_outbound:Q", title="outbound messages"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def call_minutes_per_day(activity: pd.DataFrame) -> alt.Chart | None:
    if activity.empty or not activity["calls"].sum():
        return None
    data = _numeric(activity, "billed_minutes", "talk_minutes")
    return (
        alt.Chart(data, title="Call minutes per day (UTC days, billed minutes)")
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(activity_date):T", title="day"),
            y=alt.Y("billed_minutes:Q", title="billed minutes"),
            tooltip=[
                alt.Tooltip("yearmonthdate(activity_date):T", title="day"),
                "calls:Q",
                "billed_minutes:Q",
                alt.Tooltip("talk_minutes:Q", title="talk minutes"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def failure_rate_by(breakdown: pd.DataFrame, column: str, title: str) -> alt.Chart | None:
    """Failure rate per country or number, worst first (rows without outcomes left out)."""
    data = _numeric(breakdown, "failure_rate").dropna(subset=["failure_rate"])
    if data.empty:
        return None
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{column}:N", sort="-x", title=None),
            x=alt.X("failure_rate:Q", title="failure rate", axis=alt.Axis(format="%")),
            tooltip=[
                f"{column}:N",
                alt.Tooltip("failure_rate:Q", format=".2%"),
                alt.Tooltip("with_outcome:Q", title="messages with an outcome"),
                "failed:Q",
                "undelivered:Q",
            ],
        )
        .properties(width=WIDTH, height=alt.Step(22))  # one 22-pixel row per bar
    )
