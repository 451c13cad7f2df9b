"""What Twilio's edge and endpoints answer on their own: transient errors and page-size limits.

Unlike the fault plan (``faults.py``, off unless asked for), these are the real
API's habits, on by default and switched at start (``EmulatorConfig``, see
``behaviours.py``):

- a GET the edge answers 401 or 404 once, exactly as a real credential or
  resource error looks; asked again it succeeds, so only persistence tells them
  apart (Airbyte source-twilio 0.17.3 and 0.17.5 retry both);
- Usage Records answering 500 at large pages (Airbyte #23512). (Verify's own
  page-size maximum is the Verify resource's: ``resources/verify.py``.)

Transient draws are a pure function of (seed, URL, times that URL was asked), and
never hit the same URL twice in a row.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from .apis import ADMIN, FILES
from .errors import TwilioError, error_response, not_found, unauthorized
from .paging import MAX_PAGE_SIZE


@dataclass(frozen=True)
class EdgeSettings:
    seed: int
    transient_401_rate: float
    transient_404_rate: float
    usage_page_size_limit: int | None


_USAGE = re.compile(r"/Usage/Records(/[A-Za-z]+)?\.json$")


def page_size_error(settings: EdgeSettings, path: str, page_size: int | None) -> TwilioError | None:
    """The 500 Usage Records give at large pages, if this is one."""
    if page_size is None:
        return None
    limit = settings.usage_page_size_limit
    # Above 1000 the API's own validation answers first (400, code 20007).
    if limit is not None and limit < page_size <= MAX_PAGE_SIZE and _USAGE.search(path):
        return TwilioError(500, 20500, "An internal server error has occurred")
    return None


class Edge:
    """The transient draws and what they injected so far."""

    def __init__(self, settings: EdgeSettings) -> None:
        self.settings = settings
        self.injected: Counter[str] = Counter()
        self._asked: Counter[str] = Counter()
        self._faulted_last: set[str] = set()  # URLs whose last ask got a transient error

    def transient(self, url: str) -> str | None:
        """``"401"``, ``"404"`` or None for this ask of ``url``."""
        s = self.settings
        self._asked[url] += 1
        if url in self._faulted_last:
            self._faulted_last.discard(url)
            return None
        if not (s.transient_401_rate or s.transient_404_rate):
            return None
        digest = hashlib.blake2b(
            f"edge|{s.seed}|{url}|{self._asked[url]}".encode(), digest_size=8
        ).digest()
        point = int.from_bytes(digest, "big") / 2**64
        kind = (
            "401"
            if point < s.transient_401_rate
            else "404"
            if point < s.transient_401_rate + s.transient_404_rate
            else None
        )
        if kind is not None:
            self._faulted_last.add(url)
        return kind


class EdgeBehaviour:
    """ASGI middleware playing ``Edge`` on every API request (never on ``/_emulator/``)."""

    def __init__(self, app: ASGIApp, edge: Edge) -> None:
        self.app = app
        self.edge = edge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith((ADMIN + "/", FILES + "/")):
            await self.app(scope, receive, send)  # the file store is not Twilio's edge
            return
        query_string = scope.get("query_string", b"").decode("latin-1")
        error = None
        if scope["method"] == "GET":
            kind = self.edge.transient(f"{path}?{query_string}")
            if kind is not None:
                error = unauthorized() if kind == "401" else not_found(path)
                self.edge.injected[f"transient-{kind}"] += 1
        if error is None:
            query = parse_qsl(query_string, keep_blank_values=True)
            error = page_size_error(self.edge.settings, path, _page_size(query))
            if error is not None:
                self.edge.injected[f"page-size:{error.status}:{error.code}"] += 1
        if error is None:
            await self.app(scope, receive, send)
        else:
            await error_response(error)(scope, receive, send)


def _page_size(query: list[tuple[str, str]]) -> int | None:
    for name, value in query:
        if name == "PageSize":
            try:
                return int(value)
            except ValueError:
                return None
    return None
