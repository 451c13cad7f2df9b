"""The one place that talks HTTP to Twilio: auth, timeouts, retries, paging, errors.

Streams ask for pages of a list; this module decides what a response means:

- retry it, with exponential backoff and jitter, honouring ``Retry-After``:
  429, 5xx, connection resets, timeouts, truncated or invalid bodies. Retries
  are bounded twice, by ``max_attempts`` and by ``max_wait_seconds`` of waiting;
- ask again for smaller pages: 400 with code 20007 (page size too large), and
  two 500s in a row for one request (Twilio's usage records fail at 1000,
  Airbyte #23512). The smaller size is kept for that endpoint for the run;
- skip a subaccount whose resources answer 404 (closed during the run), with a
  warning: the other accounts are still read, and its bookmark never moves past
  what was read;
- report anything else in one line (401 names the settings to fix, other 4xx).

Every request has a timeout; every retry and fallback is logged with its reason.
A client may serve several threads at once (concurrent windows): each request
waits for a slot of the tap's ``AdaptiveLimit``, and 429s shrink it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

from tap_twilio.concurrency import AdaptiveLimit
from tap_twilio.errors import ApiError, ApiUnavailableError, AuthenticationError, NotFoundError

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
PAGE_SIZE_TOO_LARGE = 20007
# Page sizes to fall back to, largest first; 50 is Twilio's own default.
PAGE_SIZE_STEPS = (1000, 500, 100, 50)
_STATED_MAX_PAGE_SIZE = re.compile(r"maximum page size is (\d+)", re.IGNORECASE)
_ACCOUNT_IN_PATH = re.compile(r"/Accounts/(AC[0-9a-fA-F]{32})(?=/)")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total waiting.

    ``Retry-After`` wins over the backoff when Twilio sends it, within the budget.
    """

    max_attempts: int = 8  # per request, the first one included
    max_wait_seconds: float = 600.0  # total sleeping per request before giving up
    base_seconds: float = 1.0  # first backoff; doubles on each retry
    cap_seconds: float = 60.0  # longest single backoff (Retry-After may ask for more)

    def backoff(self, attempt: int) -> float:
        """Wait after failed attempt ``attempt``: half to all of base * 2^(attempt-1), capped."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def smaller_page_size(current: int, stated_max: int | None = None) -> int | None:
    """Next page size to try after ``current`` failed, or None when there is none smaller."""
    if stated_max is not None and 0 < stated_max < current:
        return stated_max
    return next((size for size in PAGE_SIZE_STEPS if size < current), None)


def account_in(path: str) -> str | None:
    """The account SID a ``/Accounts/{sid}/...`` path belongs to, if any."""
    match = _ACCOUNT_IN_PATH.search(path)
    return match.group(1) if match else None


def _endpoint(path: str) -> str:
    """The path with account SIDs generalised: page-size limits hold per endpoint."""
    return _ACCOUNT_IN_PATH.sub("/Accounts/{AccountSid}", path)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _error_fields(response: requests.Response) -> tuple[int | None, str]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None, response.reason or ""
    if not isinstance(body, dict):
        return None, response.reason or ""
    code = body.get("code")
    return (code if isinstance(code, int) else None), str(body.get("message") or response.reason)


class TwilioClient:
    """A requests session bound to one Twilio host, one credential and one main account."""

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        credential_hint: str,
        account_sid: str,
        timeout: float,
        user_agent: str,
        logger: logging.Logger,
        retry: RetryPolicy | None = None,
        limit: AdaptiveLimit | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path
        self.timeout = timeout
        self.logger = logger
        self.retry = retry or RetryPolicy()
        self.limit = limit or AdaptiveLimit(1, logger)
        self.credential_hint = credential_hint
        self.account_sid = account_sid
        self.session = requests.Session()
        # One pooled connection per request that may be in flight (requests keeps 10).
        adapter = HTTPAdapter(pool_maxsize=max(10, self.limit.maximum))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.auth = (username, password)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        self.server_date: dt.date | None = None
        # What this run went through, for the summary line and for tests.
        self.requests_made = 0
        self.retries: Counter[str] = Counter()  # reason -> retries
        self.page_sizes: dict[str, int] = {}  # endpoint -> largest page size that works
        self.skipped_accounts: set[str] = set()  # subaccounts that answered 404
        self._stats = threading.Lock()  # the counters above, across threads

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path (``/2010-04-01/...``) or a URL Twilio gave us.

        Absolute URLs (the product APIs' ``meta.next_page_url``) keep only their
        path and query, rebased onto the configured base URL, so paging stays on
        a proxy or emulator. When the base URL has a path (``http://host/monitor``)
        and the absolute URL's path starts with it, that prefix is the server's
        own and is not repeated.
        """
        parts = urlsplit(path_or_url)
        if parts.scheme:
            path = parts.path
            if self._base_path and (
                path == self._base_path or path.startswith(self._base_path + "/")
            ):
                path = path[len(self._base_path) :]
            path_or_url = path + (f"?{parts.query}" if parts.query else "")
        return urljoin(self.base_url + "/", path_or_url.lstrip("/"))

    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> dict:
        """GET and parse JSON, retrying transient failures per the retry policy."""
        parts = urlsplit(self.url(path_or_url))
        url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        query: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update(params or {})
        endpoint = _endpoint(parts.path)
        if "PageSize" in query and endpoint in self.page_sizes:
            query["PageSize"] = min(int(query["PageSize"]), self.page_sizes[endpoint])
        policy = self.retry
        failure = ""
        waited = 0.0
        server_errors = 0  # 500s in a row at the current page size
        for attempt in range(1, policy.max_attempts + 1):
            retry_after = None
            try:
                with self.limit.slot() as generation:
                    with self._stats:
                        self.requests_made += 1
                    response = self.session.get(url, params=query, timeout=self.timeout)
                    content = response.content  # a reset mid-body raises here
            except TRANSIENT_ERRORS as exc:
                reason = "timeout" if isinstance(exc, requests.Timeout) else "connection"
                failure = f"{type(exc).__name__}: {exc}".split("\n")[0][:200]
            else:
                self._note_server_date(response)
                status = response.status_code
                if status < 400:
                    try:
                        body = orjson.loads(content)
                    except orjson.JSONDecodeError:
                        reason, failure = (
                            "invalid body",
                            f"HTTP {status} with a body that is not valid JSON",
                        )
                    else:
                        if isinstance(body, dict):
                            self.limit.succeeded()
                            return body
                        reason = "invalid body"
                        failure = f"HTTP {status} with a JSON body that is not an object"
                else:
                    code, message = _error_fields(response)
                    if status == 400 and code == PAGE_SIZE_TOO_LARGE:
                        failure = f"HTTP 400 code {code}: {message}"
                        stated = _STATED_MAX_PAGE_SIZE.search(message)
                        if not self._shrink_page(
                            query,
                            endpoint,
                            f"code {code}: {message}",
                            int(stated.group(1)) if stated else None,
                        ):
                            raise self._fatal(response)
                        continue  # the same request with smaller pages: no need to wait
                    if status not in RETRYABLE_STATUS:
                        raise self._fatal(response)
                    if status == 429:
                        self.limit.throttled(generation)
                    reason = str(status)
                    failure = f"HTTP {status}" + (f" code {code}" if code else "") + f": {message}"
                    retry_after = _retry_after(response)
                    # A page too heavy to build fails again and again (usage records at
                    # 1000, Airbyte #23512): after two 500s in a row, ask for smaller pages.
                    server_errors = server_errors + 1 if status == 500 else 0
                    if server_errors == 2 and self._shrink_page(query, endpoint, failure, None):
                        server_errors = 0
            if attempt == policy.max_attempts:
                break
            wait = policy.backoff(attempt)
            if retry_after is not None:
                wait = max(wait, retry_after)
            if waited + wait > policy.max_wait_seconds:
                raise ApiUnavailableError(
                    f"gave up on GET {parts.path} after {attempt} attempts: waiting {wait:.0f}s "
                    f"more would pass max_wait_seconds={policy.max_wait_seconds:g}; "
                    f"last error: {failure}"
                )
            with self._stats:
                self.retries[reason] += 1
            self.logger.warning(
                "Retrying GET %s in %.1fs (attempt %d of %d): %s",
                parts.path,
                wait,
                attempt + 1,
                policy.max_attempts,
                failure,
            )
            time.sleep(wait)
            waited += wait
        raise ApiUnavailableError(
            f"gave up on GET {parts.path} after {policy.max_attempts} attempts "
            f"(max_attempts); last error: {failure}"
        )

    def skipped(self, path: str) -> bool:
        """Whether ``path``'s subaccount was skipped (it answered 404) during this run."""
        return account_in(path) in self.skipped_accounts

    def pages(self, path: str, params: dict[str, Any], records_key: str) -> Iterator[list[dict]]:
        """Each page's records, following the next-page link to the end.

        Two envelopes exist: the 2010 API's (records under ``records_key``,
        relative ``next_page_uri``) and the product APIs' (records under
        ``meta.key``, absolute ``meta.next_page_url``). Either link carries
        PageSize, the filters and PageToken. A subaccount whose resources answer
        404 (closed during the run) is skipped from then on, with a warning; a
        404 of the main account is fatal.
        """
        account = account_in(path)
        if account in self.skipped_accounts:
            return
        try:
            body = self.get(path, params)
            while True:
                meta = body.get("meta")
                if isinstance(meta, dict):
                    yield body.get(meta.get("key") or records_key) or []
                    next_link = meta.get("next_page_url")
                else:
                    yield body.get(records_key) or []
                    next_link = body.get("next_page_uri")
                if not next_link:
                    return
                body = self.get(next_link)
        except NotFoundError as exc:
            if account is None or account == self.account_sid:
                raise
            self.skipped_accounts.add(account)
            self.logger.warning(
                "Skipping subaccount %s for the rest of this run: %s (closed?). "
                "Its bookmarks stay at what was read; the next run picks it up if it reopens",
                account,
                exc,
            )

    def _shrink_page(
        self, query: dict[str, Any], endpoint: str, why: str, stated_max: int | None
    ) -> bool:
        """Lower the request's PageSize (and the endpoint's) after ``why``; False at the floor."""
        if "PageSize" not in query:
            return False
        current = int(query["PageSize"])
        smaller = smaller_page_size(current, stated_max)
        if smaller is None:
            return False
        query["PageSize"] = smaller
        self.page_sizes[endpoint] = smaller
        self.logger.warning(
            "GET %s failed at PageSize=%d (%s); using PageSize=%d for this endpoint from now on",
            endpoint,
            current,
            why,
            smaller,
        )
        return True

    def _fatal(self, response: requests.Response) -> Exception:
        code, message = _error_fields(response)
        status = response.status_code
        path = urlsplit(response.url).path
        where = f"HTTP {status}" + (f", code {code}" if code else "")
        if status == 401:
            return AuthenticationError(
                f"Twilio rejected the credentials ({where} {message}) on GET {path}: "
                f"check {self.credential_hint}"
            )
        if status == 404:
            return NotFoundError(f"{path} not found ({where})", status=status, code=code)
        return ApiError(f"GET {path} failed ({where}): {message}", status=status, code=code)

    def _note_server_date(self, response: requests.Response) -> None:
        """Remember the server's day, so windows reach it even if our clock lags."""
        value = response.headers.get("Date")
        if value:
            with contextlib.suppress(TypeError, ValueError):
                parsed = email.utils.parsedate_to_datetime(value)
                self.server_date = parsed.astimezone(dt.timezone.utc).date()


def summary(clients: list[TwilioClient]) -> str:
    """One line on what a run's HTTP went through: requests, retries, fallbacks, skips."""
    retries: Counter[str] = Counter()
    page_sizes: dict[str, int] = {}
    skipped: set[str] = set()
    for client in clients:
        retries.update(client.retries)
        page_sizes.update(client.page_sizes)
        skipped |= client.skipped_accounts
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(retries.items()))
    parts = [
        f"{sum(c.requests_made for c in clients)} requests",
        f"{sum(retries.values())} retries" + (f" ({reasons})" if reasons else ""),
    ]
    if page_sizes:
        sizes = ", ".join(f"{e} {s}" for e, s in sorted(page_sizes.items()))
        parts.append(f"smaller pages for {sizes}")
    limits = {id(c.limit): c.limit for c in clients}.values()
    for limit in limits:
        if limit.lowest < limit.maximum:
            parts.append(f"concurrency cut from {limit.maximum} to {limit.lowest} by 429s")
    if skipped:
        parts.append(f"skipped subaccounts {', '.join(sorted(skipped))}")
    return "HTTP summary: " + "; ".join(parts)
