"""What the contract tests share: an authenticated client that pages like a Twilio client.

Tests talk to the emulator only over HTTP, as the tap does, and read bodies with
``Decimal`` so that money compares exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
from starlette.testclient import TestClient

from twilio_emulator.app import create_app
from twilio_emulator.emulator import Emulator, EmulatorConfig

API = "/2010-04-01"
ENVELOPE_KEYS = frozenset(
    {"end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri"}
    | {"start", "uri"}
)

# 2026-11-20T12:00:00Z: a Friday, mid-month, mid-day (in-flight traffic on "today").
NOW = int(dt.datetime(2026, 11, 20, 12, 0, 0, tzinfo=dt.timezone.utc).timestamp())
TODAY = dt.date(2026, 11, 20)
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
API_KEY_SECRET = "fedcba9876543210fedcba9876543210"

RFC2822_PATTERN = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$"
)

USAGE_PRICE = re.compile(r"^(0|[1-9]\d*(\.\d*[1-9])?|0\.\d*[1-9])$")
Params = Mapping[str, str | int] | Sequence[tuple[str, str | int]]
# Tests read the API as a client would, but must not fail at random: the edge's
# transient 401/404 are off in every suite emulator but the ones testing them.
STEADY_EDGE: dict[str, Any] = {"transient_401_rate": 0.0, "transient_404_rate": 0.0}


def make_config(**overrides: Any) -> EmulatorConfig:
    """The suite's emulator: default sizes, a fixed clock and known secrets."""
    options: dict[str, Any] = {
        **STEADY_EDGE,
        "now": NOW,
        "auth_token": AUTH_TOKEN,
        "api_key_secret": API_KEY_SECRET,
    }
    options.update(overrides)
    return EmulatorConfig(**options)


def account_path(sid: str) -> str:
    return f"{API}/Accounts/{sid}"


def decode(response: httpx.Response) -> Any:
    """The JSON body with every non-integer number as an exact ``Decimal``."""
    return json.loads(response.text, parse_float=Decimal)


def records_key(body: Mapping[str, Any]) -> str:
    """The single non-envelope key of a 2010 list page (how twilio-python finds it)."""
    (key,) = set(body) - ENVELOPE_KEYS
    return key


def parse_rfc2822(value: str) -> dt.datetime:
    return parsedate_to_datetime(value)


def canonical_rfc2822(value: str) -> str:
    """``value`` re-rendered by the standard library: equal only if it is exact RFC 2822 GMT."""
    return format_datetime(parsedate_to_datetime(value).astimezone(dt.timezone.utc))


def day_of(value: str | None) -> dt.date | None:
    return None if value is None else parse_rfc2822(value).astimezone(dt.timezone.utc).date()


def usage_prices(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Usage records with their ``price`` (a string on the wire, as in Twilio's examples:
    "0", "2192.84855") as an exact ``Decimal``."""
    for record in records:
        assert isinstance(record["price"], str), record["price"]
        assert USAGE_PRICE.match(record["price"]), record["price"]
    return [{**record, "price": Decimal(record["price"])} for record in records]


def charge(price: str | None) -> Decimal:
    """A resource price (``"-0.00790"``) as the positive amount charged; null counts 0."""
    return Decimal(0) if price is None else -Decimal(price)


@dataclass
class Api:
    """A Twilio REST client in miniature: Basic auth and ``next_page_uri`` paging."""

    client: TestClient
    auth: tuple[str, str] | None

    def get(self, path: str, params: Params | None = None) -> httpx.Response:
        # httpx *replaces* a URL's query string whenever ``params`` is passed (even
        # empty), which would drop the PageToken of a next_page_uri: pass None instead.
        return self.client.get(path, params=params or None, auth=self.auth)

    def ok(self, path: str, params: Params | None = None) -> Any:
        response = self.get(path, params)
        assert response.status_code == 200, response.text
        return decode(response)

    def pages(self, path: str, params: Params | None = None) -> Iterator[dict[str, Any]]:
        body = self.ok(path, params)
        yield body
        while body["next_page_uri"] is not None:
            body = self.ok(body["next_page_uri"])
            yield body

    def walk(self, path: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Every record of a list, following ``next_page_uri`` to the end."""
        return [record for page in self.pages(path, params) for record in page[records_key(page)]]


@dataclass
class Live:
    """An emulator of one's own, for tests that move its clock."""

    emulator: Emulator
    client: TestClient
    api: Api

    @property
    def main_sid(self) -> str:
        return self.emulator.world.main.sid

    def advance(self, **body: str | int) -> dict[str, Any]:
        response = self.client.post("/_emulator/clock", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def truth(self) -> dict[str, Any]:
        return decode(self.client.get("/_emulator/truth"))


def start(config: EmulatorConfig) -> Live:
    emulator = Emulator(config)
    client = TestClient(create_app(emulator))
    return Live(emulator, client, Api(client, (emulator.world.main.sid, config.auth_token)))
