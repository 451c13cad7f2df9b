"""From a stream's JSON schema to DuckDB columns: one rule per JSON type, in one place.

| JSON schema | DuckDB column |
|---|---|
| ``object``, ``array``, no type, or a mix that includes one of them | ``JSON`` |
| ``string`` with ``format: date-time`` | ``TIMESTAMP``, in UTC (offsets applied) |
| ``string`` with ``format: date`` / ``time`` | ``DATE`` / ``TIME`` |
| ``number``, or ``string`` with ``format: singer.decimal`` | ``DECIMAL(38, s)`` (1) |
| ``integer`` | ``BIGINT`` |
| ``integer`` and ``number`` | ``DECIMAL(38, 9)`` |
| ``boolean`` | ``BOOLEAN`` |
| ``string``, or any other mix | ``VARCHAR`` |

(1) ``s``: the decimal places of ``multipleOf`` when the schema gives one, else 9.
A number never becomes a DOUBLE: prices stay exact decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

DEFAULT_SCALE = 9
PRECISION = 38

# The metadata columns a load adds (when add_record_metadata is on), as the SDK names them.
METADATA: dict[str, str] = {
    "_sdc_extracted_at": "TIMESTAMP",
    "_sdc_received_at": "TIMESTAMP",
    "_sdc_batched_at": "TIMESTAMP",
    "_sdc_deleted_at": "TIMESTAMP",
    "_sdc_sequence": "BIGINT",
    "_sdc_table_version": "BIGINT",
    "_sdc_sync_started_at": "BIGINT",
}

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type, e.g. VARCHAR, DECIMAL(38,9)


def _types(schema: dict) -> tuple[set[str], set[str]]:
    """The JSON types and string formats a property allows (``anyOf`` members merged)."""
    types: set[str] = set()
    formats: set[str] = set()
    members = schema.get("anyOf") or schema.get("oneOf") or [schema]
    for member in members:
        declared = member.get("type")
        if declared is None and ("properties" in member or "items" in member):
            declared = "object" if "properties" in member else "array"
        if declared is None:
            types.add("any")
        elif isinstance(declared, str):
            types.add(declared)
        else:
            types.update(declared)
        if member.get("format"):
            formats.add(member["format"])
    return types - {"null"}, formats


def _scale(schema: dict) -> int:
    """Decimal places of ``multipleOf`` (0.01 -> 2), else the default."""
    step = schema.get("multipleOf")
    if step is None:
        return DEFAULT_SCALE
    exponent = Decimal(str(step)).normalize().as_tuple().exponent
    return min(max(-int(exponent), 0), PRECISION)


def column_type(schema: dict) -> str:
    """The DuckDB type of one property (see the module's table)."""
    types, formats = _types(schema)
    if not types or types & {"object", "array", "any"}:
        return "JSON"
    if types == {"string"}:
        if "date-time" in formats:
            return "TIMESTAMP"
        if "date" in formats:
            return "DATE"
        if "time" in formats:
            return "TIME"
        if "singer.decimal" in formats:
            return f"DECIMAL({PRECISION},{_scale(schema)})"
        return "VARCHAR"
    if types == {"integer"}:
        return "BIGINT"
    if types <= {"integer", "number"}:
        return f"DECIMAL({PRECISION},{_scale(schema)})"
    if types == {"boolean"}:
        return "BOOLEAN"
    return "VARCHAR"


def columns_of(schema: dict, *, metadata: bool) -> list[Column]:
    """The table's columns for a stream: its properties in order, then the metadata.

    Properties named like metadata columns (``_sdc_deleted_at`` in a record) are
    the metadata columns themselves.
    """
    columns = [
        Column(name, column_type(prop))
        for name, prop in schema.get("properties", {}).items()
        if name not in METADATA
    ]
    if metadata:
        columns += [Column(name, type_) for name, type_ in METADATA.items()]
    return columns


def read_type(type_: str, *, exact_json_decimals: bool) -> str:
    """How DuckDB's JSON reader should read a column's value before it is converted.

    Timestamps are read as instants (an offset applied rather than dropped, none
    meaning UTC) and ``convert`` gives their UTC time. Before DuckDB 2.0 the JSON
    reader turns a number into a double before a DECIMAL; read as text (the double's
    shortest form, or the string as sent), it converts exactly for up to 15
    significant digits.
    """
    if type_ == "TIMESTAMP":
        return "TIMESTAMPTZ"
    if type_.startswith("DECIMAL") and not exact_json_decimals:
        return "VARCHAR"
    return type_


def convert(expression: str, type_: str) -> str:
    """SQL turning a value read from a file (text, number, struct...) into the column type."""
    if type_ == "TIMESTAMP":
        return f"timezone('UTC', CAST({expression} AS TIMESTAMPTZ))"
    if type_.startswith("DECIMAL"):
        return f"CAST(CAST({expression} AS VARCHAR) AS {type_})"
    return f"CAST({expression} AS {type_})"


def _rank(type_: str) -> int | None:
    """Position on the one widening chain; None off it (JSON, dates, times)."""
    if type_ == "BOOLEAN":
        return 0
    if type_ == "BIGINT":
        return 1
    if _DECIMAL.fullmatch(type_):
        return 2
    if type_ == "VARCHAR":
        return 4
    return None


def widened(current: str, wanted: str) -> str:
    """The type a column needs to hold what it holds and the new schema's values.

    BOOLEAN < BIGINT < DECIMAL < VARCHAR; DATE < TIMESTAMP; anything else meets at
    VARCHAR (JSON is text too). A column is never narrowed: the old type is kept when
    it already holds the new values.
    """
    current, wanted = current.upper(), wanted.upper()
    if current == wanted:
        return current
    if {current, wanted} == {"DATE", "TIMESTAMP"}:
        return "TIMESTAMP"
    old, new = _DECIMAL.fullmatch(current), _DECIMAL.fullmatch(wanted)
    if old and new:
        scale = max(int(old.group(2)), int(new.group(2)))
        return f"DECIMAL({PRECISION},{scale})"
    a, b = _rank(current), _rank(wanted)
    if a is not None and b is not None:
        return current if a >= b else wanted
    return "VARCHAR"


def quote(name: str) -> str:
    """A SQL identifier, whatever it holds."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"
