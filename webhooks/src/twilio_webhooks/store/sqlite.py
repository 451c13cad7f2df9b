"""SQLite store: WAL journal, fsync on every commit (synchronous=FULL).

One process writes (the receiver's writer thread); readers such as the tap read
concurrently thanks to WAL. ``seq`` is an AUTOINCREMENT key: allocated under the
write lock, so it grows in commit order and is never reused. The duplicate check
before the insert only feeds the metrics: the unique index (``on conflict do
nothing``) is what keeps an event from being stored twice, even if another
process wrote in between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..events import COLUMNS, Event
from .base import READ_COLUMNS, TABLE, StoredEvent, create_table_sql

SCHEMA = create_table_sql("seq integer primary key autoincrement")
ROW = f"({', '.join('?' * len(COLUMNS))})"
ROWS_PER_INSERT = 32_766 // len(COLUMNS)  # SQLite's default limit on bound parameters
SELECT = f"select {', '.join(READ_COLUMNS)} from {TABLE} where seq > ? order by seq limit ?"


def _known(keys: int) -> str:
    placeholders = ", ".join("?" * keys)
    return (
        f"select group_concat(dedupe_key, char(31)) from {TABLE} "
        f"where dedupe_key in ({placeholders})"
    )


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

    def write(self, events: Sequence[Event]) -> list[bool]:
        """Two statements per batch, whatever its size: which keys exist already, then one
        multi-row insert, committed (and fsynced) as its own transaction. Statements, not
        rows, are what costs here: each one hands the GIL to the event loop and back."""
        keys = [event.dedupe_key for event in events]
        known: set[str] = set()
        for start in range(0, len(keys), ROWS_PER_INSERT):
            chunk = keys[start : start + ROWS_PER_INSERT]
            found = self._conn.execute(_known(len(chunk)), chunk).fetchone()[0]
            if found:
                known.update(found.split("\x1f"))
        inserted = []
        for key in keys:  # of two events with one key, the first is the one stored
            inserted.append(key not in known)
            known.add(key)
        for start in range(0, len(events), ROWS_PER_INSERT):
            chunk = events[start : start + ROWS_PER_INSERT]
            values = [value for event in chunk for value in event.as_tuple()]
            self._conn.execute(_insert(len(chunk)), values)  # autocommit: durable on return
        return inserted

    def recover(self) -> None:
        if self._conn.in_transaction:  # only if a statement died half-way
            self._conn.execute("rollback")

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        rows = self._conn.execute(SELECT, (after_seq, limit)).fetchall()
        return [dict(zip(READ_COLUMNS, row, strict=True)) for row in rows]

    def count(self) -> int:
        return int(self._conn.execute(f"select count(*) from {TABLE}").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
