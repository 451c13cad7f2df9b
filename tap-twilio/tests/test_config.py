"""Bad settings fail before any request, with one line that names the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tap_twilio.errors import ConfigError
from tap_twilio.streams import PRODUCTS, STREAM_TYPES
from tap_twilio.tap import TapTwilio
from tests.emulated import tap_config
from tests.helpers import run_cli


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"start_date": "2024-13-45"}, "start_date"),
        ({"start_date": "last tuesday"}, "start_date"),
        ({"account_sid": "not-a-sid"}, "account_sid"),
        ({"auth_token": None}, "auth_token"),
        ({"api_key_sid": "SK123", "auth_token": None}, "api_key_secret"),
        ({"page_size": 5000}, "page_size"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_wait_seconds": -1}, "max_wait_seconds"),
        ({"backoff_base_ms": -5}, "backoff_base_ms"),
    ],
)
def test_bad_setting_is_named(overrides: dict, setting: str) -> None:
    config = {k: v for k, v in {**tap_config(), **overrides}.items() if v is not None}
    with pytest.raises(ConfigError, match=setting):
        TapTwilio(config=config)


def test_cli_reports_one_line_and_fails(tmp_path: Path) -> None:
    """A user sees `tap-twilio: <what to fix>` and a non-zero exit, not a traceback."""
    # An unroutable base URL proves no request is attempted before the error.
    result = run_cli(tap_config(start_date="2024-02-30", base_url="http://0.0.0.0:9"), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-twilio: start_date '2024-02-30'")
    assert "Traceback" not in result.stderr


def test_discovery_makes_no_request() -> None:
    unroutable = "http://0.0.0.0:9"
    config = tap_config(
        base_url=unroutable,
        product_base_urls={p: f"{unroutable}/{p}" for p in PRODUCTS},
    )
    tap = TapTwilio(config=config)
    catalog = tap.catalog_dict
    names = {entry["tap_stream_id"] for entry in catalog["streams"]}
    assert names == {stream.name for stream in STREAM_TYPES}
    assert tap.session.requests_made == 0


# What is off by default, and why: the decision this test guards.
NUMBER_INVENTORY = {
    "available_phone_number_countries",
    "available_phone_numbers_local",
    "available_phone_numbers_mobile",
    "available_phone_numbers_toll_free",
}
# Twilio's price list: its catalog, one request per country (see streams/pricing.py).
PRICE_LIST = {"pricing_voice_countries", "pricing_voice_prices"}
# One request per message, call, conversation or execution: most of a run's requests.
PER_RECORD_CHILDREN = {
    "message_media",
    "call_events",
    "conversation_messages",
    "conversation_participants",
    "execution_steps",
}


def test_catalogs_and_per_record_children_are_off_by_default() -> None:
    catalog = TapTwilio(config=tap_config()).catalog_dict
    selected = {}
    for entry in catalog["streams"]:
        root = next(m for m in entry["metadata"] if m["breadcrumb"] == [])
        selected[entry["tap_stream_id"]] = root["metadata"]["selected-by-default"]
    assert {name for name, on in selected.items() if not on} == (
        NUMBER_INVENTORY | PRICE_LIST | PER_RECORD_CHILDREN
    )
