"""Run the Twilio emulator in a child process, and point Meltano at it.

Used by ``make demo`` and the end-to-end tests. The emulator's credentials are
random per run and travel only through environment variables and a mode-600
file, never through command lines or logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmulatorProcess:
    url: str
    account_sid: str
    auth_token: str = field(repr=False)
    api_key_sid: str
    api_key_secret: str = field(repr=False)
    process: subprocess.Popen
    # Every account's auth token (subaccounts sign their webhooks with their own).
    account_auth_tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, path: str, timeout: float = 120) -> dict:
        response = requests.get(self.url + path, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def truth(self, reporting_timezone: str = "UTC") -> dict:
        """The ground truth, local days counted in ``reporting_timezone`` (as dbt's var)."""
        # The first call builds it from the whole dataset: minutes at 10,000,000 messages.
        return self.get(f"/_emulator/truth?tz={quote(reporting_timezone)}", timeout=3600)

    def advance(self, duration: str) -> dict:
        response = requests.post(
            self.url + "/_emulator/clock", json={"advance": duration}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def webhooks(self, wait: float = 0) -> dict:
        """Webhook delivery counters and truth; ``wait`` seconds for pending ones first."""
        return self.get(f"/_emulator/webhooks?wait={wait:g}")

    def tap_env(self) -> dict[str, str]:
        """Settings that point tap-twilio (through Meltano) at this emulator.

        The emulator serves the 2010 API at its root and each product API under
        ``/<product>``, as ``twilio_base_url`` expects: one setting reaches them all.
        ``TAP_TWILIO_BASE_URL`` is set too, for the alerts that follow it.
        """
        return {
            "TAP_TWILIO_TWILIO_BASE_URL": self.url,
            "TAP_TWILIO_BASE_URL": self.url,
            "TAP_TWILIO_ACCOUNT_SID": self.account_sid,
            "TAP_TWILIO_AUTH_TOKEN": self.auth_token,
        }


@contextlib.contextmanager
def running_emulator(
    *,
    port: int | None = None,
    seed: int = 42,
    days: int = 120,
    messages_per_day: float = 250,
    calls_per_day: float = 60,
    customers: int = 1500,
    now: str | None = None,
    extra_args: tuple[str, ...] = (),
    log_path: Path | None = None,
) -> Iterator[EmulatorProcess]:
    """Start ``twilio-emulator serve``, wait until it answers, stop it on exit."""
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="twilio-emulator-") as tmp:
        creds = Path(tmp) / "credentials.json"
        env = {
            **os.environ,
            "TWILIO_EMULATOR_AUTH_TOKEN": secrets.token_hex(16),
            "TWILIO_EMULATOR_API_KEY_SECRET": secrets.token_hex(16),
        }
        args = [
            sys.executable, "-m", "twilio_emulator", "serve",
            "--port", str(port),
            "--seed", str(seed),
            "--days", str(days),
            "--messages-per-day", str(messages_per_day),
            "--calls-per-day", str(calls_per_day),
            "--customers", str(customers),
            "--credentials-file", str(creds),
            *(["--now", now] if now else []),
            *extra_args,
        ]  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        with child_process(args, env=env, log_path=log_path) as process:
            wait_healthy(process, url + "/_emulator/health", "twilio-emulator", ready=creds.exists)
            data = json.loads(creds.read_text())
            yield EmulatorProcess(
                url=url,
                account_sid=data["account_sid"],
                auth_token=data["auth_token"],
                api_key_sid=data["api_key_sid"],
                api_key_secret=data["api_key_secret"],
                process=process,
                account_auth_tokens=data.get("account_auth_tokens", {}),
            )


@contextlib.contextmanager
def child_process(
    args: list[str], *, env: dict[str, str], log_path: Path | None
) -> Iterator[subprocess.Popen]:
    """Run ``args`` with output to ``log_path`` (or nowhere); SIGTERM it on exit, then kill."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not subprocess.DEVNULL:
            log.close()


def wait_healthy(
    process: subprocess.Popen,
    health_url: str,
    name: str,
    *,
    ready: Callable[[], bool] = lambda: True,
    timeout: float = 60,
) -> None:
    """Wait until ``health_url`` answers 2xx (and ``ready()``); fail if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        try:
            if ready() and requests.get(health_url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer at {health_url} within {timeout:.0f}s")
