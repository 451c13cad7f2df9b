"""The warehouse lock: bounded waits, one-line errors, a turnstile, and a job's holder.

Processes, not threads: ``flock`` and PostgreSQL sessions are per process, as the
live path and the scheduled jobs are. A few seconds in all (plus a PostgreSQL start).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard import warehouse_lock
from switchboard.pgserver import PostgresServer, find_bin_dir, temporary_postgres
from switchboard.warehouse_lock import FileLock, PostgresLock, WarehouseBusy, holding

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "switchboard" / "warehouse_lock.py"
CONTEXT = multiprocessing.get_context("fork")


def _hold(lock: FileLock | PostgresLock, seconds: float, what: str, ready) -> None:
    with holding(lock, wait=5, what=what):
        ready.set()
        time.sleep(seconds)


def hold_in_child(lock: FileLock | PostgresLock, seconds: float, what: str = "a test holder"):
    ready = CONTEXT.Event()
    child = CONTEXT.Process(target=_hold, args=(lock, seconds, what, ready))
    child.start()
    assert ready.wait(10)
    return child


def test_a_second_writer_waits_then_gets_the_lock(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "warehouse.duckdb")
    child = hold_in_child(lock, 0.5)
    started = time.monotonic()
    with holding(FileLock(tmp_path / "warehouse.duckdb"), wait=10, what="second"):
        waited = time.monotonic() - started
    child.join()
    assert waited > 0.2  # it waited for the holder rather than failing


def test_past_the_wait_one_line_names_the_holder_and_the_setting(tmp_path: Path) -> None:
    child = hold_in_child(FileLock(tmp_path / "w.duckdb"), 3, "meltano run twilio-elt (pid 42)")
    with pytest.raises(WarehouseBusy) as raised:
        FileLock(tmp_path / "w.duckdb").acquire(0.3, "the live path")
    child.terminate()
    child.join()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"warehouse busy: {tmp_path / 'w.duckdb'} has been held by ")
    assert "meltano run twilio-elt (pid 42) for 0 s" in message
    assert message.endswith("gave up after waiting 0 s (SWITCHBOARD_LOCK_WAIT_SECONDS)")


def test_a_killed_holder_frees_the_warehouse(tmp_path: Path) -> None:
    child = hold_in_child(FileLock(tmp_path / "w.duckdb"), 60)
    child.kill()
    child.join()
    with holding(FileLock(tmp_path / "w.duckdb"), wait=2, what="next"):
        pass


def _live_loop(path: Path, until: float, runs) -> None:
    """The live path at full speed: take the lock again as soon as it is released."""
    lock = FileLock(path)
    while time.monotonic() < until:
        with holding(lock, wait=30, what="live"):
            time.sleep(0.2)
        runs.value += 1


def test_the_turnstile_lets_a_waiting_job_in_before_the_next_live_run(tmp_path: Path) -> None:
    runs = CONTEXT.Value("i", 0)
    loop = CONTEXT.Process(
        target=_live_loop, args=(tmp_path / "w.duckdb", time.monotonic() + 4, runs)
    )
    loop.start()
    while runs.value < 2:
        time.sleep(0.05)
    before = runs.value
    with holding(FileLock(tmp_path / "w.duckdb"), wait=30, what="scheduled job"):
        overtaken = runs.value - before
    loop.join()
    # At most the live run in progress when the job arrived finishes first.
    assert overtaken <= 1, f"{overtaken} live runs went ahead of the waiting job"


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def hold_command(env: dict[str, str], python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, str(SCRIPT), "hold"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_job_task_holds_the_lock_until_its_owner_ends(
    tmp_path: Path, sleeper: subprocess.Popen
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        "DBT_DUCKDB_PATH": str(warehouse),
        "SWITCHBOARD_LOCK_OWNER": str(sleeper.pid),
        "SWITCHBOARD_LOCK_WHAT": "twilio-elt (dev)",
    }
    first = hold_command(env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        f"warehouse-lock: holding {warehouse} for twilio-elt (dev) (pid {sleeper.pid}) "
        "until it ends\n"
    )
    # The task has ended; its holder keeps the warehouse for the owner.
    second = hold_command({**env, "SWITCHBOARD_LOCK_WAIT_SECONDS": "0.3"})
    assert second.returncode == warehouse_lock.EX_TEMPFAIL
    assert second.stderr.count("\n") == 1
    assert f"held by twilio-elt (dev) (pid {sleeper.pid}) for 0 s" in second.stderr
    sleeper.kill()
    sleeper.wait()
    with holding(FileLock(warehouse), wait=5, what="after the job"):
        pass


def test_without_an_owner_the_task_holds_for_the_process_that_ran_it(tmp_path: Path) -> None:
    """As under ``meltano run``: the parent (here a shell standing in for meltano)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shell = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" "{SCRIPT}" hold && sleep 1'],
        env={**os.environ, "DBT_DUCKDB_PATH": str(warehouse)},
        stdout=subprocess.PIPE,
        text=True,
    )
    line = shell.stdout.readline() if shell.stdout else ""
    assert line.startswith(f"warehouse-lock: holding {warehouse} for sh ")
    with pytest.raises(WarehouseBusy):
        FileLock(warehouse).acquire(0.2, "test")
    shell.wait(10)
    with holding(FileLock(warehouse), wait=5, what="after the run"):
        pass


def test_nothing_to_lock_for_an_in_memory_or_motherduck_warehouse() -> None:
    assert warehouse_lock.lock_from_env({"DBT_DUCKDB_PATH": ":memory:"}) is None
    assert warehouse_lock.lock_from_env({"DBT_DUCKDB_PATH": "md:analytics"}) is None
    assert hold_command({"DBT_DUCKDB_PATH": ":memory:"}).returncode == 0


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    with temporary_postgres() as server:
        yield server


def pg_env(server: PostgresServer) -> dict[str, str]:
    return {
        "DBT_POSTGRES_HOST": server.host,
        "DBT_POSTGRES_PORT": str(server.port),
        "DBT_POSTGRES_USER": server.user,
        "DBT_POSTGRES_DATABASE": server.database,
    }


def test_postgres_advisory_lock_waits_and_names_its_holder(postgres: PostgresServer) -> None:
    lock = warehouse_lock.lock_from_env(pg_env(postgres))
    assert isinstance(lock, PostgresLock)
    child = hold_in_child(lock, 3, "twilio-elt-postgres (prod) (pid 7)")
    with pytest.raises(WarehouseBusy) as raised:
        warehouse_lock.lock_from_env(pg_env(postgres)).acquire(0.3, "live")  # type: ignore[union-attr]
    assert "held by twilio-elt-postgres (prod) (pid 7) for " in str(raised.value)
    child.join()  # released when its session ends
    with holding(lock, wait=2, what="next"):
        pass


DBT_POSTGRES_PYTHON = ROOT / ".meltano/utilities/dbt-postgres/venv/bin/python"


@pytest.mark.skipif(not DBT_POSTGRES_PYTHON.exists(), reason="dbt-postgres is not installed")
def test_the_job_task_holds_postgres_with_dbt_postgres_psycopg2(
    postgres: PostgresServer, sleeper: subprocess.Popen
) -> None:
    env = {**pg_env(postgres), "SWITCHBOARD_LOCK_OWNER": str(sleeper.pid)}
    result = hold_command(env, python=str(DBT_POSTGRES_PYTHON))
    assert result.returncode == 0, result.stderr
    with pytest.raises(WarehouseBusy):
        warehouse_lock.lock_from_env(env).acquire(0.3, "live")  # type: ignore[union-attr]
    sleeper.kill()
    sleeper.wait()
    deadline = time.monotonic() + 5
    lock = warehouse_lock.lock_from_env(env)
    assert lock is not None
    with holding(lock, wait=deadline - time.monotonic(), what="after"):
        pass
