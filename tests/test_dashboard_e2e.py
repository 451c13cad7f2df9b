"""The dashboard on the real pipeline: rendered in headless Chromium, right to the cent,
offline, and never in the way of the next ``meltano run``.

The pipeline publishes a snapshot of the marts after dbt (``warehouse-snapshot:publish``);
the dashboard (``streamlit run``, as ``make dashboard`` starts it) reads only that. A
small emulator (14 days) keeps the two pipeline runs here to about a minute each.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from switchboard.emulated import (
    EmulatorProcess,
    child_process,
    free_port,
    running_emulator,
    wait_healthy,
)
from switchboard_analyze import marts, serve
from switchboard_analyze.snapshot import SNAPSHOT_ENV, default_snapshot_path
from tests import browser
from tests.pipeline import Pipeline

pytestmark = pytest.mark.e2e

NOW = "2026-11-20T12:00:00Z"
BUILD = ("tap-twilio", "target-duckdb", "dbt-duckdb:build", "warehouse-snapshot:publish")
CHARTS = browser.OVERVIEW_CHARTS
DRAWN = browser.DRAWN


@dataclass
class Dashboard:
    url: str
    port: int
    process: subprocess.Popen
    snapshot: Path


@pytest.fixture(scope="module")
def small_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(
        days=14, messages_per_day=120, calls_per_day=30, customers=300, now=NOW, log_path=log
    ) as process:
        yield process


@pytest.fixture(scope="module")
def built(small_emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    pipeline = Pipeline(emulator=small_emulator, workdir=tmp_path_factory.mktemp("dashboard"))
    pipeline.run(*BUILD)
    return pipeline


@pytest.fixture(scope="module")
def dashboard(built: Pipeline) -> Iterator[Dashboard]:
    port = free_port()
    snapshot = default_snapshot_path(built.warehouse)
    with child_process(
        serve.command(port),
        env=serve.environment(snapshot),
        log_path=built.workdir / "streamlit.log",
    ) as process:
        url = f"http://127.0.0.1:{port}/"
        wait_healthy(process, f"{url}_stcore/health", "streamlit")
        yield Dashboard(url=url, port=port, process=process, snapshot=snapshot)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = browser.find_chromium()
    if found is None:
        message = "no Chromium: `make browser` installs Debian's chromium (as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def truth_spend(truth: dict) -> dict[str, dict[str, Decimal]]:
    """Usage records and priced traffic per currency, summed over every account and day."""
    spend: dict[str, dict[str, Decimal]] = {}
    for account in truth["accounts"].values():
        totals = spend.setdefault(account["currency"], {"usage": Decimal(0), "traffic": Decimal(0)})
        for products in account["spend_daily"].values():
            for amounts in products.values():
                totals["usage"] += Decimal(amounts["usage"])
                totals["traffic"] += Decimal(amounts["traffic"])
    return {c: t for c, t in spend.items() if t["usage"] or t["traffic"]}


def test_dashboard_renders_every_chart_offline(
    dashboard: Dashboard, chromium: str, built: Pipeline
) -> None:
    with browser.chromium(chromium) as page:
        text = browser.show_overview(page, dashboard.url)
        time.sleep(1)  # let the last chart finish its transition before the picture
        shot = built.workdir / "dashboard.png"
        page.screenshot(shot)
        assert page.evaluate(DRAWN) == CHARTS
        assert "Reporting timezone: America/New_York" in text
        assert "agree to 0.00001 on every day, product and currency selected" in text
        for title in ("Spend per day in EUR", "Spend per day in USD", "Messages per day"):
            assert page.evaluate(f"document.body.innerHTML.includes({json.dumps(title)})")
        # Everything came from the app itself: no font, script or tracker from elsewhere.
        assert page.requests
        assert browser.external(page.requests, dashboard.port) == []
    with Image.open(shot) as image:
        assert image.size == (1400, 2200)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colors) > 500, "the screenshot looks blank"


def test_overview_figures_equal_the_truth(
    built: Pipeline, dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = built.truth()
    monkeypatch.setenv(SNAPSHOT_ENV, str(dashboard.snapshot))
    app = AppTest.from_file(str(serve.APP), default_timeout=60).run()
    assert not app.exception
    shown = {m.label: m.value for m in app.metric}
    expected = truth_spend(truth)
    assert sorted(expected) == ["EUR", "USD"]
    for currency, totals in expected.items():
        assert shown[f"Spend, usage records ({currency})"] == f"{totals['usage']:,.5f}"
        assert shown[f"Priced messages and calls ({currency})"] == f"{totals['traffic']:,.5f}"
        assert shown[f"Difference on priced products ({currency})"] == "0.00000"
    calls = [a["calls"] for a in truth["accounts"].values()]
    legs = sum(c["total"] for c in calls)
    forwarded = sum(c["by_direction"].get("outbound-dial", 0) for c in calls)
    minutes = sum(c["billed_minutes"] for c in calls)
    assert (shown["Calls"], shown["Call legs"], shown["Billed minutes"]) == (
        f"{legs - forwarded:,}",  # customer-facing: forwarding legs (outbound-dial) left out
        f"{legs:,}",
        f"{minutes:,}",
    )
    assert [w.value for w in app.warning] == []


def test_report_draws_the_truth_offline(
    built: Pipeline, dashboard: Dashboard, chromium: str
) -> None:
    output = built.workdir / "report.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "switchboard_analyze.report",
            "--snapshot",
            str(dashboard.snapshot),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = output.read_text()
    with browser.chromium(chromium) as tab:
        tab.open(output.as_uri(), width=1200, height=1600)
        tab.wait_for(f"document.querySelectorAll('.chart svg.marks').length >= {CHARTS}")
        assert tab.requests == [output.as_uri()]  # the file itself, and nothing else
    specs = json.loads(re.search(r"const specs = (\[.*?\]);\n", page, re.DOTALL).group(1))
    drawn = {}
    for spec in specs[:2]:
        rows = spec["datasets"][spec["data"]["name"]]
        (currency,) = {r["currency"] for r in rows}
        drawn[currency] = sum(Decimal(str(r["usage_cost_amount"])) for r in rows)
    expected = truth_spend(built.truth())
    assert drawn == {c: t["usage"] for c, t in expected.items()}


def open_files(pid: int) -> set[str]:
    files = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed while we looked
            files.add(os.readlink(fd))
    return files


def test_pipeline_runs_while_the_dashboard_is_open(
    built: Pipeline, dashboard: Dashboard, chromium: str
) -> None:
    """The app reads (a browser reloading it, and a reader holding the snapshot open)
    while ``meltano run`` loads a new day, rebuilds the marts and republishes."""
    last_day = "select max(spend_date) from analytics.fct_spend_daily"
    built.emulator.advance("1d")
    held = duckdb.connect(str(dashboard.snapshot), read_only=True)  # a long dashboard query
    with browser.chromium(chromium) as page:
        (before,) = held.execute(last_day).fetchone()
        browser.show_overview(page, dashboard.url)
        results: list[subprocess.CompletedProcess[str]] = []
        run = threading.Thread(
            target=lambda: results.append(built.meltano("run", *BUILD)), daemon=True
        )
        run.start()
        views = 0
        opened: set[str] = set()
        while run.is_alive():
            opened |= open_files(dashboard.process.pid)
            browser.show_overview(
                page, dashboard.url
            )  # a full page view: the app reads the snapshot
            views += 1
        run.join()
        (result,) = results
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        assert "warehouse-snapshot: published 15 marts" in result.stdout + result.stderr
        assert views >= 3
        assert str(built.warehouse) not in opened
        # The reader that held the old snapshot still reads it, whole. (Closed before the
        # next connect: DuckDB would hand this process the same, old, database again.)
        assert held.execute(last_day).fetchone() == (before,)
        held.close()
        with duckdb.connect(str(dashboard.snapshot), read_only=True) as after:
            (latest,) = after.execute(last_day).fetchone()
            bounds = json.dumps([day.isoformat() for day in marts.date_bounds(after)])
        assert latest == before + timedelta(days=1)
        browser.show_overview(page, dashboard.url)  # the new snapshot, on the next page view
        # The "Days" filter is a range: its start and end fields, ending on the new day.
        days = "[...document.querySelectorAll('[data-testid=stDateInput] input')].map(i => i.value)"
        assert page.wait_for(f"JSON.stringify({days}) === JSON.stringify({bounds})")


def test_a_reader_on_the_warehouse_itself_would_block_the_pipeline(built: Pipeline) -> None:
    """Why the snapshot exists: DuckDB's writer cannot open a file a reader holds."""
    with duckdb.connect(str(built.warehouse), read_only=True):
        result = built.meltano("run", "dbt-duckdb:build")
    assert result.returncode != 0
    assert "Could not set lock on file" in result.stdout + result.stderr
