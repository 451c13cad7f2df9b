"""BATCH messages: the tap's JSON-lines and Parquet files, read by DuckDB itself."""

from __future__ import annotations

import datetime as dt
import gzip
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from singer_sdk.singerlib.json import serialize_json

from tests.helpers import SCHEMA, record, rows, run, schema, types

PROPS = {
    "id": {"type": "integer"},
    "price": {"type": ["number", "null"]},
    "sent": {"type": ["string", "null"], "format": "date-time"},
    "meta": {"type": ["object", "null"]},
    "name": {"type": ["string", "null"]},
}


def rows_sent(start: int, count: int) -> list[dict]:
    return [
        {
            "id": i % 40,  # keys repeat within and across files: the last one wins
            "price": Decimal(-i).scaleb(-5),
            "sent": "2025-01-01T12:00:00+01:00",
            "meta": {"i": i},
            "name": f"n{i}",
        }
        for i in range(start, start + count)
    ]


def jsonl_file(path: Path, records: list[dict]) -> str:
    """A file as the SDK's JSON-lines batcher writes it (gzip, the SDK's JSON)."""
    with gzip.open(path, "wb") as out:
        out.writelines((serialize_json(r) + "\n").encode() for r in records)
    return path.as_uri()


def parquet_file(path: Path, records: list[dict]) -> str:
    """A file as the SDK's Parquet batcher writes it (``pa.Table.from_pylist``)."""
    pq.write_table(pa.Table.from_pylist(records), path)
    return path.as_uri()


def batch(fmt: str, files: list[str]) -> dict:
    compression = "gzip" if fmt == "jsonl" else "none"
    return {
        "type": "BATCH",
        "stream": "m",
        "encoding": {"format": fmt, "compression": compression},
        "manifest": files,
    }


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_batch_files_load_exactly_and_are_removed(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "w.duckdb"
    write = jsonl_file if fmt == "jsonl" else parquet_file
    first, second = rows_sent(0, 100), rows_sent(100, 100)
    files = [write(tmp_path / f"a.{fmt}", first), write(tmp_path / f"b.{fmt}", second)]
    messages = [schema("m", PROPS), record("m", {"id": 0, "name": "before"})]
    messages += [batch(fmt, files[:1]), batch(fmt, files[1:])]
    run(db, messages)

    expected = {r["id"]: r for r in first + second}
    loaded = rows(db, f"SELECT id, price, sent, meta->>'i', name FROM {SCHEMA}.m ORDER BY id")
    assert loaded == [
        (i, r["price"], dt.datetime(2025, 1, 1, 11), str(r["meta"]["i"]), r["name"])
        for i, r in sorted(expected.items())
    ]
    assert types(db, "m")["price"] == "DECIMAL(38,9)"
    assert not list(tmp_path.glob(f"*.{fmt}"))  # loaded, then cleaned up


def test_a_record_after_a_batch_replaces_the_batchs_row(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    files = [jsonl_file(tmp_path / "a.jsonl", rows_sent(0, 40))]
    messages = [schema("m", PROPS), batch("jsonl", files), record("m", {"id": 3, "name": "later"})]
    run(db, messages, clean_up_batch_files=False)
    assert rows(db, f"SELECT name FROM {SCHEMA}.m WHERE id = 3") == [("later",)]
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(40,)]
    assert (tmp_path / "a.jsonl").exists()  # kept when asked


def test_parquet_files_missing_a_column_load_it_as_null(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    files = [parquet_file(tmp_path / "a.parquet", [{"id": 1, "name": "x"}])]
    run(db, [schema("m", PROPS), batch("parquet", files)])
    assert rows(db, f"SELECT id, price, meta, name FROM {SCHEMA}.m") == [(1, None, None, "x")]
