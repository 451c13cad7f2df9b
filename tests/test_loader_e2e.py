"""target-duckdb in the real pipeline: BATCH files end to end, exact prices, and a
repeat run with no new data that changes nothing and skips dbt.

``meltano run tap-twilio target-duckdb dbt-duckdb:build`` with the tap writing
singer-sdk BATCH files (JSON lines, gzip) instead of RECORD messages: the loader
reads them with DuckDB's own reader and the marts must still equal the truth.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.pipeline import Pipeline, assert_reconciles

pytestmark = pytest.mark.e2e

BATCH_JSONL = {
    "TAP_TWILIO_BATCH_CONFIG_ENCODING_FORMAT": "jsonl",
    "TAP_TWILIO_BATCH_CONFIG_ENCODING_COMPRESSION": "gzip",
    "TAP_TWILIO_BATCH_CONFIG_STORAGE_PREFIX": "batch-",
}


@pytest.fixture(scope="module")
def batched(pipeline: Pipeline) -> Pipeline:
    batches = pipeline.workdir / "batches"
    batches.mkdir()
    pipeline.extra_env.update(
        {**BATCH_JSONL, "TAP_TWILIO_BATCH_CONFIG_STORAGE_ROOT": f"file://{batches}"}
    )
    return pipeline


def run(pipeline: Pipeline) -> str:
    """``meltano run tap-twilio target-duckdb dbt-duckdb:build``; its output."""
    result = pipeline.meltano("run", "tap-twilio", "target-duckdb", "dbt-duckdb:build")
    output = result.stdout + result.stderr
    assert result.returncode == 0, "\n".join(output.splitlines()[-40:])
    return output


def test_batch_files_reach_reconciled_marts(batched: Pipeline) -> None:
    output = run(batched)
    assert "BATCH file(s)" in output  # loaded from the tap's files
    assert not list((batched.workdir / "batches").iterdir())  # and removed once loaded
    assert_reconciles(batched)


def test_prices_are_decimals_in_the_raw_tables(batched: Pipeline) -> None:
    types = dict(
        batched.query(
            "select table_name, data_type from duckdb_columns() "
            "where schema_name = 'raw_twilio' and column_name = 'price'"
        )
    )
    # Every price the tap's schemas declare a number; Verify's is an object (amount, unit).
    numbers = {"messages", "calls", "recordings", "transcriptions", "usage_records"}
    assert {table: types.get(table) for table in numbers} == dict.fromkeys(numbers, "DECIMAL(38,9)")
    assert types.get("verification_attempts", "JSON") == "JSON"
    for kind in ("messages", "calls"):
        (total,) = batched.query(f"select coalesce(sum(price), 0) from raw_twilio.{kind}")[0]  # noqa: S608
        assert isinstance(total, Decimal)
        assert total == total.quantize(Decimal("0.00001"))  # Twilio's five decimals, exactly


def test_a_run_with_no_new_data_changes_nothing_and_skips_dbt(batched: Pipeline) -> None:
    def loaded() -> list[tuple]:
        return batched.query(
            "select table_name, estimated_size from duckdb_tables() "
            "where schema_name = 'raw_twilio' order by 1"
        ) + batched.query("select count(*), max(_sdc_batched_at) from raw_twilio.messages")

    before = loaded()
    output = run(batched)
    assert loaded() == before  # the re-read days changed no row
    assert "dbt build skipped" in output
    assert_reconciles(batched)
