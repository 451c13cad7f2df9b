"""Every fault the Twilio API throws, and the tap's bounded, logged answer to each.

A private emulator injects the faults (``/_emulator/faults``); each run's records
are compared with a clean run's: nothing lost, nothing doubled. Backoff sleeps
are recorded instead of slept, so the waits themselves can be asserted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tap_twilio import client as client_module
from tap_twilio.client import EDGE_RETRIES, PAGE_SIZE_STEPS, account_in, smaller_page_size
from tap_twilio.errors import ApiUnavailableError, AuthenticationError, NotFoundError
from tap_twilio.retry import RetryPolicy
from tap_twilio.windows import after_retention_error
from tests.helpers import SyncResult, days_by_windows, run_cli, run_tap
from twilio_emulator import behaviours, testing
from twilio_emulator.emulator import EmulatorConfig

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
DAYS = 4
STREAMS = {"messages", "calls", "usage_records", "incoming_phone_numbers"}
USAGE_DAILY = "/2010-04-01/Accounts/{AccountSid}/Usage/Records/Daily.json"


@pytest.fixture(scope="module")
def served() -> Iterator[testing.ServedEmulator]:
    config = EmulatorConfig(
        seed=23,
        days=DAYS,
        messages_per_day=60,
        calls_per_day=15,
        customers=80,
        now=int(NOW.timestamp()),
        auth_token="retries-token-0123456789abcdef",
        # Twilio's happy path: every fault here is injected on purpose, and counted.
        **behaviours.all_off(),
    )
    with testing.serve(config) as emulator:
        yield emulator


@pytest.fixture
def faults(served: testing.ServedEmulator) -> Iterator[FaultControl]:
    control = FaultControl(served.url)
    yield control
    control.clear()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", waits.append)
    return waits


class FaultControl:
    def __init__(self, url: str) -> None:
        self.url = f"{url}/_emulator/faults"

    def set(self, **plan: object) -> None:
        requests.post(self.url, json=plan, timeout=10).raise_for_status()

    def clear(self) -> None:
        requests.delete(self.url, timeout=10).raise_for_status()

    def injected(self) -> dict[str, int]:
        return requests.get(self.url, timeout=10).json()["injected"]


def config_for(served: testing.ServedEmulator, **overrides: object) -> dict:
    return {
        "account_sid": served.account_sid,
        "auth_token": served.auth_token,
        "base_url": served.url,
        "start_date": (NOW.date() - dt.timedelta(days=DAYS - 1)).isoformat(),
        "request_timeout": 5,
        "backoff_base_ms": 10,
        **overrides,
    }


def keyed(result: SyncResult) -> dict[str, Counter]:
    """Each stream's records by primary key, counted: a count of 2 is a duplicate."""
    out = {}
    for stream, records in result.records.items():
        if stream == "usage_records":
            keys = [(r["account_sid"], r["category"], r["start_date"], r["price"]) for r in records]
        else:
            keys = [r["sid"] for r in records]
        out[stream] = Counter(keys)
    return out


_CLEAN: dict[str, SyncResult] = {}


def clean_run(served: testing.ServedEmulator) -> SyncResult:
    """A run without faults, once per emulator: what every faulty run must equal."""
    if served.url not in _CLEAN:
        requests.delete(f"{served.url}/_emulator/faults", timeout=10)
        _CLEAN[served.url] = run_tap(config_for(served), streams=STREAMS)
    return _CLEAN[served.url]


@pytest.fixture
def clean(served: testing.ServedEmulator) -> dict[str, Counter]:
    result = keyed(clean_run(served))
    assert all(max(c.values()) == 1 for c in result.values())
    assert len(result["messages"]) > 100
    return result


def active_subaccount(served: testing.ServedEmulator) -> str:
    return next(
        a.sid for a in served.emulator.world.accounts if not a.is_main and a.status == "active"
    )


# --- transient faults: retried, and the result is exactly a clean run's ------------------


@pytest.mark.parametrize(
    "case",
    [
        ("429", "429"),
        ("429-no-retry-after", "429"),
        ("500", "500"),
        ("502", "502"),
        ("503", "503"),
        ("504", "504"),
        ("reset", "connection"),
        ("truncated", "invalid body"),
        ("invalid-json", "invalid body"),
        ("timeout", "timeout"),
    ],
    ids=lambda case: case[0],
)
def test_transient_fault_is_retried_to_an_exact_result(
    served: testing.ServedEmulator,
    faults: FaultControl,
    clean: dict[str, Counter],
    sleeps: list[float],
    case: tuple[str, str],
) -> None:
    kind, reason = case  # the fault, and the reason the client counts its retries under
    # Timeouts cost their wait for real: a short request timeout.
    timeout = 1 if kind == "timeout" else 5
    faults.set(seed=1, rates={kind: 0.3}, retry_after=2, hang_seconds=10)
    result = run_tap(config_for(served, request_timeout=timeout), streams=STREAMS)
    injected = faults.injected()[kind]
    assert injected >= 3
    assert keyed(result) == clean
    assert result.tap.session.client().retries == Counter({reason: injected})
    assert len(sleeps) == injected


def test_retry_after_is_honoured(
    served: testing.ServedEmulator, faults: FaultControl, sleeps: list[float]
) -> None:
    faults.set(seed=2, rates={"429": 0.3}, retry_after=3)
    run_tap(config_for(served), streams={"messages"})
    assert sleeps
    assert all(3 <= wait <= 3.5 for wait in sleeps)  # Retry-After, not the 0.01 s backoff


def test_backoff_doubles_with_jitter_without_retry_after(
    served: testing.ServedEmulator, faults: FaultControl, sleeps: list[float]
) -> None:
    faults.set(rates={"429-no-retry-after": 1.0})
    with pytest.raises(ApiUnavailableError):
        run_tap(config_for(served, max_attempts=6, backoff_base_ms=1000), streams={"accounts"})
    assert len(sleeps) == 5
    for attempt, wait in enumerate(sleeps, start=1):
        ceiling = 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling


def test_gives_up_after_max_attempts_in_one_line(
    served: testing.ServedEmulator, faults: FaultControl, sleeps: list[float]
) -> None:
    faults.set(rates={"503": 1.0})
    tap_result = None
    with pytest.raises(ApiUnavailableError) as caught:
        tap_result = run_tap(config_for(served, max_attempts=3), streams={"accounts"})
    assert tap_result is None
    assert str(caught.value) == (
        "gave up on GET /2010-04-01/Accounts.json after 3 attempts (max_attempts); "
        "last error: HTTP 503 code 20503: Service Unavailable"
    )
    assert faults.injected() == {"503": 3}
    assert len(sleeps) == 2


def test_gives_up_when_waiting_would_pass_max_wait(
    served: testing.ServedEmulator, faults: FaultControl, sleeps: list[float]
) -> None:
    faults.set(rates={"429": 1.0}, retry_after=30)
    with pytest.raises(ApiUnavailableError, match="max_wait_seconds=10") as caught:
        run_tap(config_for(served, max_wait_seconds=10), streams={"accounts"})
    assert "waiting 30s more" in str(caught.value)
    assert sleeps == []
    assert faults.injected() == {"429": 1}


def test_concurrency_cap_is_waited_out(
    served: testing.ServedEmulator, faults: FaultControl, clean: dict[str, Counter]
) -> None:
    """Another client holds the one slot now and then: the tap's 429s are retried."""
    faults.set(max_concurrent=1, latency_ms=30)
    stop = threading.Event()

    def other_client() -> None:
        with requests.Session() as session:
            session.auth = (served.account_sid, served.auth_token)
            while not stop.is_set():
                session.get(f"{served.url}/2010-04-01/Accounts.json", timeout=10)
                stop.wait(0.06)

    noise = threading.Thread(target=other_client)
    noise.start()
    try:
        result = run_tap(config_for(served), streams=STREAMS)
    finally:
        stop.set()
        noise.join()
    assert faults.injected()["concurrency"] > 0
    assert result.tap.session.client().retries["429"] > 0
    assert keyed(result) == clean


def test_mixed_faults_at_twenty_percent(
    served: testing.ServedEmulator,
    faults: FaultControl,
    clean: dict[str, Counter],
    sleeps: list[float],
) -> None:
    rates = {"429": 0.04, "429-no-retry-after": 0.02, "500": 0.02, "502": 0.02, "503": 0.02,
             "504": 0.02, "reset": 0.02, "truncated": 0.02, "invalid-json": 0.01,
             "timeout": 0.01}  # fmt: skip
    faults.set(seed=11, rates=rates, hang_seconds=5)
    result = run_tap(config_for(served, request_timeout=1), streams=STREAMS)
    injected = faults.injected()
    assert sum(injected.values()) >= 5
    assert sum(result.tap.session.client().retries.values()) == sum(injected.values())
    assert keyed(result) == clean


# --- page sizes ------------------------------------------------------------------------


def test_page_size_20007_falls_back_to_the_stated_maximum(
    served: testing.ServedEmulator,
    faults: FaultControl,
    clean: dict[str, Counter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults.set(page_size_limit=100)
    with caplog.at_level(logging.WARNING):
        result = run_tap(config_for(served, max_concurrency=1), streams=STREAMS)
    assert keyed(result) == clean
    client = result.tap.session.client()
    assert set(client.page_sizes.values()) == {100}
    assert USAGE_DAILY not in client.page_sizes  # asked 100 at a time from the start
    # One refusal per endpoint, then it remembers: accounts, messages, calls, numbers.
    assert faults.injected() == {"rule:400:20007": len(client.page_sizes)}
    assert "failed at PageSize=1000 (HTTP 400 code 20007: Page size too large" in caplog.text
    # Concurrently, requests already in flight meet the refusal too; the result is the same.
    faults.set(page_size_limit=100)
    result = run_tap(config_for(served), streams=STREAMS)
    assert keyed(result) == clean
    assert result.tap.session.client().page_sizes == client.page_sizes


def test_usage_500_at_large_pages_falls_back(
    served: testing.ServedEmulator,
    faults: FaultControl,
    clean: dict[str, Counter],
    sleeps: list[float],
) -> None:
    """Usage records are asked 100 at a time (Twilio fails at 1000); if even that fails,
    the next size down is tried, and remembered for the endpoint."""
    faults.set(usage_page_size_limit=50)
    result = run_tap(config_for(served), streams=STREAMS)
    assert keyed(result) == clean
    assert result.tap.session.client().page_sizes == {USAGE_DAILY: 50}
    # 100 fails twice, for the first account only: then 50 is remembered.
    assert faults.injected() == {"rule:500:20500": 2}
    assert len(sleeps) == 2


def test_a_single_500_keeps_the_page_size(
    served: testing.ServedEmulator, faults: FaultControl, clean: dict[str, Counter]
) -> None:
    """Transient 500s are retried at the same size: pages only shrink on repeated 500s.

    With seed 7 no request meets two 500s in a row (with seeds 5, 6 and 8 some do).
    """
    faults.set(seed=7, rates={"500": 0.1})
    result = run_tap(config_for(served), streams=STREAMS)
    assert keyed(result) == clean
    assert result.tap.session.client().retries["500"] == faults.injected()["500"] >= 3
    assert result.tap.session.client().page_sizes == {}


def test_page_size_ladder() -> None:
    assert smaller_page_size(1000) == 500
    assert smaller_page_size(500) == 100
    assert smaller_page_size(100) == 50
    assert smaller_page_size(50) == 25  # Verify's maximum (error 60373)
    assert smaller_page_size(PAGE_SIZE_STEPS[-1]) is None
    assert smaller_page_size(1000, stated_max=200) == 200
    assert smaller_page_size(100, stated_max=200) == 50  # a stated max above ours is no help


# --- credentials, closed subaccounts, retention -----------------------------------------


def test_credential_revoked_mid_run_fails_after_two_quick_retries(
    served: testing.ServedEmulator, faults: FaultControl, sleeps: list[float]
) -> None:
    """A 401 that persists is real: believed on its third answer, within seconds.

    Refused on a subaccount's path, the main account is asked once more (same
    retries): only if it is refused too were the credentials revoked.
    """
    faults.set(revoke_after=6)
    tap_config = config_for(served, max_concurrency=1)  # one request at a time
    with pytest.raises(AuthenticationError, match="TAP_TWILIO_AUTH_TOKEN"):
        run_tap(tap_config, streams=STREAMS)
    assert faults.injected()["rule:401:20003"] in (1 + EDGE_RETRIES, 2 * (1 + EDGE_RETRIES))
    assert sum(sleeps) < 2


def test_cli_credential_revoked_mid_run_one_line(
    served: testing.ServedEmulator, faults: FaultControl, tmp_path: Path
) -> None:
    faults.set(revoke_after=6)
    result = run_cli(config_for(served), tmp_path)
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(m["type"] == "RECORD" for m in records), "the run failed mid-way, not at once"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "tap-twilio: Twilio rejected the credentials (HTTP 401, code 20003 Authenticate) on GET "
    )
    assert last.endswith("check account_sid and auth_token (TAP_TWILIO_ACCOUNT_SID, "
                         "TAP_TWILIO_AUTH_TOKEN)")  # fmt: skip
    assert served.auth_token not in result.stderr
    assert "Traceback" not in result.stderr


def test_subaccount_closing_mid_run_is_skipped_and_resumed(
    served: testing.ServedEmulator,
    faults: FaultControl,
    clean: dict[str, Counter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sub = active_subaccount(served)
    faults.set(close_after={sub: 2})
    config = config_for(served, lookback_days=0, page_size=20)  # pages enough to close between
    with caplog.at_level(logging.WARNING):
        first = run_tap(config, streams={"messages", "calls"})
    assert set(first.tap.session.skipped) == {f"messages of {sub}", f"calls of {sub}"}
    assert f"Skipping messages of account {sub} for this run" in caplog.text
    for stream in ("messages", "calls"):
        assert max(keyed(first)[stream].values()) == 1
        by_account = {r["sid"]: r["account_sid"] for r in clean_run(served).records[stream]}
        read = {r["sid"] for r in first.records[stream]}
        assert read >= {sid for sid, account in by_account.items() if account != sub}
        theirs = {sid for sid, account in by_account.items() if account == sub}
        assert len(read & theirs) < len(theirs)  # the skip really cut this account short
    # The skipped account's bookmark never passed what was read: resume, and nothing is lost.
    faults.clear()
    second = run_tap(config, state=first.final_state, streams={"messages", "calls"})
    for stream in ("messages", "calls"):
        union = {r["sid"] for r in first.records[stream] + second.records[stream]}
        assert union == set(clean[stream])


def test_main_account_list_404_is_fatal(
    served: testing.ServedEmulator, faults: FaultControl
) -> None:
    """A list missing for the main account means a setting points at the wrong place."""
    faults.set(close_after={served.account_sid: 0})
    with pytest.raises(NotFoundError, match=r"\.json not found \(HTTP 404, code 20404\)"):
        run_tap(config_for(served), streams={"messages"})


def test_retention_error_clamps_and_warns(
    served: testing.ServedEmulator,
    faults: FaultControl,
    clean: dict[str, Counter],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twilio keeps fewer days than start_date asks for: read what it keeps, say what it won't."""
    days_by_windows(monkeypatch)  # a whole-list sweep asks for no day Twilio no longer keeps
    faults.set(retention_days=DAYS + 1)
    start = (NOW.date() - dt.timedelta(days=DAYS + 4)).isoformat()
    with caplog.at_level(logging.WARNING):
        result = run_tap(
            config_for(served, start_date=start, max_concurrency=1), streams={"messages"}
        )
    assert keyed(result)["messages"] == clean["messages"]
    # One refusal per account, then the window is clamped to what Twilio states.
    assert faults.injected() == {"rule:400:20004": 3}
    floor = (NOW.date() - dt.timedelta(days=DAYS)).isoformat()
    assert caplog.text.count("outside its retention window (GET") == 3
    assert caplog.text.count("(HTTP 400, code 20004)") == 3
    assert f"skipping to {floor}, older days can no longer be read" in caplog.text
    # Concurrently, the days already asked for are refused too; the result is the same.
    faults.set(retention_days=DAYS + 1)
    result = run_tap(config_for(served, start_date=start), streams={"messages"})
    assert keyed(result)["messages"] == clean["messages"]
    # Each account's first refusal, plus those of the other days before the floor (4 in
    # all) that were already in flight: how many were depends on the threads' timing.
    assert 3 <= faults.injected()["rule:400:20004"] <= 3 * 4


def test_retention_clamp_rules() -> None:
    logger = logging.getLogger("test")
    today = dt.date(2026, 11, 20)
    message = "Date range ... outside of retention window of 400 days"
    clamp = after_retention_error(
        day=dt.date(2025, 1, 1), today=today, message=message, stream="messages", logger=logger
    )
    assert clamp == today - dt.timedelta(days=399)
    # No stated window: step one day; a floor behind us never moves us back.
    assert after_retention_error(
        day=dt.date(2026, 1, 1), today=today, message="nope", stream="m", logger=logger
    ) == dt.date(2026, 1, 2)
    assert after_retention_error(
        day=dt.date(2026, 11, 1), today=today, message=message, stream="m", logger=logger
    ) == dt.date(2026, 11, 2)


def test_account_in_path() -> None:
    sid = "AC" + "a" * 32
    assert account_in(f"/2010-04-01/Accounts/{sid}/Messages.json") == sid
    assert account_in(f"/2010-04-01/Accounts/{sid}.json") is None
    assert account_in("/2010-04-01/Accounts.json") is None


def test_default_policy() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.max_wait_seconds, policy.base_seconds) == (8, 600, 1)
    assert 30 <= policy.backoff(7) <= 60
    assert 30 <= policy.backoff(20) <= 60  # capped
