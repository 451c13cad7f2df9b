"""Concurrent windows: fetch several windows at once, emit them in order.

A stream's windows (days, spans of days, the sweep of undated records) are
independent requests, and reading them one after another pays Twilio's latency
once per window. ``in_order`` fetches up to ``ahead`` windows at once and hands
each back in its turn, page by page, so records leave the tap in exactly the
order a sequential read gives them: state, which follows the records, moves as
it did, and a run killed at any point resumes as before. A window fetched ahead
holds at most a few pages, so memory does not grow with the size of a day.

``AdaptiveLimit`` bounds the requests in flight across the whole tap. Twilio
limits concurrent requests per account and answers 429 past the limit: each 429
halves the limit (once per burst, however many requests of the burst fail), and
every ``GROWTH`` x limit successes in a row raise it by one, back toward
``max_concurrency``.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

Item = TypeVar("Item")
Record = TypeVar("Record")

GROWTH = 4  # successes per unit of limit before the limit grows by one
CHUNKS_AHEAD = 3  # pages each window fetched ahead may hold before it waits its turn


class AdaptiveLimit:
    """How many requests may be in flight now: ``maximum``, less after 429s."""

    def __init__(self, maximum: int, logger: logging.Logger) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum  # for the run's summary
        self.peak = 0  # most requests in flight at once, for the summary and tests
        self.logger = logger
        self._in_flight = 0
        self._generation = 0  # bumped by each cut: one cut per burst of 429s
        self._successes = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def slot(self) -> Iterator[int]:
        """Wait for a free slot; yields the generation to pass to ``throttled``."""
        with self._cond:
            while self._in_flight >= self.limit:
                self._cond.wait()
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            generation = self._generation
        try:
            yield generation
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()

    def throttled(self, generation: int) -> None:
        """A request sent in ``generation`` got 429: halve the limit, unless already cut since."""
        with self._cond:
            if generation != self._generation:
                return
            self._generation += 1
            self._successes = 0
            before, self.limit = self.limit, max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
        self.logger.warning(
            "Twilio answered 429 (too many requests): concurrency %d -> %d", before, self.limit
        )

    def succeeded(self) -> None:
        """A request succeeded: after enough in a row, allow one more in flight."""
        with self._cond:
            if self.limit >= self.maximum:
                return
            self._successes += 1
            if self._successes >= GROWTH * self.limit:
                self._successes = 0
                self.limit += 1
                self._cond.notify()


class _Window:
    """One item's chunks on their way from its fetching thread to the caller."""

    def __init__(self, chunks: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(chunks)
        self.cancelled = False

    def put(self, value: Any) -> bool:
        """Hand ``value`` over, waiting for room; False once the caller has gone."""
        while not self.cancelled:
            try:
                self.queue.put(value, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce(self, fetch: Callable[[Any], Iterable[list]], item: Any) -> None:
        try:
            for chunk in fetch(item):
                if not self.put(chunk):
                    return
        except BaseException as exc:  # handed to the caller, raised in the item's turn
            self.put(_Failure(exc))
        else:
            self.put(_DONE)

    def chunks(self) -> Iterator[Any]:
        while True:
            chunk = self.queue.get()
            if chunk is _DONE:
                return
            if isinstance(chunk, _Failure):
                raise chunk.error
            yield chunk

    def records(self) -> Iterator[Any]:
        for chunk in self.chunks():
            yield from chunk


class Ahead:
    """A list's chunks (pages) fetched in the background before anyone asks for them.

    As a window of ``in_order``: at most ``chunks`` wait, a failure is raised when
    its turn to be read comes, and ``cancel`` stops the fetch at its next chunk.
    """

    def __init__(self, pool: Executor, chunks: Iterable[list], held: int = CHUNKS_AHEAD) -> None:
        self._window = _Window(held)
        self._future = pool.submit(self._window.produce, lambda _: chunks, None)

    def chunks(self) -> Iterator[list] | None:
        """The chunks as they arrive (``cancel`` when done with them); None if the fetch
        had not started: it never will, and the caller reads the list itself."""
        if self._future.cancel():
            return None
        return self._window.chunks()

    def cancel(self) -> None:
        """Stop the fetch: at its next chunk if running (harmless once finished)."""
        self._window.cancelled = True
        self._future.cancel()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def in_order(
    pool: Executor | None,
    items: Iterable[Item],
    fetch: Callable[[Item], Iterable[list[Record]]],
    ahead: int,
    chunks: int = CHUNKS_AHEAD,
) -> Iterator[tuple[Item, Iterator[Record]]]:
    """``(item, its records)`` for each item, in order, with up to ``ahead`` fetched at once.

    ``fetch(item)`` yields an item's records in chunks (pages); each item keeps at
    most ``chunks`` of them waiting, so memory stays bounded however big a day is.
    Read each item's records before asking for the next item. A failed fetch
    raises while its records are read, after the chunks before the failure.
    When the caller stops early (or on failure), the items after it are dropped:
    fetches not started are cancelled, running ones stop at their next chunk.
    Without a pool, or with ``ahead`` 1, items are fetched one by one as they are read.
    """
    if pool is None or ahead <= 1:
        for item in items:
            yield item, (record for chunk in fetch(item) for record in chunk)
        return
    source = iter(items)
    pending: deque[tuple[Item, _Window, Future[None]]] = deque()

    def submit_next() -> None:
        for item in source:
            window = _Window(chunks)
            pending.append((item, window, pool.submit(window.produce, fetch, item)))
            return

    try:
        for _ in range(ahead):
            submit_next()
        while pending:
            item, window, _ = pending[0]
            yield item, window.records()
            pending.popleft()
            submit_next()
    finally:
        for _, window, future in pending:
            window.cancelled = True
            future.cancel()
