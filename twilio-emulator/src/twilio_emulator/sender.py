"""Delivering webhooks in the background, so a clock advance never waits for a receiver.

``clock_moved(t0, t1)`` only records the window. A planner thread turns windows
into signed deliveries (``callbacks.deliveries``) and puts them on a bounded
queue; when receivers are slow the planner waits on that queue, never the clock.
Worker threads POST each delivery and retry any non-2xx answer or network error
with the very same body, signature and idempotency token, with exponential
backoff, up to ``attempts`` times (then count it as failed, as Twilio gives up).
"""

from __future__ import annotations

import http.client
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .callbacks import CallbackUrls, Delivery, deliveries
from .store import Store

log = logging.getLogger("twilio_emulator.sender")


@dataclass(frozen=True)
class SenderConfig:
    urls: CallbackUrls = field(default_factory=CallbackUrls)
    attempts: int = 5  # tries per delivery, the first included
    workers: int = 4  # deliveries in flight (so receivers see them out of order, as from Twilio)
    queue_size: int = 1000  # deliveries planned ahead of the workers
    timeout: float = 15.0  # Twilio's default read timeout for callbacks
    backoff: float = 0.25  # first retry delay, doubled each time, at most 5 s


@dataclass
class SenderStats:
    windows: int = 0
    planned: int = 0  # deliveries
    delivered: int = 0
    events_delivered: int = 0
    attempts: int = 0
    retries: int = 0
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # events delivered, per kind


class _Connections(threading.local):
    def __init__(self) -> None:
        self.pool: dict[tuple[str, str], http.client.HTTPConnection] = {}


class WebhookSender:
    def __init__(self, store: Store, config: SenderConfig) -> None:
        self.store = store
        self.config = config
        self.stats = SenderStats()
        self._lock = threading.Lock()
        self._windows: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
        self._deliveries: queue.Queue[Delivery] = queue.Queue(maxsize=config.queue_size)
        self._outstanding = 0  # windows not planned yet + deliveries not finished
        self._idle = threading.Condition(self._lock)
        self._connections = _Connections()
        threading.Thread(target=self._plan, name="webhook-planner", daemon=True).start()
        for i in range(config.workers):
            threading.Thread(target=self._work, name=f"webhook-sender-{i}", daemon=True).start()

    def clock_moved(self, t0: int, t1: int) -> None:
        """Queue the window (t0, t1]; returns at once."""
        if t1 <= t0:
            return
        with self._lock:
            self._outstanding += 1
            self.stats.windows += 1
        self._windows.put((t0, t1))

    def send(self, delivery: Delivery) -> None:
        """Queue one delivery planned elsewhere (a BulkExport webhook); returns at once."""
        with self._lock:
            self._outstanding += 1
            self.stats.planned += 1
        threading.Thread(target=self._deliveries.put, args=(delivery,), daemon=True).start()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued webhook is delivered or given up on."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def snapshot(self) -> dict:
        with self._lock:
            stats = self.stats
            return {
                "pending": self._outstanding,
                "windows": stats.windows,
                "planned": stats.planned,
                "delivered": stats.delivered,
                "events_delivered": stats.events_delivered,
                "attempts": stats.attempts,
                "retries": stats.retries,
                "failed": stats.failed,
                "events_by_kind": dict(sorted(stats.by_kind.items())),
            }

    def _done(self, count: int = 1) -> None:
        with self._lock:
            self._outstanding -= count
            if self._outstanding == 0:
                self._idle.notify_all()

    def _plan(self) -> None:
        while True:
            t0, t1 = self._windows.get()
            try:
                for delivery in deliveries(self.store, self.config.urls, t0, t1):
                    with self._lock:
                        self._outstanding += 1
                        self.stats.planned += 1
                    self._deliveries.put(delivery)  # waits when the workers are behind
            except Exception:
                log.exception("planning webhooks for (%s, %s] failed", t0, t1)
            self._done()

    def _work(self) -> None:
        while True:
            delivery = self._deliveries.get()
            ok = False
            for attempt in range(self.config.attempts):
                if attempt:
                    with self._lock:
                        self.stats.retries += 1
                    time.sleep(min(5.0, self.config.backoff * 2 ** (attempt - 1)))
                with self._lock:
                    self.stats.attempts += 1
                if self._post(delivery):
                    ok = True
                    break
            with self._lock:
                if ok:
                    self.stats.delivered += 1
                    self.stats.events_delivered += delivery.events
                    by_kind = self.stats.by_kind
                    by_kind[delivery.kind] = by_kind.get(delivery.kind, 0) + delivery.events
                else:
                    self.stats.failed += 1
            if not ok:
                log.warning("gave up on a %s webhook after %d attempts", delivery.kind, attempt + 1)
            self._done()

    def _post(self, delivery: Delivery) -> bool:
        parts = urlsplit(delivery.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        key = (parts.scheme, parts.netloc)
        conn = self._connections.pool.get(key)
        if conn is None:
            kind = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = kind(parts.netloc, timeout=self.config.timeout)
            self._connections.pool[key] = conn
        try:
            conn.request(
                delivery.method, target, body=delivery.body or None, headers=dict(delivery.headers)
            )
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
            return 200 <= response.status < 300
        except (OSError, http.client.HTTPException):
            conn.close()
            return False
