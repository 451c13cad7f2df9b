"""One emulator for the whole tap test session, started at import time.

The SDK's standard test class needs its config when the test module is
imported, so the emulator starts here rather than in a fixture. Its clock then
moves to the first moment after ``NOW`` when a conference is live, so that
conference participants (listed only while connected) exist for every test.
"""

from __future__ import annotations

import atexit
import datetime as dt

from twilio_emulator import testing
from twilio_emulator.emulator import EmulatorConfig

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
HISTORY_DAYS = 20

EMULATOR = testing.start(
    EmulatorConfig(
        seed=7,
        days=HISTORY_DAYS,
        messages_per_day=80,
        calls_per_day=20,
        customers=150,
        now=int(NOW.timestamp()),
        auth_token="test-auth-token-0123456789abcdef",
        api_key_secret="test-key-secret-0123456789abcdef",
    )
)
atexit.register(testing.stop, EMULATOR)
LIVE_CONFERENCE = testing.advance_to_live_conference(EMULATOR.emulator)


def served_config(served: testing.ServedEmulator, **overrides: object) -> dict:
    """Config for the tap against an emulator: its 2010 API and every product API."""
    return {
        "account_sid": served.account_sid,
        "auth_token": served.auth_token,
        "base_url": served.url,
        "product_base_urls": served.product_base_urls,
        **overrides,
    }


def tap_config(**overrides: object) -> dict:
    """Config for the tap against the session emulator, reading all its history."""
    start = (NOW - dt.timedelta(days=HISTORY_DAYS + 1)).date().isoformat()
    return served_config(EMULATOR, **{"start_date": start, "request_timeout": 10, **overrides})
