"""``make demo``: the whole pipeline on the emulator, start to finish, in one command.

Starts the Twilio emulator, runs ``meltano run tap-twilio target-duckdb
dbt-duckdb:build`` against it into a fresh ``output/warehouse.duckdb``, stops
the emulator, checks the marts against the emulator's truth, and prints a few
rows of each mart.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import time
from pathlib import Path

import duckdb

from switchboard import meltano, reconcile
from switchboard.emulated import free_port, running_emulator

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = ROOT / "output" / "warehouse.duckdb"
DEFAULT_PORT = 8765  # the dev environment's base_url in meltano.yml


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def _port() -> int:
    """The dev port if it is free, else any free one (passed on to the tap)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", DEFAULT_PORT))
        except OSError:
            return free_port()
    return DEFAULT_PORT


def show(conn: duckdb.DuckDBPyConnection, title: str, sql: str) -> None:
    result = conn.execute(sql)
    columns = [d[0] for d in result.description]
    rows = result.fetchall()
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  " + "  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=120, help="days of history")
    parser.add_argument("--messages-per-day", type=float, default=250)
    parser.add_argument("--calls-per-day", type=float, default=60)
    args = parser.parse_args(argv)

    started = time.monotonic()
    step("Fresh demo warehouse and state")
    WAREHOUSE.parent.mkdir(exist_ok=True)
    for path in (WAREHOUSE, WAREHOUSE.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(ROOT / ".meltano" / "state", ignore_errors=True)

    port = _port()
    step(
        f"Starting the Twilio emulator on 127.0.0.1:{port} "
        f"({args.days} days, ~{args.messages_per_day:.0f} messages and "
        f"~{args.calls_per_day:.0f} calls a day, 3 active accounts and a closed one)"
    )
    log = ROOT / "output" / "emulator.log"
    with running_emulator(
        port=port,
        days=args.days,
        messages_per_day=args.messages_per_day,
        calls_per_day=args.calls_per_day,
        log_path=log,
    ) as emulator:
        step("meltano run tap-twilio target-duckdb dbt-duckdb:build")
        result = meltano.run(
            ["--environment=dev", "run", "tap-twilio", "target-duckdb", "dbt-duckdb:build"],
            env=emulator.tap_env(),
        )
        if result.returncode != 0:
            print(f"\nThe pipeline failed (exit {result.returncode}); see the output above.")
            return result.returncode
        truth = emulator.truth()
    step("Stopped the emulator; checking the marts against its ground truth")
    with duckdb.connect(str(WAREHOUSE), read_only=True) as conn:
        problems = reconcile.differences(truth, reconcile.mart_summary(conn))
        if problems:
            print("The marts do NOT match the emulator's truth:")
            for line in problems:
                print(f"  - {line}")
            return 1
        messages = sum(a["messages"]["total"] for a in truth["accounts"].values())
        calls = sum(a["calls"]["total"] for a in truth["accounts"].values())
        print(
            f"Exact match: {messages:,} messages, {calls:,} calls and "
            f"{len(truth['customers']):,} customers, spend per currency to 0.00001."
        )
        show(
            conn,
            "Spend per account and currency (analytics.fct_messages + fct_calls):",
            """
            select a.account_name, s.currency, sum(s.messages) as messages_cost,
                   sum(s.calls) as calls_cost
            from (
                select account_sid, currency, sum(cost_amount) as messages, 0 as calls
                from analytics.fct_messages group by 1, 2
                union all
                select account_sid, currency, 0, sum(cost_amount)
                from analytics.fct_calls group by 1, 2
            ) as s
            join staging.stg_twilio__accounts as a using (account_sid)
            group by 1, 2 order by 1
            """,
        )
        show(
            conn,
            "Busiest customers (analytics.dim_customers):",
            """
            select customer_phone, messages_total, calls_total, talk_seconds,
                   last_contact_at
            from analytics.dim_customers
            order by messages_total + calls_total desc limit 5
            """,
        )
    elapsed = time.monotonic() - started
    step(f"Done in {elapsed:.0f}s. The warehouse is {WAREHOUSE.relative_to(ROOT)}")
    print(
        'Query it:  .venv/bin/python -c "import duckdb; '
        "duckdb.connect('output/warehouse.duckdb').sql('from analytics.dim_customers').show()\""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
