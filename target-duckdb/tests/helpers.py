"""Singer messages made by hand, and the target run on them in-process or as a process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import duckdb

from switchboard_target_duckdb.target import TargetDuckDB

SCHEMA = "raw"


def schema(stream: str, properties: dict[str, Any], keys: list[str] | None = None) -> dict:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": keys if keys is not None else ["id"],
    }


def record(stream: str, row: dict, **extra: Any) -> dict:
    return {"type": "RECORD", "stream": stream, "record": row, **extra}


def state(value: dict) -> dict:
    return {"type": "STATE", "value": value}


def lines(messages: Iterable[dict | str]) -> bytes:
    """One line per message, written as the SDK's taps write them (compact JSON)."""
    out = []
    for message in messages:
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        out.append(text + "\n")
    return "".join(out).encode()


def config(database: Path, **settings: Any) -> dict:
    return {"filepath": str(database), "default_target_schema": SCHEMA, **settings}


def run(database: Path, messages: Iterable[dict | str], **settings: Any) -> list[dict]:
    """Run the target in this process; returns the STATE values it wrote."""
    target = TargetDuckDB(config=config(database, **settings), validate_config=True)
    out = io.StringIO()
    with redirect_stdout(out):
        target.listen(io.BytesIO(lines(messages)))
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def process(database: Path, tmp_path: Path, **settings: Any) -> subprocess.Popen:
    """The ``target-duckdb`` command as a process, its stdin and stdout pipes open."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config(database, **settings)))
    return subprocess.Popen(
        [sys.executable, "-m", "switchboard_target_duckdb", "--config", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def types(database: Path, table: str) -> dict[str, str]:
    return dict(
        rows(
            database,
            "SELECT column_name, data_type FROM duckdb_columns() "
            f"WHERE schema_name = '{SCHEMA}' AND table_name = '{table}' ORDER BY column_index",
        )
    )
