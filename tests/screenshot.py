"""The README's screenshots (``docs/dashboard*.png``), taken from the real dashboard.

Run it after ``make demo``: ``.venv/bin/python -m tests.screenshot``. It serves the
dashboard as ``make dashboard`` does, on a free port, on the demo's snapshot, opens
each page by its URL in headless Chromium, waits until it has drawn, and photographs
the whole page: the Overview (``docs/dashboard.png``), Delivery health, the customer
list, the top customer, and Live.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import duckdb

from switchboard.emulated import child_process, free_port, wait_healthy
from switchboard_analyze import serve
from tests import browser

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shot:
    file: str  # under docs/
    path: str  # URL path and query
    charts: int  # charts the page draws on the demo data
    text: str  # text that says it is drawn


def top_customer(snapshot: Path) -> str:
    """The customer with the most messages: the demo's longest timeline."""
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        return conn.execute(
            "select customer_phone from analytics.dim_customers "
            "order by messages_total desc, customer_phone limit 1"
        ).fetchone()[0]


def shots(snapshot: Path) -> list[Shot]:
    return [
        Shot("dashboard.png", "", browser.OVERVIEW_CHARTS, "Reconciliation"),
        Shot("dashboard-delivery.png", "delivery", 2, "By our number"),
        Shot("dashboard-customers.png", "customers", 0, "Select a row to open the customer"),
        Shot(
            "dashboard-customer.png",
            f"customers?customer={quote(top_customer(snapshot))}",
            0,
            "newest first",
        ),
        Shot("dashboard-live.png", "live", 1, "Latest webhook"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=ROOT / "output/warehouse.snapshot.duckdb")
    parser.add_argument("--output", type=Path, default=ROOT / "docs")
    parser.add_argument("--width", type=int, default=1400)
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
        for shot in shots(args.snapshot):
            with browser.chromium(executable) as page:
                browser.show(
                    page,
                    url + shot.path,
                    charts=shot.charts,
                    text=shot.text,
                    width=args.width,
                    height=900,
                )
                browser.fit_height(page, args.width)
                time.sleep(2)  # the charts redraw at the new height, then settle
                page.screenshot(args.output / shot.file)
            print(f"Wrote {args.output / shot.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
