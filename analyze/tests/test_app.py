"""Every page of the dashboard, driven by Streamlit's AppTest on a snapshot of known figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from switchboard_analyze import formats, palette, snapshot
from tests.conftest import APP, MARTS, OVERVIEW_TITLES, TIMEZONE, chart_titles, make_warehouse

MART_YAML = Path(__file__).resolve().parents[2] / "transform" / "models" / "marts"
PAGES = {
    "Overview": None,
    "Delivery health": "views/delivery.py",
    "Customers": "views/customers.py",
    "Live": "views/live.py",
}


def open_app(
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str = "Overview",
    params: dict | None = None,
) -> AppTest:
    """The app on ``page``, as a link with these query ``params`` opens it."""
    monkeypatch.setenv(snapshot.SNAPSHOT_ENV, str(path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    if PAGES[page] is not None:  # a first run on the page itself, as its URL opens it
        app.switch_page(PAGES[page])
    app.query_params.update(params or {})
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def deltas(app: AppTest) -> dict[str, str]:
    return {m.label: m.delta for m in app.metric if m.delta}


def helps(app: AppTest) -> dict[str, str]:
    return {m.label: m.help for m in app.metric}


def charts(app: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]


def chart_rows(app: AppTest, index: int) -> list[dict]:
    """The rows a chart draws (Streamlit sends them beside the spec, as Arrow)."""
    (dataset,) = app.get("vega_lite_chart")[index].proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def tables(app: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in app.dataframe]


def assert_readable(app: AppTest) -> None:
    """No table shows None or NaN, and every table has its CSV download."""
    for frame in tables(app):
        for column in frame.columns:
            if frame[column].dtype == object:
                assert not frame[column].map(lambda v: v is None or v == "None").any(), column
    assert len(app.get("download_button")) == len(app.dataframe)


def test_fixture_columns_exist_in_the_marts() -> None:
    """The hand-made marts only use columns the dbt models document."""
    with duckdb.connect() as conn:
        conn.execute("create schema analytics")
        for name, sql in MARTS.items():
            conn.execute(sql)
            describe = f"select column_name from (describe analytics.{name})"  # noqa: S608
            ours = {c for (c,) in conn.execute(describe).fetchall()}
            (yml,) = MART_YAML.rglob(f"{name}.yml")
            model = yaml.safe_load(yml.read_text())["models"][0]
            documented = {c["name"] for c in model["columns"]}
            assert ours <= documented, f"{name}: {sorted(ours - documented)} not in the model"


def test_overview_says_what_changed_first(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch)
    assert [s.value for s in app.subheader][:2] == ["What changed", "Flagged"]
    shown = metrics(app)
    # Accounts add up per measure; spend stays per currency.
    assert {k: v for k, v in shown.items() if k.endswith("last 7 days")} == {
        "Spend (EUR), last 7 days": "€0.17",
        "Spend (USD), last 7 days": "$3.93",
        "Messages, last 7 days": "36",
        "Delivery rate, last 7 days": "85.19%",
        "Call minutes, last 7 days": "14",
    }
    assert {k: v for k, v in deltas(app).items() if k.endswith("last 7 days")} == {
        "Spend (EUR), last 7 days": "was €0.00",  # nothing before: no percentage
        "Spend (USD), last 7 days": "+25.0% vs $3.14",
        "Messages, last 7 days": "+20.0% vs 30",
        "Delivery rate, last 7 days": "-6.81 pts vs 92.00%",
        "Call minutes, last 7 days": "+40.0% vs 10",
    }
    assert helps(app)["Spend (USD), last 7 days"] == (
        "Feb 25 – Mar 3, 2026: USD 3.92790; Feb 18 – Feb 24, 2026: $3.14 (USD 3.14232)"
    )
    assert "Feb 25 – Mar 3, 2026 against Feb 18 – Feb 24, 2026" in app.caption[0].value


def test_overview_flags_with_their_rules(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch)
    assert texts(app.warning)[:2] == [
        "Spend jumped 1 time in the selected days: spend at least 2× the daily average of "
        "the 7 days before, and 1.00 more.",
        "Delivery dropped in 2 places this period: delivery rate at least 5 points below "
        "the previous 7 days, with 20 or more messages with an outcome in each period.",
    ]
    jumps, drops = tables(app)[:2]
    assert jumps.to_dict("records") == [
        {"Day (UTC)": "2026-03-02", "Account": "Acme US", "Product": "SMS", "Spend": "$2.50",
         "Daily average before": "$1.00", "Jump": "$1.50", "Times the average": 2.5},
    ]  # fmt: skip
    assert drops.to_dict("records") == [
        {"Account": "Acme US", "Where": "United Kingdom (GB)", "Delivery before": 95.0,
         "Delivery now": 75.0, "Drop (points)": 20.0, "Messages now": 40},
        {"Account": "Acme US", "Where": "our number +14155550100", "Delivery before": 90.0,
         "Delivery now": 80.0, "Drop (points)": 10.0, "Messages now": 50},
    ]  # fmt: skip
    # The jump has a day: outside the selected days it is not shown; drops are this period's.
    app.sidebar.date_input[0].set_value((date(2026, 3, 1), date(2026, 3, 1))).run()
    assert texts(app.warning)[0].startswith("Delivery dropped in 2 places")
    # The European account has nothing flagged.
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert texts(app.success)[0].startswith("Nothing flagged:")


def test_overview_totals_in_their_currency(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch)
    shown = metrics(app)
    assert {k: v for k, v in shown.items() if not k.endswith("last 7 days")} == {
        "Spend (EUR)": "€0.17",
        "Spend (USD)": "$5.08",
        "Messages": "46",
        "Delivery rate": "82.86%",  # 29 delivered of 35 with an outcome
        "Calls": "6",
        "Billed minutes": "14",
        "Priced traffic (EUR)": "€0.16",
        "Difference (EUR)": "€0.01",
        "Priced traffic (USD)": "$3.93",
        "Difference (USD)": "$0.00",
    }
    # Exact amounts are one hover away.
    assert helps(app)["Spend (USD)"] == "USD 5.07790 billed in Twilio's usage records"
    assert helps(app)["Difference (EUR)"].startswith("EUR 0.01000: usage records minus")
    assert "1 product-days differ by 0.00001 or more: EUR sms" in texts(app.warning)
    recon = tables(app)[2]
    assert recon.to_dict("records") == [
        {"Currency": "EUR", "Product": "SMS", "Usage records": "€0.17",
         "Priced messages and calls": "€0.16", "Difference": "€0.01", "Days that differ": 1,
         "Priced records": 3},
        {"Currency": "USD", "Product": "Phone numbers", "Usage records": "$1.15",
         "Priced messages and calls": "—", "Difference": "—", "Days that differ": 0,
         "Priced records": 0},
        {"Currency": "USD", "Product": "SMS", "Usage records": "$3.51",
         "Priced messages and calls": "$3.51", "Difference": "$0.00", "Days that differ": 0,
         "Priced records": 426},
        {"Currency": "USD", "Product": "Voice", "Usage records": "$0.42",
         "Priced messages and calls": "$0.42", "Difference": "$0.00", "Days that differ": 0,
         "Priced records": 12},
    ]  # fmt: skip
    assert_readable(app)


def test_overview_charts_share_the_palette(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch)
    specs = charts(app)
    assert chart_titles(specs) == OVERVIEW_TITLES
    # Each spend chart holds its own currency's rows only: nothing is added across them.
    eur = chart_rows(app, 0)
    assert {r["currency"] for r in eur} == {"EUR"}
    assert sorted(r["usage_cost_amount"] for r in eur) == [0.07342, 0.1]
    # One colour per product, the same everywhere; tall enough for 120 days of bars.
    color = specs[1]["encoding"]["color"]["scale"]
    assert color["range"] == [palette.PRODUCT_COLORS[p] for p in palette.PRODUCTS]
    assert len(set(color["range"])) == len(palette.PRODUCTS)
    assert specs[1]["height"] >= 300
    # Every day axis reads the same way.
    formats_ = {s["encoding"]["x"]["axis"]["format"] for s in specs}
    assert formats_ == {"%b %d"}
    assert f"`{TIMEZONE}`" in app.sidebar.markdown[0].value


def test_filters_are_in_the_url(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link with ?account=...&days=...&days=... shows what its sender chose by hand.

    (The browser writes a changed filter into its URL: the end-to-end test checks that.)
    """
    path = publish()
    by_hand = open_app(path, monkeypatch)
    by_hand.sidebar.multiselect[0].set_value(["ACus"]).run()
    by_hand.sidebar.date_input[0].set_value((date(2026, 3, 1), date(2026, 3, 2))).run()
    # Streamlit writes a choice into the URL as it reads: the account's name and currency.
    linked = open_app(
        path,
        monkeypatch,
        params={"account": "Acme US (USD)", "days": ["2026-03-01", "2026-03-02"]},
    )
    assert linked.sidebar.multiselect[0].value == ["ACus"]
    assert linked.sidebar.date_input[0].value == (date(2026, 3, 1), date(2026, 3, 2))
    assert metrics(linked) == metrics(by_hand)
    assert metrics(linked)["Spend (USD)"] == "$5.07"
    assert "Spend (EUR)" not in metrics(linked)
    assert metrics(linked)["Calls"] == "5"
    # Every page reads the same filters from its link.
    for page in ("Delivery health", "Customers", "Live"):
        other = open_app(path, monkeypatch, page, {"account": "Acme Europe (EUR)"})
        assert other.sidebar.multiselect[0].value == ["ACeu"], page


def test_date_filter(publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(publish(), monkeypatch)
    assert app.sidebar.date_input[0].value == (date(2026, 3, 1), date(2026, 3, 3))
    app.sidebar.date_input[0].set_value((date(2026, 3, 1), date(2026, 3, 2))).run()
    assert metrics(app)["Spend (USD)"] == "$5.07"
    assert helps(app)["Spend (USD)"].startswith("USD 5.07000")
    assert metrics(app)["Spend (EUR)"] == "€0.07"
    assert metrics(app)["Difference (EUR)"] == "€0.00"
    assert "Totals, Mar 1 – Mar 2, 2026" in [s.value for s in app.subheader]


def test_delivery_health_most_failures_first(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Delivery health")
    drops, by_country, errors_by_country, by_number, errors_by_number = tables(app)
    assert list(drops["Where"]) == ["United Kingdom (GB)", "our number +14155550100"]
    columns = ["Country", "With an outcome", "Failures", "Failure rate", "Delivery rate"]
    assert by_country[columns].values.tolist() == [
        ["United States (US)", 22, 3, pytest.approx(13.64), pytest.approx(81.82)],
        ["United Kingdom (GB)", 8, 2, 25.0, 75.0],
        ["France (FR)", 5, 0, 0.0, 100.0],
    ]
    # Errors by impact (messages), not by country name.
    assert errors_by_country.to_dict("records") == [
        {"Country": "United States (US)", "Error code": "21610",
         "What it means": "Attempt to send to an unsubscribed recipient", "Messages": 2,
         "Share of the country's errors": pytest.approx(66.67)},
        {"Country": "United Kingdom (GB)", "Error code": "30005",
         "What it means": "Unknown destination handset", "Messages": 1,
         "Share of the country's errors": 50.0},
        {"Country": "United Kingdom (GB)", "Error code": "30008",
         "What it means": "Unknown error from the carrier", "Messages": 1,
         "Share of the country's errors": 50.0},
        {"Country": "United States (US)", "Error code": "30003",
         "What it means": "Unreachable destination handset", "Messages": 1,
         "Share of the country's errors": pytest.approx(33.33)},
    ]  # fmt: skip
    assert by_number[["Our number", "Failure rate"]].values.tolist() == [
        ["+14155550100", pytest.approx(16.67)],
        ["+33612345678", 0.0],
    ]
    # The three most frequent codes per number (ties: the lower code first).
    assert errors_by_number[["Error code", "Messages"]].values.tolist() == [
        ["21610", 2],
        ["30003", 1],
        ["30005", 1],
    ]
    assert [s["title"] for s in charts(app)] == [
        "Failure rate by country",
        "Failure rate by our number",
    ]
    assert_readable(app)
    # Filters apply: the French account alone has no failure, no error code, no drop.
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert [t["Failure rate"].tolist() for t in tables(app)] == [[0.0], [0.0]]
    assert texts(app.info) == ["No error codes in the selected accounts and days."] * 2


def customer_list(app: AppTest) -> list[str]:
    return list(tables(app)[0]["Phone"])


def test_customers_to_browse_in_every_order(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Customers")
    sort = app.segmented_control[0]
    assert sort.options == [
        "Top spend (USD)", "Top spend (EUR)", "Most messages", "Lowest delivery",
        "Recently opted out",
    ]  # fmt: skip
    # Top spend in USD first, the EUR-only customer last: currencies are never compared.
    assert customer_list(app) == ["+15550001111", "+447700900123", "+14155551234", "+33612340000"]
    first = tables(app)[0].iloc[0].to_dict()
    assert first == {
        "Customer": "Tim Line · CUST-0003", "Phone": "+15550001111",
        "Country": "United States (US)", "Messages": 120, "Calls": 0, "Spend": "$0.95",
        "Delivery rate": 90.0, "Opted out (UTC)": "—", "Last contact (UTC)": "2026-03-03",
    }  # fmt: skip
    expected = {
        "spend:EUR": ["+33612340000", "+14155551234", "+15550001111", "+447700900123"],
        "messages": ["+15550001111", "+14155551234", "+33612340000", "+447700900123"],
        "delivery": ["+14155551234", "+15550001111", "+33612340000", "+447700900123"],
        "opted_out": ["+447700900123"],
    }
    path = publish()
    for key, phones in expected.items():
        app.segmented_control[0].set_value(key).run()
        assert customer_list(app) == phones, key
        label = sort.options[list(expected).index(key) + 1]
        linked = open_app(path, monkeypatch, "Customers", {"sort": label})
        assert customer_list(linked) == phones, key  # the order is in the URL
    assert tables(app)[0]["Opted out (UTC)"].tolist() == ["2026-03-02"]
    assert_readable(app)
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert texts(app.info) == ["No customer of the selected accounts has opted out."]


def test_customer_search(publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(publish(), monkeypatch, "Customers", {"sort": "Most messages"})
    for text, phones in (
        ("kim", ["+14155551234"]),  # a name
        ("cust-000", ["+15550001111", "+14155551234", "+447700900123"]),  # an enriched id
        ("+3361234", ["+33612340000"]),  # a number, not enriched
    ):
        app.text_input[0].input(text).run()
        assert customer_list(app) == phones, text
    app.text_input[0].input("nobody").run()
    assert texts(app.info) == ["No customer's phone, id or name contains 'nobody'."]
    linked = open_app(publish(), monkeypatch, "Customers", {"q": "Grant"})
    assert customer_list(linked) == ["+447700900123"]


def test_a_link_opens_a_customer(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Customers", {"customer": "+14155551234"})
    assert [s.value for s in app.subheader][:2] == [
        "Dana Kim · CUST-0001 · +14155551234",
        "Timeline",
    ]
    assert metrics(app) == {
        "Messages": "3",
        "Calls": "1",
        "Spend": "$0.02",
        "Delivery rate": "50.00%",
        "Days since last reply": "1",
    }
    assert helps(app)["Spend"] == "USD 0.02370"
    assert "**Country:** United States (US) · **Segment:** consumer · **Opted out:** no" in (
        texts(app.markdown)
    )
    everything = dict(tables(app)[0].values.tolist())
    assert (everything["customer_name"], everything["days_since_last_reply"]) == ("Dana Kim", "1")
    assert everything["opted_out_at"] == formats.MISSING
    timeline = tables(app)[1]
    # Newest first, local times, every column readable.
    assert timeline.to_dict("records") == [
        {"When (America/New_York)": "2026-03-03 07:00:00", "Channel": "SMS",
         "Direction": "outbound", "Status": "undelivered", "Our number": "+14155550100",
         "Duration": "—", "Minutes": None, "Cost": "$0.01", "SID": "SM03"},
        {"When (America/New_York)": "2026-03-02 11:00:00", "Channel": "Voice",
         "Direction": "outbound", "Status": "completed", "Our number": "+14155550100",
         "Duration": "2 min 05 s", "Minutes": 3, "Cost": "$0.00", "SID": "CA01"},
        {"When (America/New_York)": "2026-03-01 22:30:00", "Channel": "SMS",
         "Direction": "inbound", "Status": "received", "Our number": "+14155550100",
         "Duration": "—", "Minutes": None, "Cost": "$0.01", "SID": "SM02"},
        {"When (America/New_York)": "2026-03-01 10:00:00", "Channel": "SMS",
         "Direction": "outbound", "Status": "delivered", "Our number": "+14155550100",
         "Duration": "—", "Minutes": None, "Cost": "$0.01", "SID": "SM01"},
    ]  # fmt: skip
    assert app.caption[0].value.startswith("1–4 of 4 interactions")
    assert_readable(app)
    app.button[0].click().run()  # back to the list
    assert "customer" not in app.query_params
    assert len(customer_list(app)) == 4

    opted = open_app(publish(), monkeypatch, "Customers", {"customer": "+447700900123"})
    assert metrics(opted)["Days since last reply"] == "never replied"
    assert metrics(opted)["Delivery rate"] == "n/a"
    assert any(
        "**Opted out:** yes, since 2026-03-02 12:30:00 UTC" in t for t in texts(opted.markdown)
    )
    unknown = open_app(publish(), monkeypatch, "Customers", {"customer": "+10000000000"})
    assert texts(unknown.info) == [
        "No customer +10000000000 in the snapshot: pick one from the list."
    ]


def test_timeline_pages_in_the_url(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """120 messages, 10 of them before the first local day: three pages of 50, 50, 10."""
    path = publish()
    app = open_app(path, monkeypatch, "Customers", {"customer": "+15550001111"})
    assert app.caption[0].value.startswith("1–50 of 110 interactions in the selected accounts")
    assert tables(app)[1]["SID"].iloc[0] == "SMT119"
    last = open_app(path, monkeypatch, "Customers", {"customer": "+15550001111", "timeline": "3"})
    assert last.caption[0].value.startswith("101–110 of 110")
    assert list(tables(last)[1]["SID"]) == [f"SMT{i:03d}" for i in range(19, 9, -1)]


def test_customer_timeline_follows_the_filters_on_local_days(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Customers", {"customer": "+14155551234"})
    # SM02 was sent at 03:30 UTC on 03-02: 22:30 on 03-01 in New York, so it is kept.
    app.sidebar.date_input[0].set_value((date(2026, 3, 1), date(2026, 3, 1))).run()
    assert tables(app)[1]["SID"].tolist() == ["SM02", "SM01"]
    assert app.caption[0].value.startswith("1–2 of 2 interactions")
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert app.caption[0].value.startswith("0 of 4 interactions")


def test_live_page_from_the_webhook_marts(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Live")
    assert metrics(app) == {
        # Receiver to live mart, over the events measured (seq 1 was not).
        "Freshness, median": "3.0 s",
        "Freshness, p95": "9.3 s",
        "Freshness, max": "10.0 s",
        "Latest build": "2026-03-03 12:00:15 UTC",
        "Messages ahead": "2",
        "Calls ahead": "1",
        "Median delivery": "12.0 s",
        "90th percentile": "18.4 s",
        "Slowest": "20.0 s",
    }
    statuses, calls, ahead = tables(app)
    assert statuses.to_dict("records") == [
        {"Latest status": "delivered", "Messages": 3, "Webhook first": 1, "Webhook only": 0},
        {"Latest status": "read", "Messages": 1, "Webhook first": 1, "Webhook only": 1},
    ]  # fmt: skip
    assert calls["Latest status"].tolist() == ["completed", "in-progress"]
    assert ahead["Message"].tolist() == ["SM03", "SM02"]  # the latest first
    assert app.caption[0].value.startswith("Latest webhook: 2026-03-03 12:00:09 UTC.")
    assert charts(app)[0]["title"] == "Sent → delivered latency (webhooks)"
    assert not app.sidebar.date_input  # current state: no days to choose
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert metrics(app)["Messages ahead"] == "0"
    assert metrics(app)["Median delivery"] == "20.0 s"


def test_live_page_before_any_webhook(
    publish: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = publish()
    with duckdb.connect(str(path)) as conn:
        for name in ("fct_message_current_status", "fct_message_delivery_latency",
                     "fct_call_current_status", "fct_webhook_freshness"):  # fmt: skip
            conn.execute(f"delete from analytics.{name}")  # noqa: S608
    app = open_app(path, monkeypatch, "Live")
    assert texts(app.info)[0].startswith("No webhook has reached the warehouse yet.")
    assert metrics(app)["Median delivery"] == formats.MISSING
    assert "Freshness, median" not in metrics(app)  # no event measured yet


@pytest.mark.parametrize("page", list(PAGES))
def test_empty_warehouse_says_so(
    page: str, publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(empty=True), monkeypatch, page)
    assert texts(app.info) == [
        "The warehouse has no data yet: no account or no day in the marts. Run the pipeline "
        "(`make demo`, or `make run` against Twilio); it publishes a new snapshot after each "
        "build."
    ]


@pytest.mark.parametrize(
    ("page", "warned"),
    [("Overview", True), ("Delivery health", True), ("Customers", False), ("Live", False)],
)
def test_missing_mart_is_named(
    page: str, warned: bool, publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = publish(leave_out=("fct_delivery_daily",))
    app = open_app(path, monkeypatch, page)
    if warned:
        assert texts(app.warning) == [
            f"The snapshot at {path} has no analytics.fct_delivery_daily, which {page} needs. "
            "Build the marts (`make demo`, or `meltano run dbt-duckdb:build "
            "warehouse-snapshot:publish`) and reload."
        ]
    else:
        assert not any("has no analytics" in w for w in texts(app.warning))


def test_an_old_snapshot_without_country_names_shows_codes(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(leave_out=("dim_countries",)), monkeypatch, "Delivery health")
    assert tables(app)[1]["Country"].tolist() == ["US", "GB", "FR"]


def test_no_snapshot_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "absent.duckdb"
    app = open_app(path, monkeypatch)
    assert texts(app.warning) == [
        f"No warehouse snapshot at {path} yet. The pipeline publishes one after each build: "
        "run `make demo` (or `make run`), then reload this page."
    ]


def test_unreadable_snapshot_is_a_message_not_a_stack_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.duckdb"
    path.write_bytes(b"half a file" * 100)
    app = open_app(path, monkeypatch)
    (message,) = texts(app.warning)
    assert message.startswith(f"The warehouse snapshot at {path} cannot be read right now (")
    assert message.endswith("It is probably being replaced by the pipeline: reload in a moment.")


def test_a_new_snapshot_shows_on_the_next_run(
    publish: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = publish()
    app = open_app(path, monkeypatch)
    assert metrics(app)["Spend (USD)"] == "$5.08"
    warehouse = make_warehouse(tmp_path / "next.duckdb")
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(
            "update analytics.fct_spend_daily set usage_cost_amount = usage_cost_amount + 1, "
            "traffic_cost_amount = traffic_cost_amount + 1 where currency = 'USD' "
            "and product = 'sms' and spend_date = '2026-03-03'"
        )
    snapshot.publish(warehouse, path, TIMEZONE)
    app.run()
    assert metrics(app)["Spend (USD)"] == "$6.08"
