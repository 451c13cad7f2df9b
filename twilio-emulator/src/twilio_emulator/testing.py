"""Serve the emulator from a background thread, for test suites that need a real port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn

from .apis import PREFIXES
from .app import create_app
from .emulator import Emulator, EmulatorConfig
from .timefmt import DAY
from .voice import Conference

if TYPE_CHECKING:
    from starlette.testclient import TestClient


@dataclass
class ServedEmulator:
    url: str
    emulator: Emulator
    server: uvicorn.Server

    @property
    def account_sid(self) -> str:
        return self.emulator.world.main.sid

    @property
    def auth_token(self) -> str:
        return self.emulator.config.auth_token

    @property
    def product_base_urls(self) -> dict[str, str]:
        """Base URL of each product API (``monitor``, ``studio``, ...) on this emulator."""
        return {product: self.url + prefix for product, prefix in PREFIXES.items()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(config: EmulatorConfig) -> ServedEmulator:
    """Start serving on a free loopback port; call ``stop`` when done."""
    emulator = Emulator(config)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(emulator),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            date_header=False,
        )
    )
    thread = threading.Thread(target=server.run, name=f"twilio-emulator:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.02)
    return ServedEmulator(url=f"http://127.0.0.1:{port}", emulator=emulator, server=server)


def stop(served: ServedEmulator) -> None:
    served.server.should_exit = True


@contextlib.contextmanager
def serve(config: EmulatorConfig) -> Iterator[ServedEmulator]:
    served = start(config)
    try:
        yield served
    finally:
        stop(served)


def in_process(config: EmulatorConfig) -> tuple[Emulator, TestClient]:
    """An emulator and a client calling its app in-process (no port; needs httpx)."""
    from starlette.testclient import TestClient  # noqa: PLC0415 (httpx is a test dependency)

    emulator = Emulator(config)
    return emulator, TestClient(create_app(emulator))


def next_conference(emulator: Emulator, *, days: int = 7) -> Conference:
    """The first conference whose agent joins after the clock (in any account)."""
    now = emulator.clock.now()
    store = emulator.store
    for day in range(now // DAY, now // DAY + days):
        found = [
            c
            for account in emulator.world.accounts
            for c in store.voice(account, day).conferences
            if c.started > now
        ]
        if found:
            return min(found, key=lambda c: (c.started, c.sid))
    raise LookupError(f"no conference starts in the {days} days after the clock")


def advance_to_live_conference(emulator: Emulator) -> Conference:
    """Move the clock to just after the next conference's agent joins: both are live."""
    conference = next_conference(emulator)
    emulator.clock.advance(conference.started + 1 - emulator.clock.now())
    return conference
