"""dbt kept warm for the live path: one process, the project parsed once, many builds.

``dbt build --select ...`` pays 5 to 8 s here before it runs a model (importing dbt,
reading the project) and ~2 s running the live models; the live path runs it every
few seconds. This worker runs with the dbt plugin's Python (as Meltano installed it),
parses the project once with dbt's programmatic API (``dbtRunner``), and then runs
each request on that manifest, parsing again only when a file of the project changed.
After each request the worker closes the warehouse (dbt-duckdb keeps its DuckDB
database open for the life of the process, which the CLI ends at once), so it holds
no lock between requests.

Protocol: one JSON array of dbt arguments per line on stdin (an empty one: parse the
project if needed and run nothing, to warm up); one JSON object per
line on the file descriptor given as the first argument: ``ok``, ``seconds``,
``parse`` (the part spent parsing first), ``error`` (one line, or null). dbt's own
log goes to stdout. Artifacts go to ``$DBT_TARGET_PATH/live`` (default
``target/live``), so a scheduled ``dbt build``'s stay as they were.

Usage: python dbt_worker.py <response fd>
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(os.environ.get("DBT_PROJECT_DIR", Path(__file__).resolve().parents[1]))
IGNORED = {"target", "logs", "dbt_packages", "__pycache__"}
FAILED = {"error", "fail", "runtime error"}


def project_signature() -> list[tuple[str, int, int]]:
    """Every project file's path, size and modification time: cheap, and enough to
    know that the parsed manifest is stale."""
    out = []
    for path in sorted(PROJECT.rglob("*")):
        if path.is_file() and not IGNORED.intersection(path.relative_to(PROJECT).parts):
            stat = path.stat()
            out.append((str(path), stat.st_size, stat.st_mtime_ns))
    return out


def first_failure(result: Any) -> str | None:
    """One line for a failed invocation: the first failing node and its message."""
    if result.exception is not None:
        return f"dbt: {str(result.exception).strip().splitlines()[0]}"
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status).lower() in FAILED:
            node = node_result.node
            message = (node_result.message or "").strip().splitlines()
            return f"dbt: {node.resource_type} {node.name}: {message[0] if message else 'failed'}"
    return None if result.success else "dbt: the invocation failed"


def release_warehouse() -> None:
    """Close every connection, and dbt-duckdb's database: the next run's loader, or a
    scheduled job, must be able to open the file. dbt-duckdb has no public call for it
    (its environment is a class attribute, closed when the process exits)."""
    from dbt.adapters.factory import cleanup_connections  # noqa: PLC0415

    cleanup_connections()
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager  # noqa: PLC0415
    except ImportError:  # dbt-postgres: its sessions are closed above
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner  # noqa: PLC0415 (only in the dbt plugin's Python)

    target = Path(os.environ.get("DBT_TARGET_PATH") or PROJECT / "target") / "live"
    os.environ["DBT_TARGET_PATH"] = str(target)
    responses = os.fdopen(int(argv[0]), "w", buffering=1)
    manifest, parsed = None, None
    for line in sys.stdin:
        started = time.monotonic()
        signature = project_signature()
        parse_seconds = 0.0
        if manifest is None or signature != parsed:
            parse = dbtRunner().invoke(["parse", "--quiet"])
            release_warehouse()
            parse_seconds = time.monotonic() - started
            manifest, parsed = (parse.result, signature) if parse.success else (None, None)
            if manifest is None:
                reply = {"ok": False, "error": first_failure(parse) or "dbt: parse failed"}
                responses.write(json.dumps({**reply, "seconds": time.monotonic() - started}) + "\n")
                continue
        args = json.loads(line)
        if not args:  # warm up: the project parsed, nothing run
            reply = {"ok": True, "error": None, "seconds": parse_seconds, "parse": parse_seconds}
            responses.write(json.dumps(reply) + "\n")
            continue
        try:
            result = dbtRunner(manifest=manifest).invoke(args)
        finally:
            release_warehouse()
        error = first_failure(result)
        seconds = time.monotonic() - started
        reply = {"ok": error is None, "error": error, "seconds": seconds, "parse": parse_seconds}
        responses.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
