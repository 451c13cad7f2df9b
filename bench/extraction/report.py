"""The benchmark's tables and goals, from its JSON results; the "Extraction" section of the docs.

Every figure is a median over the rounds; a ratio (how many times tap-twilio's
wall time an extractor took) is taken within each round, then the median.
"""

from __future__ import annotations

import re
import shlex
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STREAMS = ("messages", "calls")
NAMES = {
    "ceiling": "bare sequential loop (ceiling)",
    "baseline": "tap-twilio before, at `{baseline}`",
    "tap-twilio": "**tap-twilio** (this repo)",
    "airbyte": "Airbyte source-twilio 0.16.0",
    "singer-io": "singer-io tap-twilio 0.2.2",
}
PIPELINE_PROCESSES = ("meltano", "tap-twilio", "target-duckdb", "dbt")
GOALS = {
    "airbyte": 20.0,  # at least this many times faster than Airbyte
    "singer-io": 15.0,
}
JWILLS_RUN = "loader: target-duckdb 0.8.0"
# The no-op run again, with the whole-list sweep for undated records at most daily: what
# the run costs besides the sweep a server that lists undated records last needs each run.
NOOP_DAILY_SWEEP_RUN = "pipeline: no-op, sweep daily"
# Each pipeline run: its row label and its loader.
PIPELINE_RUNS = {
    "pipeline: full": ("full", "target-duckdb (ours)"),
    "pipeline: no-op": ("no-op", "target-duckdb (ours)"),
    NOOP_DAILY_SWEEP_RUN: ("no-op, `undated_sweep_days: 1`", "target-duckdb (ours)"),
    JWILLS_RUN: ("full, load only (no dbt)", "target-duckdb 0.8.0"),
}
PIPELINE_GOAL_SECONDS = 60  # API to reconciled marts, 0 ms per request
NOOP_GOAL_SECONDS = 5  # an incremental run with no new data, end to end
LOADER_PEAK_MB = 500
LOADER_GOAL_RATIO = 10.0  # rows per CPU second, against target-duckdb 0.8.0
# "No slower than before": today's tap against the baseline's, same round. Within 5%,
# the rounds' own spread on a shared machine.
BASELINE_TOLERANCE = 1.05


def command_line(argv: Iterable[str]) -> str:
    extra = " ".join(shlex.quote(a) for a in argv)
    return f"make bench BENCH_ARGS='{extra}'" if extra else "make bench"


def _median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def _n(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def line(run: Any, totals: dict[str, int] | None = None) -> str:
    """One run, for the console."""
    records = sum(run.records.values())
    text = (
        f"{run.name:<16} {run.latency_ms:>4} ms: {run.wall_seconds:8.1f}s wall, "
        f"{run.cpu_seconds:8.1f}s CPU, {run.peak_rss_mb:6.0f} MB, {run.requests:>7,} requests, "
        f"{records:>9,} records"
    )
    if totals is not None:
        text += f" ({truth_check(run.records, run.distinct, totals)})"
    if run.reconciled is not None:
        text += ", marts = truth" if run.reconciled else ", MARTS DIFFER FROM THE TRUTH"
    if run.returncode != 0:
        text += f", EXIT {run.returncode}"
    return text


def truth_check(records: dict[str, int], distinct: dict[str, int], totals: dict[str, int]) -> str:
    """'= truth', or what differs: duplicates (written - distinct), missing (truth - distinct)."""
    notes = []
    for stream in STREAMS:
        written, unique, truth = records.get(stream, 0), distinct.get(stream, 0), totals[stream]
        if written > unique:
            notes.append(f"{stream}: {written - unique:,} duplicates")
        if unique < truth:
            notes.append(f"{stream}: {truth - unique:,} missing")
        if unique > truth:
            notes.append(f"{stream}: {unique - truth:,} unknown")
    return "; ".join(notes) if notes else "= truth"


def _runs(results: dict, name: str, latency: int | None = None) -> list[dict]:
    return [
        r
        for r in results["runs"]
        if r["name"] == name and (latency is None or r["latency_ms"] == latency)
    ]


def _ratio(results: dict, name: str, latency: int) -> float:
    """Median over rounds of (this extractor's wall time / tap-twilio's, same round)."""
    ours = {r["round"]: r["wall_seconds"] for r in _runs(results, "tap-twilio", latency)}
    return _median(
        r["wall_seconds"] / ours[r["round"]]
        for r in _runs(results, name, latency)
        if r["round"] in ours
    )


def extraction_table(results: dict, latency: int) -> str:
    totals = results["truth"]
    rows = [
        "| extractor | wall s | × tap-twilio's time | records/s | CPU s | CPU µs/record "
        "| peak MB | HTTP requests | messages written (distinct) | calls written (distinct) "
        "| vs truth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, template in NAMES.items():
        runs = _runs(results, name, latency)
        if not runs:
            continue
        label = template.format(baseline=results.get("baseline"))
        wall = _median(r["wall_seconds"] for r in runs)
        cpu = _median(r["cpu_seconds"] for r in runs)
        last = runs[-1]
        records = sum(last["records"].values())
        ratio = _ratio(results, name, latency)
        rounds = ", ".join(_n(r["wall_seconds"]) for r in runs)
        failed = [r for r in runs if r["returncode"] != 0]
        check = truth_check(last["records"], last["distinct"], totals)
        if failed:
            check += f"; exit code {failed[0]['returncode']}"
        rows.append(
            f"| {label} | {_n(wall)} ({rounds}) | {ratio:.2f}× | {_n(records / wall, 0)} "
            f"| {_n(cpu)} | {_n(cpu / max(records, 1) * 1e6, 0)} "
            f"| {_n(_median(r['peak_rss_mb'] for r in runs), 0)} | {last['requests']:,} "
            f"| {last['records'].get('messages', 0):,} ({last['distinct'].get('messages', 0):,}) "
            f"| {last['records'].get('calls', 0):,} ({last['distinct'].get('calls', 0):,}) "
            f"| {check} |"
        )
    return "\n".join(rows)


def pipeline_table(results: dict) -> str:
    rows = [
        "| run | loader | wall s | CPU s | CPU s: "
        + " / ".join(PIPELINE_PROCESSES)
        + " | peak MB: tap / loader | HTTP requests | raw messages, calls | marts = truth |",
        "|---|---|---:|---:|---|---|---:|---|---|",
    ]
    for name, (label, loader) in PIPELINE_RUNS.items():
        runs = _runs(results, name)
        if not runs:
            continue
        wall = _median(r["wall_seconds"] for r in runs)
        by_process = " / ".join(
            _n(_median(r["cpu_by_process"].get(p, 0.0) for r in runs)) for p in PIPELINE_PROCESSES
        )
        peaks = " / ".join(
            _n(_median(r["peak_rss_mb_by_process"].get(p, 0.0) for r in runs), 0)
            for p in ("tap-twilio", "target-duckdb")
        )
        last = runs[-1]
        raw = ", ".join(f"{last['records'].get(s, 0):,}" for s in STREAMS)
        reconciled = {r["reconciled"] for r in runs}
        marts = "yes" if reconciled == {True} else ("(no dbt)" if reconciled == {None} else "NO")
        failed = [r for r in runs if r["returncode"] != 0]
        if failed:
            marts += f"; {len(failed)} of {len(runs)} runs FAILED (exit {failed[0]['returncode']})"
        rounds = ", ".join(_n(r["wall_seconds"]) for r in runs)
        rows.append(
            f"| {label} | {loader} | {_n(wall)} ({rounds})"
            f" | {_n(_median(r['cpu_seconds'] for r in runs))} | {by_process} | {peaks} "
            f"| {last['requests']:,} | {raw} | {marts} |"
        )
    return "\n".join(rows)


def _loader_rate(run: dict) -> float:
    """Rows the loader wrote per CPU second of the loader's process."""
    cpu = run["cpu_by_process"].get("target-duckdb", 0.0)
    return run["records"].get("all", 0) / cpu if cpu else float("nan")


def loaders_table(results: dict) -> str:
    """The two loaders on the same data: rows per CPU second and peak memory."""
    rows = [
        "| loader | DuckDB | rows loaded | loader CPU s | rows per CPU s | peak MB | runs failed |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, label, duckdb in (
        ("pipeline: full", "**target-duckdb** (switchboard, this repo)", "1.5.6"),
        (JWILLS_RUN, "target-duckdb 0.8.0 (jwills)", "1.2.2"),
    ):
        runs = _runs(results, name)
        if not runs:
            continue
        good = [r for r in runs if r["returncode"] == 0]
        cpu = _median(r["cpu_by_process"].get("target-duckdb", 0.0) for r in good)
        peak = max((r["peak_rss_mb_by_process"].get("target-duckdb", 0) for r in good), default=0)
        rows.append(
            f"| {label} | {duckdb} | {good[-1]['records'].get('all', 0) if good else 0:,} "
            f"| {_n(cpu)} | {_n(_median(_loader_rate(r) for r in good), 0)} "
            f"| {_n(peak, 0)} "
            f"| {len(runs) - len(good)} of {len(runs)} |"
        )
    return "\n".join(rows)


def _all_succeeded(runs: list[dict]) -> str:
    """'' when every run exited 0, else why the goal cannot count as met."""
    failed = [r for r in runs if r["returncode"] != 0]
    if not runs:
        return "not run"
    if failed:
        return f"{len(failed)} of {len(runs)} runs failed (exit {failed[0]['returncode']})"
    return ""


def _against_baseline(results: dict, latency: int) -> str:
    """Today's tap against the baseline's, wall and CPU, per round then the median."""
    theirs = {r["round"]: r for r in _runs(results, "baseline", latency)}
    pairs = [(r, theirs[r["round"]]) for r in _runs(results, "tap-twilio", latency)
             if r["round"] in theirs]  # fmt: skip
    wall = _median(ours["wall_seconds"] / base["wall_seconds"] for ours, base in pairs)
    cpu = _median(ours["cpu_seconds"] / base["cpu_seconds"] for ours, base in pairs)
    failed = [r for pair in pairs for r in pair if r["returncode"] != 0]
    verdict = "met" if not failed and max(wall, cpu) <= BASELINE_TOLERANCE else "NOT met"
    why = "; a run failed" if failed else ""
    return (
        f"{verdict}: at {latency} ms, tap-twilio took {wall:.2f}× the wall time and "
        f"{cpu:.2f}× the CPU of tap-twilio at `{results['baseline']}` "
        f"(goal ≤ {BASELINE_TOLERANCE:.2f}×){why}"
    )


def goals(results: dict) -> list[str]:
    """Each goal of the issue, met or not, with the figure that decides it."""
    out = []
    latencies = sorted({r["latency_ms"] for r in results["runs"] if r["name"] == "tap-twilio"})
    for latency in latencies:
        for peer, times in GOALS.items():
            if _runs(results, peer, latency):
                ratio = _ratio(results, peer, latency)
                verdict = "met" if ratio >= times else "NOT met"
                line = (
                    f"{verdict}: at {latency} ms, {ratio:.1f}× faster than {NAMES[peer]} "
                    f"(goal {times:.0f}×)"
                )
                theirs = _runs(results, peer, latency)[-1]
                written, truth = sum(theirs["distinct"].values()), sum(results["truth"].values())
                if written != truth:
                    line += f"; it wrote only {written:,} of the {truth:,} distinct records"
                out.append(line)
    for latency in latencies:
        if latency and _runs(results, "ceiling", latency):
            ratio = _ratio(results, "ceiling", latency)
            verdict = "met" if ratio > 1 else "NOT met"
            out.append(
                f"{verdict}: at {latency} ms, {ratio:.2f}× faster than the bare sequential loop"
            )
    for latency in latencies:
        if _runs(results, "baseline", latency):
            out.append(_against_baseline(results, latency))
    ours = _runs(results, "tap-twilio")
    if ours:
        per_record = _median(
            r["cpu_seconds"] / max(sum(r["records"].values()), 1) * 1e6 for r in ours
        )
        verdict = "met" if per_record < 100 else "NOT met"
        out.append(f"{verdict}: {per_record:.0f} µs of tap CPU per record (goal < 100)")
        exact = all(truth_check(r["records"], r["distinct"], results["truth"]) == "= truth"
                    for r in ours)  # fmt: skip
        out.append(f"{'met' if exact else 'NOT met'}: every tap-twilio run wrote exactly the truth")
        peak = max(r["peak_rss_mb"] for r in ours)
        out.append(f"{'met' if peak < 300 else 'NOT met'}: tap peak memory {peak:.0f} MB (< 300)")
    full = _runs(results, "pipeline: full")
    if full:
        failed = _all_succeeded(full)
        wall = _median(r["wall_seconds"] for r in full)
        exact = all(r["reconciled"] for r in full)
        verdict = "met" if not failed and exact and wall <= PIPELINE_GOAL_SECONDS else "NOT met"
        messages = max(r["records"].get("messages", 0) for r in full)
        why = f"; {failed}" if failed else ("" if exact else "; the marts differ from the truth")
        out.append(
            f"{verdict}: {messages:,} messages from the API to reconciled marts in {wall:.0f} s "
            f"at 0 ms (goal ≤ {PIPELINE_GOAL_SECONDS} s){why}"
        )
        tap_peak = max(r["peak_rss_mb_by_process"].get("tap-twilio", 0) for r in full)
        out.append(
            f"{'met' if tap_peak < 300 and not failed else 'NOT met'}: tap peak memory in the "
            f"pipeline {tap_peak:.0f} MB (< 300)"
        )
    noop = _runs(results, "pipeline: no-op")
    if noop:
        failed = _all_succeeded(noop)
        wall = _median(r["wall_seconds"] for r in noop)
        verdict = "met" if not failed and wall <= NOOP_GOAL_SECONDS else "NOT met"
        out.append(
            f"{verdict}: incremental no-op run in {wall:.1f} s end to end, "
            f"{noop[-1]['requests']:,} requests (goal ≤ {NOOP_GOAL_SECONDS} s)"
            + (f"; {failed}" if failed else "")
        )
    daily = _runs(results, NOOP_DAILY_SWEEP_RUN)
    if daily:
        failed = _all_succeeded(daily)
        wall = _median(r["wall_seconds"] for r in daily)
        out.append(
            f"(for comparison) the no-op run with `undated_sweep_days: 1`, after a sweep "
            f"the same day: {wall:.1f} s end to end, {daily[-1]['requests']:,} requests"
            + (f"; {failed}" if failed else "")
        )
    ours_runs = full + noop + daily
    if ours_runs:
        failed = _all_succeeded(ours_runs)
        peak = max(r["peak_rss_mb_by_process"].get("target-duckdb", 0) for r in ours_runs)
        verdict = "met" if not failed and peak <= LOADER_PEAK_MB else "NOT met"
        out.append(
            f"{verdict}: loader peak memory {peak:.0f} MB (goal ≤ {LOADER_PEAK_MB})"
            + (f"; {failed}" if failed else "")
        )
    theirs = _runs(results, JWILLS_RUN)
    if full and theirs:
        failed = _all_succeeded(full + theirs)
        rounds = {r["round"]: r for r in theirs if r["returncode"] == 0}
        ratios = [
            _loader_rate(r) / _loader_rate(rounds[r["round"]])
            for r in full
            if r["returncode"] == 0 and r["round"] in rounds
        ]
        ratio = _median(ratios)
        verdict = "met" if not failed and ratio >= LOADER_GOAL_RATIO else "NOT met"
        out.append(
            f"{verdict}: the loader writes {ratio:.1f}× the rows per CPU second of "
            f"target-duckdb 0.8.0 on the same data (goal ≥ {LOADER_GOAL_RATIO:.0f}×)"
            + (f"; {failed}" if failed else "")
        )
    return out


def tables(results: dict) -> str:
    parts = []
    for latency in sorted({r["latency_ms"] for r in results["runs"] if r["name"] in NAMES}):
        parts.append(f"#### {latency} ms per request\n\n{extraction_table(results, latency)}")
    if any(r["name"] in PIPELINE_RUNS for r in results["runs"]):
        parts.append(f"#### The pipeline, 0 ms per request\n\n{pipeline_table(results)}")
    if _runs(results, JWILLS_RUN):
        parts.append(f"#### The loaders on the same data\n\n{loaders_table(results)}")
    parts.append("#### Goals\n\n" + "\n".join(f"- {g}" for g in goals(results)))
    return "\n\n".join(parts)


SECTION_INTRO = """## Extraction

<!-- the ### subsections are written by bench/extraction (make bench), one per dataset
size and latencies: a run replaces its own subsection; text outside them is kept -->

`make bench` starts the emulator with one dataset (1 main account and 2 subaccounts),
then, for each round and latency (added by the emulator to every request), runs one
after another against the same data: a bare sequential `requests` + `json` loop over
every page of 1,000 (the ceiling: no windows, no state, no output), tap-twilio, Airbyte
`source-twilio` 0.16.0 and singer-io `tap-twilio` 0.2.2 (each in its own virtualenv,
pointed at the emulator without editing its code), each reading `messages` and `calls`
of every account from the first day, output to a file counted after the clock stops.
Then `meltano run tap-twilio target-duckdb dbt-duckdb:build` on a fresh warehouse,
reconciled with the truth, the same command again with no new data, and
`meltano run tap-twilio target-duckdb--jwills` (target-duckdb 0.8.0, DuckDB 1.2.2) on
the same data into its own file: the two loaders' CPU and peak memory side by side. A
run that fails counts as a goal not met, whatever its time. Wall times and
CPU are medians over the rounds (each round listed in brackets); "× tap-twilio's time"
is taken within each round, then the median. CPU counts the extractor's process tree
only (not the emulator's).
"""


def subsection_title(results: dict) -> str:
    """One title per dataset size and latencies: a later run of the same replaces it."""
    size = results["size"]
    latencies = sorted({r["latency_ms"] for r in results["runs"] if r["name"] in NAMES})
    return (
        f"### {size['days']} days, ~{size['messages']:,} messages, ~{size['calls']:,} calls; "
        f"{', '.join(str(x) for x in latencies)} ms per request"
    )


def write_docs(path: Path, results: dict, tables: str) -> None:
    """Write this run's subsection of '## Extraction' in ``path`` (the section made if absent)."""
    machine = results["machine"]
    load = ", ".join(f"{x:.1f}" for x in machine["load_average"])
    title = subsection_title(results)
    subsection = (
        f"{title}\n\n"
        f"Reproduce: `{results['command']}` ({results['seconds'] / 60:.1f} min for this run). "
        f"Run {results['started']}: {results['truth']['messages']:,} messages and "
        f"{results['truth']['calls']:,} calls in 3 accounts; {machine['cpus']} CPUs, "
        f"Python {machine['python']}, load average at the end {load}. "
        f"Results: `bench/results/extraction-{results['started']}.json`.\n\n"
        f"{tables}\n"
    )
    text = path.read_text()
    section = re.search(r"^## Extraction\n.*?(?=^## |\Z)", text, flags=re.M | re.S)
    if not section:
        first = re.search(r"^## ", text, flags=re.M)
        at = first.start() if first else len(text)
        text = text[:at] + SECTION_INTRO + "\n" + text[at:]
        section = re.search(r"^## Extraction\n.*?(?=^## |\Z)", text, flags=re.M | re.S)
    assert section is not None
    body = section.group(0)
    own = re.search(rf"^{re.escape(title)}\n.*?(?=^### |^## |\Z)", body, flags=re.M | re.S)
    if own:
        body = body[: own.start()] + subsection + "\n" + body[own.end() :]
    else:
        body = body.rstrip("\n") + "\n\n" + subsection + "\n"
    text = text[: section.start()] + body + text[section.end() :]
    path.write_text(text.rstrip("\n") + "\n")
