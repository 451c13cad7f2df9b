"""Loading RECORD messages: upserts, exact decimals, UTC timestamps, schema changes, deletes."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from switchboard_target_duckdb.errors import LoadFailed
from tests.helpers import SCHEMA, record, rows, run, schema, state, types

PROPS = {
    "id": {"type": "integer"},
    "name": {"type": ["string", "null"]},
    "price": {"type": ["number", "null"]},
    "sent": {"type": ["string", "null"], "format": "date-time"},
    "meta": {"type": ["object", "null"]},
}


def test_prices_stay_exact_decimals_never_doubles(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    rng = random.Random(7)
    # Twilio's prices: five decimals, negative for a charge, up to thousands of units.
    prices = [Decimal(rng.randint(-99_999_999, 0)).scaleb(-5) for _ in range(5000)]
    prices += [Decimal("-0.00750"), Decimal("0.1"), Decimal("-0.00001"), Decimal("123456.78901")]
    messages = [schema("m", PROPS)]
    messages += [
        f'{{"type":"RECORD","stream":"m","record":{{"id":{i},"price":{p}}}}}'
        for i, p in enumerate(prices)
    ]
    run(db, messages)
    assert types(db, "m")["price"] == "DECIMAL(38,9)"
    loaded = dict(rows(db, f"SELECT id, price FROM {SCHEMA}.m"))
    assert [loaded[i] for i in range(len(prices))] == prices
    assert rows(db, f"SELECT sum(price) FROM {SCHEMA}.m") == [(sum(prices),)]


@pytest.mark.skipif(
    int(duckdb.__version__.split(".")[0]) < 2,
    reason="before DuckDB 2.0 its JSON reader reads numbers as doubles (exact to 15 digits)",
)
def test_numbers_beyond_a_doubles_precision_are_exact_on_duckdb_2(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    text = '{"type":"RECORD","stream":"m","record":{"id":1,"price":12345678901234567890.123456789}}'
    run(db, [schema("m", PROPS), text])
    assert rows(db, f"SELECT price FROM {SCHEMA}.m") == [
        (Decimal("12345678901234567890.123456789"),)
    ]


def test_timestamps_are_stored_in_utc_whatever_the_offset(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    sent = ["2025-03-30T01:30:00+00:00", "2025-03-30T03:30:00+02:00", "2025-03-29T20:30:00-05:00"]
    sent += ["2025-03-30T01:30:00Z", "2025-03-30 01:30:00"]
    messages = [schema("m", PROPS)]
    messages += [record("m", {"id": i, "sent": s}) for i, s in enumerate(sent)]
    run(db, messages)
    assert types(db, "m")["sent"] == "TIMESTAMP"
    assert {v for (v,) in rows(db, f"SELECT sent FROM {SCHEMA}.m")} == {
        dt.datetime(2025, 3, 30, 1, 30)
    }


def test_objects_are_json_and_every_column_has_its_type(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    run(db, [schema("m", PROPS), record("m", {"id": 1, "meta": {"a": [1, {"b": None}]}})])
    assert types(db, "m") == {
        "id": "BIGINT",
        "name": "VARCHAR",
        "price": "DECIMAL(38,9)",
        "sent": "TIMESTAMP",
        "meta": "JSON",
        "_sdc_extracted_at": "TIMESTAMP",
        "_sdc_received_at": "TIMESTAMP",
        "_sdc_batched_at": "TIMESTAMP",
        "_sdc_deleted_at": "TIMESTAMP",
        "_sdc_sequence": "BIGINT",
        "_sdc_table_version": "BIGINT",
        "_sdc_sync_started_at": "BIGINT",
    }
    assert rows(db, f"SELECT meta->'$.a[1]'->>'b' IS NULL, meta->>'$.a[0]' FROM {SCHEMA}.m") == [
        (True, "1")
    ]


def test_metadata_columns_say_when_each_row_was_extracted_and_loaded(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    extracted = "2025-01-02T03:04:05.123456+00:00"
    run(db, [schema("m", PROPS), record("m", {"id": 1}, time_extracted=extracted, version=7)])
    after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ((ext, batched, received, deleted, seq, version, started),) = rows(
        db,
        "SELECT _sdc_extracted_at, _sdc_batched_at, _sdc_received_at, _sdc_deleted_at, "
        f"_sdc_sequence, _sdc_table_version, _sdc_sync_started_at FROM {SCHEMA}.m",
    )
    assert ext == dt.datetime(2025, 1, 2, 3, 4, 5, 123456)
    assert before <= received <= batched <= after
    assert deleted is None
    assert seq > 0
    assert version == 7
    assert before.timestamp() * 1000 - 5000 < started


def test_upsert_keeps_the_last_row_sent_for_each_key_across_batches(tmp_path: Path) -> None:
    """No row lost or doubled across batch boundaries: 3,000 rows in batches of 7."""
    db = tmp_path / "w.duckdb"
    rng = random.Random(1)
    sent = [(rng.randrange(500), i) for i in range(3000)]  # many keys sent many times
    messages = [schema("m", PROPS)]
    messages += [record("m", {"id": key, "name": f"v{i}"}) for key, i in sent]
    run(db, messages, batch_size_rows=7)
    expected = {key: f"v{i}" for key, i in sent}  # the last sent wins
    assert dict(rows(db, f"SELECT id, name FROM {SCHEMA}.m")) == expected
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(len(expected),)]

    run(db, [schema("m", PROPS), record("m", {"id": sent[0][0], "name": "again"})])
    assert rows(db, f"SELECT name FROM {SCHEMA}.m WHERE id = {sent[0][0]}") == [("again",)]
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(len(expected),)]


def test_composite_keys_and_null_keys_are_upserted(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    props = {"a": {"type": ["string", "null"]}, "b": {"type": "integer"}, "v": {"type": "integer"}}
    sent = [("x", 1, 1), ("x", 2, 2), (None, 1, 3), ("x", 1, 4), (None, 1, 5)]
    messages = [schema("c", props, keys=["a", "b"])]
    messages += [record("c", {"a": a, "b": b, "v": v}) for a, b, v in sent]
    run(db, messages, batch_size_rows=2)
    assert sorted(rows(db, f"SELECT a, b, v FROM {SCHEMA}.c"), key=str) == sorted(
        [("x", 1, 4), ("x", 2, 2), (None, 1, 5)], key=str
    )


def test_streams_without_a_key_and_append_only_keep_every_row(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    messages = [schema("n", PROPS, keys=[])] + [record("n", {"id": 1}) for _ in range(3)]
    run(db, messages)
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.n") == [(3,)]
    run(db, [schema("m", PROPS)] + [record("m", {"id": 1}) for _ in range(3)],
        load_method="append-only")  # fmt: skip
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(3,)]


def test_overwrite_replaces_the_table_with_the_runs_rows(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    run(db, [schema("m", PROPS)] + [record("m", {"id": i}) for i in range(5)])
    run(db, [schema("m", PROPS)] + [record("m", {"id": i}) for i in (7, 8, 9)],
        load_method="overwrite", batch_size_rows=2)  # fmt: skip
    assert sorted(rows(db, f"SELECT id FROM {SCHEMA}.m")) == [(7,), (8,), (9,)]


def test_new_columns_are_added_and_types_widened(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = {"id": {"type": "integer"}, "n": {"type": "integer"}, "code": {"type": "integer"}}
    run(db, [schema("m", first), record("m", {"id": 1, "n": 5, "code": 404})])
    second = {
        "id": {"type": "integer"},
        "n": {"type": "number"},  # integer -> number: DECIMAL
        "code": {"type": "string"},  # integer -> string: VARCHAR
        "added": {"type": ["string", "null"]},
    }
    run(db, [schema("m", second), record("m", {"id": 2, "n": 1.25, "code": "E1", "added": "x"})])
    assert {k: v for k, v in types(db, "m").items() if not k.startswith("_")} == {
        "id": "BIGINT",
        "n": "DECIMAL(38,9)",
        "code": "VARCHAR",
        "added": "VARCHAR",
    }
    assert rows(db, f"SELECT id, n, code, added FROM {SCHEMA}.m ORDER BY id") == [
        (1, Decimal(5), "404", None),
        (2, Decimal("1.25"), "E1", "x"),
    ]
    # A narrower schema again: the wider columns stay, new values fit them.
    run(db, [schema("m", first), record("m", {"id": 3, "n": 7, "code": 500})])
    assert types(db, "m")["code"] == "VARCHAR"
    assert rows(db, f"SELECT n, code, added FROM {SCHEMA}.m WHERE id = 3") == [
        (Decimal(7), "500", None)
    ]


def test_a_schema_change_mid_stream_keeps_the_order_of_rows(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    wider = {**PROPS, "extra": {"type": ["string", "null"]}}
    messages = [schema("m", PROPS), record("m", {"id": 1, "name": "old"})]
    messages += [schema("m", wider), record("m", {"id": 1, "name": "new", "extra": "e"})]
    run(db, messages)
    assert rows(db, f"SELECT name, extra FROM {SCHEMA}.m") == [("new", "e")]


def test_soft_deletes_are_kept_marked_and_hard_deletes_removed(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    when = "2025-05-01T00:00:00+00:00"
    base = [schema("m", PROPS)] + [record("m", {"id": i, "name": "a"}) for i in range(4)]
    deletes = [record("m", {"id": 1, "_sdc_deleted_at": when}), record("m", {"id": 2, "name": "b"})]
    run(db, base + deletes)
    assert rows(db, f"SELECT id, _sdc_deleted_at FROM {SCHEMA}.m WHERE id = 1") == [
        (1, dt.datetime(2025, 5, 1))
    ]
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(4,)]

    hard = tmp_path / "hard.duckdb"
    run(hard, base + deletes, hard_delete=True, batch_size_rows=3)
    assert sorted(rows(hard, f"SELECT id, name FROM {SCHEMA}.m")) == [(0, "a"), (2, "b"), (3, "a")]


def test_activate_version_retires_rows_of_earlier_versions(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    av = {"type": "ACTIVATE_VERSION", "stream": "m"}
    first = [record("m", {"id": i}, version=1) for i in range(3)]
    second = [record("m", {"id": i}, version=2) for i in (0, 1)]
    run(db, [schema("m", PROPS), *first, {**av, "version": 1}, *second, {**av, "version": 2}])
    assert sorted(rows(db, f"SELECT id, _sdc_deleted_at IS NULL FROM {SCHEMA}.m")) == [
        (0, True),
        (1, True),
        (2, False),
    ]
    hard = tmp_path / "hard.duckdb"
    run(hard, [schema("m", PROPS), *first, *second, {**av, "version": 2}], hard_delete=True)
    assert sorted(rows(hard, f"SELECT id FROM {SCHEMA}.m")) == [(0,), (1,)]


def test_the_sdks_per_record_path_loads_the_same_rows(tmp_path: Path) -> None:
    """Validation, stream maps and flattening take the SDK's path: same result."""
    messages = [schema("m", PROPS)]
    messages += [
        record("m", {"id": i % 50, "name": f"n{i}", "price": float(f"-0.{i:05d}"),
                     "sent": "2025-01-01T10:00:00+02:00", "meta": {"k": i}})
        for i in range(200)
    ]  # fmt: skip
    fast, slow = tmp_path / "fast.duckdb", tmp_path / "slow.duckdb"
    run(fast, messages, batch_size_rows=30)
    run(slow, messages, batch_size_rows=30, validate_records=True)
    query = (
        f"SELECT id, name, price, sent, meta::VARCHAR, _sdc_deleted_at FROM {SCHEMA}.m ORDER BY id"
    )
    assert rows(fast, query) == rows(slow, query)
    assert len(rows(fast, query)) == 50

    mapped = tmp_path / "mapped.duckdb"
    run(mapped, messages, stream_maps={"m": {"__alias__": "renamed", "name": "__NULL__"}})
    assert rows(mapped, f"SELECT count(*) FROM {SCHEMA}.renamed") == [(50,)]
    assert "name" not in types(mapped, "renamed")  # the map removed the property


def test_state_is_passed_on_once_its_rows_are_committed(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    messages = [schema("m", PROPS), record("m", {"id": 1}), state({"n": 1})]
    messages += [record("m", {"id": 2}), state({"n": 2}), record("m", {"id": 3})]
    assert run(db, messages) == [{"n": 2}]
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(3,)]


def test_a_value_that_does_not_fit_fails_the_batch_and_keeps_the_table(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    run(db, [schema("m", PROPS), record("m", {"id": 1, "name": "kept"})])
    bad = [schema("m", PROPS), record("m", {"id": 1, "name": "lost"}), state({"n": 9})]
    bad.append('{"type":"RECORD","stream":"m","record":{"id":"not a number"}}')
    with pytest.raises(LoadFailed, match=r"stream 'm': loading 2 rows .* nothing of it was kept"):
        run(db, bad)
    assert rows(db, f"SELECT id, name FROM {SCHEMA}.m") == [(1, "kept")]


def test_a_reread_that_changes_nothing_keeps_the_rows_as_they_were(tmp_path: Path) -> None:
    """Unchanged rows keep their _sdc_batched_at: downstream sees no new data."""
    db = tmp_path / "w.duckdb"
    first = [schema("m", PROPS)] + [record("m", {"id": i, "name": "a"}) for i in range(3)]
    run(db, first)
    before = dict(rows(db, f"SELECT id, _sdc_batched_at FROM {SCHEMA}.m"))
    again = [schema("m", PROPS)] + [record("m", {"id": i, "name": "a"}) for i in range(3)]
    run(db, [*again, record("m", {"id": 2, "name": "changed"})])
    after = dict(rows(db, f"SELECT id, _sdc_batched_at FROM {SCHEMA}.m"))
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] > before[2]
    assert rows(db, f"SELECT count(*), max(name) FROM {SCHEMA}.m") == [(3, "changed")]


def test_the_primary_key_is_declared_in_the_tables_comment(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    run(db, [schema("m", PROPS, keys=["id", "name"]), record("m", {"id": 1})])
    ((comment,),) = rows(db, "SELECT comment FROM duckdb_tables() WHERE table_name = 'm'")
    assert json.loads(comment) == {"key_properties": ["id", "name"]}


def test_a_stream_without_records_gets_its_empty_table(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    run(db, [schema("m", PROPS), state({"n": 0})])
    assert rows(db, f"SELECT count(*) FROM {SCHEMA}.m") == [(0,)]
    assert types(db, "m")["price"] == "DECIMAL(38,9)"
