"""``make dashboard``: the Streamlit app on 127.0.0.1, offline, on the warehouse snapshot.

Every option that keeps Streamlit off the internet is set here, in one place:
no usage statistics, and an explicit server address (without it, a headless
Streamlit asks a web service for the machine's external IP to print a URL).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from switchboard_analyze.snapshot import DEFAULT_SNAPSHOT, SNAPSHOT_ENV, reader_path

APP = Path(__file__).with_name("app.py")
OPTIONS = {
    "browser.gatherUsageStats": "false",
    "server.headless": "true",
    "server.address": "127.0.0.1",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "global.developmentMode": "false",
    "client.toolbarMode": "viewer",
    "theme.base": "light",
}


def command(port: int) -> list[str]:
    """``streamlit run`` of the dashboard on ``port`` with the offline options."""
    flags = [f"--{name}={value}" for name, value in OPTIONS.items()]
    return [sys.executable, "-m", "streamlit", "run", str(APP), *flags, f"--server.port={port}"]


def environment(snapshot: Path) -> dict[str, str]:
    return {**os.environ, SNAPSHOT_ENV: str(snapshot.resolve())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=reader_path(),
        help=f"the snapshot the pipeline publishes (default: ${SNAPSHOT_ENV} or "
        f"{DEFAULT_SNAPSHOT})",
    )
    args = parser.parse_args(argv)
    print(
        f"Switchboard dashboard on http://127.0.0.1:{args.port} reading {args.snapshot} "
        "(Ctrl-C stops it)",
        flush=True,
    )
    # Streamlit replaces this process, so a signal to it (Ctrl-C, SIGTERM) stops the app.
    arguments = command(args.port)
    os.execve(arguments[0], arguments, environment(args.snapshot))  # noqa: S606


if __name__ == "__main__":
    main()
