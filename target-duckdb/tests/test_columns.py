"""JSON schema to DuckDB types, and how a column widens when a schema changes."""

from __future__ import annotations

import pytest

from switchboard_target_duckdb.columns import column_type, widened


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": ["number", "null"]}, "DECIMAL(38,9)"),
        ({"type": "number", "multipleOf": 0.01}, "DECIMAL(38,2)"),
        ({"type": ["string", "null"], "format": "singer.decimal"}, "DECIMAL(38,9)"),
        ({"type": ["integer", "null"]}, "BIGINT"),
        ({"type": ["integer", "number"]}, "DECIMAL(38,9)"),
        ({"type": "boolean"}, "BOOLEAN"),
        ({"type": ["string", "null"]}, "VARCHAR"),
        ({"type": ["string", "null"], "format": "date-time"}, "TIMESTAMP"),
        ({"type": "string", "format": "date"}, "DATE"),
        ({"type": "string", "format": "time"}, "TIME"),
        ({"type": ["object", "null"]}, "JSON"),
        ({"type": "array", "items": {"type": "string"}}, "JSON"),
        ({}, "JSON"),
        ({"properties": {"a": {"type": "string"}}}, "JSON"),
        ({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}, "TIMESTAMP"),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "VARCHAR"),
        ({"type": ["string", "integer"]}, "VARCHAR"),
        ({"type": ["boolean", "string"]}, "VARCHAR"),
    ],
)
def test_each_json_type_has_one_duckdb_type(schema: dict, expected: str) -> None:
    assert column_type(schema) == expected


@pytest.mark.parametrize(
    ("current", "wanted", "expected"),
    [
        ("BIGINT", "DECIMAL(38,9)", "DECIMAL(38,9)"),
        ("DECIMAL(38,9)", "BIGINT", "DECIMAL(38,9)"),  # never narrowed
        ("BOOLEAN", "BIGINT", "BIGINT"),
        ("BIGINT", "VARCHAR", "VARCHAR"),
        ("VARCHAR", "BIGINT", "VARCHAR"),
        ("DECIMAL(38,2)", "DECIMAL(38,9)", "DECIMAL(38,9)"),
        ("DATE", "TIMESTAMP", "TIMESTAMP"),
        ("TIMESTAMP", "DATE", "TIMESTAMP"),
        ("TIMESTAMP", "BIGINT", "VARCHAR"),
        ("JSON", "VARCHAR", "VARCHAR"),
        ("BIGINT", "JSON", "VARCHAR"),
        ("VARCHAR", "VARCHAR", "VARCHAR"),
    ],
)
def test_a_column_widens_to_hold_old_and_new_values(
    current: str, wanted: str, expected: str
) -> None:
    assert widened(current, wanted) == expected
