"""``make report``: the Overview as one self-contained HTML file, to share without a server.

The same figures, flags, charts (``overview.CHARTS``) and palette as the dashboard's
Overview, over every account and day of the snapshot. The charts are drawn by
Vega-Embed, whose JavaScript is inlined from the installed ``vl-convert-python``
package: the file loads nothing from anywhere, so it opens offline.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from switchboard_analyze import formats, marts, overview, palette, snapshot, tables
from switchboard_analyze.formats import Figure
from switchboard_analyze.tables import Col

EMBED_OPTIONS = {"actions": False, "renderer": "svg"}  # no "open in editor" links


def _vega_lite_version() -> str:
    """vl-convert's name for the Vega-Lite version Altair writes ('v6_4' for v6.4.1)."""
    return "_".join(alt.SCHEMA_VERSION.split(".")[:2])


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element (no '</' can end it early)."""
    return json.dumps(value).replace("</", "<\\/")


def _table(frame: pd.DataFrame, columns: Sequence[Col], countries: dict[str, str]) -> str:
    text = tables.as_text(frame, columns, countries)
    numeric = [col.kind in ("count", "rate", "number", "money") for col in tables.shown(columns)]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in text.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if num else ''}>{html.escape(str(v))}</td>"
            for v, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in text.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _cards(figures: Sequence[Figure]) -> str:
    cards = "".join(
        f'<div class="card" title="{html.escape(f.exact)}"><div class="label">'
        f'{html.escape(f.label)}</div><div class="value">{html.escape(f.value)}</div>'
        + (f'<div class="delta">{html.escape(f.delta)}</div>' if f.delta else "")
        + "</div>"
        for f in figures
    )
    return f'<div class="cards">{cards}</div>'


def _flags(view: overview.Overview) -> str:
    if view.jumps.empty and view.drops.empty:
        return (
            "<p class=\"ok\">Nothing flagged: no product's spend jumped, and no country's or "
            "number's delivery dropped this period.</p>"
        )
    parts = []
    if not view.jumps.empty:
        parts.append(
            f'<p class="flag">Spend jumped {len(view.jumps)} time'
            f"{'s' * (len(view.jumps) != 1)}: "
            f"{html.escape(view.jumps['rule_description'].iloc[0])}.</p>"
            + _table(view.jumps, overview.JUMPS, view.countries)
        )
    if not view.drops.empty:
        parts.append(
            f'<p class="flag">Delivery dropped in {len(view.drops)} place'
            f"{'s' * (len(view.drops) != 1)} this period: "
            f"{html.escape(view.drops['rule_description'].iloc[0])}.</p>"
            + _table(overview.drops_table(view.drops, view.countries), overview.DROPS, {})
        )
    return "\n".join(parts)


def build(conn: object, title: str = "Switchboard overview") -> str:
    """The report's HTML for the whole snapshot (every account, every day)."""
    info = marts.snapshot_info(conn) or {}  # type: ignore[arg-type]
    timezone = info.get("reporting_timezone", "the reporting timezone")
    missing = marts.missing_marts(conn, marts.OVERVIEW)  # type: ignore[arg-type]
    if missing:
        raise snapshot.SnapshotUnavailable(
            f"the snapshot has no {', '.join(missing)}: build the marts and publish it again"
        )
    bounds = marts.date_bounds(conn)  # type: ignore[arg-type]
    accounts = marts.accounts(conn)  # type: ignore[arg-type]
    if bounds is None or accounts.empty:
        raise snapshot.SnapshotUnavailable("the warehouse has no data yet: run the pipeline")
    filters = marts.Filters(accounts=(), start=bounds[0], end=bounds[1])
    view = overview.build(conn, filters, timezone)  # type: ignore[arg-type]
    specs = [spec.to_dict() for spec in overview.chart_list(view)]
    off = int(view.recon["days_off"].sum())
    verdict = (
        '<p class="ok">Usage records and priced messages and calls agree to 0.00001 on every '
        "day, product and currency.</p>"
        if off == 0
        else f'<p class="off">{off} product-days differ by 0.00001 or more.</p>'
    )
    published = info.get("published_at")
    meta = (
        f"{formats.span(bounds[0], bounds[1])} · accounts: "
        + ", ".join(accounts["label"])
        + f" · reporting timezone {timezone}"
        + (f" · snapshot published {published:%Y-%m-%d %H:%M %Z}" if published else "")
    )
    period = overview.periods(view)
    changed = (
        f'<p class="caption">The last complete days, {html.escape(period)} (UTC days; delivery '
        f"on days in {html.escape(timezone)}).</p>" + _cards(overview.changed(view))
        if period
        else '<p class="caption">Not enough days yet to compare two periods.</p>'
    )
    divs = "\n".join(f'<div class="chart" id="chart{i}"></div>' for i in range(len(specs)))
    bundle = vl_convert.javascript_bundle(vl_version=_vega_lite_version())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{palette.css()}</style>
<script>
{bundle}
</script>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">{html.escape(meta)}</p>
<h2>What changed</h2>
{changed}
<h2>Flagged</h2>
{_flags(view)}
<h2>Totals, {html.escape(formats.span(bounds[0], bounds[1]))}</h2>
{_cards(overview.totals(view))}
<h2>Spend, messages, delivery and calls per day</h2>
<p>Spend is Twilio's usage records per UTC day, product and currency; amounts in two
currencies are never added together.</p>
{divs}
<h2>Reconciliation: usage records vs. priced messages and calls</h2>
{_cards(overview.reconciliation(view))}
{verdict}
{_table(view.recon, overview.RECONCILIATION, view.countries)}
<script>
const specs = {_script_json(specs)};
const options = {_script_json(EMBED_OPTIONS)};
specs.forEach((spec, i) => vegaEmbed("#chart" + i, spec, options).catch(console.error));
</script>
</body>
</html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=snapshot.reader_path())
    parser.add_argument("--output", type=Path, default=Path("output") / "report.html")
    args = parser.parse_args(argv)
    try:
        with snapshot.reading(args.snapshot) as conn:
            page = build(conn)
    except snapshot.SnapshotUnavailable as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    print(f"report: wrote {args.output} ({len(page.encode()) / 1e6:.1f} MB, self-contained)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
