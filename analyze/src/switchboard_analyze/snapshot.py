"""The warehouse snapshot: what the dashboard and the report read, never the live warehouse.

DuckDB allows one writer, and an open reader blocks it: a dashboard holding
``warehouse.duckdb`` open would make the next ``meltano run`` fail with "Could not
set lock on file". So after each build the pipeline runs ``warehouse-snapshot
publish``: it copies the ``analytics`` marts into a new file beside the snapshot and
renames it over the snapshot (``os.replace``, atomic on one filesystem). Readers
open the snapshot read-only, one short connection at a time; one that is open while
the snapshot is replaced keeps reading the file it opened.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCHEMA = "analytics"
# Where readers look: the environment variable, else the dev environment's snapshot.
SNAPSHOT_ENV = "SWITCHBOARD_SNAPSHOT"
DEFAULT_SNAPSHOT = Path("output") / "warehouse.snapshot.duckdb"
SOURCE = "published_warehouse"  # the warehouse's name while attached to the new snapshot
INFO_TABLE = "main.snapshot_info"  # when, from where, in which reporting timezone
# A mart whose local times must be on the reporting timezone's wall clock.
TIMEZONE_PROBE = (
    "fct_customer_interactions",
    "occurred_at_local is distinct from "
    "cast((occurred_at at time zone 'UTC') at time zone $timezone as timestamp)",
)


class SnapshotError(Exception):
    """Publishing failed; the message is one line that says what to fix."""


class SnapshotUnavailable(Exception):
    """The snapshot cannot be read now; the message is one line for the reader."""


@dataclass(frozen=True)
class Published:
    path: Path
    tables: int
    rows: int


def default_snapshot_path(warehouse: Path) -> Path:
    """``output/warehouse.duckdb`` -> ``output/warehouse.snapshot.duckdb``."""
    return warehouse.with_name(f"{warehouse.stem}.snapshot.duckdb")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(warehouse: Path, snapshot: Path, reporting_timezone: str) -> Published:
    """Copy ``analytics.*`` of ``warehouse`` into ``snapshot``, replacing it atomically."""
    if not warehouse.is_file():
        raise SnapshotError(f"no warehouse at {warehouse}: run the pipeline (dbt build) first")
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    partial = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.partial")
    for leftover in (partial, Path(f"{partial}.wal")):
        leftover.unlink(missing_ok=True)
    try:
        tables, rows = _copy_marts(warehouse, partial, reporting_timezone)
        if Path(f"{partial}.wal").exists():  # close() checkpoints; a WAL means it did not
            raise SnapshotError(f"{partial} was not checkpointed; the snapshot is unchanged")
        _fsync(partial)
        os.replace(partial, snapshot)
        _fsync(snapshot.parent)
    finally:
        for leftover in (partial, Path(f"{partial}.wal")):
            leftover.unlink(missing_ok=True)
    return Published(path=snapshot, tables=tables, rows=rows)


def _copy_marts(warehouse: Path, target: Path, reporting_timezone: str) -> tuple[int, int]:
    with duckdb.connect(str(target)) as conn:
        try:
            conn.execute(f"attach {_quote(str(warehouse))} as {SOURCE} (read_only)")
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0]
            raise SnapshotError(f"cannot read the warehouse {warehouse}: {reason}") from exc
        names = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = ? and table_schema = ? order by 1",
                [SOURCE, SCHEMA],
            ).fetchall()
        ]
        if not names:
            raise SnapshotError(
                f"no {SCHEMA}.* relation in {warehouse}: run dbt-duckdb:build before publishing"
            )
        _check_timezone(conn, names, reporting_timezone)
        conn.execute(f"create schema {SCHEMA}")
        rows = 0
        for name in names:
            conn.execute(
                f'create table {SCHEMA}."{name}" as select * from {SOURCE}.{SCHEMA}."{name}"'
            )
            rows += conn.execute(f'select count(*) from {SCHEMA}."{name}"').fetchone()[0]
        conn.execute(
            f"create table {INFO_TABLE} as select now() as published_at, "
            "? as warehouse, ? as reporting_timezone, ? as marts",
            [str(warehouse), reporting_timezone, len(names)],
        )
        conn.execute(f"detach {SOURCE}")
    return len(names), rows


def _check_timezone(conn: duckdb.DuckDBPyConnection, names: list[str], timezone: str) -> None:
    """The marts' local times are on ``timezone``'s wall clock, or publishing stops."""
    table, mismatch = TIMEZONE_PROBE
    if table not in names:
        return
    try:
        wrong = conn.execute(
            f"select count(*) from {SOURCE}.{SCHEMA}.{table} where {mismatch}",
            {"timezone": timezone},
        ).fetchone()[0]
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise SnapshotError(f"cannot check the reporting timezone {timezone!r}: {reason}") from exc
    if wrong:
        raise SnapshotError(
            f"{wrong} rows of {SCHEMA}.{table} are not in the reporting timezone {timezone!r} "
            "(DBT_REPORTING_TIMEZONE): rebuild the marts with dbt build --full-refresh"
        )


def reader_path() -> Path:
    """The snapshot the dashboard and the report read."""
    return Path(os.environ.get(SNAPSHOT_ENV) or DEFAULT_SNAPSHOT)


@contextmanager
def reading(snapshot: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the snapshot, or SnapshotUnavailable."""
    if not snapshot.is_file():
        raise SnapshotUnavailable(
            f"No warehouse snapshot at {snapshot} yet. The pipeline publishes one after each "
            "build: run `make demo` (or `make run`), then reload this page."
        )
    try:
        conn = duckdb.connect(str(snapshot), read_only=True)
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise SnapshotUnavailable(
            f"The warehouse snapshot at {snapshot} cannot be read right now ({reason}). "
            "It is probably being replaced by the pipeline: reload in a moment."
        ) from exc
    try:
        yield conn
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="warehouse-snapshot",
        description="Publish the analytics marts as a read-only snapshot for the dashboard.",
    )
    parser.add_argument("command", choices=["publish"])
    parser.add_argument(
        "--warehouse",
        default=os.environ.get("DBT_DUCKDB_PATH"),
        help="the warehouse file dbt built (default: $DBT_DUCKDB_PATH)",
    )
    parser.add_argument(
        "--snapshot",
        default=os.environ.get("WAREHOUSE_SNAPSHOT_PATH") or None,
        help="where to publish (default: $WAREHOUSE_SNAPSHOT_PATH, else "
        "<warehouse>.snapshot.duckdb beside the warehouse)",
    )
    parser.add_argument(
        "--reporting-timezone",
        default=os.environ.get("DBT_REPORTING_TIMEZONE") or "UTC",
        help="the timezone the marts were built in (default: $DBT_REPORTING_TIMEZONE or UTC)",
    )
    args = parser.parse_args(argv)
    if not args.warehouse:
        print("warehouse-snapshot: set --warehouse or DBT_DUCKDB_PATH", file=sys.stderr)
        return 2
    warehouse = Path(args.warehouse)
    target = Path(args.snapshot) if args.snapshot else default_snapshot_path(warehouse)
    try:
        published = publish(warehouse, target, args.reporting_timezone)
    except SnapshotError as exc:
        print(f"warehouse-snapshot: {exc}", file=sys.stderr)
        return 1
    print(
        f"warehouse-snapshot: published {published.tables} marts ({published.rows:,} rows) "
        f"to {published.path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
