"""Time limits on request body reads, so a stalled or dripping upload cannot hold a
connection: the app answers 408 and closes it.

A timer per request (``asyncio.wait_for``, or ``call_later`` and a cancel) cost 2 to
5 µs of the receiver's ~25 µs of CPU per request. Instead, reads register their
deadline, and one timer per event loop, ticking every ``TICK`` seconds while reads
are in flight, cancels the late ones.
"""

from __future__ import annotations

import asyncio
from typing import Any

TICK = 0.25  # a read is cut between its deadline and TICK seconds later


class Deadlines:
    def __init__(self) -> None:
        self._reads: dict[asyncio.Task[Any], float] = {}  # task -> its loop's time limit
        self._expired: set[asyncio.Task[Any]] = set()
        self._ticking: asyncio.AbstractEventLoop | None = None  # the loop a tick is armed on

    def start(self, seconds: float) -> asyncio.Task[Any]:
        """The current task must finish its read within ``seconds``, or be cancelled."""
        task = asyncio.current_task()
        assert task is not None
        loop = task.get_loop()
        self._reads[task] = loop.time() + seconds
        if self._ticking is not loop:
            self._ticking = loop
            loop.call_later(TICK, self._tick, loop)
        return task

    def expired(self, task: asyncio.Task[Any]) -> bool:
        """Whether ``task`` was cancelled for its deadline (and not for another reason);
        if so, the cancellation is handled: the task goes on, to answer 408."""
        if task not in self._expired:
            return False
        if hasattr(task, "uncancel"):  # Python 3.11+
            task.uncancel()
        return True

    def finish(self, task: asyncio.Task[Any]) -> None:
        self._reads.pop(task, None)
        self._expired.discard(task)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now, busy = loop.time(), False
        for task, deadline in list(self._reads.items()):
            if task.get_loop() is not loop:
                continue
            busy = True
            if deadline <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        if busy:
            loop.call_later(TICK, self._tick, loop)
        elif self._ticking is loop:  # idle: the next read arms the tick again
            self._ticking = None
