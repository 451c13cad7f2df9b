"""A first backfill of messages and calls: tap-twilio's list-API path beside its BulkExport path.

    .venv/bin/python -m bench.bulkexport [--days 365] [--messages-per-day 10000] [--runs 3]

Starts the emulator (``--bulk-export-job-seconds 0``, ``--bulk-export-days-per-day
off``), adds ``--latency-ms`` to every request and caps concurrent requests at
``--max-concurrent`` (Twilio answers 429 past its per-account cap; it does not publish
the number, third-party pages say 100). Then, per round, runs ``tap-twilio`` as a
process with ``backfill_method`` ``list`` and then ``bulk_export`` on the same data,
from the emulator's first day: wall time, requests served (API and file store), and
the records written, which must be the same SIDs both ways. Medians over the rounds;
the JSON goes to ``bench/results/bulkexport-<time>.json``.

What it leaves out, and why: the time Twilio takes to run export jobs (its docs:
"typically ... less than one day"; the emulator's clock is frozen, so jobs finish at
once), and the 366 days a parent may export per UTC day (every round is on the same
emulator day). A real first backfill waits for its jobs; see tap-twilio's README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import requests

from bench.extraction import counting, measure, peers
from switchboard.emulated import EmulatorProcess, running_emulator

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "output" / "bench" / "bulkexport"
RESULTS = ROOT / "bench" / "results"
METHODS = ("list", "bulk_export")
FILES_API = "bulkexport-files"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.bulkexport", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--messages-per-day", type=float, default=10_000)
    parser.add_argument("--calls-per-day", type=float, default=1_000)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--max-concurrent", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=6 * 3600, help="seconds per run")
    return parser.parse_args(argv)


def set_faults(emulator: EmulatorProcess, plan: dict) -> None:
    response = requests.post(f"{emulator.url}/_emulator/faults", json=plan, timeout=30)
    response.raise_for_status()


def served(emulator: EmulatorProcess) -> dict[str, int]:
    body = emulator.get("/_emulator/requests")
    return {"total": body["total"], "files": body["by_api"].get(FILES_API, 0)}


def tap_command(emulator: EmulatorProcess, workdir: Path, method: str) -> peers.Command:
    """tap-twilio from the project's virtualenv, on messages and calls, from day one."""
    workdir.mkdir(parents=True, exist_ok=True)
    tap = Path(sys.executable).with_name("tap-twilio")
    info = emulator.get("/_emulator/info")
    config = {
        "account_sid": emulator.account_sid,
        "auth_token": emulator.auth_token,
        "base_url": emulator.url,
        "products_base_url": emulator.url,
        "start_date": info["history_start"][:10],
        "backfill_method": method,
    }
    fd = os.open(workdir / "config.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle)
    catalog = workdir / "catalog.json"
    if not catalog.exists():
        found = subprocess.run(
            [str(tap), "--config", "config.json", "--discover"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        catalog.write_text(json.dumps(peers.select(json.loads(found.stdout))))
    args = [str(tap), "--config", "config.json", "--catalog", "catalog.json"]
    return peers.Command(args, workdir, dict(os.environ))


def run_once(emulator: EmulatorProcess, workdir: Path, method: str, timeout: float) -> dict:
    command = tap_command(emulator, workdir / method, method)
    out, err = command.cwd / "stdout.jsonl", command.cwd / "stderr.log"
    before = served(emulator)
    measured = measure.run(
        command.args, cwd=command.cwd, env=command.env, stdout=out, stderr=err, timeout=timeout
    )
    after = served(emulator)
    counts = counting.count(out, peers.STREAMS)
    out.unlink(missing_ok=True)
    return {
        "method": method,
        "returncode": measured.returncode,
        "wall_seconds": round(measured.wall_seconds, 2),
        "cpu_seconds": round(measured.cpu_seconds, 2),
        "peak_rss_mb": round(measured.peak_rss_mb, 1),
        "requests": after["total"] - before["total"],
        "file_downloads": after["files"] - before["files"],
        "records": counts.total,
        "distinct": counts.distinct,
    }


def summary(runs: list[dict]) -> dict[str, dict]:
    """Per method: median wall time and requests; the speed-up is the median of the
    per-round ratios."""
    out: dict[str, dict] = {}
    for method in METHODS:
        mine = [r for r in runs if r["method"] == method and r["returncode"] == 0]
        if mine:
            out[method] = {
                "runs": len(mine),
                "median_wall_seconds": statistics.median(r["wall_seconds"] for r in mine),
                "median_requests": statistics.median(r["requests"] for r in mine),
                "median_file_downloads": statistics.median(r["file_downloads"] for r in mine),
                "records": mine[0]["records"],
            }
    rounds = {r["round"] for r in runs}
    ratios = []
    for round_ in rounds:
        walls = {r["method"]: r["wall_seconds"] for r in runs if r["round"] == round_}
        if len(walls) == len(METHODS):
            ratios.append(walls["list"] / walls["bulk_export"])
    if ratios:
        out["speedup"] = {"median": round(statistics.median(ratios), 2), "rounds": len(ratios)}
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    workdir = WORK / stamp
    workdir.mkdir(parents=True, exist_ok=True)
    extra = ("--no-closed-subaccount", "--bulk-export-job-seconds", "0")
    extra += ("--bulk-export-days-per-day", "off")
    with running_emulator(
        days=args.days,
        messages_per_day=args.messages_per_day,
        calls_per_day=args.calls_per_day,
        extra_args=extra,
        log_path=workdir / "emulator.log",
    ) as emulator:
        truth = emulator.truth()
        totals = {
            kind: sum(a[kind]["total"] for a in truth["accounts"].values())
            for kind in peers.STREAMS
        }
        print(f"==> {args.days} days: {totals}", flush=True)
        set_faults(emulator, {"latency_ms": args.latency_ms, "max_concurrent": args.max_concurrent})
        runs = []
        for round_ in range(1, args.runs + 1):
            for method in METHODS:
                run = {"round": round_, **run_once(emulator, workdir, method, args.timeout)}
                runs.append(run)
                print(f"  round {round_} {method}: {json.dumps(run)}", flush=True)
        same = {json.dumps(r["distinct"], sort_keys=True) for r in runs if r["returncode"] == 0}
    results = {
        "started": stamp,
        "args": vars(args),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "truth": totals,
        "same_records_both_ways": len(same) == 1,
        "runs": runs,
        "summary": summary(runs),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bulkexport-{stamp}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results["summary"], indent=1))
    print(f"Results: {path}")
    return 0 if results["same_records_both_ways"] else 1


if __name__ == "__main__":
    sys.exit(main())
