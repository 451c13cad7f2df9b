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

import psycopg

from ..events import COLUMNS, Event
from .base import READ_COLUMNS, TABLE, StoredEvent

LOCK_KEY = 0x7457_4862  # "tWHb": this table's advisory lock

SCHEMA = f"""
create table if not exists {TABLE} (
    seq bigint generated always as identity primary key,
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
    f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({', '.join(['%s'] * len(COLUMNS))}) "
    "on conflict (dedupe_key) do nothing"
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

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self._url, autocommit=True, connect_timeout=10)

    def write(self, events: Sequence[Event]) -> list[bool]:
        inserted = []
        with self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute("select pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            for event in events:
                cursor.execute(INSERT, event.as_tuple())
                inserted.append(cursor.rowcount == 1)
        return inserted

    def recover(self) -> None:
        if self._conn.broken or self._conn.closed:
            self._conn = self._connect()

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        rows = self._conn.execute(SELECT, (after_seq, limit)).fetchall()
        return [dict(zip(READ_COLUMNS, row, strict=True)) for row in rows]

    def count(self) -> int:
        row = self._conn.execute(f"select count(*) from {TABLE}").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._conn.close()
