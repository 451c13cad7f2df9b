"""The DuckDB file: the only module that runs SQL.

Every load is one transaction: the table is created or widened, the rows are
read by DuckDB's own reader straight into it, and the rows they replace (same
primary key, earlier sequence) are deleted. A load that fails or is killed
leaves the table as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from switchboard_target_duckdb.columns import METADATA, Column, convert, literal, quote, widened
from switchboard_target_duckdb.errors import WarehouseLocked

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


@dataclass(frozen=True)
class Source:
    """Rows to load, as DuckDB reads them: a FROM clause and how to find each value.

    ``value(name)`` is the SQL of a property's value as read (None when the source
    has no such field); the others are SQL expressions over the same relation.
    """

    relation: str
    value: Callable[[str], str | None]
    sequence: str
    extracted_at: str = "NULL"
    table_version: str = "NULL"


@dataclass(frozen=True)
class Load:
    """What one load did."""

    rows: int  # rows read
    replaced: int  # rows of earlier loads replaced by a changed row of this batch
    dropped: int  # rows of the batch equal to the row already kept, or sent again later
    hard_deleted: int  # rows of the batch deleted as they came (hard_delete)


def connect(
    path: str,
    *,
    memory_limit: str | None,
    threads: int | None,
    temp_directory: str | None,
) -> duckdb.DuckDBPyConnection:
    """Open the file for writing, or fail in one line if another process holds it."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(path)
    except duckdb.IOException as exc:
        holder = _LOCK_HOLDER.search(str(exc))
        if holder is None:
            raise
        raise WarehouseLocked(
            f"{path} is open in another process (PID {holder.group(2)}: {holder.group(1)}); "
            "DuckDB allows one writer, so close that process (a notebook, a dashboard, "
            "another run) and run again"
        ) from None
    conn.execute("SET TimeZone = 'UTC'")  # a timestamp without an offset is UTC
    conn.execute("SET preserve_insertion_order = false")  # each row carries its sequence
    if memory_limit:
        conn.execute(f"SET memory_limit = {literal(memory_limit)}")
        # Give freed memory back after each statement, not past DuckDB's 128 MB default.
        conn.execute("SET allocator_flush_threshold = '16MB'")
    if threads:
        conn.execute(f"SET threads = {int(threads)}")
    if temp_directory:
        conn.execute(f"SET temp_directory = {literal(temp_directory)}")
    return conn


class Warehouse:
    """One open DuckDB file and the tables of one target schema."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.conn = conn
        self.schema = schema
        self._schema_ready = False

    def name(self, table: str) -> str:
        return f"{quote(self.schema)}.{quote(table)}"

    def columns(self, table: str) -> dict[str, str]:
        """The table's columns and types, in order; empty when it does not exist."""
        rows = self.conn.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [self.schema, table],
        ).fetchall()
        return dict(rows)

    def key_comment(self, table: str) -> str | None:
        row = self.conn.execute(
            "SELECT comment FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
            [self.schema, table],
        ).fetchone()
        return None if row is None else row[0]

    def columns_of_relation(self, relation: str) -> list[str]:
        """The column names a FROM clause yields (a Parquet file's, say)."""
        return [
            row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        ]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def ensure_table(
        self, table: str, columns: Sequence[Column], keys: Sequence[str]
    ) -> dict[str, str]:
        """Create the table, or add and widen its columns; returns its columns' types.

        The primary key is declared in the table's comment, as JSON
        (``{"key_properties": [...]}``), not as a constraint: DuckDB would index it,
        at a cost in memory and time, and the load replaces rows by key itself.
        """
        if not self._schema_ready:
            self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            self._schema_ready = True
        existing = self.columns(table)
        comment = json.dumps({"key_properties": list(keys)})
        if not existing:
            body = ", ".join(f"{quote(c.name)} {c.type}" for c in columns)
            self.conn.execute(f"CREATE TABLE {self.name(table)} ({body})")
            self.conn.execute(f"COMMENT ON TABLE {self.name(table)} IS {literal(comment)}")
            return {c.name: c.type for c in columns}
        if self.key_comment(table) != comment:
            self.conn.execute(f"COMMENT ON TABLE {self.name(table)} IS {literal(comment)}")
        lowered = {name.lower(): name for name in existing}
        for column in columns:
            current_name = lowered.get(column.name.lower())
            if current_name is None:
                self.conn.execute(
                    f"ALTER TABLE {self.name(table)} ADD COLUMN {quote(column.name)} {column.type}"
                )
                existing[column.name] = column.type
                continue
            current = existing[current_name]
            wider = widened(current, column.type)
            if wider != current.upper():
                self.conn.execute(
                    f"ALTER TABLE {self.name(table)} ALTER COLUMN {quote(current_name)} "
                    f"SET DATA TYPE {wider}"
                )
                existing[current_name] = wider
        return existing

    def prepare(
        self, table: str, columns: Sequence[Column], *, keys: Sequence[str], full: bool
    ) -> None:
        """Create (or widen) the table before any row: a stream with a schema and no
        record still gets its empty table, as readers of the warehouse expect."""
        with self.transaction():
            self.ensure_table(table, [*columns, *metadata_columns(full=full)], keys)

    def load(
        self,
        table: str,
        columns: Sequence[Column],
        source: Source,
        *,
        since: int,
        keys: Sequence[str],
        metadata: dict[str, str] | None,
        hard_delete: bool,
        overwrite: bool,
    ) -> Load:
        """Upsert ``source`` into ``table`` in one transaction.

        ``columns`` are the stream's properties. Every row of the source carries a
        sequence number of at least ``since``, and every row already in the table a
        smaller one: the rows go straight in, then, with ``keys``, each key keeps only
        its row of highest sequence (the last sent), so a row replaces the table's row
        with its key and, within the batch, the last row sent wins. Without keys rows
        are appended. A row whose ``_sdc_deleted_at`` is set is kept as a soft delete,
        or with ``hard_delete`` removes the key's row and is not kept either.
        ``metadata`` holds this load's constant metadata (``_sdc_batched_at``...), or
        is None to keep only the two columns a load needs (``_sdc_deleted_at``,
        ``_sdc_sequence``).
        """
        wanted = list(columns) + metadata_columns(full=metadata is not None)
        with self.transaction():
            types = self.ensure_table(table, wanted, keys)
            rows = self._insert(table, wanted, types, source, metadata or {})
            replaced = dropped = 0
            newer = f"_sdc_sequence >= {int(since)}"
            older = f"(_sdc_sequence IS NULL OR _sdc_sequence < {int(since)})"
            if overwrite:
                replaced = self._count(f"DELETE FROM {self.name(table)} WHERE {older}")
            elif keys:
                compared = [
                    c for c in wanted if c.name in {"_sdc_deleted_at", "_sdc_table_version"}
                ]
                replaced, dropped = self._keep_latest(table, keys, [*columns, *compared], since)
            deleted = 0
            if hard_delete:
                deleted = self._count(
                    f"DELETE FROM {self.name(table)} WHERE {newer} AND _sdc_deleted_at IS NOT NULL"
                )
        return Load(rows=rows, replaced=replaced, dropped=dropped, hard_deleted=deleted)

    def _insert(
        self,
        table: str,
        wanted: Sequence[Column],
        types: dict[str, str],
        source: Source,
        metadata: dict[str, str],
    ) -> int:
        """Read the source into the table, each value converted to its column's type."""
        lowered = {name.lower(): type_ for name, type_ in types.items()}
        derived = {
            "_sdc_extracted_at": source.extracted_at,
            "_sdc_deleted_at": source.value("_sdc_deleted_at") or "NULL",
            "_sdc_sequence": source.sequence,
            "_sdc_table_version": source.table_version,
            **{name: literal(value) for name, value in metadata.items()},
        }
        select = []
        for column in wanted:
            if column.name in METADATA:
                value = derived[column.name]
            else:
                value = source.value(column.name) or "NULL"
            select.append(convert(value, lowered[column.name.lower()]))
        names = ", ".join(quote(c.name) for c in wanted)
        return self._count(
            f"INSERT INTO {self.name(table)} ({names}) "
            f"SELECT {', '.join(select)} FROM {source.relation}"
        )

    def _keep_latest(
        self, table: str, keys: Sequence[str], columns: Sequence[Column], since: int
    ) -> tuple[int, int]:
        """For each key the batch sent, keep one row: its last sent, unless equal in every one
        of ``columns`` to the row already there, which is then kept as it was (with its
        ``_sdc_batched_at``: a re-read that changed nothing is no new data downstream).

        Returns (older rows replaced, rows of the batch dropped as unchanged or superseded).
        """
        name = self.name(table)
        key_list = ", ".join(quote(k) for k in keys)
        on = " AND ".join(f"a.{quote(k)} IS NOT DISTINCT FROM b.{quote(k)}" for k in keys)
        same = " AND ".join(
            f"a.{quote(c.name)} IS NOT DISTINCT FROM b.{quote(c.name)}" for c in columns
        )
        since = int(since)

        def new(alias: str) -> str:
            return f"{alias}._sdc_sequence >= {since}"

        def old(alias: str) -> str:
            return f"({alias}._sdc_sequence IS NULL OR {alias}._sdc_sequence < {since})"

        superseded = self._count(
            f"DELETE FROM {name} AS a USING (SELECT {key_list}, max(_sdc_sequence) AS latest "
            f"FROM {name} AS n WHERE {new('n')} GROUP BY {key_list}) AS b "
            f"WHERE {new('a')} AND {on} AND a._sdc_sequence < b.latest"
        )
        # Only keys sent before need comparing; on a first load there are none, and the
        # comparison below reads every column of the table's earlier rows.
        earlier = self._count(
            f"SELECT count(*) FROM (SELECT {key_list} FROM {name} AS n WHERE {new('n')}) AS a "
            f"JOIN (SELECT {key_list} FROM {name} AS o WHERE {old('o')}) AS b ON {on}"
        )
        if not earlier:
            return 0, superseded
        unchanged = self._count(
            f"DELETE FROM {name} AS a USING (SELECT * FROM {name} AS o WHERE {old('o')}) AS b "
            f"WHERE {new('a')} AND {on} AND {same}"
        )
        replaced = self._count(
            f"DELETE FROM {name} AS b USING (SELECT {key_list} FROM {name} AS n WHERE {new('n')}) "
            f"AS a WHERE {old('b')} AND {on}"
        )
        return replaced, superseded + unchanged

    def max_sequence(self, table: str) -> int | None:
        """The highest ``_sdc_sequence`` in the table, if it has any."""
        if "_sdc_sequence" not in self.columns(table):
            return None
        row = self.conn.execute(f"SELECT max(_sdc_sequence) FROM {self.name(table)}").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def activate_version(self, table: str, version: int, *, hard_delete: bool, at: str) -> int:
        """Rows of older table versions are deleted (or marked deleted at ``at``)."""
        if "_sdc_table_version" not in self.columns(table):
            return 0
        older = f"(_sdc_table_version IS NULL OR _sdc_table_version < {int(version)})"
        with self.transaction():
            if hard_delete:
                return self._count(f"DELETE FROM {self.name(table)} WHERE {older}")
            return self._count(
                f"UPDATE {self.name(table)} SET _sdc_deleted_at = CAST({literal(at)} AS TIMESTAMP) "
                f"WHERE {older} AND _sdc_deleted_at IS NULL"
            )

    def _count(self, sql: str) -> int:
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


def metadata_columns(*, full: bool) -> list[Column]:
    """The _sdc_* columns: all, or the two every load needs (deletes and sequences)."""
    return [
        Column(name, type_)
        for name, type_ in METADATA.items()
        if full or name in {"_sdc_deleted_at", "_sdc_sequence"}
    ]
