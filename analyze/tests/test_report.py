"""The shareable report: one HTML file that loads nothing from anywhere, with the right figures."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from switchboard_analyze import palette
from tests.conftest import OVERVIEW_TITLES, chart_titles


class References(HTMLParser):
    """Every tag attribute that could load something, and every inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "action") and value:
                self.loads.append(f"<{tag} {name}={value}>")
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def write_report(snapshot_path: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "switchboard_analyze.report",
            "--snapshot",
            str(snapshot_path),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def specs_in(page: str) -> list[dict]:
    match = re.search(r"const specs = (\[.*?\]);\n", page, re.DOTALL)
    assert match, "no chart specs in the report"
    return json.loads(match.group(1))


def test_report_is_self_contained(publish: Callable[..., Path], tmp_path: Path) -> None:
    output = tmp_path / "out" / "report.html"
    result = write_report(publish(), output)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"report: wrote {output} (")
    page = output.read_text()
    parsed = References()
    parsed.feed(page)
    assert parsed.loads == []  # no <script src>, <link href>, <img src>, ...
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)
    bundle, embed = parsed.scripts
    assert "window.vegaEmbed=" in bundle  # the library itself, inlined
    assert not re.search(r"\bimport\s*\(|\bfetch\(|XMLHttpRequest", embed)
    assert '"actions": false' in embed  # no links out to the Vega editor


def cards(page: str) -> dict[str, tuple[str, str, str]]:
    """Each headline card: label -> (value, change, exact value in its tooltip)."""
    found = re.findall(
        r'<div class="card" title="([^"]*)"><div class="label">([^<]*)</div>'
        r'<div class="value">([^<]*)</div>(?:<div class="delta">([^<]*)</div>)?',
        page,
    )
    return {html.unescape(label): (html.unescape(value), html.unescape(delta),
                                   html.unescape(exact))
            for exact, label, value, delta in found}  # fmt: skip


def test_report_holds_the_overview_figures(publish: Callable[..., Path], tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    assert write_report(publish(), output).returncode == 0
    page = output.read_text()
    specs = specs_in(page)
    assert chart_titles(specs) == OVERVIEW_TITLES
    spend = {}
    for spec in specs[:2]:
        data = spec["datasets"][spec["data"]["name"]]
        (currency,) = {r["currency"] for r in data}
        spend[currency] = sum(Decimal(str(r["usage_cost_amount"])) for r in data)
    assert spend == {"EUR": Decimal("0.17342"), "USD": Decimal("5.07790")}
    messages = specs[2]["datasets"][specs[2]["data"]["name"]]
    assert sum(r["messages"] for r in messages) == 46
    assert "Mar 1 – Mar 3, 2026" in page
    assert "Acme Legacy (no currency, closed)" in page
    # The headline totals, in their currency, with the exact amount a hover away.
    shown = cards(page)
    assert shown["Spend (USD)"] == ("$5.08", "", "USD 5.07790 billed in Twilio's usage records")
    assert shown["Spend (EUR)"][0] == "€0.17"
    assert shown["Messages"][0] == "46"
    assert shown["Billed minutes"][0] == "14"
    # What changed, as on the dashboard.
    assert shown["Spend (USD), last 7 days"][:2] == ("$3.93", "+25.0% vs $3.14")
    assert shown["Delivery rate, last 7 days"][:2] == ("85.19%", "-6.81 pts vs 92.00%")
    assert "Feb 25 – Mar 3, 2026 against Feb 18 – Feb 24, 2026" in page
    # The flags, with the rules that raised them.
    assert (
        "Spend jumped 1 time: spend at least 2× the daily average of the 7 days before, "
        "and 1.00 more." in html.unescape(page)
    )
    assert "Delivery dropped in 2 places this period" in page
    assert "<td>United Kingdom (GB)</td>" in page
    recon = (
        "<td>EUR</td><td>SMS</td><td class=num>€0.17</td><td class=num>€0.16</td>"
        "<td class=num>€0.01</td><td class=num>1</td><td class=num>3</td>"
    )
    assert recon in page
    assert "1 product-days differ by 0.00001 or more." in page


def test_report_wears_the_dashboards_palette(publish: Callable[..., Path], tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    assert write_report(publish(), output).returncode == 0
    page = output.read_text()
    assert palette.css() in page
    shared = palette.vega_config()
    for spec in specs_in(page):
        assert {key: spec["config"][key] for key in shared if key != "view"} == {
            key: value for key, value in shared.items() if key != "view"
        }
    products = specs_in(page)[0]["encoding"]["color"]["scale"]["range"]
    assert products == [palette.PRODUCT_COLORS[p] for p in palette.PRODUCTS]


def test_report_without_a_snapshot_fails_in_one_line(tmp_path: Path) -> None:
    result = write_report(tmp_path / "absent.duckdb", tmp_path / "report.html")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"report: No warehouse snapshot at {tmp_path / 'absent.duckdb'}"
    )
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "report.html").exists()
