"""Twilio's real-world behaviours the emulator plays, each on by default and each switchable.

One entry per ``EmulatorConfig`` field: what it plays, where Twilio (or a public
issue) says so, and the value that switches it off. ``cli.py`` turns the table
into ``serve`` options, ``/_emulator/info`` reports the values, and the README
cites the same sources. The injected faults of ``faults.py`` are another matter:
off unless a fault plan asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNDATED_ORDERS = ("nulls-last", "nulls-first", "date-created")
ALERTS_CAP_MODES = ("stop", "error")


@dataclass(frozen=True)
class Behaviour:
    name: str  # the EmulatorConfig field (and, dashed, the serve option)
    help: str
    source: str
    off: Any = False  # the value that switches it off
    choices: tuple[str, ...] = ()


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour(
        "transient_401_rate",
        "share of GET requests the edge answers 401 (code 20003) once; asked again, they succeed",
        "Airbyte source-twilio 0.17.5 (2026-03-19): sporadic Twilio/CloudFront 401s",
        off=0.0,
    ),
    Behaviour(
        "transient_404_rate",
        "share of GET requests the edge answers 404 (code 20404) once; asked again, they succeed",
        "Airbyte source-twilio 0.17.3 (2025-11-06, PR 68680): 404s handled as transient",
        off=0.0,
    ),
    Behaviour(
        "usage_page_size_limit",
        "Usage Records with PageSize above N answer 500 (code 20500)",
        "airbytehq/airbyte #23512: 500 at PageSize=1000, fine at 100",
        off=None,
    ),
    Behaviour(
        "verify_page_size_limit",
        "Verify lists with PageSize above N answer 400 (code 60373, Invalid page size)",
        "PostHog/posthog #81492 (400 at PageSize=1000); Twilio error 60373: 1 to 25",
        off=None,
    ),
    Behaviour(
        "alerts_cap",
        "the Alerts list serves at most N results per query (see alerts_cap_mode)",
        "Twilio Monitor Alerts docs: at most 10,000 Alert resources per request",
        off=None,
    ),
    Behaviour(
        "alerts_cap_mode",
        "past the cap: stop (the last page has no next_page_url) or error (400 on the next page)",
        "Twilio does not say how the cap shows: both are played",
        choices=ALERTS_CAP_MODES,
    ),
)


def report(config: Any) -> dict[str, Any]:
    """Each behaviour's value in ``config`` (an ``EmulatorConfig``), for ``/_emulator/info``."""
    return {b.name: getattr(config, b.name) for b in BEHAVIOURS}


def all_off() -> dict[str, Any]:
    """``EmulatorConfig`` overrides that switch every behaviour off: Twilio's happy path."""
    return {b.name: b.off for b in BEHAVIOURS if not b.choices}
