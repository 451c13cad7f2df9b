"""SQLite store: WAL journal, fsync on every commit (synchronous=FULL).

One process writes (the receiver's writer thread); readers such as the tap read
concurrently thanks to WAL. ``seq`` is an AUTOINCREMENT key: allocated under the
write lock, so it grows in commit order and is never reused. The unique index
(``on conflict do nothing``) is what keeps an event from being stored twice.
Which events of a batch were duplicates only feeds the metrics.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache
from itertools import chain
from pathlib import Path

from ..events import COLUMNS, Event
from .base import HEALTH_TABLE, READ_COLUMNS, TABLE, StoredEvent, create_table_sql

SCHEMA = create_table_sql("seq integer primary key autoincrement")
ROW = f"({', '.join('?' * len(COLUMNS))})"
ROWS_PER_INSERT = 32_766 // len(COLUMNS)  # SQLite's default limit on bound parameters
SELECT = f"select {', '.join(READ_COLUMNS)} from {TABLE} where seq > ? order by seq limit ?"
HEALTH_SCHEMA = f"create table if not exists {HEALTH_TABLE} (id integer primary key, at text)"
PROBE = (
    f"insert into {HEALTH_TABLE} (id, at) values (1, strftime('%Y-%m-%dT%H:%M:%f', 'now')) "
    "on conflict (id) do update set at = excluded.at"
)


# The keys a batch added: the rows after the last seq before it (one writer).
ADDED = f"select group_concat(dedupe_key, char(31)) from {TABLE} where seq > ?"


@cache
def _insert(rows: int) -> str:
    values = ", ".join([ROW] * rows)
    return f"insert into {TABLE} ({', '.join(COLUMNS)}) values {values} on conflict do nothing"


class SqliteBackend:
    def __init__(self, path: str, *, create: bool = True) -> None:
        self.path = path
        if not create and not Path(path).exists():
            raise FileNotFoundError(path)
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30
        )
        self._conn.execute("pragma journal_mode=wal")
        self._conn.execute("pragma synchronous=full")  # fsync the WAL on every commit
        if create:
            self._conn.execute(SCHEMA)
            self._conn.execute(HEALTH_SCHEMA)
        self._last_seq = self._conn.execute(
            f"select coalesce(max(seq), 0) from {TABLE}"
        ).fetchone()[0]

    def write(self, events: Sequence[Event]) -> list[bool]:
        """One multi-row insert per batch, committed (and fsynced) as its own transaction.
        Statements, not rows, are what costs here: each one hands the GIL to the event loop
        and must win it back. When the insert added fewer rows than the batch holds, a
        second statement reads which keys it added."""
        before, added = self._last_seq, 0
        for start in range(0, len(events), ROWS_PER_INSERT):
            chunk = events[start : start + ROWS_PER_INSERT]
            cursor = self._conn.execute(_insert(len(chunk)), list(chain.from_iterable(chunk)))
            if cursor.rowcount:  # autocommit: durable on return
                added += cursor.rowcount
                self._last_seq = cursor.lastrowid
        if added == len(events):
            return [True] * added
        found = self._conn.execute(ADDED, (before,)).fetchone()[0]
        fresh = set(found.split("\x1f")) if found else set()
        inserted = []
        for event in events:  # of two events with one key, the first is the one stored
            inserted.append(event.dedupe_key in fresh)
            fresh.discard(event.dedupe_key)
        return inserted

    def probe(self) -> None:
        self._conn.execute(PROBE)  # autocommit: a WAL frame written and fsynced

    def recover(self) -> None:
        if self._conn.in_transaction:  # only if a statement died half-way
            self._conn.execute("rollback")

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        rows = self._conn.execute(SELECT, (after_seq, limit)).fetchall()
        return [dict(zip(READ_COLUMNS, row, strict=True)) for row in rows]

    def count(self) -> int:
        return int(self._conn.execute(f"select count(*) from {TABLE}").fetchone()[0])

    def last_seq(self) -> int:
        return int(self._conn.execute(f"select coalesce(max(seq), 0) from {TABLE}").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
