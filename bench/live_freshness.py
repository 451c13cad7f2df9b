"""Event-to-mart freshness: sustained signed webhooks, the live path, and the hourly job.

    .venv/bin/python -m bench.live_freshness [--rate 200] [--duration 180] [--job-at 60]

Starts the Twilio emulator (the demo's data; its own webhooks go to the receiver
too), ``twilio-webhooks serve`` on a SQLite store, and a warehouse built by
``meltano run twilio-elt``; then ``python -m switchboard.live`` (the event-driven
runs). A load process then sends signed status callbacks, signed as Twilio signs
them, at a steady ``--rate`` events per second for ``--duration`` seconds: messages
of an account of their own, each queued, then sent a second later, then delivered
(or undelivered with 30007, or failed with 30003) two seconds after that. At
``--job-at`` seconds the emulator's clock moves an hour and the hourly job runs
(``python -m switchboard.jobs twilio-elt``: API sync, webhook tap, full dbt build,
snapshot) beside the live path, as cron would start it.

Once the load ends and the live path has caught up, the runner is stopped and the
warehouse read: for every event the load sent, the receiver's 2xx (its commit) and
when the build that made it visible ran (``analytics.fct_webhook_freshness``).
Reported: p50/p95/p99/max seconds from the receiver to the live mart, for events
that never met the job and for those whose way crossed it; events acknowledged but
missing from the marts (lost); rows doubled in the marts; each message's latest
status against what the load sent. A run in which any step failed reports that, not
a time. Opt-in, never part of ``make test``. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import duckdb

from switchboard import live, meltano, webhooks
from switchboard.emulated import EmulatorProcess, free_port, running_emulator
from twilio_webhooks.testing import sign_form

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "AC" + "b" * 32  # the load's own account: its truth is what it sent
OUR_NUMBERS = ("+14155550100", "+14155550101", "+442079460000")
CUSTOMERS = ("+1415555", "+4477009", "+3361234", "+4915123")  # US, GB, FR, DE prefixes
OUTCOMES = (
    (("delivered", None),) * 90 + (("undelivered", "30007"),) * 7 + (("failed", "30003"),) * 3
)
STEPS = ((0.0, "queued"), (1.0, "sent"), (3.0, None))  # seconds after the message starts


@dataclass(frozen=True)
class Planned:
    at: float  # seconds after the load starts
    sid: str
    status: str
    request: bytes


def plan(rate: float, duration: float, host: str, token: str, prefix: str) -> list[Planned]:
    """Every event of the load, signed, in the order of its time."""
    path = "/twilio/messages/status"
    url = f"http://{host}{path}"
    messages = int(rate * duration / len(STEPS))
    out = []
    for i in range(messages):
        start = i * len(STEPS) / rate
        sid = f"SM{prefix}{i:0{32 - len(prefix)}d}"
        outcome, error = OUTCOMES[i % len(OUTCOMES)]
        for offset, step in STEPS:
            status = step or outcome
            params = {
                "AccountSid": ACCOUNT,
                "ApiVersion": "2010-04-01",
                "From": OUR_NUMBERS[i % len(OUR_NUMBERS)],
                "MessageSid": sid,
                "MessageStatus": status,
                "SmsSid": sid,
                "SmsStatus": status,
                "To": f"{CUSTOMERS[i % len(CUSTOMERS)]}{i % 10000:04d}",
            }
            if step is None and error:
                params["ErrorCode"] = error
            body = urlencode(params).encode()
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"X-Twilio-Signature: {sign_form(token, url, params)}\r\n"
                f"I-Twilio-Idempotency-Token: {sid}-{status}\r\n\r\n"
            )
            out.append(Planned(start + offset, sid, status, head.encode() + body))
    out.sort(key=lambda p: p.at)
    return out


async def _send(port: int, events: list[Planned], connections: int) -> list[tuple]:
    """Each event at its time (never earlier), on keep-alive connections; per event
    (index, wall time of the 2xx, HTTP status)."""
    cursor, results = [0], []
    start = time.monotonic()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while cursor[0] < len(events):
                index = cursor[0]
                cursor[0] += 1
                delay = start + events[index].at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(events[index].request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                results.append((index, time.time(), int(head[9:12])))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return results


def _load(port: int, events: list[Planned], connections: int, queue) -> None:
    queue.put(asyncio.run(_send(port, events, connections)))


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"events": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "events": len(ordered),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": round(ordered[-1], 2),
    }


def store_head(store: Path) -> int:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return int(db.execute("select coalesce(max(seq), 0) from webhook_events").fetchone()[0])


def wait_caught_up(store: Path, snapshot: Path, timeout: float) -> float:
    """Seconds until the live marts hold every event the store holds now."""
    started, head = time.monotonic(), store_head(store)
    while live.published_seq(snapshot) < head:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the live path did not catch up with seq {head} in {timeout:.0f}s")
        time.sleep(0.5)
    return time.monotonic() - started


@contextlib.contextmanager
def live_runner(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> Iterator:
    with live.running(
        env,
        workdir / "live.log",
        after_events=args.after_events,
        after_seconds=args.after_seconds,
        dbt_log=workdir / "dbt-live.log",
    ) as process:
        live.wait_ready(workdir / "live.log", process, timeout=600)
        yield process


def run_job(env: dict[str, str], workdir: Path, out: dict) -> None:
    out["start"] = time.time()
    with (workdir / "job.log").open("w") as log:
        result = subprocess.run(
            [sys.executable, "-m", "switchboard.jobs", "twilio-elt", "--environment", "dev"],
            env={**os.environ, **meltano.MELTANO_ENV, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    out["end"] = time.time()
    out["returncode"] = result.returncode


def analyse(warehouse: Path, sent: list[Planned], acks: list[tuple], job: dict) -> dict:
    """Freshness per event, lost and doubled, and the marts against what was sent."""
    acked = {(sent[i].sid, sent[i].status): at for i, at, code in acks if code == 200}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        rows = conn.execute(
            "select e.resource_sid, e.status, f.received_at, f.visible_at, f.freshness_seconds "
            "from analytics.fct_webhook_freshness as f "
            "join raw_twilio.webhook_events as e on e.seq = f.event_seq "
            "where e.account_sid = ? and f.is_measured",
            [ACCOUNT],
        ).fetchall()
        in_marts = set(
            conn.execute(
                "select message_sid, status from analytics.fct_message_status_events "
                "where account_sid = ?",
                [ACCOUNT],
            ).fetchall()
        )
        doubled = {
            table: conn.execute(
                f"select count(*) - count(distinct {key}) from {table} where account_sid = ?",  # noqa: S608
                [ACCOUNT],
            ).fetchone()[0]
            for table, key in (
                ("raw_twilio.webhook_events", "dedupe_key"),
                ("analytics.fct_message_status_events", "message_sid || ':' || status"),
                ("analytics.fct_message_current_status", "message_sid"),
                ("analytics.fct_message_webhook_outcomes", "message_sid"),
            )
        }
        latest = dict(
            conn.execute(
                "select status, count(*) from analytics.fct_message_current_status "
                "where account_sid = ? group by 1",
                [ACCOUNT],
            ).fetchall()
        )
    utc = dt.timezone.utc
    job_start, job_end = job.get("start", float("inf")), job.get("end", float("-inf"))
    clear, crossed, ack_to_mart = [], [], []
    for sid, status, received, visible, seconds in rows:
        received_at = received.replace(tzinfo=utc).timestamp()
        visible_at = visible.replace(tzinfo=utc).timestamp()
        (crossed if received_at <= job_end and visible_at >= job_start else clear).append(seconds)
        if (sid, status) in acked:
            ack_to_mart.append(visible_at - acked[(sid, status)])
    by_message: dict[str, set[str]] = {}
    for sid, status in acked:
        by_message.setdefault(sid, set()).add(status)
    truth: dict[str, int] = {}
    for statuses in by_message.values():
        final = next((s for s in statuses if s not in ("queued", "sent")), None)
        final = final or ("sent" if "sent" in statuses else "queued")
        truth[final] = truth.get(final, 0) + 1
    return {
        "acknowledged": len(acked),
        "refused": sum(1 for _, _, code in acks if code != 200),
        "lost": len(set(acked) - in_marts),
        "doubled": doubled,
        "latest_status": {
            "marts": dict(sorted(latest.items())),
            "sent": dict(sorted(truth.items())),
        },
        "receiver_to_mart": {
            "all": percentiles(clear + crossed),
            "no_job": percentiles(clear),
            "crossed_job": percentiles(crossed),
        },
        "ack_to_mart": percentiles(ack_to_mart),
    }


RUN_LINE = re.compile(r"^live: ([\d,]+) events visible .* in ([\d.]+) s \((.*)\)")


def live_runs(log: Path) -> dict:
    """What the runner printed: its runs, their length and their steps."""
    runs = [m for m in map(RUN_LINE.match, log.read_text().splitlines()) if m]
    if not runs:
        return {"runs": 0}
    seconds = [float(m[2]) for m in runs]
    steps: dict[str, list[float]] = {}
    for match in runs:
        for part in match[3].split(", "):
            name, value, _ = part.rsplit(" ", 2)
            steps.setdefault(name, []).append(float(value))
    return {
        "runs": len(runs),
        "events_per_run_median": statistics.median(int(m[1].replace(",", "")) for m in runs),
        "run_seconds": percentiles(seconds),
        "step_seconds_median": {k: round(statistics.median(v), 2) for k, v in steps.items()},
        "failures": sum(1 for line in log.read_text().splitlines() if "live: failed" in line),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200, help="events per second")
    parser.add_argument("--duration", type=float, default=180, help="seconds of load")
    parser.add_argument("--job-at", type=float, default=60, help="start the hourly job then")
    parser.add_argument("--no-job", action="store_true", help="no scheduled job during the load")
    parser.add_argument("--after-events", type=int, default=1000)
    parser.add_argument("--after-seconds", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--days", type=int, default=120, help="the emulator's history")
    parser.add_argument("--messages-per-day", type=float, default=250)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    workdir = ROOT / "output" / "bench" / f"live-{stamp}"
    workdir.mkdir(parents=True)
    warehouse, store = workdir / "warehouse.duckdb", workdir / "webhooks.sqlite3"
    snapshot = workdir / "warehouse.snapshot.duckdb"
    receiver_port = free_port()
    result: dict = {"run": stamp, "args": {k: str(v) for k, v in vars(args).items()}}
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    result["load_average_start"] = os.getloadavg()
    with (
        running_emulator(
            days=args.days,
            messages_per_day=args.messages_per_day,
            extra_args=webhooks.emulator_args(f"http://127.0.0.1:{receiver_port}"),
            log_path=workdir / "emulator.log",
        ) as emulator,
        webhooks.running_receiver(
            store=store,
            auth_tokens=list(emulator.account_auth_tokens.values()),
            port=receiver_port,
            log_path=workdir / "receiver.log",
        ) as receiver,
    ):
        env = pipeline_env(emulator, receiver, workdir, warehouse)
        print(f"==> {workdir}: the first full run (meltano run twilio-elt)", flush=True)
        first = meltano.run(["--environment=dev", "run", "twilio-elt"], env=env, capture=True)
        (workdir / "first-run.log").write_text(first.stdout + first.stderr)
        if first.returncode != 0:
            print(f"the first run failed ({first.returncode}): see {workdir / 'first-run.log'}")
            return 1
        token = emulator.account_auth_tokens[emulator.account_sid]
        host = f"127.0.0.1:{receiver_port}"
        warmup = plan(10, 3, host, token, "w")
        events = plan(args.rate, args.duration, host, token, "l")
        context = multiprocessing.get_context("fork")
        job: dict = {}
        with live_runner(env, args, workdir) as runner:
            print("==> the live path, warming up", flush=True)
            asyncio.run(_send(receiver_port, warmup, 4))
            result["warmup_seconds"] = round(wait_caught_up(store, snapshot, 300), 1)
            print(
                f"==> {len(events):,} events at {args.rate:g}/s for {args.duration:g} s", flush=True
            )
            queue = context.Queue()
            sender = context.Process(
                target=_load, args=(receiver_port, events, args.connections, queue)
            )
            sender.start()
            thread = None
            if not args.no_job:
                time.sleep(args.job_at)
                emulator.advance("1h")
                print(
                    "==> the hourly job (switchboard.jobs twilio-elt), beside the load", flush=True
                )
                thread = threading.Thread(target=run_job, args=(env, workdir, job))
                thread.start()
            acks = queue.get()
            sender.join()
            if thread is not None:
                thread.join()
            print("==> waiting for the live path to catch up", flush=True)
            result["catch_up_seconds"] = round(wait_caught_up(store, snapshot, 600), 1)
            if runner.poll() is not None:
                print(f"the live runner exited {runner.returncode}: see {workdir / 'live.log'}")
                return 1
        result["job"] = {
            "ran": not args.no_job,
            "returncode": job.get("returncode"),
            "seconds": round(job["end"] - job["start"], 1) if job else None,
        }
        result["load_seconds"] = round(
            max(at for _, at, _ in acks) - min(at for _, at, _ in acks), 1
        )
        result.update(analyse(warehouse, events, acks, job))
        result["live"] = live_runs(workdir / "live.log")
    result["load_average_end"] = os.getloadavg()
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"live-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result, path))
    failed = result["job"]["ran"] and result["job"]["returncode"] != 0
    return 1 if failed or result["lost"] or any(result["doubled"].values()) else 0


def pipeline_env(
    emulator: EmulatorProcess, receiver: webhooks.ReceiverProcess, workdir: Path, warehouse: Path
) -> dict[str, str]:
    return {
        **emulator.tap_env(),
        **receiver.tap_env(),
        "TARGET_DUCKDB_FILEPATH": str(warehouse),
        "DBT_DUCKDB_PATH": str(warehouse),
        "MELTANO_STATE_BACKEND_URI": f"file://{workdir / 'state'}",
        "DBT_TARGET_PATH": str(workdir / "dbt-target"),
        "DBT_LOG_PATH": str(workdir / "dbt-logs"),
        "ALERT_STATE_PATH": str(workdir / "alerts.json"),
    }


def report(result: dict, path: Path) -> str:
    fresh = result["receiver_to_mart"]
    rows = [
        ("no scheduled job on the way", fresh["no_job"]),
        ("crossed the hourly job", fresh["crossed_job"]),
        ("all", fresh["all"]),
        ("from the load's 2xx (its clock)", result["ack_to_mart"]),
    ]
    lines = [
        f"\nRun {result['run']} ({path.relative_to(ROOT)}): {result['machine']}; load average "
        f"{result['load_average_start'][0]:.1f} at the start, {result['load_average_end'][0]:.1f} "
        "at the end",
        "",
        "| events | count | p50 s | p95 s | p99 s | max s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, figures in rows:
        if figures.get("events"):
            lines.append(
                f"| {label} | {figures['events']:,} | {figures['p50']} | {figures['p95']} | "
                f"{figures['p99']} | {figures['max']} |"
            )
    job = result["job"]
    live = result["live"]
    lines += [
        "",
        f"- acknowledged {result['acknowledged']:,} (refused {result['refused']}), "
        f"lost {result['lost']}, doubled {sum(result['doubled'].values())} "
        f"({', '.join(f'{k} {v}' for k, v in result['doubled'].items())})",
        f"- latest status per message: marts {result['latest_status']['marts']}, "
        f"sent {result['latest_status']['sent']}",
        "- hourly job: "
        + (f"exit {job['returncode']}, {job['seconds']} s" if job["ran"] else "not run"),
        f"- live runs: {live.get('runs')}, median {live.get('events_per_run_median')} events, "
        f"run seconds {live.get('run_seconds')}, median steps {live.get('step_seconds_median')}, "
        f"failures {live.get('failures')}",
        f"- caught up {result['catch_up_seconds']} s after the load ended",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
