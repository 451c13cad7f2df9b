"""``make demo``: the whole pipeline on the emulator, start to finish, in one command.

Starts the webhook receiver and the Twilio emulator (which sends the receiver
signed status callbacks and Event Streams as its clock moves), runs the
``twilio-elt`` job (tap-twilio and tap-twilio-webhooks into a fresh
``output/warehouse.duckdb``, then dbt, then the marts' snapshot for the
dashboard) and checks the marts against the emulator's truth. Then it moves the
emulator's clock a day: the status changes arrive as webhooks and trigger the live
path (``python -m switchboard.live``: ``tap-twilio-webhooks`` and the webhook models,
no API sync, no scheduled run); the live-status marts must match the truth at the
new clock. Prints each live run, the events' freshness (receiver to live mart), a
few rows, and how to open the dashboard.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from switchboard import live, meltano, reconcile, webhooks
from switchboard.emulated import EmulatorProcess, free_port, running_emulator

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = ROOT / "output" / "warehouse.duckdb"
SNAPSHOT = ROOT / "output" / "warehouse.snapshot.duckdb"  # what the dashboard reads
WEBHOOK_STORE = ROOT / "output" / "webhooks.sqlite3"  # the dev environment's store_url
LOGS = ROOT / "output" / "logs"  # every Meltano run's whole output
DEFAULT_PORT = 8765  # the dev environment's base_url in meltano.yml
REPORTING_TIMEZONE = os.environ.get("DBT_REPORTING_TIMEZONE", "UTC")


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def run_meltano(name: str, args: list[str], env: dict[str, str]) -> int:
    """A Meltano run, its output in output/logs/<name>.log, its progress on one line."""
    log = LOGS / f"{name}.log"
    started = time.monotonic()
    code, progress = meltano.run_logged(["--environment=dev", *args], log_path=log, env=env)
    for line in progress.kept:
        print(textwrap.fill(line, 100, initial_indent="  ", subsequent_indent="      "))
    for line in progress.errors[-3:]:
        print(f"  {line}")
    outcome = "done" if code == 0 else f"FAILED (exit {code})"
    print(
        f"  {outcome} in {time.monotonic() - started:.0f}s; the whole log: {log.relative_to(ROOT)}"
    )
    return code


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
    rows = [tuple("-" if v is None else v for v in row) for row in result.fetchall()]
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  " + "  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))


def check_api_marts(truth: dict) -> bool:
    """The marts built from the API agree with the emulator's truth; prints a few rows."""
    with duckdb.connect(str(WAREHOUSE), read_only=True) as conn:
        problems = reconcile.differences(truth, reconcile.mart_summary(conn))
        if problems:
            print("The marts do NOT match the emulator's truth:")
            for line in problems:
                print(f"  - {line}")
            return False
        messages = sum(a["messages"]["total"] for a in truth["accounts"].values())
        calls = sum(a["calls"]["total"] for a in truth["accounts"].values())
        print(
            f"Every mart matches exactly: {messages:,} messages, {calls:,} calls, "
            f"{len(truth['customers']):,} customers, usage per category and day, "
            "spend per product and currency to 0.00001."
        )
        show(
            conn,
            "Spend per account, product and currency: Twilio's usage records beside the "
            "priced messages and calls (analytics.fct_spend_daily):",
            """
            select a.account_name, s.currency, s.product,
                   sum(s.usage_cost_amount) as usage_cost,
                   sum(s.traffic_cost_amount) as traffic_cost,
                   sum(s.difference_amount) as difference
            from analytics.fct_spend_daily as s
            join analytics.dim_accounts as a using (account_sid)
            group by 1, 2, 3 order by 1, 3
            """,
        )
        show(
            conn,
            "Busiest customers (analytics.dim_customers):",
            """
            select customer_phone, customer_name, customer_country as country,
                   messages_total as messages, calls_total as calls, talk_minutes,
                   spend_by_currency as spend, delivery_rate, is_opted_out as opted_out,
                   days_since_last_reply
            from analytics.dim_customers
            order by messages_total + calls_total desc limit 5
            """,
        )
        show(
            conn,
            "Most frequent delivery errors (analytics.fct_messages):",
            """
            select error_code, max(error_meaning) as meaning, count(*) as messages
            from analytics.fct_messages
            where error_code is not null
            group by 1 order by 3 desc, 1 limit 5
            """,
        )
    return True


def show_freshness() -> None:
    """Receiver to live mart, per event, as fct_webhook_freshness measured it."""
    with duckdb.connect(str(WAREHOUSE), read_only=True) as conn:
        show(
            conn,
            "Freshness: the receiver's commit to the row in the live marts "
            "(analytics.fct_webhook_freshness):",
            """
            select count(*) as events,
                   round(quantile_cont(freshness_seconds, 0.5), 1) as p50_seconds,
                   round(quantile_cont(freshness_seconds, 0.95), 1) as p95_seconds,
                   round(max(freshness_seconds), 1) as max_seconds
            from analytics.fct_webhook_freshness where is_measured
            """,
        )


def check_live_marts(emulator: EmulatorProcess, report: dict) -> bool:
    """With webhooks only, the live-status marts agree with the truth at the new clock."""
    truth = emulator.truth(REPORTING_TIMEZONE)
    with duckdb.connect(str(WAREHOUSE), read_only=True) as conn:
        problems = webhooks.differences(truth, report, conn)
        if problems:
            print("The webhook marts do NOT match the emulator's truth:")
            for line in problems:
                print(f"  - {line}")
            return False
        ahead = conn.execute(
            "select count(*) from analytics.fct_message_current_status where is_ahead_of_api"
        ).fetchone()[0]
        print(
            f"Exact match at {truth['clock']} without an API sync: message and call statuses "
            f"per account, every status change and call progress event, sent -> delivered "
            f"latency; {ahead:,} messages are known only from webhooks or are ahead of the API."
        )
        show(
            conn,
            "Latest status ahead of the API (analytics.fct_message_current_status):",
            """
            select status, api_status, count(*) as messages
            from analytics.fct_message_current_status
            where is_ahead_of_api group by 1, 2 order by 3 desc limit 6
            """,
        )
        show(
            conn,
            "Sent -> delivered latency (analytics.fct_message_delivery_latency):",
            """
            select measured_from, count(*) as messages,
                   round(avg(latency_seconds), 1) as avg_seconds,
                   max(latency_seconds) as max_seconds
            from analytics.fct_message_delivery_latency group by 1
            """,
        )
        show(
            conn,
            "One call's progress, in SequenceNumber order (analytics.fct_call_progress_events):",
            """
            select call_sid, step, sequence_number, status, occurred_at,
                   seconds_since_previous, arrived_out_of_order
            from analytics.fct_call_progress_events
            where call_sid = (
                select call_sid from analytics.fct_call_progress_events
                where status = 'completed' and sequence_number = 3
                order by call_sid limit 1
            )
            order by step
            """,
        )
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=120, help="days of history")
    parser.add_argument("--messages-per-day", type=float, default=250)
    parser.add_argument("--calls-per-day", type=float, default=60)
    args = parser.parse_args(argv)

    started = time.monotonic()
    step("Fresh demo warehouse, webhook store and state")
    WAREHOUSE.parent.mkdir(exist_ok=True)
    for path in (WAREHOUSE, WAREHOUSE.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WEBHOOK_STORE}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(ROOT / ".meltano" / "state", ignore_errors=True)

    port = _port()
    receiver_port = free_port()
    step(
        f"Starting the Twilio emulator on 127.0.0.1:{port} "
        f"({args.days} days, ~{args.messages_per_day:.0f} messages and "
        f"~{args.calls_per_day:.0f} calls a day, accounts live, suspended and closed), "
        f"sending its webhooks to the receiver on 127.0.0.1:{receiver_port}"
    )
    receiver_url = f"http://127.0.0.1:{receiver_port}"
    with (
        running_emulator(
            port=port,
            days=args.days,
            messages_per_day=args.messages_per_day,
            calls_per_day=args.calls_per_day,
            extra_args=webhooks.emulator_args(receiver_url),
            log_path=ROOT / "output" / "emulator.log",
        ) as emulator,
        webhooks.running_receiver(
            store=WEBHOOK_STORE,
            auth_tokens=list(emulator.account_auth_tokens.values()),
            port=receiver_port,
            log_path=ROOT / "output" / "webhooks.log",
        ) as receiver,
    ):
        env = {**emulator.tap_env(), **receiver.tap_env()}
        step(
            "meltano run twilio-elt  (tap-twilio, tap-twilio-webhooks -> target-duckdb, dbt, "
            "the dashboard's snapshot)"
        )
        code = run_meltano("twilio-elt", ["run", "twilio-elt"], env)
        if code != 0:
            return code
        # local days in the marts follow dbt's reporting_timezone var (see dbt_project.yml)
        if not check_api_marts(emulator.truth(REPORTING_TIMEZONE)):
            return 1

        step(
            "python -m switchboard.live  (the live path: webhook events trigger "
            "tap-twilio-webhooks -> target-duckdb, dbt build --select "
            "stg_twilio_webhooks__events+, the snapshot; no scheduled run)"
        )
        live_log = LOGS / "live.log"
        LOGS.mkdir(parents=True, exist_ok=True)
        with live.running(env, live_log, after_seconds=1.0, dbt_log=LOGS / "dbt-live.log") as lp:
            try:
                live.wait_ready(live_log, lp, timeout=600)
            except live.LiveError as exc:
                print(f"The live path did not start: {exc} (see {live_log})")
                return 1
            step("A day passes on the emulator: its status changes arrive as signed webhooks")
            emulator.advance("1d")
            report = emulator.webhooks(wait=100)
            if report["pending"] or report["failed"]:
                print(
                    f"Webhooks not delivered: {report['pending']} pending, "
                    f"{report['failed']} failed"
                )
                return 1
            print(
                f"{report['delivered']:,} webhook requests delivered "
                f"({report['events_delivered']:,} events: {report['events_by_kind']}), "
                f"{report['retries']} retries; the live path runs as they arrive"
            )
            try:
                live.wait_published(receiver.store_url, SNAPSHOT, lp, timeout=900)
            except live.LiveError as exc:
                print(f"The live path did not catch up: {exc} (see {live_log})")
                return 1
        for line in live_log.read_text().splitlines():
            if line.startswith("live: "):
                print(line)
        show_freshness()
        if not check_live_marts(emulator, report):
            return 1
    elapsed = time.monotonic() - started
    step(f"Done in {elapsed:.0f}s. The warehouse is {WAREHOUSE.relative_to(ROOT)}")
    print(
        'Query it:  .venv/bin/python -c "import duckdb; '
        "duckdb.connect('output/warehouse.duckdb').sql('from analytics.dim_customers').show()\""
    )
    print(
        f"Look at it:  make dashboard   (http://127.0.0.1:8501, reads "
        f"{SNAPSHOT.relative_to(ROOT)}, which each run publishes)\n"
        "Share it:    make report      (output/report.html, one self-contained file)"
    )
    offer_dashboard()
    return 0


def offer_dashboard() -> None:
    """At a terminal, offer to start the dashboard now (what ``make dashboard`` runs)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return  # scripts and CI: the lines above say how
    try:
        answer = input("\nStart the dashboard now? [y/N] ")
    except EOFError:
        return
    if answer.strip().lower() in ("y", "yes"):
        command = [sys.executable, "-m", "switchboard_analyze.serve", "--snapshot", str(SNAPSHOT)]
        os.execv(command[0], command)  # noqa: S606  (Ctrl-C stops it)


if __name__ == "__main__":
    sys.exit(main())
