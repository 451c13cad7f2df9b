"""The fault matrix, end to end: every fault Twilio throws, through the real pipeline.

Each case starts from an empty warehouse and state, sets the emulator's fault
plan, runs ``meltano run tap-twilio target-duckdb dbt-duckdb:build`` and checks
that the marts equal ``/_emulator/truth`` exactly, with every message and call
once. Faults that must fail the run assert a non-zero exit and the tap's one
line, then a clean re-run reconciles. Then: late updates across runs, SIGKILL
at several points and a resumed run, and a soak with 20% of requests failing.

One small emulator (4 days) serves the whole matrix; backoff starts at 50 ms.
The long soak is opt-in: ``SWITCHBOARD_SOAK=1`` (see docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import requests

from switchboard import reconcile
from switchboard.emulated import EmulatorProcess, running_emulator
from tests.chaos import (
    Faults,
    api_list,
    day_before,
    killed_run,
    run_output,
    tap_lines,
    usage_differences,
)
from tests.pipeline import Pipeline, assert_reconciles, assert_staging_reconciles

pytestmark = pytest.mark.e2e

NOW = "2026-11-20T12:00:00Z"
START = "2026-11-17"  # the emulator's first day of history (4 days)
SIZE = {"days": 4, "messages_per_day": 80, "calls_per_day": 20, "customers": 120, "now": NOW}
FAST = {
    "TAP_TWILIO_START_DATE": START,
    "TAP_TWILIO_LOOKBACK_DAYS": "1",
    "TAP_TWILIO_BACKOFF_BASE_MS": "50",
    "TAP_TWILIO_REQUEST_TIMEOUT": "1",
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator for the matrix; its clock never moves (the late-update test has its own)."""
    log = tmp_path_factory.mktemp("faults-emulator") / "emulator.log"
    with running_emulator(**SIZE, log_path=log) as process:
        yield process


@pytest.fixture
def faults(emulator: EmulatorProcess) -> Iterator[Faults]:
    control = Faults(emulator)
    control.clear()
    yield control
    control.clear()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse path and dbt target for every case, so dbt parses the project once."""
    return tmp_path_factory.mktemp("faults-shared")


@pytest.fixture
def fresh(emulator: EmulatorProcess, tmp_path: Path, shared: Path) -> Pipeline:
    return make_pipeline(emulator, tmp_path, shared)


def make_pipeline(emulator: EmulatorProcess, workdir: Path, shared: Path) -> Pipeline:
    """An empty warehouse, state and Meltano system database for one case."""
    warehouse = shared / "warehouse.duckdb"
    for path in (warehouse, shared / "warehouse.duckdb.wal"):
        path.unlink(missing_ok=True)
    return Pipeline(
        emulator=emulator,
        workdir=workdir,
        warehouse_file=warehouse,
        extra_env={
            **FAST,
            "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
            "DBT_TARGET_PATH": str(shared / "dbt-target"),
        },
    )


def active_accounts(emulator: EmulatorProcess) -> list[str]:
    """Accounts whose resources Twilio serves (not closed, not suspended)."""
    return [sid for sid, a in emulator.truth()["accounts"].items() if a["readable"]]


# --- faults the run must survive, with marts equal to the truth --------------------------


@dataclass(frozen=True)
class Case:
    plan: dict
    injected: tuple[str, ...]  # the emulator's counts that must be > 0
    response: str  # what the tap logs in answer
    env: dict[str, str] = field(default_factory=dict)
    # False for a fault only the 2010 API answers (Usage Records' 500, message retention).
    every_api: bool = True


CASES = {
    "429 with and without Retry-After": Case(
        {"seed": 1, "rates": {"429": 0.06, "429-no-retry-after": 0.08}, "retry_after": 1},
        ("429", "429-no-retry-after"),
        "HTTP 429 code 20429: Too Many Requests",
    ),
    "500, 502, 503, 504": Case(
        {"seed": 2, "rates": {"500": 0.05, "502": 0.05, "503": 0.05, "504": 0.05}},
        ("500", "502", "503", "504"),
        "Retrying GET",
    ),
    "connection reset": Case(
        {"seed": 1, "rates": {"reset": 0.15}}, ("reset",), "ChunkedEncodingError"
    ),
    "truncated and invalid JSON": Case(
        {"seed": 1, "rates": {"truncated": 0.08, "invalid-json": 0.08}},
        ("truncated", "invalid-json"),
        "with a body that is not valid JSON",
    ),
    "request timeout": Case(
        {"seed": 1, "rates": {"timeout": 0.03}, "hang_seconds": 10}, ("timeout",), "ReadTimeout"
    ),
    "page size 20007": Case(
        {"page_size_limit": 100}, ("rule:400:20007",), "using PageSize=100 for this endpoint"
    ),
    "usage 500 at large pages": Case(
        {"usage_page_size_limit": 50},
        ("rule:500:20500",),
        "using PageSize=50 for this endpoint",
        every_api=False,
    ),
    "retention 20004": Case(
        {"retention_days": 4},
        ("rule:400:20004",),
        "outside its retention window",
        env={"TAP_TWILIO_START_DATE": "2026-11-12"},  # 5 days before what Twilio keeps
        every_api=False,
    ),
    # A 200 that looks fine and is not: the page must never be taken for the last one.
    "wrong-shape 200s": Case(
        {
            "seed": 3,
            "rates": {
                "missing-key": 0.05,
                "null-list": 0.05,
                "html-200": 0.04,
                "truncated-envelope": 0.05,
            },
        },
        ("missing-key", "null-list", "html-200", "truncated-envelope"),
        "HTTP 200 with no",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fault_is_survived_exactly(name: str, fresh: Pipeline, faults: Faults) -> None:
    case = CASES[name]
    fresh.extra_env.update(case.env)
    faults.set(**case.plan)
    result = run_output(fresh)
    assert result.returncode == 0, "\n".join(tap_lines(result, "tap-twilio")[-20:])
    injected = faults.injected()
    for kind in case.injected:
        assert injected.get(kind, 0) > 0, injected
    assert tap_lines(result, case.response), f"the tap never logged {case.response!r}"
    assert len(tap_lines(result, "HTTP summary:")) == 1
    # Every API was faulted, the product APIs too (Monitor, Studio, Verify, TaskRouter...).
    by_api = faults.report()["injected_by_api"]
    assert len(by_api) > 2 if case.every_api else list(by_api) == ["2010-04-01"], by_api
    faults.clear()  # the truth and Twilio's usage are read without faults
    truth = assert_reconciles(fresh)
    assert_staging_reconciles(fresh, truth, first_run=True)  # every stream, per account
    start = fresh.extra_env["TAP_TWILIO_START_DATE"]
    assert usage_differences(fresh, active_accounts(fresh.emulator), start) == []


def test_concurrency_cap_is_waited_out(fresh: Pipeline, faults: Faults) -> None:
    """Another client of the same account holds the one request Twilio allows, now and then.

    Every request also takes 20 ms more (added latency), so requests overlap. A cap of
    one shared with a busy neighbour is the worst case (Twilio's is about a hundred):
    the tap is given the attempts such an account would configure, since with the
    test's 50 ms backoff base eight attempts span only a few seconds of the neighbour's
    schedule, and a request unlucky eight times in a row failed the run now and then.
    """
    fresh.extra_env["TAP_TWILIO_MAX_ATTEMPTS"] = "20"
    faults.set(max_concurrent=1, latency_ms=20)
    emulator = fresh.emulator
    stop = threading.Event()

    def other_client() -> None:
        with requests.Session() as session:
            session.auth = (emulator.account_sid, emulator.auth_token)
            while not stop.is_set():
                session.get(f"{emulator.url}/2010-04-01/Accounts.json", timeout=30)
                stop.wait(0.04)

    noise = threading.Thread(target=other_client)
    noise.start()
    try:
        result = run_output(fresh)
    finally:
        stop.set()
        noise.join()
    assert result.returncode == 0, result.stderr[-3000:]
    assert faults.injected()["concurrency"] > 0
    assert tap_lines(result, "HTTP 429 code 20429: Too Many Requests")
    faults.clear()
    assert_reconciles(fresh)


def test_subaccount_closed_mid_run_is_skipped_then_caught_up(
    fresh: Pipeline, faults: Faults
) -> None:
    emulator = fresh.emulator
    sub = active_accounts(emulator)[1]
    # Pages of 20: the sweep of its 80 or so messages (read ahead, before its other
    # streams) is four requests or more, and the account closes after the first two.
    fresh.extra_env["TAP_TWILIO_PAGE_SIZE"] = "20"
    faults.set(close_after={sub: 2})
    result = run_output(fresh)
    assert result.returncode == 0
    # Each of its streams is skipped once, with a warning; the other accounts are read.
    assert len(tap_lines(result, f"Skipping messages of account {sub} for this run")) == 1
    assert tap_lines(result, "HTTP summary:")[0].count(f"of {sub}") >= 1
    assert tap_lines(result, "Skipping closed account")  # the one Twilio lists as closed
    faults.clear()
    # Every other account is exact; the skipped one is short, never doubled.
    truth = fresh.truth()
    with fresh.connect() as conn:
        marts = reconcile.mart_summary(conn)
        sub_rows, sub_distinct = conn.execute(
            "select count(*), count(distinct message_sid) from analytics.fct_messages "
            "where account_sid = ?",
            [sub],
        ).fetchone()
    assert sub_rows == sub_distinct < truth["accounts"][sub]["messages"]["total"]
    phones = {p for p, c in truth["customers"].items() if c["account_sid"] == sub}
    assert reconcile.differences(_without(truth, sub, phones), _without(marts, sub, phones)) == []
    # The subaccount is back: the next run catches up from its bookmark.
    again = run_output(fresh)
    assert again.returncode == 0
    assert_reconciles(fresh)


def _without(summary: dict, sid: str, phones: set[str]) -> dict:
    """A truth- or marts-shaped summary without one account, its numbers and its customers.

    The latest activity is left out too (it may be the skipped account's).
    """
    numbers = summary["numbers"]
    delivery = summary["delivery"]
    return {
        **summary,
        "latest_activity": None,
        "accounts": {k: v for k, v in summary["accounts"].items() if k != sid},
        "customers": {k: v for k, v in summary["customers"].items() if k not in phones},
        "numbers": {k: v for k, v in numbers.items() if v["account_sid"] != sid},
        "delivery": [r for r in delivery if r["account_sid"] != sid]
        if isinstance(delivery, list)  # the truth's rows; the marts' are keyed by tuple
        else {k: v for k, v in delivery.items() if k[1] != sid},
        **(
            {
                "interaction_spend": {
                    k: v for k, v in summary["interaction_spend"].items() if k not in phones
                }
            }
            if "interaction_spend" in summary
            else {}
        ),
    }


# --- faults that must fail the run, in one line; a clean re-run reconciles ----------------


def test_credential_revoked_mid_run_fails_in_one_line(fresh: Pipeline, faults: Faults) -> None:
    faults.set(revoke_after=30)
    result = run_output(fresh)
    assert result.returncode != 0
    lines = tap_lines(result, "tap-twilio: Twilio rejected the credentials")
    assert len(lines) == 1
    assert "(HTTP 401, code 20003 Authenticate)" in lines[0]
    assert (
        "check account_sid and auth_token (TAP_TWILIO_ACCOUNT_SID, TAP_TWILIO_AUTH_TOKEN)"
        in (lines[0])
    )
    assert fresh.emulator.auth_token not in result.stdout + result.stderr
    # Each request in flight (up to max_concurrency, 8) asks again twice before it believes
    # the 401; refused on a subaccount's path, the main account is asked once more.
    assert set(faults.injected()) == {"rule:401:20003"}
    assert 1 <= faults.injected()["rule:401:20003"] <= 2 * 8 * 3  # 3 asks: tap_twilio.client
    faults.clear()
    fresh.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    assert_reconciles(fresh)


def test_exhausted_retries_fail_in_one_line(fresh: Pipeline, faults: Faults) -> None:
    fresh.extra_env["TAP_TWILIO_MAX_ATTEMPTS"] = "3"
    faults.set(rates={"503": 1.0})
    result = run_output(fresh)
    assert result.returncode != 0
    assert len(tap_lines(result, "tap-twilio: gave up on GET")) == 1
    assert tap_lines(
        result,
        "tap-twilio: gave up on GET /2010-04-01/Accounts.json after 3 attempts (max_attempts); "
        "last error: HTTP 503 code 20503: Service Unavailable",
    )
    assert faults.injected() == {"503": 3}
    faults.clear()
    fresh.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
    assert_reconciles(fresh)


# --- kill -9 at several points, then resume ---------------------------------------------------


@dataclass(frozen=True)
class KillPoint:
    commits: int  # states Meltano has saved (the target commits, then forwards its state)
    then_requests: int  # API requests served after that commit, before the kill
    log_text: str = ""  # or: once Meltano's output shows this line


# With 50-row target batches a run commits 4 states: after the first account (about
# request 9, numbers only), after each account's streams (36, 61) and at the end (79).
KILL_POINTS = {
    "mid extract (2nd account half read)": KillPoint(commits=2, then_requests=10),
    "late extract (3rd account half read)": KillPoint(commits=3, then_requests=10),
    "during dbt build (marts being built)": KillPoint(
        commits=0, then_requests=0, log_text="START sql table model analytics."
    ),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_and_resume(point: str, fresh: Pipeline, faults: Faults) -> None:
    """SIGKILL the run's whole process tree; the re-run's marts equal the truth.

    Small target batches make the loader commit (and forward state) often, so
    kills land between commits, with records read but not committed; 30 ms per
    request makes each kill point land at the same place of the run every time.
    Before re-running, the saved state is checked directly: no bookmark is
    ahead of a record that is not in the warehouse.
    """
    fresh.extra_env["TARGET_DUCKDB_BATCH_SIZE_ROWS"] = "50"
    faults.set(latency_ms=30)
    kill = KILL_POINTS[point]
    state_file = fresh.workdir / "state" / "dev:tap-twilio-to-target-duckdb" / "state.json"
    seen = {"commits": 0, "text": "", "requests": 0}

    def reached() -> bool:
        if kill.log_text:
            return kill.log_text in (fresh.workdir / "meltano.log").read_text()
        text = state_file.read_text() if state_file.exists() else ""
        if text != seen["text"] and _is_json(text):
            seen.update(commits=seen["commits"] + 1, text=text, requests=faults.requests_served())
        return (
            seen["commits"] >= kill.commits
            and faults.requests_served() >= seen["requests"] + kill.then_requests
        )

    seconds = killed_run(fresh, reached)
    faults.clear()
    state = saved_state(fresh)
    checked = assert_nothing_unloaded_behind_bookmarks(fresh, state)
    assert checked > 0, "the killed run should have committed some state"
    # Meltano keeps a killed run "running" for 5 minutes; an operator re-runs with --force.
    result = run_output(fresh, "--force")
    assert result.returncode == 0, "\n".join(tap_lines(result, "tap-twilio")[-20:])
    assert_reconciles(fresh)
    print(f"kill at {point}: after {seconds:.1f}s, {checked} bookmarks checked, re-run exact")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def saved_state(pipeline: Pipeline) -> dict:
    """The state Meltano saved for the pipeline (the target's, as forwarded)."""
    result = pipeline.meltano("state", "get", "dev:tap-twilio-to-target-duckdb")
    if result.returncode != 0 or not result.stdout.strip():
        return {}
    return json.loads(result.stdout)


def assert_nothing_unloaded_behind_bookmarks(pipeline: Pipeline, state: dict) -> int:
    """Every message and call dated before its account's bookmark day is in the warehouse."""
    bookmarks = state.get("singer_state", {}).get("bookmarks", {})
    checked = 0
    for stream, table, date_filter in (
        ("messages", "messages", "DateSent"),
        ("calls", "calls", "StartTime"),
    ):
        for partition in bookmarks.get(stream, {}).get("partitions", []):
            value = partition.get("replication_key_value")
            if not value or day_before(value) < START:
                continue
            sid = partition["context"]["account_sid"]
            behind = api_list(
                pipeline.emulator,
                f"/2010-04-01/Accounts/{sid}/{table.capitalize()}.json",
                {f"{date_filter}>": START, f"{date_filter}<": day_before(value)},
                table,
            )
            with duckdb.connect(str(pipeline.warehouse)) as conn:
                loaded = {
                    row[0]
                    for row in conn.execute(
                        f"select sid from raw_twilio.{table} where account_sid = ?",  # noqa: S608
                        [sid],
                    ).fetchall()
                }
            missing = {r["sid"] for r in behind} - loaded
            assert not missing, f"{stream} {sid}: bookmark {value} is ahead of {len(missing)}"
            checked += 1
    return checked


# --- late updates ------------------------------------------------------------------------------


def test_late_updates_are_picked_up_once(tmp_path: Path, shared: Path) -> None:
    """Status, price and usage change after the first read: the next run's marts are final.

    A day later, yesterday's messages and calls have settled and its usage is
    final (``as_of``); the lookback re-reads them, staging keeps the latest
    version, and nothing is counted twice.
    """
    with running_emulator(**SIZE, seed=9, log_path=tmp_path / "emulator.log") as emulator:
        pipeline = make_pipeline(emulator, tmp_path, shared)
        pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
        assert_reconciles(pipeline)
        unsettled = {
            sid
            for (sid,) in pipeline.query(
                "select message_sid from analytics.fct_messages "
                "where cost_amount is null or status in ('queued', 'accepted', 'sending', 'sent')"
            )
        }
        assert len(unsettled) > 5, "some messages should still be moving at the first run"
        emulator.advance("1d")
        pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
        assert_reconciles(pipeline)
        placeholders = ", ".join(f"'{sid}'" for sid in sorted(unsettled))
        still = pipeline.query(
            "select count(*) from analytics.fct_messages "  # noqa: S608
            f"where message_sid in ({placeholders}) and cost_amount is null "
            # sent a day ago: Twilio has priced them (scheduled, canceled or failed
            # messages may never be)
            "and status in ('sent', 'delivered', 'read', 'partially_delivered')"
        )[0][0]
        assert still == 0
        raw, distinct = pipeline.query(
            "select count(*), count(distinct sid) from raw_twilio.messages"
        )[0]
        assert raw == distinct  # the loader upserts the re-read versions by key
        assert usage_differences(pipeline, active_accounts(emulator), START) == []
        print(f"late updates: {len(unsettled)} messages unsettled at the first run, final after")


# --- soak: 20% of requests failing in mixed ways ------------------------------------------------


MIXED = {"429": 0.04, "429-no-retry-after": 0.02, "500": 0.02, "502": 0.02, "503": 0.02,
         "504": 0.02, "reset": 0.02, "truncated": 0.02, "invalid-json": 0.01,
         "timeout": 0.01}  # fmt: skip


def test_soak_twenty_percent_mixed_faults(fresh: Pipeline, faults: Faults) -> None:
    faults.set(seed=20, rates=MIXED, retry_after=1, hang_seconds=10)
    result = run_output(fresh)
    assert result.returncode == 0, "\n".join(tap_lines(result, "tap-twilio")[-20:])
    report = faults.report()
    share = sum(report["injected"].values()) / report["requests"]
    assert 0.12 <= share <= 0.3, report
    faults.clear()
    assert_reconciles(fresh)
    assert usage_differences(fresh, active_accounts(fresh.emulator), START) == []
    print(f"soak: {report['requests']} requests, {sum(report['injected'].values())} faults")


@pytest.mark.skipif(not os.environ.get("SWITCHBOARD_SOAK"), reason="set SWITCHBOARD_SOAK=1")
@pytest.mark.parametrize("seed", [101, 102, 103])
def test_long_soak(seed: int, tmp_path: Path, shared: Path) -> None:
    """Opt-in: 30 days of traffic, 20% mixed faults, then a next-day run under faults too."""
    size = {**SIZE, "days": 30, "messages_per_day": 400, "calls_per_day": 100}
    with running_emulator(**size, seed=seed, log_path=tmp_path / "emulator.log") as emulator:
        faults = Faults(emulator)
        pipeline = make_pipeline(emulator, tmp_path, shared)
        pipeline.extra_env["TAP_TWILIO_START_DATE"] = "2026-10-22"
        for step in ("first run", "next day"):
            if step == "next day":
                emulator.advance("1d")
            faults.set(seed=seed, rates=MIXED, retry_after=1, hang_seconds=10)
            pipeline.run("tap-twilio", "target-duckdb", "dbt-duckdb:build")
            report = faults.report()
            faults.clear()
            assert_reconciles(pipeline)
            print(f"long soak seed {seed} {step}: {report['requests']} requests, "
                  f"{sum(report['injected'].values())} faults")  # fmt: skip
