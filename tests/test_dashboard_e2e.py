"""The dashboard on the real pipeline: every page opened by its URL in headless Chromium,
right to the cent, offline, and never in the way of the next ``meltano run``.

The pipeline publishes a snapshot of the marts after dbt (``warehouse-snapshot:publish``);
the dashboard (``streamlit run``, as ``make dashboard`` starts it) reads only that. A
small emulator (14 days) keeps the two pipeline runs here to about a minute each.

What changed is made to happen: on the emulator's first day the main account sends a
burst of SMS to US customers through the API, then eight days pass. The burst's day
must be flagged as a spend jump, and a week later the account's US delivery (and its
sending number's) must read as a drop against the burst's week, exactly as the rules,
computed again from the truth (``tests/what_changed.py``), say; and nothing else.
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import duckdb
import pytest
import requests
from PIL import Image
from streamlit.testing.v1 import AppTest

from switchboard import reconcile
from switchboard.emulated import (
    EmulatorProcess,
    child_process,
    free_port,
    running_emulator,
    wait_healthy,
)
from switchboard_analyze import formats, marts, serve
from switchboard_analyze.snapshot import SNAPSHOT_ENV, default_snapshot_path
from tests import browser, what_changed
from tests.pipeline import Pipeline

pytestmark = pytest.mark.e2e

START = "2026-11-12T12:00:00Z"  # the emulator's clock when the burst is sent
NOW = "2026-11-20T12:00:00Z"  # eight days later, when the pipeline first runs
BURST = 1000  # SMS the main account sends on its first day
BURST_TO = [f"+1415555{i:04d}" for i in range(10)]  # US customers
BUILD = ("tap-twilio", "target-duckdb", "dbt-duckdb:build", "warehouse-snapshot:publish")
CHARTS = browser.OVERVIEW_CHARTS
DRAWN = browser.DRAWN
# Every relation of schema analytics: dim_countries, what changed and the live path's two
# (webhook outcomes, freshness) included.
MARTS_PUBLISHED = 21
PAGES = {"Delivery health": "views/delivery.py", "Customers": "views/customers.py"}


@dataclass
class Dashboard:
    url: str
    port: int
    process: subprocess.Popen
    snapshot: Path


@dataclass
class Burst:
    account_sid: str
    our_phone: str  # the number it was sent from
    day: date  # its UTC day


def send_burst(emulator: EmulatorProcess) -> Burst:
    """The main account sends ``BURST`` SMS from one of its US numbers through the API."""
    auth = (emulator.account_sid, emulator.auth_token)
    base = f"{emulator.url}/2010-04-01/Accounts/{emulator.account_sid}"
    with requests.Session() as session:
        session.auth = auth
        numbers = session.get(f"{base}/IncomingPhoneNumbers.json?PageSize=100", timeout=30)
        numbers.raise_for_status()
        ours = next(
            n["phone_number"]
            for n in numbers.json()["incoming_phone_numbers"]
            if n["phone_number"].startswith("+1415")
        )
        for i in range(BURST):
            response = session.post(
                f"{base}/Messages.json",
                data={"To": BURST_TO[i % len(BURST_TO)], "From": ours, "Body": "Order shipped"},
                timeout=30,
            )
            response.raise_for_status()
    return Burst(emulator.account_sid, ours, date.fromisoformat(START[:10]))


def messages_per_day(emulator: EmulatorProcess, accounts: list[str]) -> dict[str, Counter]:
    """Messages created per UTC day and account, listed from the emulator's own API."""
    out: dict[str, Counter] = {}
    with requests.Session() as session:
        session.auth = (emulator.account_sid, emulator.auth_token)
        for sid in accounts:
            days: Counter = Counter()
            url = f"{emulator.url}/2010-04-01/Accounts/{sid}/Messages.json?PageSize=1000"
            while url:
                response = session.get(url, timeout=60)
                if response.status_code in (403, 404):  # the suspended or closed subaccount
                    break
                response.raise_for_status()
                page = response.json()
                for message in page["messages"]:
                    days[parsedate_to_datetime(message["date_created"]).date()] += 1
                url = emulator.url + page["next_page_uri"] if page.get("next_page_uri") else ""
            out[sid] = days
    return out


@pytest.fixture(scope="module")
def small_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(
        days=14, messages_per_day=120, calls_per_day=30, customers=300, now=START, log_path=log
    ) as process:
        yield process


@pytest.fixture(scope="module")
def burst(small_emulator: EmulatorProcess) -> Burst:
    sent = send_burst(small_emulator)
    assert small_emulator.advance("8d")["now"].startswith(NOW[:16])
    return sent


@pytest.fixture(scope="module")
def built(
    small_emulator: EmulatorProcess, burst: Burst, tmp_path_factory: pytest.TempPathFactory
) -> Pipeline:
    pipeline = Pipeline(emulator=small_emulator, workdir=tmp_path_factory.mktemp("dashboard"))
    pipeline.run(*BUILD)
    return pipeline


@pytest.fixture(scope="module")
def truth(built: Pipeline) -> dict:
    """The truth at the first build (later tests move the clock)."""
    return built.truth()


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


def app_on(dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch, page: str | None = None,
           params: dict | None = None) -> AppTest:  # fmt: skip
    monkeypatch.setenv(SNAPSHOT_ENV, str(dashboard.snapshot))
    app = AppTest.from_file(str(serve.APP), default_timeout=60)
    if page:
        app.switch_page(PAGES[page])
    app.query_params.update(params or {})
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


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


PRICED_PRODUCTS = ("sms", "mms", "whatsapp", "voice")  # the only ones with their own price


def priced_days(truth: dict) -> Iterator[tuple[str, str, Decimal, Decimal]]:
    """(currency, product-day, usage, priced traffic) of every product that carries a price."""
    for account in truth["accounts"].values():
        for day, products in account["spend_daily"].items():
            for product, amounts in products.items():
                if product in PRICED_PRODUCTS:
                    usage, traffic = Decimal(amounts["usage"]), Decimal(amounts["traffic"])
                    yield account["currency"], f"{product} {day}", usage, traffic


def reconciliation_line(truth: dict) -> str:
    """What the Overview must say about usage against priced traffic: the truth knows
    which product-days differ (a message deleted after it was billed stays in usage)."""
    days_off = {(c, day) for c, day, usage, traffic in priced_days(truth) if usage != traffic}
    if not days_off:
        return "agree to 0.00001 on every day, product and currency selected"
    return f"{len(days_off)} product-days differ by 0.00001"


def truth_difference(truth: dict) -> dict[str, Decimal]:
    """Usage minus priced traffic per currency, over the products that carry a price."""
    out: dict[str, Decimal] = {}
    for currency, _, usage, traffic in priced_days(truth):
        out[currency] = out.get(currency, Decimal(0)) + usage - traffic
    return out


def names(truth: dict) -> dict[str, str]:
    return {sid: a["friendly_name"] for sid, a in truth["accounts"].items()}


def test_dashboard_renders_every_chart_offline(
    dashboard: Dashboard, chromium: str, built: Pipeline, truth: dict
) -> None:
    with browser.chromium(chromium) as page:
        text = browser.show_overview(page, dashboard.url)
        time.sleep(1)  # let the last chart finish its transition before the picture
        shot = built.workdir / "dashboard.png"
        page.screenshot(shot)
        assert page.evaluate(DRAWN) == CHARTS
        assert "Reporting timezone: America/New_York" in text
        assert reconciliation_line(truth) in text
        for title in ("Spend per day in EUR", "Spend per day in USD", "Messages per day"):
            assert page.evaluate(f"document.body.innerHTML.includes({json.dumps(title)})")
        # The headline totals, in their currency, as the truth says.
        shown = browser.metrics(page, at_least=15)
        for currency, totals in truth_spend(truth).items():
            assert shown[f"Spend ({currency})"] == formats.money(totals["usage"], currency)
        # Everything came from the app itself: no font, script or tracker from elsewhere.
        assert page.requests
        assert browser.external(page.requests, dashboard.port) == []
    with Image.open(shot) as image:
        assert image.size == (1400, 2200)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colors) > 500, "the screenshot looks blank"


def test_overview_figures_equal_the_truth(
    dashboard: Dashboard, truth: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_on(dashboard, monkeypatch)
    shown = {m.label: m.value for m in app.metric}
    helps = {m.label: m.help for m in app.metric}
    expected = truth_spend(truth)
    assert sorted(expected) == ["EUR", "USD"]
    for currency, totals in expected.items():
        assert shown[f"Spend ({currency})"] == formats.money(totals["usage"], currency)
        assert helps[f"Spend ({currency})"].startswith(
            formats.exact_money(totals["usage"], currency)
        )
        assert shown[f"Priced traffic ({currency})"] == formats.money(totals["traffic"], currency)
        assert helps[f"Priced traffic ({currency})"].startswith(
            formats.exact_money(totals["traffic"], currency)
        )
        assert shown[f"Difference ({currency})"] == formats.money(
            truth_difference(truth)[currency], currency
        )
    calls = [a["calls"] for a in truth["accounts"].values()]
    legs = sum(c["total"] for c in calls)
    forwarded = sum(c["by_direction"].get("outbound-dial", 0) for c in calls)
    minutes = sum(c["billed_minutes"] for c in calls)
    messages = sum(a["messages"]["total"] for a in truth["accounts"].values())
    assert (shown["Calls"], shown["Billed minutes"], shown["Messages"]) == (
        f"{legs - forwarded:,}",  # customer-facing: forwarding legs (outbound-dial) left out
        f"{minutes:,}",
        f"{messages:,}",
    )
    assert f"{legs:,} legs" in helps["Calls"]
    line = reconciliation_line(truth)
    shown_lines = [w.value for w in app.warning if "differ" in w.value] + [
        s.value for s in app.success if "agree" in s.value
    ]
    assert len(shown_lines) == 1
    assert line in shown_lines[0]


def comparison_rows(conn: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    rows = conn.execute(
        "select account_sid, measure, currency, current_start_date, current_end_date, "
        "previous_start_date, previous_end_date, current_total, previous_total, "
        "current_base, previous_base from analytics.fct_period_comparison"
    ).fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_what_changed_equals_the_truth(
    built: Pipeline, dashboard: Dashboard, truth: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spend, messages, delivery and call minutes, this period against the previous one."""
    p = what_changed.periods(truth)
    per_day = messages_per_day(built.emulator, list(truth["accounts"]))
    with duckdb.connect(str(dashboard.snapshot), read_only=True) as conn:
        marts_say = comparison_rows(conn)
    utc = (p.current.start, p.current.end, p.previous.start, p.previous.end)
    local = (p.current_local.start, p.current_local.end, p.previous_local.start,
             p.previous_local.end)  # fmt: skip
    expected: dict[tuple, tuple] = {}
    for (sid, currency), (now, before) in what_changed.spend(truth, p).items():
        expected[(sid, "spend", currency)] = (*utc, now, before, None, None)
    for sid, (now, before) in what_changed.messages(per_day, p).items():
        expected[(sid, "messages", None)] = (*utc, now, before, None, None)
    for sid, (now, before) in what_changed.call_minutes(truth, p).items():
        if (sid, "messages", None) in expected:  # accounts with activity in the periods
            expected[(sid, "call_minutes", None)] = (*utc, now, before, None, None)
    for (sid,), (ok_now, n_now, ok_before, n_before) in what_changed.delivery(truth, p).items():
        expected[(sid, "delivery_rate", None)] = (*local, ok_now, ok_before, n_now, n_before)
    assert {k: (*v[:4], Decimal(v[4]), Decimal(v[5]), *v[6:]) for k, v in marts_say.items()} == {
        k: (*v[:4], Decimal(v[4]), Decimal(v[5]), *v[6:]) for k, v in expected.items()
    }
    # The Overview shows them added over the accounts, each currency on its own.
    app = app_on(dashboard, monkeypatch)
    shown = {m.label: (m.value, m.delta) for m in app.metric if m.label.endswith("last 7 days")}
    spend = what_changed.spend(truth, p)
    for currency in ("EUR", "USD"):
        now = sum((v[0] for (_, c), v in spend.items() if c == currency), Decimal(0))
        before = sum((v[1] for (_, c), v in spend.items() if c == currency), Decimal(0))
        delta = formats.signed_percent((now - before) / before)
        assert shown[f"Spend ({currency}), last 7 days"] == (
            formats.money(now, currency),
            f"{delta} vs {formats.money(before, currency)}",
        )
    count_now = sum(v[0] for v in what_changed.messages(per_day, p).values())
    count_before = sum(v[1] for v in what_changed.messages(per_day, p).values())
    assert shown["Messages, last 7 days"][0] == f"{count_now:,}"
    assert shown["Messages, last 7 days"][1].endswith(f"vs {count_before:,}")
    minutes = what_changed.call_minutes(truth, p).values()
    assert shown["Call minutes, last 7 days"][0] == f"{sum(m[0] for m in minutes):,}"
    ok_now, n_now, ok_before, n_before = (
        sum(v[i] for v in what_changed.delivery(truth, p).values()) for i in range(4)
    )
    rate_now, rate_before = Decimal(ok_now) / n_now, Decimal(ok_before) / n_before
    assert shown["Delivery rate, last 7 days"] == (
        formats.percent(rate_now),
        f"{formats.points(rate_now - rate_before)} vs {formats.percent(rate_before)}",
    )


def test_flags_fire_on_the_burst_and_stay_silent_otherwise(
    dashboard: Dashboard, burst: Burst, truth: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = what_changed.periods(truth)
    jumps = what_changed.spend_jumps(truth)
    drops = what_changed.delivery_drops(truth, p)
    # The burst's day jumps, and the week after it reads as a drop, to the US and from
    # the number that sent it.
    assert (burst.account_sid, burst.day, "sms") in jumps
    assert p.previous_local.start <= burst.day <= p.previous_local.end
    assert (burst.account_sid, "customer_country", "US") in drops
    assert (burst.account_sid, "our_phone", burst.our_phone) in drops
    with duckdb.connect(str(dashboard.snapshot), read_only=True) as conn:
        marts_jumps = {
            (sid, day, product): (Decimal(spend), Decimal(baseline))
            for sid, day, product, spend, baseline in conn.execute(
                "select account_sid, spend_date, product, spend_amount, baseline_amount "
                "from analytics.fct_spend_jumps"
            ).fetchall()
        }
        marts_drops = {
            (sid, dimension, value): [a, b, c, d]
            for sid, dimension, value, a, b, c, d in conn.execute(
                "select account_sid, dimension, dimension_value, current_delivered, "
                "current_with_outcome, previous_delivered, previous_with_outcome "
                "from analytics.fct_delivery_drops"
            ).fetchall()
        }
    # Exactly the flags the rules raise on the truth: no more (silent otherwise), no fewer.
    assert marts_drops == drops
    step = Decimal("0.00001")
    assert {k: (v[0], v[1].quantize(step)) for k, v in marts_jumps.items()} == {
        k: (v[0], (v[1] / what_changed.JUMP_BASELINE_DAYS).quantize(step)) for k, v in jumps.items()
    }
    # The Overview says so, with the rules, over every day of the snapshot.
    app = app_on(dashboard, monkeypatch)
    warnings = [w.value for w in app.warning]
    assert (
        f"Spend jumped {len(jumps)} time{'s' * (len(jumps) != 1)} in the selected days"
        in (warnings[0])
    )
    assert (
        f"Delivery dropped in {len(drops)} place{'s' * (len(drops) != 1)} this period"
        in (warnings[1])
    )
    flagged = app.dataframe[0].value
    burst_row = flagged[flagged["Day (UTC)"] == burst.day.isoformat()]
    assert burst_row[["Account", "Product"]].values.tolist() == [
        [names(truth)[burst.account_sid], "SMS"]
    ]
    # Accounts the rules leave alone read as quiet: nothing flagged.
    quiet = [
        sid
        for sid in truth["accounts"]
        if not any(k[0] == sid for k in (*jumps, *drops))
        and what_changed.spend(truth, p).keys() & {(sid, truth["accounts"][sid]["currency"])}
    ]
    for sid in quiet:
        label = f"{names(truth)[sid]} ({truth['accounts'][sid]['currency']})"
        alone = app_on(dashboard, monkeypatch, params={"account": label})
        assert next(s.value for s in alone.success).startswith("Nothing flagged"), label


def test_every_page_opens_by_its_url(
    dashboard: Dashboard, chromium: str, burst: Burst, truth: dict
) -> None:
    """A link opens each page with its filters, and what it draws equals the truth."""
    accounts = truth["accounts"]
    with browser.chromium(chromium) as page:
        # A link to the Overview of the EUR account over one week of UTC days.
        (eur,) = [sid for sid, a in accounts.items() if a["currency"] == "EUR"]
        week = [date.fromisoformat(NOW[:10]) - timedelta(d) for d in (7, 1)]
        query = urlencode(
            [("account", f"{accounts[eur]['friendly_name']} (EUR)")]
            + [("days", d.isoformat()) for d in week]
        )
        browser.show(page, f"{dashboard.url}?{query}", charts=4, text="Reconciliation")
        usage = sum(
            (
                Decimal(a["usage"])
                for day, products in accounts[eur]["spend_daily"].items()
                if week[0] <= date.fromisoformat(day) <= week[1]
                for a in products.values()
            ),
            Decimal(0),
        )
        shown = browser.metrics(page, at_least=11)  # what changed, totals, reconciliation
        assert shown["Spend (EUR)"] == formats.money(usage, "EUR")
        assert "Spend (USD)" not in shown

        # Delivery health: the country with the most failures first, as the truth counts.
        browser.show(
            page, dashboard.url + "delivery", charts=2, text="By our number", tables=5, height=5000
        )
        failures: Counter = Counter()
        for row in truth["delivery"]:
            failures[row["country"]] += sum(
                n
                for s, n in row["by_status"].items()
                if reconcile.MESSAGE_STATUSES.get(s) in ("undelivered", "failed")
            )
        (country, most), *_ = failures.most_common()
        by_country = browser.tables(page)[1]  # the drops come first
        header, first = by_country[0], by_country[1]
        assert first[header.index("Country")].endswith(f"({country})")
        assert first[header.index("Failures")] == str(most)

        # The customer who sent the most messages, opened by a link.
        phone, customer = max(truth["customers"].items(), key=lambda kv: (kv[1]["messages"], kv[0]))
        browser.show(
            page, f"{dashboard.url}customers?customer={quote(phone)}", charts=0, text="newest first"
        )
        shown = browser.metrics(page, at_least=5)
        assert shown["Messages"] == f"{customer['messages']:,}"
        assert shown["Calls"] == f"{customer['calls']:,}"
        spend = " · ".join(formats.money(v, c) for c, v in sorted(customer["spend"].items()))
        assert shown["Spend"] == spend
        total = customer["messages"] + customer["calls"]
        assert f"({total:,} in all), newest first" in page.evaluate("document.body.innerText")

        # Live, from the webhook marts: with no webhook yet, the API's statuses.
        browser.show(page, dashboard.url + "live", charts=0, text="Latest webhook", tables=2)
        assert browser.metrics(page, at_least=5)["Messages ahead"] == "0"
        statuses: Counter = Counter()
        for account in accounts.values():
            statuses.update(account["messages"]["by_status"])
        header, *rows = browser.tables(page)[0]
        assert {r[0]: int(r[1]) for r in rows} == dict(statuses)
        assert browser.external(page.requests, dashboard.port) == []


def test_the_url_follows_what_the_reader_chooses(dashboard: Dashboard, chromium: str) -> None:
    """Sorting the customers writes the order into the URL; a row opens its customer."""
    with browser.chromium(chromium) as page:
        browser.show(page, dashboard.url + "customers", charts=0, text="Select a row", tables=1)
        page.evaluate(
            "[...document.querySelectorAll('button')]"
            ".find(b => b.innerText.trim() === 'Most messages').click()"
        )
        page.wait_for("new URLSearchParams(location.search).get('sort') === 'Most messages'")
        page.wait_for("document.body.innerText.includes('sorted by Most messages')")
        time.sleep(1)  # the list redraws
        header, first, *_ = browser.tables(page)[0]
        phone = first[header.index("Phone")]
        box = page.evaluate(
            "JSON.stringify(document.querySelector('[data-testid=stDataFrame]')"
            ".getBoundingClientRect())"
        )
        rect = json.loads(box)
        page.click(rect["left"] + 18, rect["top"] + browser_row(1))  # the first row's box
        page.wait_for(
            f"new URLSearchParams(location.search).get('customer') === {json.dumps(phone)}"
        )
        page.wait_for("document.body.innerText.includes('newest first')")


def browser_row(index: int) -> float:
    """The middle of a table row's line, from the table's top (35 px rows, header first)."""
    return 35 * index + 17


def test_report_draws_the_truth_offline(
    built: Pipeline, dashboard: Dashboard, chromium: str, truth: dict
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
    expected = truth_spend(truth)
    assert drawn == {c: t["usage"] for c, t in expected.items()}
    for currency, totals in expected.items():
        card = f'<div class="label">Spend ({currency})</div><div class="value">'
        assert card + formats.money(totals["usage"], currency) + "</div>" in page
    jumps = what_changed.spend_jumps(truth)
    assert f"Spend jumped {len(jumps)} time" in page


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
        published = f"warehouse-snapshot: published {MARTS_PUBLISHED} marts"
        assert published in result.stdout + result.stderr
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
