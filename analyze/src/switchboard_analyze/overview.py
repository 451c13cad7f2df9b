"""The Overview, assembled once for the dashboard's page and for the report.

``build`` reads every figure the Overview shows: the headline totals of the chosen
accounts and days, what changed this period against the previous one, the flags the
marts raised, the charts (``CHARTS``, the one list both draw) and the
reconciliation. Amounts are per currency, never added across currencies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import altair as alt
import duckdb
import pandas as pd

from switchboard_analyze import charts, formats, marts
from switchboard_analyze.formats import Figure
from switchboard_analyze.queries import changes
from switchboard_analyze.queries import overview as figures
from switchboard_analyze.tables import Col


@dataclass
class Overview:
    filters: marts.Filters
    timezone: str
    spend: pd.DataFrame
    recon: pd.DataFrame
    activity: pd.DataFrame
    delivery: pd.DataFrame
    comparison: pd.DataFrame
    jumps: pd.DataFrame
    drops: pd.DataFrame
    countries: dict[str, str] = field(default_factory=dict)

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.recon["currency"]))


def build(conn: duckdb.DuckDBPyConnection, filters: marts.Filters, timezone: str) -> Overview:
    return Overview(
        filters=filters,
        timezone=timezone,
        spend=figures.spend_daily(conn, filters),
        recon=figures.reconciliation(conn, filters),
        activity=figures.activity_daily(conn, filters),
        delivery=figures.delivery_daily(conn, filters),
        comparison=changes.comparison(conn, filters),
        jumps=changes.spend_jumps(conn, filters),
        drops=changes.delivery_drops(conn, filters),
        countries=marts.countries(conn),
    )


# The Overview's charts, in order: the dashboard and the report both draw this list.
CHARTS: tuple[Callable[[Overview], list[alt.Chart | None]], ...] = (
    lambda o: list(charts.spend_by_currency(o.spend).values()),
    lambda o: [charts.messages_per_day(o.activity)],
    lambda o: [charts.delivery_rate_per_day(o.delivery, o.timezone)],
    lambda o: [charts.call_minutes_per_day(o.activity)],
)


def chart_list(overview: Overview) -> list[alt.Chart]:
    return [c for draw in CHARTS for c in draw(overview) if c is not None]


def _total(values: pd.Series) -> Decimal:
    return sum((Decimal(str(v)) for v in values.dropna()), Decimal(0))


def totals(overview: Overview) -> list[Figure]:
    """The chosen accounts and days in a few numbers: spend per currency, then traffic."""
    out = []
    for currency in overview.currencies:
        rows = overview.recon[overview.recon["currency"] == currency]
        bill = _total(rows["usage_records"])
        out.append(
            Figure(
                f"Spend ({currency})",
                formats.money(bill, currency),
                f"{formats.exact_money(bill, currency)} billed in Twilio's usage records",
            )
        )
    activity, delivery = overview.activity, overview.delivery
    messages = int(activity["messages_inbound"].sum() + activity["messages_outbound"].sum())
    delivered = int(delivery["messages_delivered"].sum()) if not delivery.empty else 0
    settled = int(delivery["messages_with_outcome"].sum()) if not delivery.empty else 0
    out += [
        Figure("Messages", formats.count(messages), "Inbound and outbound, UTC days"),
        Figure(
            "Delivery rate",
            formats.percent(delivered / settled) if settled else formats.MISSING,
            f"{delivered:,} delivered of {settled:,} outbound messages with an outcome",
        ),
        Figure(
            "Calls",
            formats.count(activity["calls"].sum()),
            f"Customer-facing calls; {int(activity['call_legs'].sum()):,} legs with forwarding",
        ),
        Figure("Billed minutes", formats.count(activity["billed_minutes"].sum()), "All call legs"),
    ]
    return out


def reconciliation(overview: Overview) -> list[Figure]:
    """Per currency: Twilio's bill, what the messages and calls were priced, the difference."""
    out = []
    for currency in overview.currencies:
        rows = overview.recon[overview.recon["currency"] == currency]
        priced = _total(rows["priced_traffic"])
        difference = _total(rows["difference"])
        out += [
            Figure(
                f"Priced traffic ({currency})",
                formats.money(priced, currency),
                f"{formats.exact_money(priced, currency)}: what the messages and calls were "
                "priced, one by one",
            ),
            Figure(
                f"Difference ({currency})",
                formats.money(difference, currency),
                f"{formats.exact_money(difference, currency)}: usage records minus priced "
                "traffic, on the products that have both",
            ),
        ]
    return out


MEASURES = {
    "spend": "Spend",
    "messages": "Messages",
    "delivery_rate": "Delivery rate",
    "call_minutes": "Call minutes",
}


def _value(measure: str, total: object, base: object, currency: str | None) -> tuple[str, str]:
    """A period's value as read and exactly."""
    if measure == "delivery_rate":
        if formats.is_missing(base) or not base:
            return formats.MISSING, "no outbound message with an outcome"
        rate = Decimal(str(total)) / Decimal(str(base))
        return formats.percent(rate), f"{int(total):,} delivered of {int(base):,}"  # type: ignore[call-overload]
    if measure == "spend":
        return formats.money(total, currency), formats.exact_money(total, currency)
    return formats.count(total), f"{int(total):,}"  # type: ignore[call-overload]


def changed(overview: Overview) -> list[Figure]:
    """This period against the previous one, one figure per measure (spend per currency)."""
    out = []
    for row in overview.comparison.itertuples(index=False):
        currency = None if formats.is_missing(row.currency) else str(row.currency)
        now, now_exact = _value(row.measure, row.current_total, row.current_base, currency)
        before, before_exact = _value(row.measure, row.previous_total, row.previous_base, currency)
        label = MEASURES[row.measure] + (f" ({currency})" if currency else "")
        label += f", last {row.period_days} days"
        if row.measure == "delivery_rate":
            both = row.current_base and row.previous_base
            delta = (
                formats.points(
                    Decimal(str(row.current_total)) / Decimal(str(row.current_base))
                    - Decimal(str(row.previous_total)) / Decimal(str(row.previous_base))
                )
                if both
                else None
            )
            color = "normal"
        else:
            previous = Decimal(str(row.previous_total))
            current = Decimal(str(row.current_total))
            delta = formats.signed_percent((current - previous) / previous) if previous else None
            color = "off"
        out.append(
            Figure(
                label,
                now,
                f"{formats.span(row.current_start_date, row.current_end_date)}: {now_exact}; "
                f"{formats.span(row.previous_start_date, row.previous_end_date)}: {before} "
                f"({before_exact})",
                delta=f"{delta} vs {before}" if delta else f"was {before}",
                delta_color=color,
            )
        )
    return out


def periods(overview: Overview) -> str:
    """``Nov 13 – Nov 19, 2026 against Nov 6 – Nov 12, 2026`` (UTC days), or ''."""
    utc = overview.comparison[overview.comparison["day_basis"] == "utc"]
    rows = utc if not utc.empty else overview.comparison
    if rows.empty:
        return ""
    row = rows.iloc[0]
    return (
        f"{formats.span(row['current_start_date'], row['current_end_date'])} against "
        f"{formats.span(row['previous_start_date'], row['previous_end_date'])}"
    )


JUMPS = [
    Col("spend_date", "Day (UTC)", "day"),
    Col("account_name", "Account"),
    Col("product", "Product", "product"),
    Col("spend_amount", "Spend", "money"),
    Col("baseline_amount", "Daily average before", "money"),
    Col("jump_amount", "Jump", "money"),
    Col("jump_ratio", "Times the average", "number"),
    Col("rule_description", "Rule", on_screen=False),
]
DROPS = [
    Col("account_name", "Account"),
    Col("what", "Where"),
    Col("previous_delivery_rate", "Delivery before", "rate"),
    Col("current_delivery_rate", "Delivery now", "rate"),
    Col("drop_points", "Drop (points)", "number"),
    Col("current_with_outcome", "Messages now", "count"),
    Col("rule_description", "Rule", on_screen=False),
]


def drops_table(drops: pd.DataFrame, countries: dict[str, str]) -> pd.DataFrame:
    """The delivery drops with what dropped named: a country with its name, or our number."""
    return drops.assign(
        what=[
            formats.country(value, countries)
            if dimension == "customer_country"
            else f"our number {value}"
            for dimension, value in zip(drops["dimension"], drops["dimension_value"], strict=True)
        ]
    )


RECONCILIATION = [
    Col("currency", "Currency"),
    Col("product", "Product", "product"),
    Col("usage_records", "Usage records", "money"),
    Col("priced_traffic", "Priced messages and calls", "money"),
    Col("difference", "Difference", "money"),
    Col("days_off", "Days that differ", "count"),
    Col("priced_records", "Priced records", "count"),
]
