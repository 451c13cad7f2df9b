"""Load benchmark of the webhook receiver, beside a bare uvicorn endpoint as the ceiling.

    .venv/bin/python bench/webhooks_load.py [--duration 20] [--connections 32] [--postgres]

Runs, one after the other on this machine, each for ``--duration`` seconds after
a warm-up:

1. **ceiling**: a bare ASGI endpoint under the same uvicorn (uvloop, httptools,
   no access log) that reads the body and answers 200, nothing else;
2. **receiver (SQLite)**: ``twilio-webhooks serve`` on a store on disk: every
   request's signature validated, its event committed (WAL, synchronous=FULL,
   group commit) before the 200;
3. **receiver (PostgreSQL)** with ``--postgres``: the same on a throwaway server.

The load comes from one separate process holding ``--connections`` keep-alive
connections, each sending pre-signed, unique status callbacks (message and call,
each with its own idempotency token) back to back, timing each request. Afterwards
the receiver's store must hold exactly the events it acknowledged: zero lost.
Prints a Markdown table: each server's median requests/s over the rounds, each
round's share of the ceiling measured in that same round and their median, p50/p99
latency, the server's CPU per request, errors and lost; ``--json`` for machines.
Both servers are one uvicorn process (the receiver's adds its store writer thread)
and share this machine's cores with the load process.
Opt-in: not part of ``make test``. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from twilio_webhooks.testing import free_port, sign_form, start_receiver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "webhooks"))
from tests.postgres import temporary_postgres  # the tests' throwaway server

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "0123456789abcdef0123456789abcdef"  # noqa: S105 (a benchmark-only token)

BARE_APP = """
import sys, uvicorn

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, server_header=False)
"""


def build_requests(port: int, count: int, prefix: str) -> list[bytes]:
    """Signed, unique status callbacks as raw HTTP/1.1 requests (3 message : 1 call)."""
    out = []
    host = f"127.0.0.1:{port}"
    for i in range(count):
        if i % 4 == 3:
            path = "/twilio/calls/status"
            params = {
                "AccountSid": "AC" + "1" * 32,
                "ApiVersion": "2010-04-01",
                "CallSid": f"CA{prefix}{i:0{32 - len(prefix)}d}",
                "CallStatus": "completed",
                "CallbackSource": "call-progress-events",
                "Direction": "outbound-api",
                "From": "+14155550100",
                "SequenceNumber": "3",
                "Timestamp": "Wed, 08 Oct 2025 13:54:12 +0000",
                "To": "+14155550199",
            }
        else:
            path = "/twilio/messages/status"
            sid = f"SM{prefix}{i:0{32 - len(prefix)}d}"  # 34 characters, unique per i
            params = {
                "AccountSid": "AC" + "1" * 32,
                "ApiVersion": "2010-04-01",
                "From": "+14155550100",
                "MessageSid": sid,
                "MessageStatus": "delivered",
                "SmsSid": sid,
                "SmsStatus": "delivered",
                "To": "+14155550199",
            }
        body = urlencode(params).encode()
        signature = sign_form(TOKEN, f"http://{host}{path}", params)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n"
            f"I-Twilio-Idempotency-Token: {prefix}-{i}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


async def _connection(port, requests, cursor, results, warmup_end, stop_at, wrap) -> None:  # noqa: PLR0917
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at or (cursor[0] >= len(requests) and not wrap):
                return
            index = cursor[0] % len(requests)
            cursor[0] += 1
            writer.write(requests[index])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            done = time.perf_counter()
            if now >= warmup_end:
                results.append((done - now, status, index, done))
            elif status == 200:
                results.append((None, status, index, done))  # acknowledged during warm-up
    finally:
        writer.close()


def _load(port, requests, connections, warmup, duration, wrap, queue) -> None:  # noqa: PLR0917
    """In a child process: drive the load, send back latencies and acknowledged indexes."""

    async def main():
        cursor, results = [0], []
        start = time.perf_counter()
        warmup_end, stop_at = start + warmup, start + warmup + duration
        results.append((None, 0, -1, warmup_end))  # marks where measuring starts
        await asyncio.gather(
            *(
                _connection(port, requests, cursor, results, warmup_end, stop_at, wrap)
                for _ in range(connections)
            )
        )
        return results

    results = asyncio.run(main())
    queue.put((results, time.perf_counter()))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(
    port: int, pid: int, requests: list[bytes], args: argparse.Namespace, *, wrap: bool
) -> dict:
    """One measured run: latencies, errors, acknowledged indexes, the server's CPU time.
    ``wrap``: reuse requests when they run out (only for servers that ignore them)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(
        target=_load,
        args=(port, requests, args.connections, args.warmup, args.duration, wrap, queue),
    )
    cpu_before = _cpu_seconds(pid)
    process.start()
    results, _ = queue.get()
    process.join()
    cpu = _cpu_seconds(pid) - cpu_before
    warmup_end = results.pop(0)[3]
    timed = [(lat, status) for lat, status, _, _ in results if lat is not None]
    last = max(done for lat, _, _, done in results if lat is not None)
    return {
        "latencies": [lat for lat, _ in timed],
        "errors": sum(1 for _, status in timed if status != 200),
        "seconds": last - warmup_end,
        "acked": {index for _, status, index, _ in results if status == 200},
        "cpu_seconds": cpu,
        "all_requests": len(results),
        "exhausted": not wrap and len(results) >= len(requests),  # ran out before the end
    }


def summarize(runs: list[dict]) -> dict:
    latencies = sorted(lat for run in runs for lat in run["latencies"])
    count = len(latencies)
    served = sum(run["all_requests"] for run in runs)
    rates = [len(r["latencies"]) / r["seconds"] for r in runs]
    return {
        "requests": count,
        "requests_per_second": round(statistics.median(rates), 1),
        "rounds_requests_per_second": [round(rate) for rate in rates],
        "p50_ms": round(latencies[count // 2] * 1000, 2),
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 2),
        "errors": sum(run["errors"] for run in runs),
        "server_cpu_us_per_request": round(sum(r["cpu_seconds"] for r in runs) / served * 1e6, 1),
        "acknowledged": sum(len(run["acked"]) for run in runs),
        "exhausted_rounds": sum(1 for run in runs if run["exhausted"]),
    }


class Server:
    """A server under test: how to reach it, and (for receivers) how to count its rows."""

    def __init__(self, name: str, port: int, process: subprocess.Popen, count_rows=None) -> None:
        self.name, self.port, self.process, self.count_rows = name, port, process, count_rows
        self.runs: list[dict] = []


def start_bare() -> Server:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)])
    _wait_port(port)
    return Server("bare uvicorn endpoint (ceiling)", port, process)


def start_store_receiver(name: str, store_url: str, count_rows) -> Server:
    receiver = start_receiver(store_url=store_url, auth_tokens=[TOKEN])
    port = int(receiver.url.rsplit(":", 1)[1])
    return Server(name, port, receiver.process, count_rows)


def stop(server: Server) -> None:
    server.process.terminate()
    server.process.wait(timeout=30)


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def measure(servers: list[Server], args: argparse.Namespace) -> dict[str, dict]:
    """Rounds alternate between the servers, so a neighbour's load hits them alike."""
    budget = int(args.budget_rate * (args.duration + args.warmup))
    for round_number in range(args.rounds):
        for server in servers:
            stores = server.count_rows is not None
            size = budget if stores else 20_000
            requests = build_requests(server.port, size, f"{round_number}{server.port}")
            run = run_load(server.port, server.process.pid, requests, args, wrap=not stores)
            server.runs.append(run)
    rows = {}
    for server in servers:
        row = summarize(server.runs)
        if server.count_rows is None:
            row["acknowledged"] = None  # requests were reused: nothing to count
        else:
            stop(server)  # graceful: the store is closed; nothing acknowledged may be missing
            row["stored"] = server.count_rows()
            row["lost"] = row["acknowledged"] - row["stored"]
        rows[server.name] = row
    # Each round's rate against the ceiling's in the same round (the same neighbours' load),
    # then the median of those shares: one noisy round moves neither figure much.
    ceiling = rows[servers[0].name]["rounds_requests_per_second"]
    for row in rows.values():
        shares = [
            rate / top for rate, top in zip(row["rounds_requests_per_second"], ceiling, strict=True)
        ]
        row["rounds_share_of_ceiling"] = [round(share, 3) for share in shares]
        row["share_of_ceiling"] = round(statistics.median(shares), 3)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per round")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating servers")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--postgres", action="store_true", help="also a PostgreSQL store")
    parser.add_argument(
        "--store-dir", type=Path, default=ROOT / "output", help="where the SQLite store goes"
    )
    parser.add_argument(
        "--budget-rate", type=int, default=25_000, help="requests pre-signed per second"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)

    args.store_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="webhooks-bench-", dir=args.store_dir))
    store = workdir / "events.sqlite3"

    def count_sqlite() -> int:
        with sqlite3.connect(store) as db:
            return db.execute("select count(*) from webhook_events").fetchone()[0]

    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        servers = [start_bare()]
        servers.append(
            start_store_receiver(
                "twilio-webhooks, SQLite store", f"sqlite:///{store}", count_sqlite
            )
        )
        if args.postgres:
            url = stack.enter_context(temporary_postgres())

            def count_pg() -> int:
                with psycopg.connect(url) as conn:
                    return conn.execute("select count(*) from webhook_events").fetchone()[0]

            servers.append(start_store_receiver("twilio-webhooks, PostgreSQL store", url, count_pg))
        for server in servers:
            stack.callback(lambda s=server: s.process.poll() is None and stop(s))
        rows = measure(servers, args)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    if args.json:
        settings = {k: str(v) for k, v in vars(args).items()}
        print(json.dumps({"machine": machine, "args": settings, "results": rows}, indent=2))
        return 0
    print(
        f"\n{machine}; {args.connections} connections; {args.rounds} rounds of "
        f"{args.duration:g} s per server (after {args.warmup:g} s warm-up), alternating\n"
    )
    print(
        "| server | requests/s (median) | per round | share of ceiling (median) "
        "| per round | p50 ms | p99 ms | server CPU µs/request | errors | acknowledged | lost |"
    )
    print("|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        rounds = ", ".join(f"{x:,}" for x in r["rounds_requests_per_second"])
        shares = ", ".join(f"{x:.0%}" for x in r["rounds_share_of_ceiling"])
        print(
            f"| {name} | {r['requests_per_second']:,.0f} | {rounds} | "
            f"{r['share_of_ceiling']:.0%} | {shares} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['server_cpu_us_per_request']} | {r['errors']} | "
            f"{'n/a' if r['acknowledged'] is None else format(r['acknowledged'], ',')} | "
            f"{r.get('lost', 'n/a')} |"
        )
        if r["exhausted_rounds"]:
            print(
                f"\n{name}: ran out of pre-signed requests in {r['exhausted_rounds']} round(s)"
                " (raise --budget-rate)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
