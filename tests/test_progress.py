"""What a person sees of a Meltano run in ``make demo`` (switchboard/progress.py).

Meltano's lines, ANSI escapes and all, are fed to ``follow``: every line must reach the
log file unchanged; the person sees a few progress lines (the step's stream and records
so far, dbt's nodes done) with no escape, and at the end the tap's and dbt's summary
lines. The clock is a fake one that moves a fixed step per line, so nothing depends on
how fast the machine is.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from switchboard import progress

ESC = "\x1b"
RUN = [
    "2026-11-20T12:00:00Z [info     ] meltano      Running extract & load...\n",
    "2026-11-20T12:00:01Z [info     ] tap-twilio   Beginning sync of 'accounts'...\n",
    "2026-11-20T12:00:02Z [info     ] tap-twilio   metric_name=record_count metric_value=3\n",
    "2026-11-20T12:00:03Z [info     ] tap-twilio   Beginning sync of 'messages'...\n",
    *[
        f"2026-11-20T12:00:{4 + i:02d}Z [info     ] tap-twilio   "
        "metric_name=record_count metric_value=1000\n"
        for i in range(5)
    ],
    "2026-11-20T12:00:10Z [info     ] tap-twilio   Records per stream: accounts=3, messages=5000\n",
    "2026-11-20T12:00:11Z [info     ] target-duckdb Loaded 5003 rows\n",
    f"2026-11-20T12:00:12Z [info     ] dbt-duckdb   {ESC}[32m12:00:12  1 of 3 OK created "
    f"sql view model staging.stg_twilio__messages{ESC}[0m\n",
    "2026-11-20T12:00:13Z [info     ] dbt-duckdb   12:00:13  2 of 3 OK created sql table\n",
    "2026-11-20T12:00:14Z [info     ] dbt-duckdb   12:00:14  3 of 3 PASS not_null_x\n",
    f"2026-11-20T12:00:15Z [info     ] dbt-duckdb   {ESC}[32m12:00:15  Done. PASS=3 WARN=0 "
    f"ERROR=0 SKIP=0 TOTAL=3{ESC}[0m\n",
    "2026-11-20T12:00:16Z [error    ] meltano      Run invocation could not be completed\n",
]


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each reading of the clock is 4 s after the previous one."""
    ticks: Iterator[int] = itertools.count(0, 4)
    clock = SimpleNamespace(monotonic=lambda: float(next(ticks)))
    monkeypatch.setattr(progress, "time", clock)  # this module's clock only


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_every_line_is_logged_and_the_state_read(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    state = progress.follow(RUN, log, out=io.StringIO())
    assert log.read_text() == "".join(RUN)
    assert state.records == 5003
    assert state.stream == "messages"
    assert (state.dbt_done, state.dbt_total) == (3, 3)
    assert state.kept == [
        "tap-twilio: Records per stream: accounts=3, messages=5000",
        "dbt-duckdb: Done. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3",
    ]
    assert state.errors == ["Run invocation could not be completed"]


def test_off_a_terminal_a_few_plain_lines(tmp_path: Path) -> None:
    out = io.StringIO()
    progress.follow(RUN, tmp_path / "run.log", out=out)
    shown = out.getvalue().splitlines()
    assert ESC not in out.getvalue()
    assert "\r" not in out.getvalue()
    # A line at most every QUIET_SECONDS of the fake clock (4 s a line): far fewer than
    # Meltano's, each saying where the run is.
    assert 2 <= len(shown) <= len(RUN) * 4 // progress.QUIET_SECONDS + 1
    assert all(line.startswith("  ... ") for line in shown)
    assert any("extracting and loading:" in line and "records" in line for line in shown)
    assert any(line.startswith("  ... dbt: ") and "/3 nodes" in line for line in shown)


def test_at_a_terminal_one_line_rewritten_in_place(tmp_path: Path) -> None:
    out = Terminal()
    progress.follow(RUN, tmp_path / "run.log", out=out)
    text = out.getvalue()
    assert ESC not in text
    assert "\n" not in text
    assert "extracting and loading: 5,003 records, reading messages" in text
    assert "dbt: 3/3 nodes" in text
    assert text.endswith("\r")  # the status line is cleared at the end
