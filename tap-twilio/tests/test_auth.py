"""Credentials: both Twilio schemes work; wrong ones fail at once, with the fix named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tap_twilio import client as client_module
from tap_twilio.client import EDGE_RETRIES, EDGE_WAIT_SECONDS
from tap_twilio.errors import AuthenticationError
from tap_twilio.tap import TapTwilio
from tests.emulated import EMULATOR, tap_config
from tests.helpers import run_cli, run_tap


def test_wrong_token_fails_on_the_first_request() -> None:
    with pytest.raises(AuthenticationError, match="account_sid and auth_token") as caught:
        run_tap(tap_config(auth_token="wrong-token"))
    assert "20003" in str(caught.value)
    assert "wrong-token" not in str(caught.value)


def test_wrong_token_is_asked_again_twice_then_fails_within_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twilio's edge answers some 401s transiently: a 401 is believed on its third answer,
    after waits of 0.25 s and 0.5 s (recorded here, not slept)."""
    waits: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", waits.append)
    tap = TapTwilio(config=tap_config(auth_token="wrong-token"))
    with pytest.raises(AuthenticationError):
        tap.sync_all()
    assert tap.session.client().requests_made == 1 + EDGE_RETRIES
    assert waits == [EDGE_WAIT_SECONDS, 2 * EDGE_WAIT_SECONDS]


def test_cli_wrong_credentials_one_line(tmp_path: Path) -> None:
    result = run_cli(tap_config(auth_token="wrong-token"), tmp_path)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-twilio: Twilio rejected the credentials (HTTP 401, code 20003")
    assert "TAP_TWILIO_AUTH_TOKEN" in last
    assert "wrong-token" not in result.stderr
    assert "Traceback" not in result.stderr


def test_api_key_reads_every_account() -> None:
    key = EMULATOR.emulator.world.api_keys[0]
    config = tap_config(api_key_sid=key.sid, api_key_secret=key.secret)
    del config["auth_token"]
    result = run_tap(config, streams={"accounts"})
    assert len(result.records["accounts"]) == len(EMULATOR.emulator.world.accounts)


def test_accounts_never_carry_the_auth_token() -> None:
    result = run_tap(tap_config(), streams={"accounts"})
    for record in result.records["accounts"]:
        assert "auth_token" not in record
    assert EMULATOR.auth_token not in json.dumps(result.records)
