"""``dbt-duckdb:build``: ``dbt build``, skipped when nothing it reads has changed.

Meltano runs this with the dbt-duckdb plugin's Python. Before building, it takes a
fingerprint of everything a build depends on: each loaded table's row count and
latest ``_sdc_batched_at`` (target-duckdb keeps a re-read row that changed nothing
as it was, so a run without new data leaves both as they were), a hash of the dbt
project's files, the dbt settings read from the environment, and the UTC day (marts
count days up to today). When it equals the fingerprint of the last build that
succeeded, the build is skipped in one log line; otherwise ``dbt build`` runs in
full, as always, and its fingerprint is kept once it succeeds. Any extra argument
(``--full-refresh``, ``--select ...``) always runs dbt.

Usage: python build_if_changed.py build [dbt arguments...]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

PROJECT = Path(os.environ.get("DBT_PROJECT_DIR", Path(__file__).resolve().parents[1]))
SETTINGS = (
    "DBT_DUCKDB_PATH",
    "DBT_TARGET",
    "DBT_REPORTING_TIMEZONE",
    "DBT_INCREMENTAL_LOOKBACK_HOURS",
)
IGNORED = {"target", "logs", "dbt_packages", "__pycache__"}


def project_hash() -> str:
    """A hash of the dbt project's files (models, macros, seeds, tests, profiles)."""
    digest = hashlib.sha256()
    for path in sorted(PROJECT.rglob("*")):
        parts = path.relative_to(PROJECT).parts
        if path.is_file() and not IGNORED.intersection(parts):
            digest.update(str(path.relative_to(PROJECT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def loaded_tables(warehouse: str) -> dict[str, list]:
    """Row count and latest load of every table a Singer loader wrote (it has
    ``_sdc_batched_at``). Opened for writing, as dbt will: a lock fails here."""
    with duckdb.connect(warehouse) as conn:
        tables = conn.execute(
            "SELECT DISTINCT schema_name, table_name FROM duckdb_columns() "
            "WHERE column_name = '_sdc_batched_at' ORDER BY ALL"
        ).fetchall()
        return {
            f"{schema}.{table}": [
                str(value)
                for value in conn.execute(
                    f'SELECT count(*), max(_sdc_batched_at) FROM "{schema}"."{table}"'  # noqa: S608
                ).fetchone()
            ]
            for schema, table in tables
        }


def fingerprint(warehouse: str) -> dict:
    return {
        "tables": loaded_tables(warehouse),
        "project": project_hash(),
        "settings": {name: os.environ.get(name, "") for name in SETTINGS},
        "day": dt.datetime.now(dt.timezone.utc).date().isoformat(),
    }


def main(argv: list[str]) -> int:
    args = argv or ["build"]
    dbt = str(Path(sys.executable).with_name("dbt"))
    warehouse = os.environ.get("DBT_DUCKDB_PATH", "")
    if args != ["build"] or not warehouse or not Path(warehouse).exists():
        return subprocess.call([dbt, *args])
    target = Path(os.environ.get("DBT_TARGET_PATH") or PROJECT / "target")
    stamp = target / "last_build_fingerprint.json"
    try:
        current = fingerprint(warehouse)
    except duckdb.IOException as exc:
        print(f"dbt build: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    if stamp.exists() and json.loads(stamp.read_text()) == current:
        print(
            "dbt build skipped: no loaded table, model, seed or setting has changed since "
            f"the last build ({stamp})",
            flush=True,
        )
        return 0
    returncode = subprocess.call([dbt, *args])
    if returncode == 0:
        target.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(current, indent=1) + "\n")
    else:
        stamp.unlink(missing_ok=True)
    return returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
