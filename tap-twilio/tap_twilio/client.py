"""The one place that talks HTTP to Twilio: auth, timeouts, retries, paging, errors.

A request is a loop over attempts. ``_attempt`` sends one request and says what its
response means (an ``Outcome``); ``_call`` applies the retry policy to outcomes,
for every kind of request: ``get`` (a JSON object of the right shape), ``post`` and
``delete`` (BulkExport jobs), ``redirect`` (a BulkExport Day: the 307 to its file,
not followed) and ``download`` (the file itself: from its own host, without Twilio's
credentials, gunzipped as it arrives):

- a body that is what it should be (JSON, and for a list an envelope whose
  records are a list) is returned; anything else is an invalid body, retried;
- 429, 5xx, connection resets, timeouts and invalid bodies are retried with
  exponential backoff and jitter, honouring ``Retry-After``, bounded twice (by
  ``max_attempts`` and by ``max_wait_seconds`` of waiting);
- 400 code 20007 (page size too large) or 60373 (Verify's "Invalid page size")
  asks again at once with smaller pages, and
  so do two 500s in a row for one request (Twilio's usage records fail at 1000,
  Airbyte #23512); the smaller size is kept for that endpoint for the run;
- 401 and 404 are asked again twice, quickly: Twilio's edge answers them
  transiently (Airbyte source-twilio 0.17.3, 0.17.5); one that persists is real
  and raised (401 names the settings to fix; a stream skips a 404 per account);
- a host that never answered (connection refused, DNS failure, connect timeout)
  fails after ``UNREACHABLE_ATTEMPTS``, within seconds, naming the host and the
  setting; once it has answered, connection failures are transient like the rest;
- a download whose link has expired (the file store's 403) or whose file is gone
  (404) is raised at once (``ExportLinkExpired``, ``ExportFileMissing``): the caller
  asks Twilio for a new link, or a new export; a file cut short, not gzip, or not
  one JSON object per line is an invalid body, retried.

Every retry and fallback is logged with its reason. A client may serve several
threads at once (concurrent windows): each request waits for a slot of the run's
``AdaptiveLimit``, and 429s shrink it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError

from tap_twilio.concurrency import AdaptiveLimit
from tap_twilio.errors import (
    PAGE_SIZE_CODES,
    ApiError,
    ApiUnavailableError,
    AuthenticationError,
    ExportFileMissing,
    ExportLinkExpired,
    NotFoundError,
)
from tap_twilio.retry import RetryPolicy

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
# Page sizes to fall back to, largest first; 50 is Twilio's default, 25 Verify's maximum.
PAGE_SIZE_STEPS = (1000, 500, 100, 50, 25, 10)
EDGE_RETRIES = 2  # extra attempts for a 401 or 404 before believing it
EDGE_WAIT_SECONDS = 0.25  # first wait before asking again after a 401 or 404
UNREACHABLE_ATTEMPTS = 3  # attempts on a host that has never answered, then fail
UNREACHABLE_WAIT_SECONDS = 0.5
_STATED_MAX_PAGE_SIZE = re.compile(r"maximum page size is (\d+)", re.IGNORECASE)
_ACCOUNT_IN_PATH = re.compile(r"/Accounts/(AC[0-9a-fA-F]{32})(?=/)")
GZIP_MAGIC = b"\x1f\x8b"
DOWNLOAD_CHUNK = 1 << 16

Shape = Callable[[dict], "str | None"]  # what is wrong with a 200's body, or None


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


def list_shape(records_key: str) -> Shape:
    """The check of a list page: the 2010 envelope or the product APIs' ``meta`` one."""

    def problem(body: dict) -> str | None:
        meta = body.get("meta")
        if isinstance(meta, dict):
            key = meta.get("key") or records_key
            link = meta.get("next_page_url")
            where = f"meta.key {key!r}"
        else:
            key, link, where = records_key, body.get("next_page_uri"), repr(records_key)
        records = body.get(key)
        if not isinstance(records, list):
            found = "no" if key not in body else f"a {type(records).__name__} for the"
            return f"{found} {where} list"
        if link is not None and not isinstance(link, str):
            return f"a next-page link that is a {type(link).__name__}"
        if not all(isinstance(record, dict) for record in records):
            return f"records in {where} that are not objects"
        return None

    return problem


def instance_shape(required: tuple[str, ...]) -> Shape:
    """The check of one resource (a balance): an object with its key fields."""

    def problem(body: dict) -> str | None:
        missing = [field for field in required if body.get(field) is None]
        return f"no {', '.join(missing)} in the resource" if missing else None

    return problem


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


def _unreachable(exc: Exception) -> bool:
    """Whether the connection never opened (refused, unresolvable, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (NewConnectionError, NameResolutionError))


@dataclass(frozen=True)
class Request:
    """One request, ready to send: the URL without query, the query, the endpoint it hits."""

    url: str
    path: str
    query: dict[str, Any]
    endpoint: str
    method: str = "GET"
    form: dict[str, str] | None = None  # a POST's form body
    redirect: bool = False  # a 3xx is the answer: its target, not followed
    file: bool = False  # a download from the file store: no credentials, streamed


@dataclass(frozen=True)
class Outcome:
    """What one attempt's response means: a body, a reason to retry, or an error."""

    body: Any = None  # a JSON object; a redirect's target; a downloaded file's bytes
    retry: str | None = None  # the reason, for the run's summary: "429", "timeout", ...
    failure: str = ""  # what went wrong, for the log and the final error
    retry_after: float | None = None
    error: Exception | None = None  # raised at once, or once retries for it are spent
    status: int | None = None
    stated_page_size: int | None = None  # 20007: the endpoint's stated maximum


class TwilioClient:
    """A requests session bound to one Twilio host and one credential."""

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        credential_hint: str,
        host_setting: str,
        timeout: float,
        connect_timeout: float,
        user_agent: str,
        logger: logging.Logger,
        retry: RetryPolicy | None = None,
        limit: AdaptiveLimit | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path
        self.timeout = (connect_timeout, timeout)
        self.logger = logger
        self.retry = retry or RetryPolicy()
        self.limit = limit or AdaptiveLimit(1, logger)
        self.credential_hint = credential_hint
        self.host_setting = host_setting
        self.session = requests.Session()
        # One pooled connection per request that may be in flight (requests keeps 10).
        adapter = HTTPAdapter(pool_maxsize=max(10, self.limit.maximum))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.auth = (username, password)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        self.server_date: dt.date | None = None
        self.server_time: dt.datetime | None = None  # the latest Date header, whole
        self.answered = False  # the host has answered at least once
        # What this run went through, for the summary line and for tests.
        self.requests_made = 0
        self.retries: Counter[str] = Counter()  # reason -> retries
        self.page_sizes: dict[str, int] = {}  # endpoint -> largest page size that works
        self._stats = threading.Lock()  # the counters above, across threads
        self._file_session: requests.Session | None = None

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

    def get(
        self, path_or_url: str, params: dict[str, Any] | None = None, shape: Shape | None = None
    ) -> dict:
        """GET a JSON object, retrying per the policy until it has the ``shape`` asked for."""
        return self._call(self._request(path_or_url, params), shape)

    def post(self, path: str, form: dict[str, str], shape: Shape | None = None) -> dict:
        """POST a form; the JSON object created. Retried like a GET: a job created twice
        after a lost answer is found again by its name (see ``bulk``)."""
        request = self._request(path, None)
        return self._call(replace(request, method="POST", form=form), shape)

    def delete(self, path: str) -> None:
        """DELETE a resource (a BulkExport job); one already gone (404) is fine."""
        request = self._request(path, None)
        with contextlib.suppress(NotFoundError):
            self._call(replace(request, method="DELETE"), None)

    def redirect(self, path: str) -> str:
        """The URL a 3xx answer points to (a BulkExport Day's file), not followed:
        following it would send Twilio's credentials to the file store."""
        request = self._request(path, None)
        return self._call(replace(request, redirect=True), None)

    def download(self, url: str) -> bytes:
        """A BulkExport file, gunzipped as it arrives: one JSON object per line.

        The URL is used as is (a presigned link to another host), without Twilio's
        credentials. A file cut short or not of that shape is retried like a
        broken body; ``ExportLinkExpired`` and ``ExportFileMissing`` are raised at once.
        """
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        return self._call(Request(base, parts.path, query, "download", file=True), None)

    def _call(self, request: Request, shape: Shape | None) -> Any:
        """Attempts of ``request`` until one gives a body, per the retry policy."""
        policy = self.retry
        waited = 0.0
        server_errors = 0  # 500s in a row at the current page size
        denied = 0  # 401s and 404s in a row
        last = Outcome()
        for attempt in range(1, policy.max_attempts + 1):
            last = self._attempt(request, shape)
            if last.body is not None:
                return last.body
            if last.stated_page_size is not None and self._shrink_page(
                request, last.failure, last.stated_page_size
            ):
                continue  # 20007: the same request with smaller pages, no need to wait
            if last.retry is None:
                assert last.error is not None
                raise last.error
            server_errors = server_errors + 1 if last.status == 500 else 0
            if server_errors == 2 and self._shrink_page(request, last.failure, None):
                server_errors = 0  # a page too heavy to build: ask for smaller ones
            wait = policy.wait(attempt, last.retry_after)
            if last.retry == "unreachable":
                if attempt >= UNREACHABLE_ATTEMPTS:
                    raise ApiUnavailableError(
                        f"cannot reach {urlsplit(request.url).netloc} ({last.failure}); "
                        f"check {self.host_setting} and the network"
                    )
                wait = UNREACHABLE_WAIT_SECONDS * attempt
            if last.status in (401, 404):
                denied += 1
                if denied > EDGE_RETRIES:
                    assert last.error is not None
                    raise last.error
                wait = EDGE_WAIT_SECONDS * denied
            if attempt == policy.max_attempts:
                break
            if waited + wait > policy.max_wait_seconds:
                raise ApiUnavailableError(
                    f"gave up on {request.method} {request.path} after {attempt} attempts: waiting "
                    f"{wait:.0f}s more would pass max_wait_seconds={policy.max_wait_seconds:g}; "
                    f"last error: {last.failure}"
                )
            self._note_retry(request, attempt, wait, last)
            time.sleep(wait)
            waited += wait
        if last.error is not None and last.status in (401, 404):
            raise last.error
        raise ApiUnavailableError(
            f"gave up on {request.method} {request.path} after {policy.max_attempts} attempts "
            f"(max_attempts); last error: {last.failure}"
        )

    def pages(
        self, path: str, params: dict[str, Any], records_key: str, *, read_ahead: bool = False
    ) -> Iterator[list[dict]]:
        """Each page's records, following the next-page link to the end.

        Two envelopes exist: the 2010 API's (records under ``records_key``,
        relative ``next_page_uri``) and the product APIs' (records under
        ``meta.key``, absolute ``meta.next_page_url``). Either link carries
        PageSize, the filters and PageToken. Every page is checked for its shape
        before it counts: a 200 without its records list is retried, never taken
        for the last page. ``read_ahead``, for a caller that reads every page: the
        next page is requested while this one is processed (one chain of pages
        otherwise waits for Twilio and for the caller in turn).
        """
        shape = list_shape(records_key)
        body = self.get(path, params, shape)
        reader = ThreadPoolExecutor(1, "read-ahead") if read_ahead else contextlib.nullcontext()
        with reader as ahead:
            while True:
                meta = body.get("meta")
                if isinstance(meta, dict):
                    records = body[meta.get("key") or records_key]
                    next_link = meta.get("next_page_url")
                else:
                    records = body[records_key]
                    next_link = body.get("next_page_uri")
                upcoming = (
                    ahead.submit(self.get, next_link, None, shape) if ahead and next_link else None
                )
                yield records
                if not next_link:
                    return
                body = upcoming.result() if upcoming else self.get(next_link, None, shape)

    def _request(self, path_or_url: str, params: dict[str, Any] | None) -> Request:
        parts = urlsplit(self.url(path_or_url))
        query: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update(params or {})
        endpoint = _endpoint(parts.path)
        if "PageSize" in query and endpoint in self.page_sizes:
            query["PageSize"] = min(int(query["PageSize"]), self.page_sizes[endpoint])
        return Request(f"{parts.scheme}://{parts.netloc}{parts.path}", parts.path, query, endpoint)

    def _attempt(self, request: Request, shape: Shape | None) -> Outcome:
        """Send the request once and classify what came back."""
        try:
            with self.limit.slot() as generation:
                with self._stats:
                    self.requests_made += 1
                response = self._send(request)
                if request.file and response.status_code == 200:
                    return self._file(response)  # read as it arrives
                content = response.content  # a reset mid-body raises here
        except TRANSIENT_ERRORS as exc:
            failure = f"{type(exc).__name__}: {exc}".split("\n")[0][:200]
            if not self.answered and _unreachable(exc):
                return Outcome(retry="unreachable", failure=failure)
            reason = "timeout" if isinstance(exc, requests.Timeout) else "connection"
            return Outcome(retry=reason, failure=failure)
        if request.file:
            return self._file_error(response)
        self.answered = True
        self._note_server_date(response)
        status = response.status_code
        if request.redirect and 300 <= status < 400:
            return self._redirected(response)
        if status == 204 or (request.method == "DELETE" and status < 300):
            return Outcome(body={})
        if status < 400:
            return self._success(status, content, shape)
        code, message = _error_fields(response)
        failure = f"HTTP {status}" + (f" code {code}" if code else "") + f": {message}"
        if status == 400 and code in PAGE_SIZE_CODES:
            stated = _STATED_MAX_PAGE_SIZE.search(message)
            return Outcome(
                failure=failure,
                status=status,
                error=self._fatal(response),
                stated_page_size=int(stated.group(1)) if stated else 0,
            )
        if status in (401, 404):
            return Outcome(
                retry=str(status), failure=failure, status=status, error=self._fatal(response)
            )
        if status not in RETRYABLE_STATUS:
            return Outcome(failure=failure, status=status, error=self._fatal(response))
        if status == 429:
            self.limit.throttled(generation)
        return Outcome(
            retry=str(status), failure=failure, status=status, retry_after=_retry_after(response)
        )

    def _send(self, request: Request) -> requests.Response:
        if request.file:
            return self._files().get(
                request.url, params=request.query, timeout=self.timeout, stream=True
            )
        return self.session.request(
            request.method,
            request.url,
            params=request.query,
            data=request.form,
            timeout=self.timeout,
            allow_redirects=not request.redirect,
        )

    def _files(self) -> requests.Session:
        """A session for the file store: the same timeouts and pool, no credentials."""
        with self._stats:
            if self._file_session is None:
                session = requests.Session()
                adapter = HTTPAdapter(pool_maxsize=max(10, self.limit.maximum))
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                session.headers.update({"User-Agent": self.session.headers["User-Agent"]})
                self._file_session = session
            return self._file_session

    def _redirected(self, response: requests.Response) -> Outcome:
        """A 3xx's target: ``Location``, or the body's ``redirect_to`` (BulkExport's Day)."""
        target = response.headers.get("Location")
        if not target:
            with contextlib.suppress(orjson.JSONDecodeError, TypeError, AttributeError):
                target = orjson.loads(response.content).get("redirect_to")
        if not isinstance(target, str) or not target.startswith(("http://", "https://")):
            return Outcome(
                retry="invalid body",
                failure=f"HTTP {response.status_code} without an http(s) URL to follow",
            )
        self.limit.succeeded()
        return Outcome(body=target)

    def _file(self, response: requests.Response) -> Outcome:
        """A file's bytes, gunzipped as they arrive; an invalid body if cut short or not
        JSON lines. (A store that sent it ``Content-Encoding: gzip`` has it decoded by
        requests already: then it arrives as plain JSON lines.)"""
        chunks: list[bytes] = []
        inflate: Any = None
        try:
            for chunk in response.iter_content(DOWNLOAD_CHUNK):
                if inflate is None:
                    compressed = chunk[:2] == GZIP_MAGIC
                    inflate = zlib.decompressobj(zlib.MAX_WBITS | 16) if compressed else False
                chunks.append(inflate.decompress(chunk) if inflate else chunk)
        except zlib.error as exc:
            return Outcome(retry="invalid body", failure=f"a file that is not valid gzip ({exc})")
        finally:
            response.close()
        if inflate and not inflate.eof:
            return Outcome(retry="invalid body", failure="a file cut short (gzip ended early)")
        data = b"".join(chunks)
        if data and not (data.startswith(b"{") and data.rstrip().endswith(b"}")):
            return Outcome(
                retry="invalid body", failure="a file that is not one JSON object per line"
            )
        self.limit.succeeded()
        return Outcome(body=data)

    def _file_error(self, response: requests.Response) -> Outcome:
        """The file store's answer other than 200: S3's XML errors, not Twilio's JSON."""
        status = response.status_code
        text = response.text[:300]
        failure = f"HTTP {status} from the file store: {text}"
        if status == 403:
            return Outcome(failure=failure, status=status, error=ExportLinkExpired(failure))
        if status == 404:
            return Outcome(failure=failure, status=status, error=ExportFileMissing(failure))
        if status in RETRYABLE_STATUS:
            return Outcome(
                retry=str(status),
                failure=failure,
                status=status,
                retry_after=_retry_after(response),
            )
        return Outcome(failure=failure, status=status, error=ApiUnavailableError(failure))

    def _success(self, status: int, content: bytes, shape: Shape | None) -> Outcome:
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            return Outcome(
                retry="invalid body", failure=f"HTTP {status} with a body that is not valid JSON"
            )
        if not isinstance(body, dict):
            return Outcome(
                retry="invalid body",
                failure=f"HTTP {status} with a JSON body that is not an object",
            )
        problem = shape(body) if shape is not None else None
        if problem is not None:
            return Outcome(retry="invalid body", failure=f"HTTP {status} with {problem}")
        self.limit.succeeded()
        return Outcome(body=body)

    def _note_retry(self, request: Request, attempt: int, wait: float, outcome: Outcome) -> None:
        with self._stats:
            self.retries[outcome.retry or "?"] += 1
        self.logger.warning(
            "Retrying %s %s in %.1fs (attempt %d of %d): %s",
            request.method,
            request.path,
            wait,
            attempt + 1,
            self.retry.max_attempts,
            outcome.failure,
        )

    def _shrink_page(self, request: Request, why: str, stated_max: int | None) -> bool:
        """Lower the request's PageSize (and the endpoint's) after ``why``; False at the floor."""
        if "PageSize" not in request.query:
            return False
        current = int(request.query["PageSize"])
        smaller = smaller_page_size(current, stated_max or None)
        if smaller is None:
            return False
        request.query["PageSize"] = smaller
        self.page_sizes[request.endpoint] = smaller
        self.logger.warning(
            "GET %s failed at PageSize=%d (%s); using PageSize=%d for this endpoint from now on",
            request.endpoint,
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
        method = response.request.method if response.request is not None else "GET"
        if status == 401:
            return AuthenticationError(
                f"Twilio rejected the credentials ({where} {message}) on {method} {path}: "
                f"check {self.credential_hint}"
            )
        if status == 404:
            return NotFoundError(f"{path} not found ({where})", status=status, code=code)
        return ApiError(f"{method} {path} failed ({where}): {message}", status=status, code=code)

    def _note_server_date(self, response: requests.Response) -> None:
        """Remember the server's day, so windows reach it even if our clock lags."""
        value = response.headers.get("Date")
        if value:
            with contextlib.suppress(TypeError, ValueError):
                parsed = email.utils.parsedate_to_datetime(value).astimezone(dt.timezone.utc)
                self.server_time = parsed
                self.server_date = parsed.date()


def summary(clients: list[TwilioClient], skipped: list[str]) -> str:
    """One line on what a run's HTTP went through: requests, retries, fallbacks, skips."""
    retries: Counter[str] = Counter()
    page_sizes: dict[str, int] = {}
    for client in clients:
        retries.update(client.retries)
        page_sizes.update(client.page_sizes)
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
        parts.append(f"skipped {', '.join(skipped)}")
    return "HTTP summary: " + "; ".join(parts)
