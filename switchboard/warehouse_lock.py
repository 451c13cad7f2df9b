"""One writer at a time: the lock the live path and the scheduled jobs share.

DuckDB lets one process open the warehouse for writing and fails any other at once,
so two runs that interleave their steps (a live run's loader between a scheduled
job's tap and its dbt build) fail each other. Every run therefore holds this lock
from its first step to its last:

- **DuckDB**: ``flock`` on ``<warehouse>.lock`` beside the file, taken through a
  turnstile (``<warehouse>.lock.queue``): whoever waits holds the turnstile, so the
  live path, which asks again after every run, cannot overtake a scheduled job that
  is already waiting. First come, first served.
- **PostgreSQL**: ``pg_advisory_lock`` in the warehouse database, on a session kept
  open for the run (PostgreSQL queues the waiters in order).

Every wait is bounded; past it, ``WarehouseBusy`` says in one line who holds the
warehouse, since when, and which setting bounds the wait. The kernel (or PostgreSQL)
releases the lock when its holder exits, however it exits.

A Meltano job holds it through its first task (``dbt-duckdb:lock``, which runs this
file as a script with only the standard library): the task starts a holder process
that waits for the lock, reports, and keeps it until the job's process ends
(``SWITCHBOARD_LOCK_OWNER``, else the ``meltano`` process that ran the task). The live
path (``switchboard.live``) takes it in-process for each run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import select
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

WAIT_ENV = "SWITCHBOARD_LOCK_WAIT_SECONDS"  # how long a scheduled job waits
DEFAULT_WAIT = 600.0
OWNER_ENV = "SWITCHBOARD_LOCK_OWNER"  # the process a job's lock is held for
WHAT_ENV = "SWITCHBOARD_LOCK_WHAT"  # how the holder is named to those who wait
POLL_SECONDS = 0.05
PG_LOCK_KEY = 0x5357_4257  # "SWBW": the warehouse writer's advisory lock
EX_TEMPFAIL = 75  # sysexits: try again later


class WarehouseBusy(RuntimeError):
    """The lock was not free within the wait; the message is one line."""


@dataclass(frozen=True)
class Holder:
    what: str  # e.g. "meltano run twilio-elt (pid 1234)"
    since: float  # epoch seconds

    def describe(self, now: float) -> str:
        return f"{self.what} for {now - self.since:.0f} s"


class Lock(Protocol):
    name: str

    def acquire(self, wait: float, what: str) -> None:
        """Hold the lock, or raise ``WarehouseBusy`` after ``wait`` seconds."""
        ...

    def release(self) -> None: ...


def _busy(lock: Lock, holder: Holder | None, waited: float, setting: str) -> WarehouseBusy:
    who = holder.describe(time.time()) if holder else "another run"
    return WarehouseBusy(
        f"warehouse busy: {lock.name} has been held by {who}; gave up after waiting "
        f"{waited:.0f} s ({setting})"
    )


class FileLock:
    """``flock`` on a file beside the DuckDB warehouse, taken through a turnstile."""

    def __init__(self, warehouse: str | Path, *, setting: str = WAIT_ENV) -> None:
        path = Path(os.path.realpath(warehouse))
        self.name = str(path)
        self.path = path.with_name(path.name + ".lock")
        self.queue = path.with_name(path.name + ".lock.queue")
        self.setting = setting
        self._fd: int | None = None

    def _open(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def holder(self) -> Holder | None:
        try:
            data = json.loads(self.path.read_text() or "null")
            return Holder(str(data["what"]), float(data["since"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def acquire(self, wait: float, what: str) -> None:
        started = time.monotonic()
        deadline = started + wait
        queue = self._open(self.queue)
        try:
            if not _poll_flock(queue, deadline):
                raise _busy(self, self.holder(), time.monotonic() - started, self.setting)
            fd = self._open(self.path)
            if not _poll_flock(fd, deadline):
                os.close(fd)
                raise _busy(self, self.holder(), time.monotonic() - started, self.setting)
        finally:
            os.close(queue)  # through the turnstile (or gave up): the next may queue
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"what": what, "since": time.time()}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def _poll_flock(fd: int, deadline: float) -> bool:
    """Non-blocking attempts until ``deadline``: a blocking flock cannot time out."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def _pg_connect(params: Mapping[str, Any], what: str) -> Any:
    """psycopg 3 (the project's venv) or psycopg2 (dbt-postgres's), autocommit."""
    settings = {k: v for k, v in params.items() if v not in (None, "")}
    name = f"switchboard: {what}"[:63]
    try:
        import psycopg  # noqa: PLC0415 (only for a PostgreSQL warehouse)

        return psycopg.connect(**settings, autocommit=True, application_name=name)
    except ImportError:
        import psycopg2  # type: ignore[import-untyped]  # noqa: PLC0415

        conn = psycopg2.connect(**settings, application_name=name)
        conn.autocommit = True
        return conn


class PostgresLock:
    """``pg_advisory_lock`` on a session of its own, held until released or closed."""

    def __init__(self, params: Mapping[str, Any], *, setting: str = WAIT_ENV) -> None:
        self.params = dict(params)
        self.name = f"PostgreSQL database {params.get('dbname')} on {params.get('host')}"
        self.setting = setting
        self._conn: Any = None

    def holder(self, conn: Any) -> Holder | None:
        cursor = conn.cursor()
        cursor.execute(
            "select a.application_name, extract(epoch from a.backend_start) "
            "from pg_locks as l join pg_stat_activity as a on a.pid = l.pid "
            "where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = %s",
            (PG_LOCK_KEY,),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        what = str(row[0] or "a session").removeprefix("switchboard: ")
        return Holder(what, float(row[1]))

    def acquire(self, wait: float, what: str) -> None:
        started = time.monotonic()
        conn = _pg_connect(self.params, what)
        cursor = conn.cursor()
        cursor.execute(f"set lock_timeout = {max(1, int(wait * 1000))}")
        try:
            cursor.execute("select pg_advisory_lock(%s)", (PG_LOCK_KEY,))
        except Exception as exc:
            # 55P03 lock_not_available: psycopg 3 calls it sqlstate, psycopg2 pgcode
            if (getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)) != "55P03":
                conn.close()
                raise
            holder = self.holder(conn)
            conn.close()
            raise _busy(self, holder, time.monotonic() - started, self.setting) from None
        cursor.execute("set lock_timeout = 0")
        self._conn = conn

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()  # the session ends: PostgreSQL releases its locks
            self._conn = None


@contextlib.contextmanager
def holding(lock: Lock, *, wait: float, what: str) -> Iterator[None]:
    lock.acquire(wait, what)
    try:
        yield
    finally:
        lock.release()


def lock_from_env(env: Mapping[str, str], *, setting: str = WAIT_ENV) -> Lock | None:
    """The warehouse a dbt plugin's environment names: DuckDB's file or PostgreSQL's
    database; None for a warehouse with no file to lock (``:memory:``, MotherDuck).
    ``setting`` is what the one-line error names as the wait's bound."""
    if env.get("DBT_POSTGRES_HOST"):
        return PostgresLock(
            {
                "host": env["DBT_POSTGRES_HOST"],
                "port": env.get("DBT_POSTGRES_PORT"),
                "user": env.get("DBT_POSTGRES_USER"),
                "password": env.get("DBT_POSTGRES_PASSWORD"),
                "dbname": env.get("DBT_POSTGRES_DATABASE"),
            },
            setting=setting,
        )
    path = env.get("DBT_DUCKDB_PATH", "")
    if not path or path == ":memory:" or path.startswith("md:"):
        return None
    return FileLock(path, setting=setting)


def wait_seconds(env: Mapping[str, str]) -> float:
    return float(env.get(WAIT_ENV) or DEFAULT_WAIT)


def wait_for_exit(pid: int) -> None:
    """Return once process ``pid`` has ended (pidfd where there is one, else polling)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        try:
            select.select([fd], [], [])
        finally:
            os.close(fd)
        return
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        time.sleep(0.2)


def hold_for_owner(lock: Lock, *, wait: float, what: str, owner: int) -> tuple[int, str]:
    """Fork a holder that takes the lock and keeps it until ``owner`` exits; (exit code,
    one line) once it holds it or gave up. The holder leaves the caller's output and
    session, so the task that started it ends while the lock stays held."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:  # the holder
        os.close(read_end)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        try:
            lock.acquire(wait, what)
            report = "ok"
        except WarehouseBusy as exc:
            report = f"busy {exc}"
        except Exception as exc:  # report anything rather than hang the job
            report = f"error {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        os.write(write_end, report.encode())
        os.close(write_end)
        if report == "ok":
            wait_for_exit(owner)
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 4096):
        chunks.append(chunk)
    os.close(read_end)
    report = b"".join(chunks).decode() or "error the lock holder died"
    kind, _, detail = report.partition(" ")
    if kind == "ok":
        return 0, f"holding {lock.name} for {what} until it ends"
    return (EX_TEMPFAIL if kind == "busy" else 1), detail


def _command_of(pid: int) -> str:
    """``meltano run twilio-elt`` from the owner's command line, to name the holder."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "a meltano run"
    names = [Path(arg).name for arg in argv]
    start = names.index("meltano") if "meltano" in names else 0  # python .../bin/meltano
    words = [names[start]] + [a for a in argv[start + 1 :] if a and not a.startswith("-")]
    return " ".join(words)[:60]


def main(argv: list[str] | None = None) -> int:
    """``hold``: the first task of a job (``dbt-duckdb:lock``, ``dbt-postgres:lock``)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["hold"]:
        print("usage: warehouse_lock.py hold", file=sys.stderr)
        return 2
    lock = lock_from_env(os.environ)
    if lock is None:
        print("warehouse-lock: no warehouse file to lock; nothing held", flush=True)
        return 0
    owner = int(os.environ.get(OWNER_ENV) or os.getppid())
    what = f"{os.environ.get(WHAT_ENV) or _command_of(owner)} (pid {owner})"
    try:
        code, line = hold_for_owner(lock, wait=wait_seconds(os.environ), what=what, owner=owner)
    except ValueError as exc:
        print(f"warehouse-lock: {exc}", file=sys.stderr)
        return 2
    print(f"warehouse-lock: {line}", file=sys.stderr if code else sys.stdout, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
