"""Fixtures: one shared emulator frozen at 2026-11-20T12:00:00Z, and private ones to move.

The shared emulator's clock never moves (a guard fails any test that moves it),
so every read-only test sees the same data; tests that advance time use ``live``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

# starlette warns that its TestClient will want httpx2 one day; that is not ours to fix.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from starlette.testclient import TestClient  # noqa: E402

from tests.support import (  # noqa: E402
    API_KEY_SECRET,
    AUTH_TOKEN,
    NOW,
    Api,
    Live,
    account_path,
    make_config,
    start,
)
from twilio_emulator.app import create_app  # noqa: E402
from twilio_emulator.emulator import Emulator, EmulatorConfig  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "filterwarnings", "ignore:Using `httpx` with `starlette.testclient`:UserWarning"
    )


@pytest.fixture(scope="session")
def config() -> EmulatorConfig:
    """Default sizes, seed 42, known secrets, and the clock fixed at 2026-11-20T12:00:00Z."""
    return make_config()


@pytest.fixture(scope="session")
def emulator(config: EmulatorConfig) -> Emulator:
    """The shared, read-only emulator."""
    assert config.now == NOW
    return Emulator(config)


@pytest.fixture(autouse=True)
def _shared_clock_is_frozen(emulator: Emulator) -> Iterator[None]:
    """Read-only tests share one emulator: moving its clock would leak into others."""
    yield
    assert emulator.clock.now() == NOW, "a test moved the shared clock; use the `live` fixture"


@pytest.fixture(scope="session")
def client(emulator: Emulator) -> TestClient:
    return TestClient(create_app(emulator))


@pytest.fixture(scope="session")
def main_sid(emulator: Emulator) -> str:
    return emulator.world.main.sid


@pytest.fixture(scope="session")
def main_auth(main_sid: str) -> tuple[str, str]:
    """The main account's AccountSid:AuthToken, as the tap is configured."""
    return (main_sid, AUTH_TOKEN)


@pytest.fixture(scope="session")
def api_key_auth(emulator: Emulator) -> tuple[str, str]:
    return (emulator.world.api_keys[0].sid, API_KEY_SECRET)


@pytest.fixture(scope="session")
def api(client: TestClient, main_auth: tuple[str, str]) -> Api:
    """A client authenticated as the main account."""
    return Api(client, main_auth)


@pytest.fixture(scope="session")
def accounts(api: Api) -> dict[str, dict[str, Any]]:
    """Accounts.json as the main account sees it, by friendly name (with their tokens)."""
    return {a["friendly_name"]: a for a in api.walk("/2010-04-01/Accounts.json")}


@pytest.fixture(scope="session")
def main_messages(api: Api, main_sid: str) -> list[dict[str, Any]]:
    """Every message of the main account, walked once for the whole session."""
    return api.walk(f"{account_path(main_sid)}/Messages.json", {"PageSize": 1000})


@pytest.fixture(scope="session")
def main_calls(api: Api, main_sid: str) -> list[dict[str, Any]]:
    return api.walk(f"{account_path(main_sid)}/Calls.json", {"PageSize": 1000})


@pytest.fixture
def live(config: EmulatorConfig) -> Live:
    """A private emulator whose clock the test may move (same config as the shared one)."""
    return start(config)
