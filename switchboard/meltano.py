"""Running Meltano from Python: the project's environment and one call per command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Quiet, offline-friendly Meltano defaults for every invocation.
MELTANO_ENV = {
    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}


def meltano_executable() -> str:
    candidate = Path(sys.executable).with_name("meltano")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("meltano")
    if not found:
        raise RuntimeError("meltano is not installed: run `make install`")
    return found


def run(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    project_root: Path = ROOT,
    capture: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``meltano <args>`` in ``project_root``; output captured or streamed."""
    full_env = {**os.environ, **MELTANO_ENV, **(env or {})}
    return subprocess.run(
        [meltano_executable(), *args],
        cwd=project_root,
        env=full_env,
        text=True,
        capture_output=capture,
        timeout=timeout,
        check=False,
    )
