"""Concurrent windows: the same messages, in the same order, as one request at a time.

``in_order`` and ``AdaptiveLimit`` are tested on their own (ordering, bounds,
failures, early stops, 429 cuts and growth); then whole runs: a concurrent run
writes exactly the records and states of a sequential one, and a concurrency
cap on the server shrinks the tap's concurrency without losing a record.
Resuming from every checkpoint of a concurrent run is ``test_incremental``'s
``test_interrupted_run_resumes_without_gaps`` (concurrency is on by default).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tap_twilio.concurrency import GROWTH, AdaptiveLimit, Ahead, in_order
from tests.emulated import tap_config
from tests.helpers import SyncResult, days_by_windows, run_tap
from twilio_emulator import behaviours, testing
from twilio_emulator.emulator import EmulatorConfig

LOGGER = logging.getLogger("test")


class Tracker:
    """Counts fetches running at once; the first ``together`` must all run at the same time.

    Item ``i`` comes in three chunks: ``[i]``, ``[i * i]``, ``[-i]``.
    """

    def __init__(self, together: int, fail_at: int | None = None) -> None:
        self.started: list[int] = []
        self.running = 0
        self.peak = 0
        self.fail_at = fail_at
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(together, timeout=10)
        self._together = together

    def fetch(self, item: int) -> Iterator[list[int]]:
        with self._lock:
            self.started.append(item)
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            if item < self._together:
                self._barrier.wait()  # breaks (and fails the test) unless all run at once
            yield [item]
            if item == self.fail_at:
                raise ValueError(f"item {item} failed")
            yield [item * item]
            yield [-item]
        finally:
            with self._lock:
                self.running -= 1


def read(results: Iterator[tuple[int, Iterator[int]]], n: int | None = None) -> list:
    """The first ``n`` items (all by default) with their records, read in turn."""
    out = []
    for item, records in results:
        out.append((item, list(records)))
        if len(out) == n:
            break
    return out


def expected(items: range) -> list:
    return [(i, [i, i * i, -i]) for i in items]


def test_items_come_back_in_order_with_at_most_ahead_at_once() -> None:
    tracker = Tracker(together=4)
    with ThreadPoolExecutor(8) as pool:
        got = read(in_order(pool, range(50), tracker.fetch, ahead=4))
    assert got == expected(range(50))
    assert tracker.peak == 4  # the first four met at the barrier; never more than four
    assert sorted(tracker.started) == list(range(50))


def test_an_item_fetched_ahead_holds_at_most_a_few_chunks() -> None:
    """However big a day, a window waiting its turn keeps ``chunks`` pages, then waits."""
    produced: list[int] = []

    def fetch(item: int) -> Iterator[list[int]]:
        for page in range(100):
            produced.append(item)
            yield [page]

    with ThreadPoolExecutor(4) as pool:
        results = in_order(pool, range(3), fetch, ahead=3, chunks=2)
        item, records = next(results)
        assert (item, next(records)) == (0, 0)
        threading.Event().wait(0.3)  # time for items 1 and 2 to fetch all they may
        assert produced.count(1) <= 3  # two pages waiting, one on its way
        assert produced.count(2) <= 3
        assert list(records) == list(range(1, 100))
        assert read(results) == [(1, list(range(100))), (2, list(range(100)))]


def test_a_failure_is_raised_in_its_turn_and_stops_the_rest() -> None:
    tracker = Tracker(together=3, fail_at=5)
    with ThreadPoolExecutor(8) as pool:
        results = in_order(pool, range(100), tracker.fetch, ahead=3)
        assert read(results, 5) == expected(range(5))  # everything before, in order
        item, records = next(results)
        assert (item, next(records)) == (5, 5)  # the chunk before the failure
        with pytest.raises(ValueError, match="item 5 failed"):
            next(records)
        results.close()
    assert max(tracker.started) <= 5 + 3  # nothing asked for past what was in flight


def test_stopping_early_cancels_what_was_not_started() -> None:
    tracker = Tracker(together=2)
    with ThreadPoolExecutor(8) as pool:
        results = in_order(pool, range(100), tracker.fetch, ahead=2)
        assert read(results, 3) == expected(range(3))
        results.close()
    assert max(tracker.started) <= 3 + 2


def test_without_a_pool_items_are_fetched_here_one_by_one() -> None:
    threads = []

    def fetch(item: int) -> Iterator[list[int]]:
        threads.append(threading.current_thread())
        yield [item]

    assert read(in_order(None, range(5), fetch, 8)) == [(i, [i]) for i in range(5)]
    assert set(threads) == {threading.current_thread()}


def test_429s_halve_the_limit_once_per_burst() -> None:
    limit = AdaptiveLimit(8, LOGGER)
    with limit.slot() as first, limit.slot() as second:
        assert first == second
    limit.throttled(first)
    limit.throttled(second)  # the same burst: no second cut
    assert limit.limit == 4
    with limit.slot() as later:
        pass
    limit.throttled(later)
    assert (limit.limit, limit.lowest) == (2, 2)
    for _ in range(5):
        with limit.slot() as generation:
            pass
        limit.throttled(generation)
    assert limit.limit == limit.lowest == 1  # never below one


def test_successes_grow_the_limit_back_to_the_maximum() -> None:
    limit = AdaptiveLimit(3, LOGGER)
    with limit.slot() as generation:
        pass
    limit.throttled(generation)
    assert limit.limit == 1
    for _ in range(GROWTH * 1 - 1):
        limit.succeeded()
    assert limit.limit == 1
    limit.succeeded()
    assert limit.limit == 2
    for _ in range(GROWTH * 2 + GROWTH * 3 + 10):
        limit.succeeded()
    assert (limit.limit, limit.lowest) == (3, 1)  # back to the maximum, never past it


def test_a_slot_waits_while_the_limit_is_reached() -> None:
    limit = AdaptiveLimit(2, LOGGER)
    entered = threading.Event()

    def third() -> None:
        with limit.slot():
            entered.set()

    with limit.slot(), limit.slot():
        waiter = threading.Thread(target=third)
        waiter.start()
        assert not entered.wait(0.1)
    assert entered.wait(10)
    waiter.join()


# --- whole runs ---------------------------------------------------------------------------


def written(result: SyncResult) -> tuple[dict[str, list[dict]], list]:
    """Every record in the order written, per stream, and each state with what preceded it."""
    return dict(result.records), result.checkpoints


def test_a_concurrent_run_writes_what_a_sequential_one_writes() -> None:
    """Every stream, windowed or not: same records, same order, same states between them."""
    sequential = run_tap(tap_config(max_concurrency=1))
    concurrent = run_tap(tap_config(max_concurrency=8))
    assert written(concurrent) == written(sequential)
    assert len(sequential.records["messages"]) > 1000
    assert len(sequential.checkpoints) > 20


@pytest.fixture
def capped() -> Iterator[testing.ServedEmulator]:
    """An emulator that answers 429 past two requests in flight, each taking 20 ms."""
    now = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
    config = EmulatorConfig(
        seed=5,
        days=12,
        messages_per_day=60,
        calls_per_day=10,
        customers=60,
        now=int(now.timestamp()),
        auth_token="capped-token-0123456789abcdef",
        **behaviours.all_off(),  # the 429s counted here are the cap's only
    )
    with testing.serve(config) as served:
        yield served


def test_a_concurrency_cap_shrinks_the_tap_and_loses_nothing(
    capped: testing.ServedEmulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    days_by_windows(monkeypatch)  # windows in flight together, as on any later run
    config = {
        "account_sid": capped.account_sid,
        "auth_token": capped.auth_token,
        "base_url": capped.url,
        "start_date": "2026-11-09",
        "backoff_base_ms": 10,
    }
    streams = {"messages", "calls"}
    clean = run_tap(config, streams=streams)
    plan = {"max_concurrent": 2, "latency_ms": 20}
    requests.post(f"{capped.url}/_emulator/faults", json=plan, timeout=10).raise_for_status()
    with caplog.at_level(logging.INFO):
        limited = run_tap({**config, "max_concurrency": 8}, streams=streams)
    report = requests.get(f"{capped.url}/_emulator/faults", timeout=10).json()
    assert report["injected"]["concurrency"] >= 1  # more than two were in flight at first
    assert written(limited) == written(clean)
    assert limited.tap.session.limit.lowest <= 2
    assert "Twilio answered 429 (too many requests): concurrency 8 -> 4" in caplog.text
    assert f"concurrency cut from 8 to {limited.tap.session.limit.lowest} by 429s" in caplog.text


def test_child_lists_are_fetched_ahead_concurrently_and_written_in_order() -> None:
    """Children (one list per parent record) go through the same pool as windows."""
    children = {"messages", "message_media", "calls", "call_events"}
    sequential = run_tap(tap_config(max_concurrency=1), streams=children)
    concurrent = run_tap(tap_config(max_concurrency=8), streams=children)
    assert written(concurrent) == written(sequential)
    assert len(sequential.records["call_events"]) > 100
    assert sequential.tap.session.limit.peak == 1
    assert concurrent.tap.session.limit.peak > 1


def test_a_list_fetched_ahead_is_bounded_fails_in_its_turn_and_can_be_dropped() -> None:
    """``Ahead``: a few pages wait in memory, the rest on disk up to a size, then the fetch
    waits for its reader; pages come back in order and the file is closed once read; a
    failure is raised when the pages before it were read; a fetch not started yet is given
    back to the caller."""
    produced: list[int] = []

    def pages(fail_at: int | None) -> Iterator[list[int]]:
        for i in range(20):
            if i == fail_at:
                raise RuntimeError("404")
            produced.append(i)
            yield [i]

    def started(count: int) -> None:
        deadline = time.monotonic() + 5
        while len(produced) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    with ThreadPoolExecutor(1) as pool:
        ahead = Ahead(pool, pages(None), held=2, spill_bytes=0)
        started(3)
        assert len(produced) == 3  # two waiting, one in hand: the reader has not come
        chunks = ahead.chunks()
        assert chunks is not None
        assert [c[0] for c in chunks] == list(range(20))

        produced.clear()
        before = open_files()
        spilling = Ahead(pool, pages(None), held=2, spill_bytes=9)  # a page spills as 3 bytes
        started(6)
        assert len(produced) == 6  # two in memory, three on disk, one in hand
        assert open_files() == before + 1
        chunks = spilling.chunks()
        assert chunks is not None
        assert [c[0] for c in chunks] == list(range(20))
        assert open_files() == before

        produced.clear()
        whole = Ahead(pool, pages(None), held=2)  # the default room: the chain runs to its end
        started(20)
        assert len(produced) == 20
        chunks = whole.chunks()
        assert chunks is not None
        assert [c[0] for c in chunks] == list(range(20))

        produced.clear()
        failing = Ahead(pool, pages(5), held=2)
        started(3)
        chunks = failing.chunks()
        assert chunks is not None
        read: list[int] = []
        with pytest.raises(RuntimeError, match="404"):
            read.extend(c[0] for c in chunks)
        assert read == [0, 1, 2, 3, 4]

        blocker = Ahead(pool, pages(None), held=1)  # holds the only thread, never read
        queued = Ahead(pool, pages(None))
        assert queued.chunks() is None  # not started: it never will be
        blocker.cancel()
