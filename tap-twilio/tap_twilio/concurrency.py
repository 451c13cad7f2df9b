"""Concurrent windows: fetch several windows at once, emit them in order.

A stream's windows (days, spans of days, the sweep of undated records) are
independent requests, and reading them one after another pays Twilio's latency
once per window. ``in_order`` fetches up to ``ahead`` windows at once and hands
each back in its turn, so records leave the tap in exactly the order a sequential
read gives them: state, which follows the records, never passes a window that was
not completely read and written, and a run killed at any point resumes as before.

``AdaptiveLimit`` bounds the requests in flight across the whole tap. Twilio
limits concurrent requests per account and answers 429 past the limit: each 429
halves the limit (once per burst, however many requests of the burst fail), and
every ``GROWTH`` x limit successes in a row raise it by one, back toward
``max_concurrency``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

GROWTH = 4  # successes per unit of limit before the limit grows by one


class AdaptiveLimit:
    """How many requests may be in flight now: ``maximum``, less after 429s."""

    def __init__(self, maximum: int, logger: logging.Logger) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum  # for the run's summary
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


def in_order(
    pool: Executor | None,
    items: Iterable[Item],
    fetch: Callable[[Item], Result],
    ahead: int,
) -> Iterator[tuple[Item, Result]]:
    """``(item, fetch(item))`` for each item, in order, with up to ``ahead`` fetched at once.

    A failed fetch raises when its turn comes, after every item before it was
    handed back. Items not yet handed back are cancelled when the caller stops
    early (or on failure); fetches already running finish and are discarded.
    Without a pool, or with ``ahead`` 1, items are fetched one by one in this thread.
    """
    if pool is None or ahead <= 1:
        for item in items:
            yield item, fetch(item)
        return
    source = iter(items)
    pending: deque[tuple[Item, Future[Result]]] = deque()

    def submit_next() -> None:
        for item in source:
            pending.append((item, pool.submit(fetch, item)))
            return

    try:
        for _ in range(ahead):
            submit_next()
        while pending:
            item, future = pending.popleft()
            result = future.result()
            submit_next()
            yield item, result
    finally:
        for _, future in pending:
            future.cancel()
