"""Settings are declared once (the JSON schema) and read once (``Settings``): defaults,
ranges, unknown names, the date range, which accounts, and discovery without credentials."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tap_twilio.errors import ConfigError
from tap_twilio.settings import CONFIG_SCHEMA
from tap_twilio.streams import STREAM_TYPES
from tap_twilio.tap import TapTwilio
from tests.emulated import EMULATOR, NOW, tap_config
from tests.helpers import run_tap

MINIMAL = {"account_sid": "AC" + "0" * 32, "auth_token": "x" * 32}


def test_defaults_come_from_the_schema() -> None:
    settings = TapTwilio(config=MINIMAL).settings
    defaults = {name: prop.get("default") for name, prop in CONFIG_SCHEMA["properties"].items()}
    assert settings.lookback_days == defaults["lookback_days"]
    assert settings.page_size == defaults["page_size"]
    assert settings.max_concurrency == defaults["max_concurrency"]
    assert settings.retry.max_attempts == defaults["max_attempts"]
    assert settings.request_timeout == defaults["request_timeout"]


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        ({"page_size": 0}, "page_size: 0 is less than the minimum of 1"),
        ({"max_concurrency": 65}, "max_concurrency: 65 is greater than the maximum of 64"),
        ({"account_sid": "AC123"}, "account_sid: 'AC123' does not match"),
        ({"privacy_phone_numbers": "mask"}, "privacy_phone_numbers: 'mask' is not one of"),
    ],
)
def test_out_of_range_values_name_the_setting(overrides: dict, line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        TapTwilio(config={**MINIMAL, **overrides})
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


def test_an_unknown_setting_warns_with_the_closest_name(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        TapTwilio(config={**MINIMAL, "lookback_day": 7})
    assert "unknown setting 'lookback_day' (did you mean 'lookback_days'?)" in caplog.text


def test_strict_settings_fails_on_an_unknown_setting() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'page_sise'.*'page_size'"):
        TapTwilio(config={**MINIMAL, "page_sise": 10, "strict_settings": True})


def test_sdk_settings_are_known() -> None:
    TapTwilio(config={**MINIMAL, "flattening_enabled": False, "strict_settings": True})


def test_end_date_bounds_the_windows_and_the_bookmarks() -> None:
    end = (NOW - dt.timedelta(days=5)).date()
    result = run_tap(tap_config(end_date=end.isoformat()), streams={"messages", "calls"})
    sent = [r["date_sent"] for r in result.records["messages"] if r["date_sent"]]
    assert sent
    assert max(sent)[:10] == end.isoformat()
    started = [r["start_time"] for r in result.records["calls"] if r["start_time"]]
    assert max(started)[:10] <= end.isoformat()
    for partition in result.final_state["bookmarks"]["messages"]["partitions"]:
        assert partition.get("replication_key_value", "")[:10] <= end.isoformat()


def test_end_date_before_start_date_is_named() -> None:
    with pytest.raises(ConfigError, match="end_date 2024-01-01 is before start_date 2024-02-01"):
        TapTwilio(config={**MINIMAL, "start_date": "2024-02-01", "end_date": "2024-01-01"})


def test_account_allow_and_deny_lists() -> None:
    main = EMULATOR.account_sid
    everyone = {r["sid"] for r in run_tap(tap_config(), streams={"accounts"}).records["accounts"]}
    subaccount = sorted(everyone - {main})[0]
    allowed = run_tap(tap_config(account_sids=[main]), streams={"accounts", "messages"})
    assert {r["sid"] for r in allowed.records["accounts"]} == {main}
    assert {r["account_sid"] for r in allowed.records["messages"]} == {main}
    denied = run_tap(tap_config(exclude_account_sids=[subaccount]), streams={"accounts"})
    assert {r["sid"] for r in denied.records["accounts"]} == everyone - {subaccount}


def test_discovery_needs_no_credentials(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({}))
    result = subprocess.run(
        [sys.executable, "-m", "tap_twilio", "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = {s["tap_stream_id"] for s in json.loads(result.stdout)["streams"]}
    assert names == {stream.name for stream in STREAM_TYPES}
