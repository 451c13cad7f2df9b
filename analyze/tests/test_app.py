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

from switchboard_analyze import snapshot
from tests.conftest import APP, MARTS, OVERVIEW_TITLES, TIMEZONE, chart_titles, make_warehouse

MART_YAML = Path(__file__).resolve().parents[2] / "transform" / "models" / "marts"


def open_app(path: Path, monkeypatch: pytest.MonkeyPatch, page: str = "Overview") -> AppTest:
    monkeypatch.setenv(snapshot.SNAPSHOT_ENV, str(path))
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    if page != "Overview":
        app.sidebar.radio[0].set_value(page).run()
    assert not app.exception, app.exception
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def charts(app: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]


def chart_rows(app: AppTest, index: int) -> list[dict]:
    """The rows a chart draws (Streamlit sends them beside the spec, as Arrow)."""
    (dataset,) = app.get("vega_lite_chart")[index].proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def test_fixture_columns_exist_in_the_marts() -> None:
    """The hand-made marts only use columns the dbt models document."""
    with duckdb.connect() as conn:
        conn.execute("create schema analytics")
        for name, sql in MARTS.items():
            conn.execute(sql)
            describe = f"select column_name from (describe analytics.{name})"  # noqa: S608
            ours = {c for (c,) in conn.execute(describe).fetchall()}
            model = yaml.safe_load((MART_YAML / f"{name}.yml").read_text())["models"][0]
            documented = {c["name"] for c in model["columns"]}
            assert ours <= documented, f"{name}: {sorted(ours - documented)} not in the model"


def test_overview_shows_spend_per_currency_and_the_reconciliation(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch)
    assert metrics(app) == {
        "Spend, usage records (EUR)": "0.17342",
        "Priced messages and calls (EUR)": "0.16342",
        "Difference on priced products (EUR)": "0.01000",
        "Spend, usage records (USD)": "5.07790",
        "Priced messages and calls (USD)": "3.92790",
        "Difference on priced products (USD)": "0.00000",
        "Calls": "6",
        "Call legs": "7",
        "Billed minutes": "14",
    }
    assert texts(app.warning) == ["1 product-days differ by 0.00001 or more: EUR sms"]
    recon = app.dataframe[0].value
    assert recon.to_dict("records") == [
        {"currency": "EUR", "product": "sms", "usage_records": "0.17342",
         "priced_traffic": "0.16342", "difference": "0.01000", "days_off": 1,
         "priced_records": 3},
        {"currency": "USD", "product": "phone_numbers", "usage_records": "1.15000",
         "priced_traffic": "", "difference": "", "days_off": 0, "priced_records": 0},
        {"currency": "USD", "product": "sms", "usage_records": "3.50790",
         "priced_traffic": "3.50790", "difference": "0.00000", "days_off": 0,
         "priced_records": 426},
        {"currency": "USD", "product": "voice", "usage_records": "0.42000",
         "priced_traffic": "0.42000", "difference": "0.00000", "days_off": 0,
         "priced_records": 12},
    ]  # fmt: skip
    specs = charts(app)
    assert chart_titles(specs) == OVERVIEW_TITLES
    # Each spend chart holds its own currency's rows only: nothing is added across them.
    eur = chart_rows(app, 0)
    assert {r["currency"] for r in eur} == {"EUR"}
    assert sorted(r["usage_cost_amount"] for r in eur) == [0.07342, 0.1]
    assert f"`{TIMEZONE}`" in app.sidebar.markdown[0].value


def test_account_filter(publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(publish(), monkeypatch)
    app.sidebar.multiselect[0].set_value(["ACus"]).run()
    assert metrics(app)["Spend, usage records (USD)"] == "5.07790"
    assert "Spend, usage records (EUR)" not in metrics(app)
    assert metrics(app)["Calls"] == "5"
    assert texts(app.warning) == []
    assert len(app.success) == 1
    assert len(charts(app)) == 4  # one currency


def test_date_filter(publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_app(publish(), monkeypatch)
    assert app.sidebar.date_input[0].value == (date(2026, 3, 1), date(2026, 3, 3))
    app.sidebar.date_input[0].set_value((date(2026, 3, 1), date(2026, 3, 2))).run()
    assert metrics(app)["Spend, usage records (USD)"] == "5.07000"
    assert metrics(app)["Spend, usage records (EUR)"] == "0.07342"
    assert metrics(app)["Difference on priced products (EUR)"] == "0.00000"
    assert texts(app.warning) == []


def test_delivery_health_by_country_and_number(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Delivery health")
    by_country, errors_by_country, by_number, errors_by_number = (d.value for d in app.dataframe)
    columns = ["customer_country", "with_outcome", "failure_rate", "delivery_rate"]
    assert by_country[columns].values.tolist() == [
        ["GB", 8, "25.00%", "75.00%"],
        ["US", 22, "13.64%", "81.82%"],
        ["FR", 5, "0.00%", "100.00%"],
    ]
    assert errors_by_country.to_dict("records") == [
        {"customer_country": "GB", "error_code": 30005,
         "error_meaning": "Unknown destination handset", "messages": 1},
        {"customer_country": "GB", "error_code": 30008,
         "error_meaning": "Unknown error from the carrier", "messages": 1},
        {"customer_country": "US", "error_code": 21610,
         "error_meaning": "Attempt to send to an unsubscribed recipient", "messages": 2},
        {"customer_country": "US", "error_code": 30003,
         "error_meaning": "Unreachable destination handset", "messages": 1},
    ]  # fmt: skip
    assert by_number[["our_phone", "failure_rate"]].to_dict("records") == [
        {"our_phone": "+14155550100", "failure_rate": "16.67%"},
        {"our_phone": "+33612345678", "failure_rate": "0.00%"},
    ]
    # The three most frequent codes per number (ties: the lower code first).
    assert errors_by_number[["error_code", "messages"]].values.tolist() == [
        [21610, 2],
        [30003, 1],
        [30005, 1],
    ]
    assert len(charts(app)) == 2
    # Filters apply: the French account alone has no failure and no error code.
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert [d.value["failure_rate"].tolist() for d in app.dataframe] == [["0.00%"], ["0.00%"]]
    assert texts(app.info) == ["No error codes in the selected accounts and days."] * 2


def test_customer_search_by_name_id_and_phone(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Customers")
    app.text_input[0].input("kim").run()
    assert app.selectbox[0].options == ["Dana Kim · CUST-0001 · +14155551234"]
    assert metrics(app) == {
        "Messages": "3",
        "Calls": "1",
        "Spend": "USD 0.02370",
        "Delivery rate": "50.00%",
        "Country": "US",
        "Segment": "consumer",
        "Opted out": "no",
        "Days since last reply": "1",
    }
    timeline = app.dataframe[1].value
    assert timeline["interaction_sid"].tolist() == ["SM01", "SM02", "CA01", "SM03"]
    assert timeline["occurred_at_local"].tolist() == [
        pd.Timestamp("2026-03-01 10:00"),
        pd.Timestamp("2026-03-01 22:30"),
        pd.Timestamp("2026-03-02 11:00"),
        pd.Timestamp("2026-03-03 07:00"),
    ]
    assert app.caption[0].value.startswith("4 of 4 interactions")

    app.text_input[0].input("cust-000").run()  # an enriched id: two customers
    assert app.selectbox[0].options == [
        "Dana Kim · CUST-0001 · +14155551234",
        "Oliver Grant · CUST-0002 · +447700900123",
    ]
    app.selectbox[0].select("+447700900123").run()
    assert metrics(app)["Opted out"] == "yes"
    assert metrics(app)["Days since last reply"] == "never replied"

    app.text_input[0].input("+3361234").run()  # a phone number, not enriched
    assert app.selectbox[0].options == ["+33612340000"]
    assert metrics(app)["Segment"] == "not enriched"

    app.text_input[0].input("nobody").run()
    assert texts(app.info) == ["No customer's phone, id or name contains 'nobody'."]


def test_customer_timeline_follows_the_filters_on_local_days(
    publish: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(publish(), monkeypatch, "Customers")
    app.text_input[0].input("Dana").run()
    # SM02 was sent at 03:30 UTC on 03-02: 22:30 on 03-01 in New York, so it is kept.
    app.sidebar.date_input[0].set_value((date(2026, 3, 1), date(2026, 3, 1))).run()
    assert app.dataframe[1].value["interaction_sid"].tolist() == ["SM01", "SM02"]
    assert app.caption[0].value.startswith("2 of 4 interactions")
    app.sidebar.multiselect[0].set_value(["ACeu"]).run()
    assert app.dataframe[1].value.empty
    assert app.caption[0].value.startswith("0 of 4 interactions")


@pytest.mark.parametrize("page", ["Overview", "Delivery health", "Customers"])
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
    [("Overview", True), ("Delivery health", True), ("Customers", False)],
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
        assert texts(app.warning) == []
        app.text_input[0].input("kim").run()
        assert metrics(app)["Messages"] == "3"


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
    assert metrics(app)["Spend, usage records (USD)"] == "5.07790"
    warehouse = make_warehouse(tmp_path / "next.duckdb")
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(
            "update analytics.fct_spend_daily set usage_cost_amount = usage_cost_amount + 1, "
            "traffic_cost_amount = traffic_cost_amount + 1 where currency = 'USD' "
            "and product = 'sms' and spend_date = '2026-03-03'"
        )
    snapshot.publish(warehouse, path, TIMEZONE)
    app.run()
    assert metrics(app)["Spend, usage records (USD)"] == "6.07790"
