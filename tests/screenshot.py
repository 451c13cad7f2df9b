"""The README's screenshot (``docs/dashboard.png``), taken from the real dashboard.

Run it after ``make demo``: ``.venv/bin/python -m tests.screenshot``. It serves the
dashboard as ``make dashboard`` does, on a free port, on the demo's snapshot, and
photographs the Overview in headless Chromium once every chart is drawn.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from switchboard.emulated import child_process, free_port, wait_healthy
from switchboard_analyze import serve
from tests import browser

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=ROOT / "output/warehouse.snapshot.duckdb")
    parser.add_argument("--output", type=Path, default=ROOT / "docs/dashboard.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2350)  # the whole Overview
    args = parser.parse_args(argv)
    executable = browser.find_chromium()
    if executable is None:
        print("No Chromium: `make browser` installs Debian's chromium (as root)", file=sys.stderr)
        return 1
    if not args.snapshot.is_file():
        print(f"No snapshot at {args.snapshot}: run `make demo` first", file=sys.stderr)
        return 1
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with (
        tempfile.TemporaryDirectory() as logs,
        child_process(
            serve.command(port),
            env=serve.environment(args.snapshot),
            log_path=Path(logs) / "streamlit.log",
        ) as process,
    ):
        wait_healthy(process, f"{url}_stcore/health", "streamlit")
        with browser.chromium(executable) as page:
            browser.show_overview(page, url, width=args.width, height=args.height)
            time.sleep(1)  # let the last chart finish its transition
            page.screenshot(args.output)
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
