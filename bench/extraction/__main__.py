"""``make bench``: tap-twilio beside Airbyte and singer-io on the same data, then the pipeline.

    .venv/bin/python -m bench.extraction [--quick] [--runs 3] [--latencies 0,150]

1. Installs Airbyte ``source-twilio`` 0.16.0 and singer-io ``tap-twilio`` 0.2.2
   from PyPI, each into its own virtualenv under ``output/bench/venvs`` (once).
2. Starts the emulator with a large dataset (default: 365 days, ~1,000,000
   messages and ~100,000 calls in 3 accounts, no closed subaccount) and reads
   its truth, which also generates every day before any clock starts.
3. Runs the ceiling and tap-twilio once, unmeasured (a warm-up). For each
   round and each latency (added by the emulator to every request),
   runs one after another against the same data: the bare sequential
   fetch-and-parse loop (the ceiling), tap-twilio, Airbyte and singer-io, each
   reading messages and calls from the first day, stdout to a file that is
   counted after the clock stops.
4. Runs ``meltano run tap-twilio target-duckdb dbt-duckdb:build`` on a fresh
   warehouse at 0 ms, reconciles the marts with the truth, then runs it again
   with no new data (the incremental no-op run); then ``meltano run tap-twilio
   target-duckdb--jwills`` (target-duckdb 0.8.0) on the same data into its own
   file: the two loaders' CPU and peak memory on the same rows.
5. Writes ``bench/results/extraction-<time>.json``, prints the tables and
   rewrites this dataset's subsection of "Extraction" in ``docs/performance.md``.

Medians over the rounds; each ratio is taken within a round, then the median.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from bench.extraction import counting, measure, peers, report
from bench.extraction.pipeline import JWILLS, Pipeline
from bench.extraction.report import JWILLS_RUN, NOOP_DAILY_SWEEP_RUN
from switchboard.emulated import EmulatorProcess, running_emulator

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "output" / "bench"
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "performance.md"
LEGS_PER_CALL = 1.146  # calls the emulator makes per dialled call (agent legs included)
EXTRACTORS = ("ceiling", "tap-twilio", "airbyte", "singer-io")
BASELINE = "baseline"  # tap-twilio as it was at --baseline REF, beside today's
# main before the tap's restructure into Settings and Session (issue 15): the "before"
# that "no slower than before" is measured against.
DEFAULT_BASELINE_REF = "3e9fbeb"


@dataclass
class Size:
    days: int
    messages: int
    calls: int

    def emulator_options(self) -> dict[str, float]:
        return {
            "days": self.days,
            "messages_per_day": self.messages / self.days,
            "calls_per_day": self.calls / self.days / LEGS_PER_CALL,
        }


FULL = Size(days=365, messages=1_000_000, calls=100_000)
QUICK = Size(days=30, messages=10_000, calls=1_000)


@dataclass
class Run:
    """One extractor (or pipeline) run, measured."""

    name: str
    latency_ms: int
    round: int
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    requests: int
    emulator_cpu_seconds: float
    records: dict[str, int] = field(default_factory=dict)  # per stream, as written
    distinct: dict[str, int] = field(default_factory=dict)  # per stream, distinct SIDs
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    peak_rss_mb_by_process: dict[str, float] = field(default_factory=dict)
    reconciled: bool | None = None  # pipelines: the marts equal the truth


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 days, 10,000 messages, 1 round")
    parser.add_argument("--days", type=int, help=f"days of history (default {FULL.days})")
    parser.add_argument("--messages", type=int, help=f"about this many messages ({FULL.messages})")
    parser.add_argument("--calls", type=int, help=f"about this many calls ({FULL.calls})")
    parser.add_argument("--runs", type=int, help="rounds of every extractor (default 3; quick 1)")
    parser.add_argument(
        "--peer-runs", type=int, help="rounds that include Airbyte and singer-io (default: all)"
    )
    parser.add_argument(
        "--pipeline-runs", type=int, help="rounds that include the pipeline (default: all)"
    )
    parser.add_argument("--latencies", default="0,150", help="ms added per request, e.g. 0,150")
    parser.add_argument(
        "--only", default=",".join(EXTRACTORS), help="extractors to run (default: all four)"
    )
    parser.add_argument(
        "--baseline",
        nargs="?",
        const=DEFAULT_BASELINE_REF,
        help=f"also run tap-twilio as it was at this git ref (default {DEFAULT_BASELINE_REF})",
    )
    parser.add_argument("--skip-pipeline", action="store_true", help="extractors only")
    parser.add_argument(
        "--skip-jwills", action="store_true", help="no target-duckdb 0.8.0 run beside ours"
    )
    parser.add_argument("--peer-python", help="Python 3.10/3.11 for the peers' virtualenvs")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds per run")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the page to write the tables to")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    args.size = Size(
        days=args.days or size.days,
        messages=args.messages or size.messages,
        calls=args.calls or size.calls,
    )
    args.runs = args.runs or (1 if args.quick else 3)
    args.peer_runs = min(args.runs, args.peer_runs or args.runs)
    args.pipeline_runs = min(args.runs, args.pipeline_runs or args.runs)
    args.latencies = [int(x) for x in args.latencies.split(",") if x.strip()]
    args.only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(args.only) - set(EXTRACTORS)
    if unknown:
        parser.error(f"unknown extractor(s) {sorted(unknown)}; known: {', '.join(EXTRACTORS)}")
    if args.baseline:
        if "tap-twilio" not in args.only:
            parser.error("--baseline compares with tap-twilio: keep tap-twilio in --only")
        args.only.insert(args.only.index("tap-twilio"), BASELINE)
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, emulator: EmulatorProcess, venvs: dict) -> None:
        self.args = args
        self.emulator = emulator
        self.venvs = venvs
        info = emulator.get("/_emulator/info")
        self.start = info["history_start"][:10]
        self.stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.dir = WORK / self.stamp
        self.dir.mkdir(parents=True, exist_ok=True)
        self.runs: list[Run] = []

    def requests_served(self) -> int:
        return self.emulator.get("/_emulator/requests")["total"]

    def set_latency(self, latency_ms: int) -> None:
        response = requests.post(
            f"{self.emulator.url}/_emulator/faults", json={"latency_ms": latency_ms}, timeout=30
        )
        response.raise_for_status()

    def command(self, name: str) -> peers.Command:
        url, sid, token = self.emulator.url, self.emulator.account_sid, self.emulator.auth_token
        workdir = self.dir / name
        target = {"url": url, "sid": sid, "token": token, "start": self.start}
        if name == "airbyte":
            return peers.airbyte(self.venvs["airbyte"], workdir, **target)
        if name == "singer-io":
            return peers.singer_io(self.venvs["singer-io"], workdir, **target)
        workdir.mkdir(parents=True, exist_ok=True)
        if name == "ceiling":
            env = {**os.environ, "BENCH_ACCOUNT_SID": sid, "BENCH_AUTH_TOKEN": token}
            script = str(Path(__file__).with_name("ceiling.py"))
            return peers.Command([sys.executable, script, url], workdir, env)
        if name == BASELINE:
            source = baseline_source(self.args.baseline, self.dir)
            return tap_command(workdir, url, sid, token, self.start, source=source)
        return tap_command(workdir, url, sid, token, self.start)

    def warm_up(self) -> None:
        """The ceiling and tap-twilio once at 0 ms, unmeasured: the first pass over the
        data was slower for whoever came first (by 3 to 4 s at 100,000 messages)."""
        self.set_latency(0)
        for name in ("ceiling", "tap-twilio"):
            command = self.command(name)
            subprocess.run(
                command.args,
                cwd=command.cwd,
                env=command.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
                timeout=self.args.timeout,
            )

    def extract(self, name: str, latency_ms: int, round_: int) -> Run:
        command = self.command(name)
        out, err = command.cwd / "stdout.jsonl", command.cwd / "stderr.log"
        before_requests, before_cpu = self.requests_served(), self.emulator_cpu()
        measured = measure.run(
            command.args,
            cwd=command.cwd,
            env=command.env,
            stdout=out,
            stderr=err,
            timeout=self.args.timeout,
        )
        run = self.measured_run(name, latency_ms, round_, measured, (before_requests, before_cpu))
        if name == "ceiling":
            counted = json.loads(out.read_text() or "{}")
            run.records = {s: counted.get(s, 0) for s in peers.STREAMS}
            run.distinct = dict(run.records)  # it keeps no SIDs; the truth check is on totals
        else:
            counts = counting.count(out, peers.STREAMS)
            run.records, run.distinct = counts.total, counts.distinct
        out.unlink(missing_ok=True)
        if measured.returncode != 0:
            (self.dir / f"{name}-{latency_ms}ms-{round_}.stderr.log").write_bytes(err.read_bytes())
        self.runs.append(run)
        return run

    def measured_run(
        self, name: str, latency_ms: int, round_: int, measured: measure.Measured, before: tuple
    ) -> Run:
        """A run's figures; requests and emulator CPU counted since ``before`` (both)."""
        before_requests, before_cpu = before
        return Run(
            name=name,
            latency_ms=latency_ms,
            round=round_,
            returncode=measured.returncode,
            wall_seconds=measured.wall_seconds,
            cpu_seconds=measured.cpu_seconds,
            peak_rss_mb=measured.peak_rss_mb,
            requests=self.requests_served() - before_requests,
            emulator_cpu_seconds=self.emulator_cpu() - before_cpu,
        )

    def emulator_cpu(self) -> float:
        return measure.process_cpu_seconds(self.emulator.process.pid)

    def pipeline(self, round_: int, truth: dict) -> None:
        """Our loader: a full run then a no-op run, marts reconciled; then target-duckdb
        0.8.0 loading the same data into its own file (no dbt), the loaders compared."""
        self.set_latency(0)
        log = self.dir / f"pipeline-{round_}.log"
        ours = Pipeline(self.emulator, self.dir / f"pipeline-{round_}", self.start)
        theirs = Pipeline(self.emulator, self.dir / f"pipeline-{round_}-jwills", self.start, JWILLS)
        for pipe in (ours, theirs):
            shutil.rmtree(pipe.workdir, ignore_errors=True)
        daily = {"TAP_TWILIO_UNDATED_SWEEP_DAYS": "1"}
        kinds = [
            ("pipeline: full", ours, True, {}),
            ("pipeline: no-op", ours, True, {}),
            (NOOP_DAILY_SWEEP_RUN, ours, True, daily),
        ]
        if not self.args.skip_jwills:
            kinds.append((JWILLS_RUN, theirs, False, {}))
        for kind, pipe, transform, env in kinds:
            before_requests, before_cpu = self.requests_served(), self.emulator_cpu()
            measured = pipe.run(log, self.args.timeout, transform=transform, env=env)
            run = self.measured_run(kind, 0, round_, measured, (before_requests, before_cpu))
            run.cpu_by_process = measured.cpu_by_process
            run.peak_rss_mb_by_process = measured.peak_rss_mb_by_process
            if measured.returncode == 0:
                run.records = pipe.raw_rows()
                if transform:
                    problems = pipe.differences(truth)
                    run.reconciled = not problems
                    for line in problems[:10]:
                        print(f"    marts differ: {line}")
            self.runs.append(run)
            print(f"  round {round_} {report.line(run)}", flush=True)


def baseline_source(ref: str, workdir: Path) -> Path:
    """tap-twilio's package as it was at ``ref``, unpacked once from git."""
    target = workdir / f"tap-twilio-{ref}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", ref, "tap-twilio/tap_twilio"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "tap-twilio"


def tap_command(
    workdir: Path, url: str, sid: str, token: str, start: str, *, source: Path | None = None
) -> peers.Command:
    """tap-twilio on messages and calls: this repo's, from the project's virtualenv, or
    the package unpacked at ``source`` (an earlier version, first on the path)."""
    if source is None:
        tap, env = [str(Path(sys.executable).with_name("tap-twilio"))], dict(os.environ)
    else:
        tap = [sys.executable, "-c", "from tap_twilio.cli import main; main()"]
        env = {**os.environ, "PYTHONPATH": str(source)}
    config = {"account_sid": sid, "auth_token": token, "base_url": url, "start_date": start}
    fd = os.open(workdir / "config.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle)
    catalog = workdir / "catalog.json"
    if not catalog.exists():
        found = subprocess.run(
            [*tap, "--config", "config.json", "--discover"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        catalog.write_text(json.dumps(peers.select(json.loads(found.stdout))))
    args = [*tap, "--config", "config.json", "--catalog", "catalog.json"]
    return peers.Command(args, workdir, env)


def emulator_args(args: argparse.Namespace) -> tuple[str, ...]:
    """Beside a baseline, the emulator plays only the happy path: a tap from before the
    real-world behaviours (transient 401s, suspended accounts) stops on them, and a run
    that failed never counts."""
    return ("--no-closed-subaccount", *(("--happy-path",) if args.baseline else ()))


def truth_totals(truth: dict) -> dict[str, int]:
    accounts = truth["accounts"].values()
    return {kind: sum(a[kind]["total"] for a in accounts) for kind in peers.STREAMS}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    size = args.size
    started = time.monotonic()
    print(
        f"==> bench: {size.days} days, ~{size.messages:,} messages, ~{size.calls:,} calls, "
        f"{args.runs} round(s) (peers in {args.peer_runs}), latencies {args.latencies} ms",
        flush=True,
    )
    venvs: dict[str, Path] = {}
    wanted_peers = [name for name in ("airbyte", "singer-io") if name in args.only]
    if wanted_peers:
        python = peers.find_python(args.peer_python)
        requirements = {"airbyte": peers.AIRBYTE, "singer-io": peers.SINGER_IO}
        for name in wanted_peers:
            venvs[name] = peers.ensure_venv(WORK / "venvs", name, requirements[name], python)
    WORK.mkdir(parents=True, exist_ok=True)
    with running_emulator(
        **size.emulator_options(),
        extra_args=emulator_args(args),
        log_path=WORK / "emulator.log",
    ) as emulator:
        t0 = time.perf_counter()
        truth = emulator.truth()
        totals = truth_totals(truth)
        print(
            f"==> emulator ready: {totals['messages']:,} messages, {totals['calls']:,} calls "
            f"in {len(truth['accounts'])} accounts (truth in {time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
        bench = Bench(args, emulator, venvs)
        bench.warm_up()
        for round_ in range(1, args.runs + 1):
            for latency in args.latencies:
                bench.set_latency(latency)
                for name in args.only:
                    if name in ("airbyte", "singer-io") and round_ > args.peer_runs:
                        continue
                    run = bench.extract(name, latency, round_)
                    print(f"  round {round_} {report.line(run, totals)}", flush=True)
            if not args.skip_pipeline and round_ <= args.pipeline_runs:
                bench.pipeline(round_, truth)
        bench.set_latency(0)
    results = {
        "started": bench.stamp,
        "seconds": round(time.monotonic() - started),
        "command": report.command_line(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
        "size": asdict(size),
        "baseline": args.baseline,
        "truth": totals,
        "runs": [asdict(run) for run in bench.runs],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"extraction-{bench.stamp}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    tables = report.tables(results)
    print("\n" + tables)
    print(f"\nResults: {path} ({results['seconds'] / 60:.0f} min in all)")
    if not args.no_docs:
        report.write_docs(args.docs, results, tables)
        print(f"{args.docs}: {report.subsection_title(results)} is rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
