"""One run's shared means: HTTP clients, credentials, the request pool, Twilio's clock.

The tap makes one ``Session`` per run and hands it to every stream; streams
never reach back into the tap. It holds what must be shared across streams:
one client per (API, account credentials), subaccount auth tokens learnt from
the accounts list, the thread pool and the concurrency limit every request
waits on, the accounts the run reads and the lists fetched ahead for them, the
latest server date seen (Twilio's "today"), and what the run skipped, for its
summary line.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from tap_twilio import concurrency, hosts, windows
from tap_twilio.client import TwilioClient, summary
from tap_twilio.errors import ConfigError
from tap_twilio.settings import Credentials, Settings

AHEAD_THREADS = 4  # lists fetched ahead at once (see ``fetch_ahead``): two streams x two accounts

Item = TypeVar("Item")
Record = TypeVar("Record")


class Session:
    """What one run of the tap shares; ``close`` it when the run ends."""

    def __init__(self, settings: Settings, logger: logging.Logger, user_agent: str) -> None:
        self.settings = settings
        self.logger = logger
        self.user_agent = settings.user_agent or user_agent
        self.limit = concurrency.AdaptiveLimit(settings.max_concurrency, logger)
        self._pool: ThreadPoolExecutor | None = None
        self._ahead_pool: ThreadPoolExecutor | None = None
        self._ahead: dict[tuple[str, str], concurrency.Ahead] = {}
        self._clients: dict[tuple[str, str | None], TwilioClient] = {}
        self._subaccount_tokens: dict[str, str] = {}
        self._warned: set[str] = set()
        self.skipped: list[str] = []  # "<stream> of <account>", for the summary
        self.learned: dict[str, Any] = {}  # what the run learnt of the server (see undated)
        self.records: Counter[str] = Counter()  # records read per stream, for the summary
        # The accounts the per-account streams read, in their order (AccountsStream).
        self.accounts: list[str] = []
        self._lock = threading.Lock()

    # --- credentials and clients ------------------------------------------------------

    def remember_token(self, account_sid: str, auth_token: str) -> None:
        """A subaccount's auth token, as the accounts list gave it (kept in memory only)."""
        if account_sid != self.settings.account_sid:
            self._subaccount_tokens[account_sid] = auth_token

    def client(self, api: str = hosts.API, account_sid: str | None = None) -> TwilioClient:
        """The client for ``api`` acting as ``account_sid``.

        The 2010 API names the account in the path, so one client serves all.
        A product API reads the account of its credentials: the configured
        ones for the main account, and for a subaccount its own SID with the
        auth token the accounts list gave (Twilio lets a parent's credentials
        read a subaccount's resources on the 2010 API only).
        """
        if api == hosts.API or account_sid == self.settings.account_sid:
            account_sid = None
        key = (api, account_sid)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(api, account_sid)
            return self._clients[key]

    def can_read_products(self, account_sid: str) -> bool:
        """Whether product APIs can be read as ``account_sid`` (warns once when not)."""
        if account_sid == self.settings.account_sid or account_sid in self._subaccount_tokens:
            return True
        self.warn_once(
            f"products:{account_sid}",
            "Skipping product APIs (Monitor, Studio, ...) of subaccount %s: Twilio returned "
            "no auth token for it, and only its own credentials can read them",
            account_sid,
        )
        return False

    def is_main(self, account_sid: str | None) -> bool:
        return account_sid in (None, self.settings.account_sid)

    def _new_client(self, api: str, subaccount_sid: str | None) -> TwilioClient:
        settings = self.settings
        if subaccount_sid is not None:
            credentials = Credentials(
                subaccount_sid,
                self._subaccount_tokens[subaccount_sid],
                f"the auth token Twilio returned for subaccount {subaccount_sid}",
            )
        elif settings.credentials is None:
            raise ConfigError("set auth_token, or api_key_sid and api_key_secret")
        else:
            credentials = settings.credentials
        return TwilioClient(
            base_url=settings.base_urls[api],
            username=credentials.username,
            password=credentials.password,
            credential_hint=credentials.hint,
            host_setting=settings.base_url_settings[api],
            timeout=settings.request_timeout,
            connect_timeout=settings.connect_timeout,
            user_agent=self.user_agent,
            logger=self.logger,
            retry=settings.retry,
            limit=self.limit,
        )

    # --- concurrency ------------------------------------------------------------------

    def in_order(
        self, items: Iterable[Item], fetch: Callable[[Item], Iterable[list[Record]]]
    ) -> Iterator[tuple[Item, Iterator[Record]]]:
        """``(item, its records)`` in order, up to ``max_concurrency`` items fetched at once."""
        return concurrency.in_order(self._executor(), items, fetch, self.limit.maximum)

    def submit(self, fetch: Callable[[], Any]) -> Future[Any] | None:
        """Run ``fetch`` in the pool (None when the run reads one request at a time)."""
        pool = self._executor()
        return None if pool is None else pool.submit(fetch)

    def fetch_ahead(self, key: tuple[str, str], pages: Iterable[list]) -> None:
        """Start reading ``pages`` (a list's, for ``key``: stream and account) before it
        is asked for, unless already started, or the run reads one request at a time.

        Its own small pool: a fetch holds a thread until its chain is read (or its
        spill file is full, then until its reader comes), and must not hold one the
        windows need. Requests still wait on the run's limit.
        """
        if key in self._ahead or self.limit.maximum <= 1:
            return
        with self._lock:
            if self._ahead_pool is None:
                self._ahead_pool = ThreadPoolExecutor(
                    AHEAD_THREADS, thread_name_prefix="tap-twilio-ahead"
                )
            pool = self._ahead_pool
        self._ahead[key] = concurrency.Ahead(pool, pages)

    def fetched_ahead(self, key: tuple[str, str]) -> concurrency.Ahead | None:
        """The fetch started for ``key``, if any, handed over once (read or cancel it)."""
        return self._ahead.pop(key, None)

    def _executor(self) -> ThreadPoolExecutor | None:
        if self.limit.maximum <= 1:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.limit.maximum, thread_name_prefix="tap-twilio")
            return self._pool

    # --- clock, warnings, summary -----------------------------------------------------

    def today(self) -> dt.date:
        """Twilio's current UTC day, from the latest response's Date header; ours until then.

        Retention counts back from it: it is Twilio's clock that decides what it keeps.
        """
        seen = [c.server_date for c in self._all_clients() if c.server_date]
        return max(seen) if seen else windows.utc_today()

    def last_day(self) -> dt.date:
        """The last day windows read: today (ours or Twilio's, the later), or ``end_date``."""
        today = max(windows.utc_today(), self.today())
        end = self.settings.end_date
        return today if end is None else min(today, end)

    def warn_once(self, key: str, message: str, *args: Any) -> None:
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        self.logger.warning(message, *args)

    def skip(self, stream: str, account_sid: str, reason: str) -> None:
        """Note that ``stream`` was skipped for ``account_sid`` (warned once, summarised)."""
        with self._lock:
            self.skipped.append(f"{stream} of {account_sid}")
        self.warn_once(
            f"skip:{stream}:{account_sid}",
            "Skipping %s of account %s for this run: %s. Its other streams are read; "
            "its bookmark stays at what was read",
            stream,
            account_sid,
            reason,
        )

    @property
    def requests_made(self) -> int:
        return sum(c.requests_made for c in self._all_clients())

    def summary(self) -> str:
        return summary(self._all_clients(), self.skipped)

    def records_summary(self) -> str:
        """One line: records read per stream, in the order streams were read."""
        counts = ", ".join(f"{name} {n:,}" for name, n in self.records.items())
        return f"Records per stream: {counts or 'none'}"

    def close(self) -> None:
        """Stop the pools (pending fetches are dropped: the run is over)."""
        for ahead in self._ahead.values():  # started for an account the run did not reach
            ahead.cancel()
        self._ahead.clear()
        with self._lock:
            pools, self._pool, self._ahead_pool = (self._pool, self._ahead_pool), None, None
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _all_clients(self) -> list[TwilioClient]:
        with self._lock:
            return list(self._clients.values())
