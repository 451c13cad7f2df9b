"""``make report``: the Overview as one self-contained HTML file, to share without a server.

The charts are the dashboard's (``charts``), drawn by Vega-Embed, whose JavaScript
is inlined from the installed ``vl-convert-python`` package: the file loads nothing
from anywhere, so it opens offline. It reads the warehouse snapshot, like the
dashboard, over every account and day.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from switchboard_analyze import charts, marts, snapshot

EMBED_OPTIONS = {"actions": False, "renderer": "svg"}  # no "open in editor" links
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #262730; }
h1 { margin-bottom: 0.2rem; } .meta { color: #6b6f76; margin-top: 0; }
.chart { width: 100%; margin: 1.5rem 0; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
.ok { color: #1b7a3a; } .off { color: #b3261e; }
"""


def _vega_lite_version() -> str:
    """vl-convert's name for the Vega-Lite version Altair writes ('v6_4' for v6.4.1)."""
    return "_".join(alt.SCHEMA_VERSION.split(".")[:2])


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element (no '</' can end it early)."""
    return json.dumps(value).replace("</", "<\\/")


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _money(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.5f}"


def build(conn: object, title: str = "Switchboard overview") -> str:
    """The report's HTML for the whole snapshot (every account, every day)."""
    info = marts.snapshot_info(conn) or {}
    timezone = info.get("reporting_timezone", "the reporting timezone")
    missing = marts.missing_marts(conn, marts.OVERVIEW)
    if missing:
        raise snapshot.SnapshotUnavailable(
            f"the snapshot has no {', '.join(missing)}: build the marts and publish it again"
        )
    bounds = marts.date_bounds(conn)
    accounts = marts.accounts(conn)
    if bounds is None or accounts.empty:
        raise snapshot.SnapshotUnavailable("the warehouse has no data yet: run the pipeline")
    filters = marts.Filters(accounts=(), start=bounds[0], end=bounds[1])
    recon = marts.reconciliation(conn, filters)
    activity = marts.activity_daily(conn, filters)
    specs = [
        *charts.spend_by_currency(marts.spend_daily(conn, filters)).values(),
        charts.messages_per_day(activity),
        charts.delivery_rate_per_day(marts.delivery_daily(conn, filters), timezone),
        charts.call_minutes_per_day(activity),
    ]
    specs = [spec.to_dict() for spec in specs if spec is not None]
    off = int(recon["days_off"].sum())
    verdict = (
        '<p class="ok">Usage records and priced messages and calls agree to 0.00001 on every '
        "day, product and currency.</p>"
        if off == 0
        else f'<p class="off">{off} product-days differ by 0.00001 or more.</p>'
    )
    table = recon.assign(
        usage_records=recon["usage_records"].map(_money),
        priced_traffic=recon["priced_traffic"].map(_money),
        difference=recon["difference"].map(_money),
    )
    published = info.get("published_at")
    meta = (
        f"{bounds[0]} to {bounds[1]} · accounts: "
        + ", ".join(accounts["label"])
        + f" · reporting timezone {timezone}"
        + (f" · snapshot published {published:%Y-%m-%d %H:%M %Z}" if published else "")
    )
    divs = "\n".join(f'<div class="chart" id="chart{i}"></div>' for i in range(len(specs)))
    bundle = vl_convert.javascript_bundle(vl_version=_vega_lite_version())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{STYLE}</style>
<script>
{bundle}
</script>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">{html.escape(meta)}</p>
<p>Spend is Twilio's usage records per UTC day, product and currency; amounts in two
currencies are never added together.</p>
{divs}
<h2>Reconciliation: usage records vs. priced messages and calls</h2>
{verdict}
{_table(table)}
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
