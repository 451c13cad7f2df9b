"""The ``target-duckdb`` command as a process: SIGKILL mid-load then resume, a held lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from tests.helpers import SCHEMA, lines, process, record, rows, schema, state

PROPS = {"id": {"type": "integer"}, "seen": {"type": "integer"}, "pad": {"type": "string"}}
KEYS = 3000
TOTAL = 60_000
PAD = "x" * 300


def message(n: int) -> dict:
    """The n-th record: keys repeat, so a later record updates an earlier one's row."""
    return record("m", {"id": n % KEYS, "seen": n, "pad": PAD})


def stream(start: int) -> bytes:
    """The tap's output from record ``start`` on, a STATE after every 500 records."""
    messages: list[dict] = [schema("m", PROPS)]
    for n in range(start, TOTAL):
        messages.append(message(n))
        if (n + 1) % 500 == 0:
            messages.append(state({"next": n + 1}))
    return lines(messages)


def expected(upto: int) -> dict[int, int]:
    """Each key's last record among the first ``upto``."""
    return {n % KEYS: n for n in range(upto)}


def collect(target: subprocess.Popen, states: list[dict]) -> None:
    """The STATE messages the target writes, as it writes them."""
    assert target.stdout is not None
    states.extend(json.loads(line) for line in target.stdout)


def table(db: Path) -> dict[int, int]:
    found = rows(db, f"SELECT id, seen FROM {SCHEMA}.m")
    assert len(found) == len({key for key, _ in found}), "a key is doubled"
    return dict(found)


def test_sigkill_mid_load_keeps_committed_rows_and_resume_is_exact(tmp_path: Path) -> None:
    """Killed at any moment, the table holds whole batches; STATE only for those rows."""
    db = tmp_path / "w.duckdb"
    start = 0
    for attempt in range(3):
        target = process(db, tmp_path, batch_size_rows=4000, max_batch_age_seconds=0)
        states: list[dict] = []
        reader = threading.Thread(target=collect, args=(target, states), daemon=True)
        reader.start()
        data = stream(start)
        cut = len(data) * (attempt + 2) // 5  # part of the input, then the kill
        assert target.stdin is not None
        target.stdin.write(data[: data.index(b"\n", cut) + 1])
        target.stdin.flush()
        deadline = time.monotonic() + 60
        while not states and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05 * attempt)  # somewhere into the next load
        target.send_signal(signal.SIGKILL)
        target.wait(timeout=30)
        reader.join(timeout=10)
        assert states, target.stderr.read().decode() if target.stderr else ""

        # Every row the last STATE covers is there; nothing half-loaded, nothing doubled.
        resume_from = states[-1]["next"]
        loaded = table(db)
        last = max(loaded.values())
        assert last + 1 >= resume_from
        assert loaded == expected(last + 1)
        start = resume_from

    # The tap starts again from the last STATE the target passed on, and runs to the end.
    target = process(db, tmp_path, batch_size_rows=4000)
    out, err = target.communicate(stream(start), timeout=120)
    assert target.returncode == 0, err.decode()
    assert json.loads(out.splitlines()[-1]) == {"next": TOTAL}
    assert table(db) == expected(TOTAL)


def test_a_database_held_by_another_process_fails_at_once_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); "
         "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"open"
        target = process(db, tmp_path)
        started = time.monotonic()
        _, err = target.communicate(lines([schema("m", PROPS), message(1)]), timeout=60)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert target.returncode == 1
    message_lines = [x for x in err.decode().splitlines() if x.startswith("target-duckdb:")]
    assert len(message_lines) == 1, err.decode()
    assert f"{db} is open in another process (PID {holder.pid}" in message_lines[0]
    assert "DuckDB allows one writer" in message_lines[0]
    assert "Traceback" not in err.decode()
    assert took < 30  # never a wait for the lock


def test_the_cli_reads_stdin_and_writes_states(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"filepath": str(db), "default_target_schema": SCHEMA}))
    done = subprocess.run(
        [sys.executable, "-m", "switchboard_target_duckdb", "--config", str(config)],
        input=lines([schema("m", PROPS), message(1), state({"next": 2})]),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == {"next": 2}
    assert table(db) == {1: 1}
