"""The whole pipeline, for real: emulator -> tap-twilio -> target-duckdb -> dbt marts.

Runs ``meltano run tap-twilio target-duckdb dbt-duckdb:build`` and checks every
mart against the emulator's ground truth, exactly (see ``switchboard.reconcile``),
with local days in a reporting timezone that changes to winter time within the
data, and every stream's staging model against the same truth and against its raw
table (one row per key). Then a day later, incrementally; then checks that
rebuilding every mart from scratch gives the same rows as the incremental build,
and that the dbt docs describe every model and column and every model's grain is
tested.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from switchboard import reconcile
from switchboard.emulated import EmulatorProcess
from tests.pipeline import (
    ROOT,
    Pipeline,
    assert_reconciles,
    assert_staging_matches_raw,
    assert_staging_reconciles,
    truth_totals,
)

pytestmark = pytest.mark.e2e


def test_full_run_reconciles_exactly(pipeline: Pipeline) -> None:
    pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    truth = assert_reconciles(pipeline)
    # The loader lost no row (target-duckdb 0.8.0 drops the first row of each
    # batch with duckdb >= 1.3): raw tables hold every record, including the
    # 3-row accounts table where one lost row would be a third of it.
    raw_accounts = pipeline.query("select count(*) from raw_twilio.accounts")[0][0]
    raw_messages = pipeline.query("select count(*) from raw_twilio.messages")[0][0]
    raw_calls = pipeline.query("select count(*) from raw_twilio.calls")[0][0]
    # Every account, closed and suspended ones included (the tap skips their resources).
    statuses = {a["status"] for a in truth["accounts"].values()}
    assert raw_accounts == len(truth["accounts"])
    assert {"active", "closed", "suspended"} <= statuses
    assert raw_messages == sum(a["messages"]["total"] for a in truth["accounts"].values())
    assert raw_calls == sum(a["calls"]["total"] for a in truth["accounts"].values())
    # Spend is reported per currency, never summed across them.
    currencies = {
        c for (c,) in pipeline.query("select distinct currency from analytics.fct_spend_daily")
    }
    assert currencies == {"USD", "EUR"}
    # The data exercises what the marts must get right, so the match above means something.
    customers = truth["customers"].values()
    assert sum(c["opted_out"] for c in customers) > 0
    assert {c["country"] for c in customers} >= {"US", "CA", "GB", "FR", "DE"}
    assert any(d["errors"] for d in truth["delivery"])
    # Twilio's real-world messages: scheduled, canceled, never sent, partially delivered.
    by_status = sum(
        (Counter(a["messages"]["by_status"]) for a in truth["accounts"].values()), Counter()
    )
    assert min(by_status[s] for s in ("scheduled", "canceled", "partially_delivered")) > 0
    assert sum(a["messages"]["undated"]["total"] for a in truth["accounts"].values()) > 0
    assert_staging_reconciles(pipeline, truth, first_run=True)


def test_next_day_incremental_run_reconciles(pipeline: Pipeline) -> None:
    """A day later: new traffic arrives and yesterday's statuses and prices settle."""
    before = pipeline.query(
        "select count(*) from analytics.fct_messages where cost_amount is null"
    )[0][0]
    assert before > 0, "some messages should still be unpriced at the end of the first run"
    pipeline.emulator.advance("1d")
    pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    truth = assert_reconciles(pipeline)
    assert_staging_reconciles(pipeline, truth, first_run=False)


def test_every_raw_table_has_one_staging_model_of_its_keys(pipeline: Pipeline) -> None:
    """Each raw table has exactly one staging model, with one row per raw key. Every
    stream reached raw_twilio but those with no record at all (no webhook receiver here;
    no conference or task live when read: the truth counts none now, so the last run
    read none): their models build as empty relations."""
    truth = pipeline.truth()
    absent = assert_staging_matches_raw(pipeline)
    empty = {stream for stream, total in truth_totals(truth).items() if not total}
    assert "webhook_events" in absent
    assert absent - {"webhook_events"} <= empty


# One wrong figure in each mart, and the words the reconciliation must say about it.
WRONG_MARTS = {
    "messages spend": "update analytics.fct_messages set cost_amount = cost_amount + 0.00001 "
    "where message_sid = (select min(message_sid) from analytics.fct_messages where is_priced)",
    "calls billed_minutes": "update analytics.fct_calls set billed_minutes = billed_minutes + 1 "
    "where call_sid = (select min(call_sid) from analytics.fct_calls where billed_minutes > 0)",
    "fct_usage_daily": "update analytics.fct_usage_daily set is_rollup = false "
    "where category = 'sms'",
    "fct_spend_daily": "update analytics.fct_spend_daily set traffic_cost_amount = "
    "traffic_cost_amount + 0.00001 where product = 'voice' and spend_date = "
    "(select max(spend_date) from analytics.fct_spend_daily)",
    "fct_account_daily": "update analytics.fct_account_daily set messages_delivered = "
    "messages_delivered + 1 where activity_date = "
    "(select max(activity_date) from analytics.fct_account_daily)",
    "fct_delivery_daily": "update analytics.fct_delivery_daily set top_error_code = 30008 "
    "where top_error_code <> 30008",
    "dim_customers": "update analytics.dim_customers set is_opted_out = false",
    "fct_customer_interactions": "update analytics.fct_customer_interactions set currency = 'GBP' "
    "where interaction_sid = (select min(interaction_sid) "
    "from analytics.fct_customer_interactions where cost_amount > 0)",
    "dim_phone_numbers": "update analytics.dim_phone_numbers set calls_inbound = calls_inbound + 1",
    "dim_accounts": "update analytics.dim_accounts set billing_currency = 'GBP'",
}


def test_reconciliation_catches_a_wrong_figure_in_any_mart(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """The exact matches above mean something: one wrong figure anywhere is reported."""
    truth = pipeline.truth()
    for words, sql in WRONG_MARTS.items():
        copy = tmp_path / "wrong.duckdb"
        shutil.copyfile(pipeline.warehouse, copy)
        with duckdb.connect(str(copy)) as conn:
            conn.execute(sql)
            problems = reconcile.differences(truth, reconcile.mart_summary(conn))
        assert any(words in line for line in problems), f"{sql!r} went unnoticed: {problems}"
        copy.unlink()


WEBHOOK_MARTS = {
    path.stem for path in (ROOT / "transform/models/marts/twilio_webhooks").glob("*.sql")
}
# Flags only: a steady history raises none (tests/test_dashboard_e2e.py makes them fire).
FLAG_MARTS = {"fct_spend_jumps", "fct_delivery_drops"}


def test_incremental_build_equals_full_refresh(pipeline: Pipeline) -> None:
    """Rebuilding every mart from scratch gives exactly the incremental build's rows."""
    tables = [
        t
        for (t,) in pipeline.query(
            "select table_name from information_schema.tables "
            "where table_schema = 'analytics' order by 1"
        )
    ]
    assert {"fct_messages", "fct_calls", "fct_customer_interactions"} <= set(tables)
    with duckdb.connect(str(pipeline.warehouse)) as conn:
        conn.execute("create schema incremental_build")
        for table in tables:
            conn.execute(f"create table incremental_build.{table} as from analytics.{table}")
    pipeline.invoke("dbt-duckdb", "run", "--full-refresh")
    for table in tables:
        differing = pipeline.query(
            f"select count(*) from ("  # noqa: S608
            f"(from analytics.{table} except all from incremental_build.{table}) union all "
            f"(from incremental_build.{table} except all from analytics.{table}))"
        )[0][0]
        rows = pipeline.query(f"select count(*) from analytics.{table}")[0][0]  # noqa: S608
        assert differing == 0, f"{table}: {differing} rows differ after --full-refresh"
        # webhook marts fill only when a receiver runs (tests/test_webhooks_e2e.py)
        assert rows > 0 or table in WEBHOOK_MARTS | FLAG_MARTS, f"{table} is empty"


def test_docs_describe_everything_and_every_grain_is_tested(pipeline: Pipeline) -> None:
    pipeline.run("dbt-duckdb:docs-generate", "dbt-duckdb:source-freshness")
    target = pipeline.workdir / "dbt-target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node["description"].strip():
            undocumented.append(uid)
        described = {c for c, v in node["columns"].items() if v["description"].strip()}
        actual = {c.lower() for c in catalog["nodes"][uid]["columns"]}
        undocumented += [f"{uid}.{c}" for c in sorted(actual - described)]
    assert undocumented == []
    grain_tests = {"unique", "unique_combination_of_columns"}
    tested = {
        dep
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("test_metadata", {}).get("name") in grain_tests
        for dep in node["depends_on"]["nodes"]
    }
    models = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert sorted(models - tested) == []


def test_daily_usage_refresh_reads_only_usage(pipeline: Pipeline) -> None:
    """The scheduled usage job (tap-twilio--usage) re-reads usage records, nothing else."""
    count = "select count(*) from raw_twilio.usage_records"
    before = pipeline.query(count)[0][0]
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    pipeline.run("tap-twilio--usage", "target-duckdb")
    assert pipeline.query(count)[0][0] == before  # the same records, upserted in place
    refreshed = pipeline.query(
        "select count(distinct start_date) from raw_twilio.usage_records "
        "where _sdc_extracted_at >= ?",
        [started],
    )[0][0]
    assert refreshed >= 32, "a first run of its own re-reads at least the 31-day lookback"
    touched = pipeline.query(
        "select count(*) from raw_twilio.messages where _sdc_extracted_at >= ?", [started]
    )[0][0]
    assert touched == 0


def test_dbt_builds_on_a_warehouse_where_no_stream_was_loaded(
    emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """Users select any subset of the tap's streams (Meltano's `select`): `dbt build`, its
    unit tests on sources included, passes with no raw table at all, every mart empty."""
    empty = Pipeline(emulator=emulator, workdir=tmp_path)
    empty.invoke("dbt-duckdb", "build")
    with empty.connect() as conn:
        marts = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'analytics' order by 1"
            ).fetchall()
        ]
        assert {"fct_messages", "fct_calls", "fct_spend_daily", "dim_customers"} <= set(marts)
        for mart in marts:
            assert conn.execute(f"select count(*) from analytics.{mart}").fetchone()[0] == 0, mart  # noqa: S608
