"""Where events are committed before the receiver answers 2xx.

``open_backend(url)`` picks the backend from the store URL: SQLite (the default, one
receiver) or PostgreSQL (several receivers behind a load balancer). Both keep one
table, ``webhook_events``, whose ``seq`` grows in commit order: readers (the Singer
tap) resume from the last ``seq`` they saw and never miss a row.
"""

from __future__ import annotations

from .base import Backend, StoredEvent, StoreError
from .group_commit import CommitStats, GroupCommitter
from .sqlite import SqliteBackend


def open_backend(url: str) -> Backend:
    """``postgresql://…`` → PostgreSQL; ``sqlite:///path``, ``sqlite:path`` or a path → SQLite."""
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresBackend  # noqa: PLC0415 (psycopg is an optional extra)

        return PostgresBackend(url)
    return SqliteBackend(sqlite_path(url))


def sqlite_path(url: str) -> str:
    """``sqlite:///abs/path`` and ``sqlite:////abs/path`` → /abs/path; ``sqlite:rel`` → rel."""
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
        return path[1:] if path.startswith("//") else path
    if url.startswith("sqlite:"):
        return url[len("sqlite:") :]
    return url


__all__ = [
    "Backend",
    "CommitStats",
    "GroupCommitter",
    "StoreError",
    "StoredEvent",
    "open_backend",
    "sqlite_path",
]
