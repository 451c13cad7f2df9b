"""The whole pipeline, for real: emulator -> tap-twilio -> target-duckdb -> dbt marts.

Runs ``meltano run tap-twilio target-duckdb dbt-duckdb:build`` and checks the
marts against the emulator's ground truth, exactly: counts per status and
direction per account, call seconds and minutes, spend per currency, and every
customer's message and call counts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from switchboard import reconcile
from tests.pipeline import Pipeline

pytestmark = pytest.mark.e2e


def assert_reconciles(pipeline: Pipeline) -> dict:
    truth = pipeline.emulator.truth()
    with pipeline.connect() as conn:
        problems = reconcile.differences(truth, reconcile.mart_summary(conn))
    assert problems == [], "\n".join(problems)
    return truth


def test_full_run_reconciles_exactly(pipeline: Pipeline) -> None:
    pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    truth = assert_reconciles(pipeline)
    # The loader lost no row (target-duckdb 0.8.0 drops the first row of each
    # batch with duckdb >= 1.3): raw tables hold every record, including the
    # 3-row accounts table where one lost row would be a third of it.
    raw_accounts = pipeline.query("select count(*) from raw_twilio.accounts")[0][0]
    raw_messages = pipeline.query("select count(*) from raw_twilio.messages")[0][0]
    raw_calls = pipeline.query("select count(*) from raw_twilio.calls")[0][0]
    assert raw_accounts == len(truth["accounts"]) == 3
    assert raw_messages == sum(a["messages"]["total"] for a in truth["accounts"].values())
    assert raw_calls == sum(a["calls"]["total"] for a in truth["accounts"].values())
    # Spend is reported per currency, never summed across them.
    currencies = {
        c for (c,) in pipeline.query("select distinct currency from analytics.fct_messages")
    }
    assert currencies == {"USD", "EUR"}


def test_next_day_incremental_run_reconciles(pipeline: Pipeline) -> None:
    """A day later: new traffic arrives and yesterday's statuses and prices settle."""
    before = pipeline.query(
        "select count(*) from analytics.fct_messages where cost_amount is null"
    )[0][0]
    assert before > 0, "some messages should still be unpriced at the end of the first run"
    pipeline.emulator.advance("1d")
    pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    assert_reconciles(pipeline)


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
