"""Event-driven runs: webhook events reach the live marts in seconds, not at the next job.

``python -m switchboard.live --environment prod`` watches the receiver's store and,
as events arrive, runs the live path: ``tap-twilio-webhooks`` into the loader, then
``dbt build --select stg_twilio_webhooks__events+`` (only the models that depend on
webhook events), then the dashboard's snapshot; and checks the live alert rules
(``switchboard.live_alerts``). How:

- **Trigger**: this process polls the store's highest ``seq`` (a read on its own
  connection). The receiver is not changed: nothing is added to the path that
  commits an event and answers Twilio, so nothing here can slow or fail a 2xx.
- **Debounce**: a run starts once ``--after-events`` events wait, or the oldest has
  waited ``--after-seconds``, whichever comes first.
- **Single flight**: one run at a time; events that arrive during a run are folded
  into the next, which starts when this one ends if the debounce allows. Several
  runners (or the scheduled jobs) never overlap either: each run holds the
  warehouse lock (``switchboard.warehouse_lock``), waiting at most ``--lock-wait``.
- **Speed**: the plugins Meltano installed run directly with the configuration
  Meltano resolves for the environment (read once at start; secrets reach the
  children through their environment only), and dbt stays warm in a worker
  (``transform/scripts/dbt_worker.py``). The bookmark is the warehouse itself: the
  highest ``seq`` loaded, and the highest built (``fct_webhook_freshness``).

A run that fails is alerted like a failed job step and retried with a growing
pause; the events wait safely in the store.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from dotenv import dotenv_values

from switchboard import meltano
from switchboard.alerts import Alerter, alerter_from_env, redact
from switchboard.jobs import one_line_cause
from switchboard.live_alerts import Breach, LiveRules, breaches
from switchboard.warehouse_lock import Lock, WarehouseBusy, holding, lock_from_env
from twilio_webhooks.store import Backend, open_backend, sqlite_path

ROOT = Path(__file__).resolve().parent.parent
SELECT = "stg_twilio_webhooks__events+"  # the webhook staging model and its descendants
TAP = "tap-twilio-webhooks"
STREAM = "webhook_events"
FRESHNESS = "fct_webhook_freshness"
PLUGIN_DIRS = {"extractors": "extractors", "loaders": "loaders", "utilities": "utilities"}
RETRY_SECONDS = (5, 15, 30, 60, 120, 300)  # pause after 1, 2, ... failures in a row


class LiveError(RuntimeError):
    """A step of the live path failed; ``step`` names it, the message is one line."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


# --- configuration, resolved once through Meltano ----------------------------------


@dataclass(frozen=True)
class Plugin:
    name: str
    executable: Path  # in the plugin's virtualenv, as `meltano install` made it
    env: Mapping[str, str] = field(repr=False)  # its settings, as Meltano passes them

    @property
    def python(self) -> Path:
        return self.executable.with_name("python")


@dataclass(frozen=True)
class LivePlan:
    environment: str
    tap: Plugin
    loader: Plugin
    dbt: Plugin
    snapshot: Plugin | None  # DuckDB only: the dashboard reads a snapshot
    base_env: Mapping[str, str] = field(repr=False)
    select: str = SELECT

    @property
    def store_url(self) -> str:
        return self.tap.env.get("TAP_TWILIO_WEBHOOKS_STORE_URL", "")

    @property
    def is_duckdb(self) -> bool:
        return "DBT_DUCKDB_PATH" in self.dbt.env

    @property
    def raw_schema(self) -> str:
        prefix = self.loader.name.upper().replace("-", "_")
        return self.loader.env.get(f"{prefix}_DEFAULT_TARGET_SCHEMA") or "raw_twilio"

    def env_for(self, plugin: Plugin) -> dict[str, str]:
        return {**self.base_env, **meltano.MELTANO_ENV, **plugin.env}


def plugin_definitions(project: Path = ROOT) -> dict[str, tuple[str, str]]:
    """Plugin name -> (type folder under .meltano, executable), from meltano.yml."""
    config = yaml.safe_load((project / "meltano.yml").read_text())
    out = {}
    for kind, plugins in config.get("plugins", {}).items():
        for plugin in plugins:
            if kind in PLUGIN_DIRS and "executable" in plugin:
                out[plugin["name"]] = (PLUGIN_DIRS[kind], plugin["executable"])
    return out


def plugin_env(environment: str, name: str, env: Mapping[str, str]) -> dict[str, str]:
    """The plugin's settings as environment variables, as Meltano resolves them."""
    result = meltano.run(
        [f"--environment={environment}", "config", "--unsafe", "print", name, "--format=env"],
        env=dict(env),
        capture=True,
        timeout=300,
    )
    if result.returncode != 0:
        cause = one_line_cause((result.stdout + result.stderr).splitlines())
        raise LiveError("configuration", f"meltano config print {name}: {cause}")
    out = {}
    for line in result.stdout.splitlines():
        words = shlex.split(line)
        if len(words) == 1 and "=" in words[0]:
            key, _, value = words[0].partition("=")
            out[key] = value
    return out


def resolve(
    environment: str,
    *,
    loader: str = "target-duckdb",
    dbt: str = "dbt-duckdb",
    snapshot: str | None = "warehouse-snapshot",
    env: Mapping[str, str] | None = None,
    project: Path = ROOT,
) -> LivePlan:
    """Every plugin of the live path, with Meltano's configuration for ``environment``."""
    base = {k: v for k, v in {**dotenv_values(project / ".env"), **(env or os.environ)}.items()}
    base = {k: v for k, v in base.items() if v is not None}
    definitions = plugin_definitions(project)
    names = [TAP, loader, dbt, *([snapshot] if snapshot else [])]
    plugins = []
    for name in names:
        if name not in definitions:
            raise LiveError("configuration", f"no plugin {name} in meltano.yml")
        folder, executable = definitions[name]
        path = meltano.sys_dir(project, base) / folder / name / "venv" / "bin" / executable
        if not path.exists():
            raise LiveError("configuration", f"{path} is missing: run `make install`")
        plugins.append(Plugin(name, path, plugin_env(environment, name, base)))
    return LivePlan(
        environment=environment,
        tap=plugins[0],
        loader=plugins[1],
        dbt=plugins[2],
        snapshot=plugins[3] if snapshot else None,
        base_env=base,
    )


# --- the store, watched ------------------------------------------------------------


class StoreWatcher:
    """The store's highest committed ``seq``, read on a connection of our own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._backend: Backend | None = None

    def last_seq(self) -> int | None:
        """None while the store cannot be read (not created yet, database down)."""
        try:
            if self._backend is None:
                if not self.url.startswith(("postgresql://", "postgres://")):
                    from twilio_webhooks.store.sqlite import SqliteBackend  # noqa: PLC0415

                    self._backend = SqliteBackend(sqlite_path(self.url), create=False)
                else:
                    self._backend = open_backend(self.url)
            return self._backend.last_seq()
        except Exception:
            self.close()
            return None

    def close(self) -> None:
        if self._backend is not None:
            with contextlib.suppress(Exception):
                self._backend.close()
            self._backend = None


# --- the warehouse: where the bookmark lives ----------------------------------------


@contextlib.contextmanager
def warehouse(plan: LivePlan) -> Iterator[Any]:
    """A short connection to the warehouse; only ever opened while holding its lock."""
    if plan.is_duckdb:
        import duckdb  # noqa: PLC0415

        conn = duckdb.connect(plan.dbt.env["DBT_DUCKDB_PATH"], read_only=True)
    else:
        import psycopg  # noqa: PLC0415 (a PostgreSQL warehouse only)

        env = plan.dbt.env
        conn = psycopg.connect(
            host=env.get("DBT_POSTGRES_HOST"),
            port=env.get("DBT_POSTGRES_PORT") or None,
            user=env.get("DBT_POSTGRES_USER"),
            password=env.get("DBT_POSTGRES_PASSWORD") or None,
            dbname=env.get("DBT_POSTGRES_DATABASE"),
            autocommit=True,
        )
    try:
        yield conn
    finally:
        conn.close()


def _max(conn: Any, schema: str, table: str, column: str) -> int:
    """The highest value of a column; 0 when the table is not there yet."""
    exists = conn.execute(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{table}'"
    ).fetchone()[0]
    if not exists:
        return 0
    value = conn.execute(f"select max({column}) from {schema}.{table}").fetchone()[0]
    return int(value or 0)


def positions(plan: LivePlan) -> tuple[int, int]:
    """(highest seq loaded, highest seq built into the live marts)."""
    if plan.is_duckdb and not Path(plan.dbt.env["DBT_DUCKDB_PATH"]).exists():
        return 0, 0  # the loader creates it
    with warehouse(plan) as conn:
        return (
            _max(conn, plan.raw_schema, STREAM, "seq"),
            _max(conn, "analytics", FRESHNESS, "event_seq"),
        )


@dataclass(frozen=True)
class Freshness:
    events: int
    p50: float | None
    p95: float | None
    max: float | None


def freshness(conn: Any, after_seq: int) -> Freshness:
    """Receiver-to-mart seconds of the events a run made visible."""
    row = conn.execute(
        "select count(*), percentile_cont(0.5) within group (order by freshness_seconds), "
        "percentile_cont(0.95) within group (order by freshness_seconds), "
        f"max(freshness_seconds) from analytics.{FRESHNESS} "
        f"where event_seq > {int(after_seq)} and is_measured"
    ).fetchone()
    return Freshness(int(row[0]), *(None if v is None else float(v) for v in row[1:]))


# --- the steps ----------------------------------------------------------------------


def _tail(handle: IO[bytes]) -> list[str]:
    handle.seek(0)
    return handle.read().decode(errors="replace").splitlines()[-200:]


def load(plan: LivePlan, after_seq: int) -> None:
    """``tap-twilio-webhooks | loader``, the tap starting after ``after_seq``."""
    step = f"{plan.tap.name} {plan.loader.name}"
    state = {"bookmarks": {STREAM: {"replication_key": "seq", "replication_key_value": after_seq}}}
    with (
        tempfile.NamedTemporaryFile("w", suffix=".json") as state_file,
        tempfile.TemporaryFile() as tap_log,
        tempfile.TemporaryFile() as loader_log,
    ):
        json.dump(state, state_file)
        state_file.flush()
        tap = subprocess.Popen(
            [str(plan.tap.executable), "--config", "ENV", "--state", state_file.name],
            env=plan.env_for(plan.tap),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=tap_log,
            umask=meltano.UMASK,
        )
        loader = subprocess.Popen(
            [str(plan.loader.executable), "--config", "ENV"],
            env=plan.env_for(plan.loader),
            cwd=ROOT,
            stdin=tap.stdout,
            stdout=subprocess.DEVNULL,
            stderr=loader_log,
            umask=meltano.UMASK,
        )
        assert tap.stdout is not None
        tap.stdout.close()  # the loader alone reads it now
        loader_code, tap_code = loader.wait(), tap.wait()
        for code, log, name in (
            (tap_code, tap_log, plan.tap),
            (loader_code, loader_log, plan.loader),
        ):
            if code != 0:
                cause = one_line_cause(_tail(log))
                raise LiveError(step, f"{name.name} exited {code}: {cause}")


class DbtWorker:
    """``transform/scripts/dbt_worker.py`` in the dbt plugin's Python, started on first use."""

    def __init__(self, plan: LivePlan, log: IO[str] | None = None) -> None:
        self.plan = plan
        self.log = log
        self._process: subprocess.Popen | None = None
        self._replies: IO[str] | None = None

    def _start(self) -> None:
        read_end, write_end = os.pipe()
        env = self.plan.env_for(self.plan.dbt)
        self._process = subprocess.Popen(
            [
                str(self.plan.dbt.python),
                str(ROOT / "transform/scripts/dbt_worker.py"),
                str(write_end),
            ],
            env=env,
            cwd=ROOT / "transform",
            stdin=subprocess.PIPE,
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
            pass_fds=(write_end,),
            text=True,
            umask=meltano.UMASK,
        )
        os.close(write_end)
        self._replies = os.fdopen(read_end, "r")

    def run(self, args: list[str]) -> float:
        """Run dbt with ``args``; the seconds spent parsing the project first (if it was)."""
        step = f"{self.plan.dbt.name}: build --select {self.plan.select}"
        if self._process is None or self._process.poll() is not None:
            self._start()
        assert self._process is not None
        assert self._process.stdin is not None
        assert self._replies is not None
        try:
            self._process.stdin.write(json.dumps(args) + "\n")
            self._process.stdin.flush()
            line = self._replies.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            self.close()
            raise LiveError(step, "dbt worker exited (see the live log)")
        reply = json.loads(line)
        if not reply["ok"]:
            raise LiveError(step, reply["error"] or "dbt failed")
        return float(reply.get("parse") or 0)

    def close(self) -> None:
        if self._process is not None:
            if self._process.stdin:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._replies is not None:
            self._replies.close()
            self._replies = None


def publish(plan: LivePlan) -> None:
    """The dashboard's snapshot, as ``warehouse-snapshot:publish`` writes it."""
    assert plan.snapshot is not None
    result = subprocess.run(
        [str(plan.snapshot.executable), "publish"],
        env=plan.env_for(plan.snapshot),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        umask=meltano.UMASK,
    )
    if result.returncode != 0:
        cause = one_line_cause((result.stdout + result.stderr).splitlines())
        raise LiveError(f"{plan.snapshot.name}:publish", cause)


# --- one run ------------------------------------------------------------------------


@dataclass
class RunReport:
    loaded: int  # the highest seq loaded after the run
    built: int  # the highest seq built into the live marts
    events: int  # events this run made visible
    seconds: dict[str, float]  # per step: lock, load, dbt, publish, total
    freshness: Freshness | None = None
    breaches: list[Breach] = field(default_factory=list)

    def line(self) -> str:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items() if k != "total")
        if not self.events:  # a scheduled job (or an earlier run) built them already
            return (
                f"live: nothing new to build (seq {self.built:,} already in the marts) "
                f"in {self.seconds['total']:.1f} s ({steps})"
            )
        text = f"live: {self.events:,} events visible (seq to {self.built:,}) in "
        text += f"{self.seconds['total']:.1f} s ({steps})"
        fresh = self.freshness
        if fresh and fresh.events and fresh.p50 is not None and fresh.max is not None:
            text += f"; receiver to mart: median {fresh.p50:.1f} s, max {fresh.max:.1f} s"
        return text


class LiveRunner:
    def __init__(
        self,
        plan: LivePlan,
        *,
        lock_wait: float = 3600,
        rules: LiveRules | None = None,
        log: IO[str] | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
    ) -> None:
        self.plan = plan
        self.lock: Lock | None = lock_from_env(plan.dbt.env, setting="--lock-wait")
        self.lock_wait = lock_wait
        self.rules = rules
        self.worker = DbtWorker(plan, log)
        self.clock = clock

    def warm(self) -> float:
        """Start dbt and parse the project before the first event needs it (under the
        lock, as a run: parsing may open the warehouse); the seconds it took."""
        started = time.monotonic()
        lock = self.lock
        what = f"the live path (pid {os.getpid()}), warming up"
        with holding(lock, wait=self.lock_wait, what=what) if lock else contextlib.nullcontext():
            self.worker.run([])
        return time.monotonic() - started

    def run_once(self) -> RunReport:
        """Load what the store holds beyond the warehouse, build the live models, publish."""
        started = time.monotonic()
        seconds: dict[str, float] = {}
        lock = self.lock
        what = f"the live path (pid {os.getpid()})"
        with holding(lock, wait=self.lock_wait, what=what) if lock else contextlib.nullcontext():
            seconds["lock"] = time.monotonic() - started
            loaded, built = positions(self.plan)
            mark = time.monotonic()
            load(self.plan, loaded)
            seconds["load"] = time.monotonic() - mark
            loaded_now, _ = positions(self.plan)
            report = RunReport(loaded_now, built, 0, seconds)
            if loaded_now > built:
                mark = time.monotonic()
                parse = self.worker.run(["build", "--select", self.plan.select, "--quiet"])
                if parse:
                    seconds["dbt parse"] = parse
                seconds["dbt"] = time.monotonic() - mark - parse
                if self.plan.snapshot is not None:
                    mark = time.monotonic()
                    publish(self.plan)
                    seconds["publish"] = time.monotonic() - mark
                with warehouse(self.plan) as conn:
                    report.built = _max(conn, "analytics", FRESHNESS, "event_seq")
                    report.events = report.built - built
                    report.freshness = freshness(conn, built)
                    if self.rules is not None:
                        report.breaches = breaches(conn, self.rules, self.clock())
        seconds["total"] = time.monotonic() - started
        return report

    def close(self) -> None:
        self.worker.close()


# --- the loop -----------------------------------------------------------------------


@dataclass(frozen=True)
class Debounce:
    """Run once ``after_events`` events wait, or the oldest has waited ``after_seconds``."""

    after_events: int = 1000
    after_seconds: float = 2.0

    def due(self, waiting: int, waiting_since: float | None, now: float) -> bool:
        if waiting <= 0 or waiting_since is None:
            return False
        return waiting >= self.after_events or now - waiting_since >= self.after_seconds


def serve(
    runner: LiveRunner,
    debounce: Debounce,
    *,
    stop: threading.Event,
    alerter: Alerter | None = None,
    poll_seconds: float = 0.2,
    out: IO[str] = sys.stdout,
    until_caught_up: bool = False,
) -> int:
    """Watch the store and run the live path as the debounce says, until ``stop`` is set
    (with ``until_caught_up``: until the warehouse holds everything the store held)."""
    watcher = StoreWatcher(runner.plan.store_url)
    job = f"live path ({runner.plan.environment})"
    loaded: int | None = None  # the warehouse's position, unknown until the first run
    waiting_since: float | None = None
    failures, retry_at, warned = 0, 0.0, False
    warm = getattr(runner, "warm", None)
    if warm is not None:
        try:
            print(f"live: ready (dbt warmed up in {warm():.1f} s)", file=out, flush=True)
        except Exception as exc:  # the first run will start dbt again and say why
            print(f"live: warm-up failed: {str(exc).splitlines()[0][:200]}", file=out, flush=True)
    else:
        print("live: ready", file=out, flush=True)
    try:
        while not stop.is_set():
            head = watcher.last_seq()
            if head is None:
                if not warned:
                    print(f"live: waiting for the store {_safe(watcher.url)}", file=out, flush=True)
                    warned = True
                stop.wait(1.0)
                continue
            now = time.monotonic()
            waiting = head if loaded is None else head - loaded
            if waiting <= 0:
                waiting_since = None
                if until_caught_up:
                    return 0
                stop.wait(poll_seconds)
                continue
            waiting_since = waiting_since or now
            # Before the first run, whatever the store holds may be missing: run at once.
            due = loaded is None or debounce.due(waiting, waiting_since, now)
            if not due or now < retry_at:
                stop.wait(poll_seconds)
                continue
            try:
                report = runner.run_once()
            except Exception as exc:  # a daemon reports, pauses and tries again
                failures += 1
                step = getattr(
                    exc, "step", "warehouse lock" if isinstance(exc, WarehouseBusy) else "live path"
                )
                text = str(exc).strip().splitlines()
                if not isinstance(exc, (LiveError, WarehouseBusy)):
                    text = [f"{type(exc).__name__}: {text[0] if text else ''}"]
                cause = redact(text[0] if text else type(exc).__name__, runner.plan.base_env)
                pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]
                print(f"live: failed at {step}: {cause} (again in {pause} s)", file=out, flush=True)
                if alerter is not None:
                    alerter.failed(job, step, cause)
                if until_caught_up:
                    return 1
                retry_at = time.monotonic() + pause
                continue
            if failures and alerter is not None:
                alerter.succeeded(job)
            failures = 0
            loaded = report.loaded
            waiting_since = now  # what came in during the run has waited since it began
            print(report.line(), file=out, flush=True)
            for breach in report.breaches:
                print(f"live: alert: {breach.text}", file=out, flush=True)
                if alerter is not None:
                    alerter.notify(breach.key, f"{breach.text} ({runner.plan.environment})")
    finally:
        watcher.close()
    return 0


# --- the live path as a process (make demo, the tests, the benchmark) -----------------


@contextlib.contextmanager
def running(
    env: Mapping[str, str],
    log_path: Path,
    *,
    environment: str = "dev",
    after_events: int = 1000,
    after_seconds: float = 2.0,
    dbt_log: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """``python -m switchboard.live`` in the background, its output in ``log_path``;
    stopped (SIGTERM: the run in progress ends first) when the block ends."""
    command = [
        sys.executable, "-m", "switchboard.live", "--environment", environment,
        "--after-events", str(after_events), "--after-seconds", str(after_seconds),
        *(["--dbt-log", str(dbt_log)] if dbt_log else []),
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            env={**os.environ, **meltano.MELTANO_ENV, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=300)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(log_path: Path, process: subprocess.Popen, *, timeout: float) -> None:
    """Until the live path says it is ready (dbt parsed); LiveError if it exits or
    ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not any(
        line.startswith(("live: ready", "live: warm-up failed"))
        for line in log_path.read_text().splitlines()
    ):
        if process.poll() is not None:
            raise LiveError("live path", f"exited {process.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise LiveError("live path", f"not ready in {timeout:.0f} s")
        time.sleep(0.2)


def published_seq(snapshot: Path) -> int:
    """The highest seq in the live marts, read from the dashboard's snapshot (the
    warehouse itself is the writers'); 0 before any."""
    import duckdb  # noqa: PLC0415

    try:
        with duckdb.connect(str(snapshot), read_only=True) as conn:
            row = conn.execute(f"select max(event_seq) from analytics.{FRESHNESS}").fetchone()
            return int(row[0] or 0) if row else 0
    except duckdb.Error:
        return 0


def wait_published(
    store_url: str, snapshot: Path, process: subprocess.Popen, *, timeout: float
) -> int:
    """Until the snapshot's live marts hold every event the store holds now; that seq.
    Raises LiveError when the live path exits or ``timeout`` seconds pass first."""
    watcher = StoreWatcher(store_url)
    try:
        head = watcher.last_seq() or 0
    finally:
        watcher.close()
    deadline = time.monotonic() + timeout
    while published_seq(snapshot) < head:
        if process.poll() is not None:
            raise LiveError("live path", f"exited {process.returncode} before seq {head}")
        if time.monotonic() > deadline:
            raise LiveError("live path", f"did not publish seq {head} in {timeout:.0f} s")
        time.sleep(0.2)
    return head


def _safe(url: str) -> str:
    from twilio_webhooks.masking import mask_credentials  # noqa: PLC0415

    return mask_credentials(url, url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", default="dev", help="Meltano environment")
    parser.add_argument(
        "--after-events", type=int, default=1000, help="run once this many events wait"
    )
    parser.add_argument(
        "--after-seconds",
        type=float,
        default=2.0,
        help="... or once the oldest has waited this long",
    )
    parser.add_argument(
        "--lock-wait",
        type=float,
        default=3600,
        help="seconds to wait for a scheduled job holding the warehouse (then one line, retry)",
    )
    parser.add_argument("--loader", default="target-duckdb", help="the loader plugin")
    parser.add_argument("--dbt", default="dbt-duckdb", help="the dbt plugin")
    parser.add_argument(
        "--once", action="store_true", help="catch up with the store once, then exit"
    )
    parser.add_argument("--dbt-log", type=Path, help="append dbt's output here (default: nowhere)")
    args = parser.parse_args(argv)
    env = {k: v for k, v in {**dotenv_values(ROOT / ".env"), **os.environ}.items() if v is not None}
    try:
        rules = LiveRules.from_env(env)
        alerter = alerter_from_env(env, args.environment)
    except ValueError as exc:
        print(f"switchboard.live: {exc}", file=sys.stderr)
        return 2
    try:
        plan = resolve(
            args.environment,
            loader=args.loader,
            dbt=args.dbt,
            snapshot="warehouse-snapshot" if args.dbt == "dbt-duckdb" else None,
            env=env,
        )
    except LiveError as exc:
        print(f"switchboard.live: {exc}", file=sys.stderr)
        return 2
    if not plan.store_url:
        print(
            "switchboard.live: TAP_TWILIO_WEBHOOKS_STORE_URL is not set: no store to watch",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log = args.dbt_log.open("a") if args.dbt_log else None
    runner = LiveRunner(plan, lock_wait=args.lock_wait, rules=rules, log=log)
    print(
        f"live: watching {_safe(plan.store_url)}; a run after {args.after_events} events or "
        f"{args.after_seconds:g} s; dbt build --select {plan.select}",
        flush=True,
    )
    try:
        return serve(
            runner,
            Debounce(args.after_events, args.after_seconds),
            stop=stop,
            alerter=alerter,
            until_caught_up=args.once,
        )
    finally:
        runner.close()
        if log:
            log.close()


if __name__ == "__main__":
    sys.exit(main())
