"""PostgreSQL store, for several receivers behind a load balancer.

Every receiver inserts with ``on conflict do nothing``, so a duplicate that two
receivers get at once is stored once. Each transaction takes one advisory lock
before it allocates ``seq`` values and holds it until commit: ``seq`` then grows
in commit order across receivers, which is what lets the tap resume from the last
``seq`` it read without missing a row that committed late. Commits are durable
with PostgreSQL's defaults (fsync=on, synchronous_commit=on).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import psycopg

from ..events import COLUMNS, Event
from .base import HEALTH_TABLE, READ_COLUMNS, TABLE, StoredEvent, create_table_sql

LOCK_KEY = 0x7457_4862  # "tWHb": this table's advisory lock

SCHEMA = create_table_sql("seq bigint generated always as identity primary key")
HEALTH_SCHEMA = (
    f"create table if not exists {HEALTH_TABLE} (id integer primary key, at timestamptz)"
)
PROBE = (
    f"insert into {HEALTH_TABLE} (id, at) values (1, now()) "
    "on conflict (id) do update set at = excluded.at"
)
ROW = f"({', '.join(['%s'] * len(COLUMNS))})"
ROWS_PER_INSERT = 65_535 // len(COLUMNS)  # PostgreSQL's limit on bound parameters


def _insert(rows: int) -> str:
    values = ", ".join([ROW] * rows)
    return (
        f"insert into {TABLE} ({', '.join(COLUMNS)}) values {values} "
        "on conflict (dedupe_key) do nothing returning dedupe_key"
    )


SELECT = f"select {', '.join(READ_COLUMNS)} from {TABLE} where seq > %s order by seq limit %s"


class PostgresBackend:
    def __init__(self, url: str, *, create: bool = True) -> None:
        self._url = url
        self._conn = self._connect()
        if create:
            with self._conn.transaction():
                self._conn.execute("select pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                self._conn.execute(SCHEMA)
                self._conn.execute(HEALTH_SCHEMA)

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self._url, autocommit=True, connect_timeout=10)

    def write(self, events: Sequence[Event]) -> list[bool]:
        """One round trip per batch (pipeline mode): lock, multi-row insert, commit."""
        cursors = []
        with self._conn.pipeline(), self._conn.transaction():
            self._conn.execute("select pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            for start in range(0, len(events), ROWS_PER_INSERT):
                chunk = events[start : start + ROWS_PER_INSERT]
                values = list(chain.from_iterable(chunk))
                cursors.append(self._conn.execute(_insert(len(chunk)), values))
        fresh = {row[0] for cursor in cursors for row in cursor.fetchall()}
        inserted = []
        for event in events:  # of two events with one key, the first is the one stored
            inserted.append(event.dedupe_key in fresh)
            fresh.discard(event.dedupe_key)
        return inserted

    def probe(self) -> None:
        self._conn.execute(PROBE)  # autocommit: committed, WAL flushed (synchronous_commit)

    def recover(self) -> None:
        if self._conn.broken or self._conn.closed:
            self._conn = self._connect()

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        rows = self._conn.execute(SELECT, (after_seq, limit)).fetchall()
        return [dict(zip(READ_COLUMNS, row, strict=True)) for row in rows]

    def count(self) -> int:
        row = self._conn.execute(f"select count(*) from {TABLE}").fetchone()
        return int(row[0]) if row else 0

    def last_seq(self) -> int:
        row = self._conn.execute(f"select coalesce(max(seq), 0) from {TABLE}").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._conn.close()
