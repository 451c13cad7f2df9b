"""The contract every store backend keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..events import Event

TABLE = "webhook_events"
READ_COLUMNS = (
    "seq",
    "dedupe_key",
    "kind",
    "account_sid",
    "resource_sid",
    "status",
    "sequence_number",
    "event_type",
    "error_code",
    "occurred_at",
    "received_at",
    "idempotency_token",
    "payload",
)

StoredEvent = dict[str, Any]  # one row, keyed by READ_COLUMNS


class StoreError(RuntimeError):
    """The store could not commit: the receiver answers 503 and Twilio retries."""


class Backend(Protocol):
    def write(self, events: Sequence[Event]) -> list[bool]:
        """Insert in one committed transaction; True where new, False where a duplicate."""
        ...

    def recover(self) -> None:
        """Make the connection usable again after ``write`` raised."""
        ...

    def read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        """Rows with ``seq > after_seq``, in ``seq`` order."""
        ...

    def count(self) -> int: ...

    def close(self) -> None: ...


def describe_url(url: str) -> str:
    """The store URL without its password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc}").geturl()
