"""Group commit: one writer thread commits every waiting request in one transaction.

A durable commit costs an fsync (milliseconds) whatever it holds, so while one
commit is in flight the next requests queue up and share the next one. Each
request's future resolves only after its transaction is committed: the receiver
answers 2xx after that, never before.

Requests from the event loop are handed to the writer once per loop iteration (one
queue item, one wake-up of the writer thread for all of them), not one by one: each
wake-up is a fight for the GIL with the busy event loop.

Health probes (``/healthz``) go through the same queue and thread: a probe is a real
commit on the connection the events use, so it fails when their commits would, and
it waits behind them when the writer is slow. Probes waiting together share one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import NamedTuple

from ..events import Event
from .base import Backend, StoreError

log = logging.getLogger("twilio_webhooks.store")


@dataclass
class CommitStats:
    """Written by the writer thread only; read by /metrics."""

    commits: int = 0
    events: int = 0
    failures: int = 0
    seconds: float = 0.0
    probes: int = 0
    probe_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class _Job(NamedTuple):
    events: Sequence[Event]
    future: Future[list[bool]] | asyncio.Future[list[bool]]
    loop: asyncio.AbstractEventLoop | None = None  # set for asyncio futures
    probe: bool = False  # a health probe: no events, one heartbeat commit


def _settle(outcomes: list[tuple[asyncio.Future, list[bool] | BaseException]]) -> None:
    """On the event loop: resolve a whole batch's futures in one wake-up."""
    for future, outcome in outcomes:
        if future.done():  # the request was cancelled (client gone): nothing to tell
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class GroupCommitter:
    def __init__(self, backend: Backend, *, max_batch: int = 2000) -> None:
        self.backend = backend
        self.max_batch = max_batch
        self.stats = CommitStats()
        self._queue: queue.SimpleQueue[list[_Job] | None] = queue.SimpleQueue()
        # Per event loop: the jobs of this loop iteration, not yet handed to the writer.
        self._pending: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        self._thread = threading.Thread(target=self._run, name="webhook-store", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, events: Sequence[Event]) -> Future[list[bool]]:
        """From any thread: a future that resolves once ``events`` are committed."""
        future: Future[list[bool]] = Future()
        if not events:
            future.set_result([])
        else:
            self._queue.put([_Job(events, future)])
        return future

    async def commit(self, events: Sequence[Event]) -> list[bool]:
        """Wait until ``events`` are committed; True for each new one, False for duplicates."""
        if not events:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[bool]] = loop.create_future()
        pending = self._pending.get(loop)
        if pending is None:  # the first of this iteration: hand them all over at its end
            self._pending[loop] = pending = []
            loop.call_soon(self._hand_off, loop)
        pending.append(_Job(events, future, loop))
        return await future

    async def probe(self, timeout: float) -> str | None:
        """None when a heartbeat commits within ``timeout`` seconds, else why not."""
        if not self.alive:
            return "store writer stopped"
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[bool]] = loop.create_future()
        self._queue.put([_Job((), future, loop, probe=True)])
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return f"store did not commit within {timeout:g}s"
        except StoreError as exc:
            return str(exc)
        return None

    def _hand_off(self, loop: asyncio.AbstractEventLoop) -> None:
        self._queue.put(self._pending.pop(loop))

    def close(self) -> None:
        """Commit what is queued, then stop the writer and close the backend."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self.backend.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            jobs, size = item, sum(len(job.events) for job in item)
            while size < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                jobs += more
                size += sum(len(job.events) for job in more)
            self._commit(jobs)

    def _commit(self, jobs: list[_Job]) -> None:
        probes = [job for job in jobs if job.probe]
        if probes:
            jobs = [job for job in jobs if not job.probe]
        if jobs:
            self._commit_events(jobs)
        if probes:
            self._probe(probes)

    def _probe(self, jobs: list[_Job]) -> None:
        """One heartbeat commit answers every probe waiting."""
        try:
            self.backend.probe()
        except Exception as exc:
            self._recover()
            with self.stats.lock:
                self.stats.probes += 1
                self.stats.probe_failures += 1
            log.error("store probe failed: %s", type(exc).__name__)
            failed = StoreError(f"store cannot commit: {type(exc).__name__}")
            self._resolve(jobs, [failed] * len(jobs))
            return
        with self.stats.lock:
            self.stats.probes += 1
        self._resolve(jobs, [[] for _ in jobs])

    def _commit_events(self, jobs: list[_Job]) -> None:
        events = [event for job in jobs for event in job.events]
        started = time.perf_counter()
        try:
            inserted = self.backend.write(events)
        except Exception as exc:
            self._recover()
            if len(jobs) > 1:  # one bad request must not fail the others: retry each alone
                for job in jobs:
                    self._commit_events([job])
                return
            with self.stats.lock:
                self.stats.failures += 1
            log.error("store commit failed: %s", type(exc).__name__)
            self._resolve(jobs, [StoreError(f"commit failed: {type(exc).__name__}")])
            return
        elapsed = time.perf_counter() - started
        with self.stats.lock:
            self.stats.commits += 1
            self.stats.events += len(events)
            self.stats.seconds += elapsed
        outcomes: list[list[bool] | BaseException] = []
        start = 0
        for job in jobs:
            end = start + len(job.events)
            outcomes.append(inserted[start:end])
            start = end
        self._resolve(jobs, outcomes)

    @staticmethod
    def _resolve(jobs: list[_Job], outcomes: list[list[bool] | BaseException]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list] = {}
        for job, outcome in zip(jobs, outcomes, strict=True):
            if job.loop is None:
                assert isinstance(job.future, Future)
                if isinstance(outcome, BaseException):
                    job.future.set_exception(outcome)
                else:
                    job.future.set_result(outcome)
            else:
                by_loop.setdefault(job.loop, []).append((job.future, outcome))
        for loop, batch in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: the server is gone
                loop.call_soon_threadsafe(_settle, batch)

    def _recover(self) -> None:
        try:
            self.backend.recover()
        except Exception as exc:
            log.error("store recovery failed: %s", type(exc).__name__)
