"""What a person sees of a Meltano run: one line of progress, the full log in a file.

Meltano prints every plugin's log (thousands of lines: each dbt node, each
table created). ``follow`` writes all of it to a log file and shows instead the
step, the stream being read and the records so far, dbt's nodes done, and at the
end the tap's own summary lines. At a terminal the status line is rewritten in
place; elsewhere (CI, a pipe) a line is printed at most every ``QUIET_SECONDS``.
Nothing printed carries an ANSI escape.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
QUIET_SECONDS = 10.0
_PLUGIN = re.compile(r"^\S+ \[\w+\s*\] (?P<plugin>[\w-]+)\s+(?P<message>.*)$")
_BEGIN = re.compile(r"Beginning sync of '(?P<stream>\w+)'")
_RECORDS = re.compile(r"metric_name=record_count metric_value=(?P<n>\d+)")
_DBT_NODE = re.compile(r"\b(?P<done>\d+) of (?P<total>\d+) (?:OK|PASS|ERROR|FAIL|WARN|SKIP)\b")
# Lines worth keeping for the step's summary: the tap's, the loader's and dbt's last word.
_KEPT = ("Records per stream:", "HTTP summary:", "tap-twilio: ", "Done. PASS=",
         "dbt build skipped")  # fmt: skip


def plain(text: str) -> str:
    return ANSI.sub("", text)


@dataclass
class Progress:
    """The state of one Meltano run, read from its log lines."""

    plugin: str = ""
    stream: str = ""
    records: int = 0
    dbt_done: int = 0
    dbt_total: int = 0
    kept: list[str] = field(default_factory=list)  # lines worth showing at the end
    errors: list[str] = field(default_factory=list)

    def read(self, line: str) -> None:
        match = _PLUGIN.match(plain(line).strip())
        if match is None:
            return
        plugin, message = match["plugin"], match["message"].strip()
        if plugin == "meltano":
            if "[error" in line:
                self.errors.append(message)
            return
        self.plugin = plugin
        if begin := _BEGIN.search(message):
            self.stream = begin["stream"]
        elif records := _RECORDS.search(message):
            self.records += int(records["n"])
        elif node := _DBT_NODE.search(message):
            self.dbt_done, self.dbt_total = int(node["done"]), int(node["total"])
        for kept in _KEPT:
            if kept in message:  # dbt's lines start with its own clock: keep from the words
                start = message.find(kept) if kept == "Done. PASS=" else 0
                self.kept.append(f"{plugin}: {message[start:]}")
                break

    def status(self) -> str:
        if self.plugin.startswith("dbt") and self.dbt_total:
            return f"dbt: {self.dbt_done}/{self.dbt_total} nodes"
        if self.plugin.startswith(("tap-", "target-")):
            stream = f", reading {self.stream}" if self.stream else ""
            return f"extracting and loading: {self.records:,} records{stream}"
        return self.plugin


def follow(lines: Iterable[str], log_path: Path, out: TextIO = sys.stdout) -> Progress:
    """Log every line to ``log_path``; show the progress on ``out``; return the last state."""
    progress = Progress()
    live = out.isatty()
    last_shown, shown = 0.0, ""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        for line in lines:
            log.write(line)
            progress.read(line)
            status = progress.status()
            now = time.monotonic()
            if live and status != shown:
                out.write("\r  " + status[:100].ljust(100))
                out.flush()
                shown = status
            elif not live and status and status != shown and now - last_shown >= QUIET_SECONDS:
                out.write(f"  ... {status}\n")
                out.flush()
                last_shown, shown = now, status
    if live:
        out.write("\r" + " " * 104 + "\r")
    return progress
