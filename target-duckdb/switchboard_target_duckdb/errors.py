"""Errors the loader reports to the user: each one says, in one line, what to fix."""

from __future__ import annotations


class TargetDuckDBError(Exception):
    """Base class: the CLI prints ``target-duckdb: <message>`` and exits non-zero."""


class WarehouseLocked(TargetDuckDBError):
    """Another process holds the DuckDB file (DuckDB allows one writer)."""


class LoadFailed(TargetDuckDBError):
    """DuckDB refused a batch (a value that does not fit its column, a broken file)."""
