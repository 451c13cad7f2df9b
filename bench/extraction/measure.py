"""Run one command and measure it: wall time, CPU, peak memory, per process of its tree.

CPU comes from ``wait4`` (the child and every descendant it waited for). A
sampler thread also walks ``/proc`` every ``SAMPLE_SECONDS`` for the whole
process tree, so a pipeline's time can be split between Meltano, the tap, the
loader and dbt (by executable name): CPU seconds and peak memory per name, as
last seen before each process exited. Peak memory is each process's ``VmHWM``
(its high-water mark since ``exec``), not ``wait4``'s ``ru_maxrss``: on Linux a
forked child's maxrss starts at its parent's size, here the harness's own.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float  # the largest single process of the tree (its VmHWM)
    # Per executable name (tap-twilio, target-duckdb, dbt, meltano, ...): CPU and peak RSS.
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    peak_rss_mb_by_process: dict[str, float] = field(default_factory=dict)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one live process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children[parent].append(int(entry.name))
    return children


def _name(pid: int) -> str:
    """A process's role: the script or executable it runs, without its directory."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    args = [a.decode(errors="replace") for a in argv if a]
    if not args:
        return "?"
    program = Path(args[0]).name
    if not program.startswith("python"):
        return program
    rest = args[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-m":  # -B, -u, ...
        rest = rest[1:]
    if rest[:1] == ["-m"] and len(rest) > 1:
        return rest[1]
    return Path(rest[0]).name if rest else program


def _high_water_mb(pid: int) -> float:
    """A process's peak resident memory so far (``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Sampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.stop = threading.Event()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.peak: dict[str, float] = defaultdict(float)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            self.sample()

    def sample(self) -> None:
        children = _children_map()
        todo, tree = [self.root], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        for pid in tree:
            try:
                name = self.cpu[pid][0] if pid in self.cpu else _name(pid)
                cpu = process_cpu_seconds(pid)
                rss = _high_water_mb(pid)
            except (OSError, IndexError, ValueError):
                continue
            self.cpu[pid] = (name, cpu)
            if rss:  # a zombie has no VmHWM: never count it as a 0 MB peak
                self.peak[name] = max(self.peak[name], rss)


def run(
    args: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    timeout: float | None = None,
    append: bool = False,
) -> Measured:
    """Run ``args`` to completion (killed after ``timeout``) and measure it."""
    mode = "ab" if append else "wb"
    out = open(stdout, mode) if stdout else subprocess.DEVNULL  # noqa: SIM115
    if stderr is not None and stderr == stdout:
        err = out  # one file for both: one handle, so neither overwrites the other
    else:
        err = open(stderr, mode) if stderr else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = _Sampler(process.pid)
        sampler.start()
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
            time.sleep(0.05)
        wall = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for handle in {id(out): out, id(err): err}.values():
            if handle is not subprocess.DEVNULL:
                handle.close()
    by_name: dict[str, float] = defaultdict(float)
    for name, cpu in sampler.cpu.values():
        by_name[name] += cpu
    return Measured(
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=max(sampler.peak.values(), default=usage.ru_maxrss / 1024),
        cpu_by_process=dict(by_name),
        peak_rss_mb_by_process=dict(sampler.peak),
    )
