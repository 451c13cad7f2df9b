"""SQLite store: WAL journal, fsync on every commit (synchronous=FULL).

One process writes (the receiver's writer thread); readers such as the tap read
concurrently thanks to WAL. ``seq`` is an AUTOINCREMENT key: allocated under the
write lock, so it grows in commit order and is never reused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..events import COLUMNS, Event
from .base import READ_COLUMNS, TABLE, StoredEvent

SCHEMA = f"""
create table if not exists {TABLE} (
    seq integer primary key autoincrement,
    dedupe_key text not null unique,
    kind text not null,
    account_sid text,
    resource_sid text,
    status text,
    sequence_number integer,
    event_type text,
    error_code integer,
    occurred_at text,
    received_at text not null,
    idempotency_token text,
    payload text not null
)
"""
INSERT = (
    f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))}) "
    "on conflict (dedupe_key) do nothing"
)
SELECT = f"select {', '.join(READ_COLUMNS)} from {TABLE} where seq > ? order by seq limit ?"


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
        cursor = self._conn.cursor()
        cursor.execute("begin immediate")
        inserted = []
        for event in events:
            cursor.execute(INSERT, event.as_tuple())
            inserted.append(cursor.rowcount == 1)
        cursor.execute("commit")
        return inserted

    def recover(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("rollback")

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        rows = self._conn.execute(SELECT, (after_seq, limit)).fetchall()
        return [dict(zip(READ_COLUMNS, row, strict=True)) for row in rows]

    def count(self) -> int:
        return int(self._conn.execute(f"select count(*) from {TABLE}").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
