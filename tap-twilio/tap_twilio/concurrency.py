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
import os
import queue
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import IO, Any, TypeVar

import orjson

Item = TypeVar("Item")
Record = TypeVar("Record")

GROWTH = 4  # successes per unit of limit before the limit grows by one
CHUNKS_AHEAD = 3  # pages each window fetched ahead may hold before it waits its turn
SPILL_BYTES = 512 * 2**20  # pages a list fetched ahead (``Ahead``) may keep on disk


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

    def records(self) -> Iterator[Any]:
        while True:
            chunk = self.queue.get()
            if chunk is _DONE:
                return
            if isinstance(chunk, _Failure):
                raise chunk.error
            yield from chunk


class Ahead:
    """A list's chunks (pages) fetched in the background before anyone asks for them.

    A whole-list sweep is one chain of requests (each page names the next), so a
    chain that waited for its reader would start only when the reader came. The
    first ``held`` chunks wait in memory; later ones wait on disk, in an unnamed
    temporary file (gone with the process, even a killed one), up to
    ``spill_bytes``, so memory stays bounded while the chain runs to its end. Past
    that, the fetch waits for its reader. A failure is raised when its turn to be
    read comes; ``cancel`` stops the fetch at its next chunk.
    """

    def __init__(
        self,
        pool: Executor,
        chunks: Iterable[list],
        held: int = CHUNKS_AHEAD,
        spill_bytes: int = SPILL_BYTES,
    ) -> None:
        self._held = held
        self._spill_bytes = spill_bytes
        self._queue: queue.Queue[Any] = queue.Queue()  # chunks, _Spilled, _Failure, _DONE
        self._cond = threading.Condition()
        self._in_memory = 0
        self._spilled = 0  # bytes written to the file (it never shrinks)
        self._file: IO[bytes] | None = None
        self._users = {"fetch", "reader"}  # the file closes once both are done with it
        self._cancelled = False
        self._future = pool.submit(self._produce, chunks)

    def chunks(self) -> Iterator[list] | None:
        """The chunks as they arrive (``cancel`` when done with them); None if the fetch
        had not started: it never will, and the caller reads the list itself."""
        if self._future.cancel():
            self._release("fetch")
            self._release("reader")
            return None
        return self._read()

    def cancel(self) -> None:
        """Stop the fetch: at its next chunk if running (harmless once finished)."""
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()
        if self._future.cancel():
            self._release("fetch")
        self._release("reader")

    def _produce(self, chunks: Iterable[list]) -> None:
        try:
            for chunk in chunks:
                if not self._put(chunk):
                    return
        except BaseException as exc:  # handed to the reader, raised in its turn
            self._queue.put(_Failure(exc))
        else:
            self._queue.put(_DONE)
        finally:
            self._release("fetch")

    def _put(self, chunk: list) -> bool:
        """Queue ``chunk`` in memory if there is room, else on disk if there is room,
        else wait for the reader; False once it has gone."""
        with self._cond:
            while True:
                if self._cancelled:
                    return False
                if self._in_memory < self._held:
                    self._in_memory += 1
                    self._queue.put(chunk)
                    return True
                if self._spilled < self._spill_bytes:
                    break
                self._cond.wait()
        data = orjson.dumps(chunk)
        with self._cond:
            if self._file is None:  # closed by _release, when fetch and reader are done
                self._file = tempfile.TemporaryFile(prefix="tap-twilio-ahead-")  # noqa: SIM115
            offset, self._spilled = self._spilled, self._spilled + len(data)
            fd = self._file.fileno()
        os.pwrite(fd, data, offset)
        self._queue.put(_Spilled(offset, len(data)))
        return True

    def _read(self) -> Iterator[list]:
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                if isinstance(item, _Spilled):
                    assert self._file is not None
                    yield orjson.loads(os.pread(self._file.fileno(), item.size, item.offset))
                    continue
                with self._cond:
                    self._in_memory -= 1
                    self._cond.notify_all()
                yield item
        finally:
            self._release("reader")

    def _release(self, user: str) -> None:
        """``user`` is done with the file: close it once no one needs it."""
        with self._cond:
            self._users.discard(user)
            if self._users or self._file is None:
                return
            spill, self._file = self._file, None
        spill.close()


@dataclass(frozen=True)
class _Spilled:
    offset: int
    size: int


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
