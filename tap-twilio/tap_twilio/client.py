"""The one place that talks HTTP to Twilio: auth, timeouts, retries, paging, errors.

Streams ask for pages of a list; this module decides what a response means:
retry it (429, 5xx, resets, timeouts, broken bodies), report it in one line
(401, 4xx), or hand the JSON back. Every request has a timeout, and every retry
is logged with its reason and bounded in count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests

from tap_twilio.errors import ApiError, ApiUnavailableError, AuthenticationError, NotFoundError

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` wins when Twilio sends it."""

    max_attempts: int = 8
    base_seconds: float = 1.0
    max_wait_seconds: float = 60.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(self.max_wait_seconds, self.base_seconds * 2 ** (attempt - 1))
        jittered = random.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            return min(self.max_wait_seconds, max(retry_after, jittered))
        return jittered


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
    """A requests session bound to one Twilio host and one credential."""

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        credential_hint: str,
        timeout: float,
        user_agent: str,
        logger: logging.Logger,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path
        self.timeout = timeout
        self.logger = logger
        self.retry = retry or RetryPolicy()
        self.credential_hint = credential_hint
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        self.requests_made = 0
        self.server_date: dt.date | None = None

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
        url = self.url(path_or_url)
        failure = ""
        for attempt in range(1, self.retry.max_attempts + 1):
            retry_after = None
            try:
                self.requests_made += 1
                response = self.session.get(url, params=params, timeout=self.timeout)
            except TRANSIENT_ERRORS as exc:
                failure = f"{type(exc).__name__}: {exc}".split("\n")[0][:200]
            else:
                self._note_server_date(response)
                status = response.status_code
                if status < 400:
                    try:
                        body = orjson.loads(response.content)
                    except orjson.JSONDecodeError:
                        failure = f"HTTP {status} with a body that is not valid JSON"
                    else:
                        if isinstance(body, dict):
                            return body
                        failure = f"HTTP {status} with a JSON body that is not an object"
                elif status in RETRYABLE_STATUS:
                    code, message = _error_fields(response)
                    failure = f"HTTP {status}" + (f" code {code}" if code else "") + f": {message}"
                    retry_after = _retry_after(response)
                else:
                    raise self._fatal(response)
            if attempt == self.retry.max_attempts:
                break
            wait = self.retry.wait(attempt, retry_after)
            self.logger.warning(
                "Retrying GET %s in %.1fs (attempt %d of %d): %s",
                urlsplit(url).path,
                wait,
                attempt + 1,
                self.retry.max_attempts,
                failure,
            )
            time.sleep(wait)
        raise ApiUnavailableError(
            f"gave up on GET {urlsplit(url).path} after {self.retry.max_attempts} attempts; "
            f"last error: {failure}"
        )

    def pages(self, path: str, params: dict[str, Any], records_key: str) -> Iterator[list[dict]]:
        """Each page's records, following the next-page link to the end.

        Two envelopes exist: the 2010 API's (records under ``records_key``,
        relative ``next_page_uri``) and the product APIs' (records under
        ``meta.key``, absolute ``meta.next_page_url``). Either link carries
        PageSize, the filters and PageToken.
        """
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

    def _fatal(self, response: requests.Response) -> Exception:
        code, message = _error_fields(response)
        status = response.status_code
        path = urlsplit(response.url).path
        where = f"HTTP {status}" + (f", code {code}" if code else "")
        if status == 401:
            return AuthenticationError(
                f"Twilio rejected the credentials ({where} {message}): check {self.credential_hint}"
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
