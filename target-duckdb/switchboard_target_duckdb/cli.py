"""Console entry point: the SDK's CLI, with our errors reported as one clear line."""

from __future__ import annotations

import sys

from switchboard_target_duckdb.errors import TargetDuckDBError
from switchboard_target_duckdb.target import TargetDuckDB


def main() -> None:
    try:
        TargetDuckDB.cli()
    except TargetDuckDBError as exc:
        sys.stderr.write(f"target-duckdb: {exc}\n")
        sys.exit(1)
