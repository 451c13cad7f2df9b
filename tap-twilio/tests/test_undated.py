"""Messages without ``date_sent`` (scheduled, queued, canceled, failed before sending) are
never lost, wherever Twilio's unfiltered list puts them, and each change reaches the output.

For each of the three orders the emulator can play (Twilio documents none), the tap
runs several times while the clock moves: after every run, the latest version of
each message the runs wrote must be exactly what Twilio serves at that clock, per
account and status, scheduled and canceled included.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tap_twilio import undated
from tap_twilio.client import TwilioClient
from tap_twilio.streams.base import TwilioStream
from tap_twilio.undated import FOLDING_FROM, STATE_KEY
from tests.emulated import served_config
from tests.helpers import SyncResult, run_tap, run_tap_logged
from twilio_emulator import testing
from twilio_emulator.behaviours import UNDATED_ORDERS
from twilio_emulator.emulator import EmulatorConfig

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
# Clock moves between runs: an hour, then days (scheduled messages are sent or canceled).
STEPS = (3600, 2 * 86_400, 5 * 86_400)


@pytest.fixture(params=UNDATED_ORDERS)
def emulator(request: pytest.FixtureRequest) -> Iterator[testing.ServedEmulator]:
    config = EmulatorConfig(
        seed=29,
        days=14,
        messages_per_day=150,
        calls_per_day=5,
        customers=120,
        now=int(NOW.timestamp()),
        auth_token="undated-token-0123456789abcdef",
        undated_order=request.param,
    )
    with testing.serve(config) as served:
        yield served


def truth(served: testing.ServedEmulator) -> dict:
    return requests.get(f"{served.url}/_emulator/truth", timeout=60).json()


class Warehouse:
    """What a loader keeps: the latest version of each message (as dbt's staging picks it)."""

    def __init__(self) -> None:
        self.messages: dict[str, dict] = {}

    def load(self, result: SyncResult) -> None:
        for record in result.records["messages"]:
            kept = self.messages.get(record["sid"])
            if kept is None or record["date_updated"] >= kept["date_updated"]:
                self.messages[record["sid"]] = record

    def by_status(self, deleted: set[str]) -> dict[str, Counter]:
        result: dict[str, Counter] = {}
        for sid, record in self.messages.items():
            if sid not in deleted:
                result.setdefault(record["account_sid"], Counter())[record["status"]] += 1
        return result


def expected_by_status(served: testing.ServedEmulator) -> tuple[dict[str, Counter], set[str]]:
    now = truth(served)
    deleted = {d["sid"] for d in now["deletions"] if d["kind"] == "message"}
    counts = {
        sid: Counter(account["messages"]["by_status"])
        for sid, account in now["accounts"].items()
        if account["messages"]["total"]
    }
    return counts, deleted


def test_every_undated_message_is_found_and_followed(emulator: testing.ServedEmulator) -> None:
    config = served_config(emulator, start_date="2026-11-01", lookback_days=3)
    warehouse, state = Warehouse(), {}
    statuses_seen: Counter = Counter()
    for step in (0, *STEPS):
        emulator.emulator.clock.advance(step)
        result = run_tap(config, state=state, streams={"messages"})
        warehouse.load(result)
        state = result.final_state
        expected, deleted = expected_by_status(emulator)
        assert warehouse.by_status(deleted) == expected, f"after {step} s"
        statuses_seen.update(
            r["status"] for r in result.records["messages"] if r["date_sent"] is None
        )
    # The runs met what this test is about.
    assert {"scheduled", "canceled", "failed"} <= set(statuses_seen)


def test_state_keeps_only_what_still_changes(emulator: testing.ServedEmulator) -> None:
    config = served_config(emulator, start_date="2026-11-01")
    result = run_tap(config, streams={"messages"})
    pending = set()
    for partition in result.final_state["bookmarks"]["messages"]["partitions"]:
        pending |= set(partition.get(STATE_KEY, {}).get("pending", ()))
    written = {r["sid"]: r for r in result.records["messages"]}
    assert pending
    assert all(written[sid]["date_sent"] is None for sid in pending)
    assert all(written[sid]["status"] not in ("canceled", "failed") for sid in pending)


def test_sweeps_stop_early_once_the_order_allows(emulator: testing.ServedEmulator) -> None:
    """A server that lists undated messages last gets a whole-list sweep every run; the
    others, once they showed it, only the records created since the last sweep."""
    order = emulator.emulator.config.undated_order
    config = served_config(emulator, start_date="2026-11-01")
    first, _ = run_tap_logged(config, streams={"messages"})
    emulator.emulator.clock.advance(3600)
    _, requests_made = run_tap_logged(config, state=first.final_state, streams={"messages"})
    sweep_pages = Counter(
        path.split("/")[3]
        for path, query in requests_made
        if path.endswith("/Messages.json") and "DateSent>" not in query
    )
    whole_list = max(sweep_pages.values())
    if order == "nulls-last":
        assert whole_list > 1  # every page of the list, each run
    else:
        assert whole_list == 1  # the first page holds everything created since


def test_a_whole_list_sweep_is_the_runs_read_of_its_days(
    emulator: testing.ServedEmulator,
) -> None:
    """The first sweep reads the whole list whatever the order: it emits the run's dated
    messages too, and no day window asks for them again. The bookmark is the newest."""
    config = served_config(emulator, start_date="2026-11-01")
    result, requests_made = run_tap_logged(config, streams={"messages"})
    listed = [query for path, query in requests_made if path.endswith("/Messages.json")]
    assert listed
    assert not [query for query in listed if "DateSent>" in query]
    sids = Counter(record["sid"] for record in result.records["messages"])
    assert max(sids.values()) == 1
    for partition in result.final_state["bookmarks"]["messages"]["partitions"]:
        account = partition["context"]["account_sid"]
        mine = [r["date_sent"] for r in result.records["messages"] if r["account_sid"] == account]
        assert partition["replication_key_value"] == max(d for d in mine if d)
        assert FOLDING_FROM not in partition[STATE_KEY]


def test_a_pending_message_deleted_since_is_dropped(emulator: testing.ServedEmulator) -> None:
    """Re-read by SID, a pending message Twilio deleted answers 404: it leaves the state,
    the run goes on, and nothing is written for it."""
    config = served_config(emulator, start_date="2026-11-01")
    first = run_tap(config, streams={"messages"})
    state = copy.deepcopy(first.final_state)
    gone = "SM" + "0" * 32  # never existed: Twilio answers 404, as for a deleted one
    partition = state["bookmarks"]["messages"]["partitions"][0]
    partition.setdefault(STATE_KEY, {}).setdefault("pending", []).append(gone)
    again = run_tap(config, state=state, streams={"messages"})
    assert gone not in {r["sid"] for r in again.records["messages"]}
    for partition in again.final_state["bookmarks"]["messages"]["partitions"]:
        assert gone not in partition.get(STATE_KEY, {}).get("pending", ())


def test_a_sweep_period_reads_the_whole_list_once_a_day_and_loses_nothing() -> None:
    """undated_sweep_days=1 on a server that lists undated messages last: the second run
    of the day sweeps nothing, the first run of the next day sweeps again, and by then
    every message is in the output with its latest status."""
    config = EmulatorConfig(
        seed=31,
        days=10,
        messages_per_day=120,
        calls_per_day=5,
        customers=100,
        now=int(NOW.timestamp()),
        auth_token="undated-token-0123456789abcdef",
        undated_order="nulls-last",
    )
    with testing.serve(config) as served:
        tap_config = served_config(served, start_date="2026-11-10", undated_sweep_days=1)
        warehouse = Warehouse()
        first, _ = run_tap_logged(tap_config, streams={"messages"})
        warehouse.load(first)
        sweeps = []
        state = first.final_state
        for step in (3600, 86_400):
            served.emulator.clock.advance(step)
            result, requests_made = run_tap_logged(tap_config, state=state, streams={"messages"})
            warehouse.load(result)
            state = result.final_state
            sweeps.append(
                sum(
                    1
                    for path, query in requests_made
                    if path.endswith("/Messages.json") and "DateSent>" not in query
                )
            )
        expected, deleted = expected_by_status(served)
    assert sweeps[0] == 0  # an hour later, the same UTC day: no sweep
    assert sweeps[1] >= 3  # the next day: the whole list of each account
    assert warehouse.by_status(deleted) == expected


def test_the_next_accounts_sweeps_are_read_ahead_and_change_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While one account's whole list is swept, the next accounts' sweeps already run
    (their chains of pages overlap, not one account after another), and the run writes
    exactly the records and states of a run that reads no account ahead."""
    config = EmulatorConfig(
        seed=37,
        days=6,
        messages_per_day=150,
        calls_per_day=5,
        customers=100,
        now=int(NOW.timestamp()),
        auth_token="undated-token-0123456789abcdef",
    )
    with testing.serve(config) as served:
        faults = f"{served.url}/_emulator/faults"
        requests.post(faults, json={"latency_ms": 20}, timeout=10).raise_for_status()
        tap_config = served_config(served, start_date="2026-11-14", page_size=50)
        ahead, ahead_sweeps = _timed_sweeps(tap_config)
        monkeypatch.setattr(undated, "SWEEPS_AHEAD", 0)
        alone, alone_sweeps = _timed_sweeps(tap_config)
    accounts = ahead.tap.session.accounts
    assert len(accounts) >= 3
    assert all(len(ahead_sweeps[sid]) > 2 for sid in accounts)  # chains of several pages
    first, second = accounts[0], accounts[1]
    # Ahead: the second account's sweep began before the first one's last page came back.
    assert min(start for start, _ in ahead_sweeps[second]) < max(
        end for _, end in ahead_sweeps[first]
    )
    assert min(start for start, _ in alone_sweeps[second]) >= max(
        end for _, end in alone_sweeps[first]
    )
    assert ahead.records["messages"] == alone.records["messages"]
    assert ahead.states == alone.states
    assert sum(map(len, ahead_sweeps.values())) == sum(map(len, alone_sweeps.values()))


def _timed_sweeps(config: dict) -> tuple[SyncResult, dict[str, list[tuple[float, float]]]]:
    """A run of messages, and when each request of each account's sweep began and ended."""
    sweeps: dict[str, list[tuple[float, float]]] = {}
    original = TwilioClient.get

    def timed_get(self: TwilioClient, path_or_url: str, *args: Any, **kwargs: Any) -> dict:
        start = time.monotonic()
        try:
            return original(self, path_or_url, *args, **kwargs)
        finally:
            path = urlsplit(path_or_url).path
            if path.endswith("/Messages.json") and "DateSent" not in path_or_url:
                account = path.split("/")[3]
                sweeps.setdefault(account, []).append((start, time.monotonic()))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TwilioClient, "get", timed_get)
        result = run_tap(config, streams={"messages"})
    return result, sweeps


def test_a_whole_sweep_prepares_only_what_it_emits(
    emulator: testing.ServedEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later sweep meets every message again (the whole list, where undated ones are
    last): each is judged on its dates, and only the messages it writes are prepared."""
    config = served_config(emulator, start_date="2026-11-01", lookback_days=1)
    first = run_tap(config, streams={"messages"})
    emulator.emulator.clock.advance(3600)
    prepared: Counter = Counter()
    prepare = TwilioStream.prepare

    def counting(self: TwilioStream, record: dict) -> dict:
        prepared[self.name] += 1
        return prepare(self, record)

    monkeypatch.setattr(TwilioStream, "prepare", counting)
    again = run_tap(config, state=first.final_state, streams={"messages"})
    assert again.records["messages"]
    assert prepared["messages"] == len(again.records["messages"])
    assert len(again.records["messages"]) < len(first.records["messages"]) / 2


def test_a_sweep_remembers_only_the_pending_sids_it_meets() -> None:
    """Memory follows the pending records, not the list: a whole sweep meets them all."""
    sweep = undated._Sweep(None, watched=frozenset({"SM1"}))
    for sid in ("SM1", "SM2", "SM3"):
        assert not sweep.observe(sid, "2026-11-02T00:00:00+00:00", "2026-11-01T00:00:00+00:00")
    assert sweep.observe("SM4", None, "2026-11-03T00:00:00+00:00")
    assert sweep.dated == {"SM1"}
    assert sweep.seen == {"SM4"}
    assert sweep.newest_created == "2026-11-03T00:00:00+00:00"
