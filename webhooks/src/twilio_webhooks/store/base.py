"""The contract every store backend keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..events import COLUMNS, Event

TABLE = "webhook_events"
# One row, rewritten by each health probe: a real commit, without touching the events.
HEALTH_TABLE = "webhook_health"
READ_COLUMNS = ("seq", *COLUMNS)
COLUMN_TYPES = {  # the same in both backends, after seq
    "dedupe_key": "text not null unique",
    "kind": "text not null",
    "account_sid": "text",
    "resource_sid": "text",
    "status": "text",
    "sequence_number": "integer",
    "event_type": "text",
    "error_code": "integer",
    "occurred_at": "text",
    "received_at": "text not null",
    "idempotency_token": "text",
    "payload": "text not null",
}


def create_table_sql(seq_column: str) -> str:
    columns = ",\n    ".join(f"{name} {kind}" for name, kind in COLUMN_TYPES.items())
    return f"create table if not exists {TABLE} (\n    {seq_column},\n    {columns}\n)"


StoredEvent = dict[str, Any]  # one row, keyed by READ_COLUMNS


class StoreError(RuntimeError):
    """The store could not commit: the receiver answers 503 and Twilio retries."""


class Backend(Protocol):
    def write(self, events: Sequence[Event]) -> list[bool]:
        """Insert in one committed transaction; True where new, False where a duplicate."""
        ...

    def probe(self) -> None:
        """Commit one small write (the heartbeat row), as durably as ``write``; raises when
        the store cannot commit. ``/healthz`` calls it through the writer thread."""
        ...

    def recover(self) -> None:
        """Make the connection usable again after ``write`` raised."""
        ...

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        """Rows with ``seq > after_seq``, in ``seq`` order."""
        ...

    def count(self) -> int: ...

    def last_seq(self) -> int:
        """The highest ``seq`` committed (0 when empty): what a reader has to catch up to."""
        ...

    def close(self) -> None: ...
