"""Helpers for tests and benchmarks: sign requests as Twilio does, run a receiver process."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

FORM = "application/x-www-form-urlencoded"


def sign_form(
    secret: str, url: str, params: Mapping[str, str], *, algorithm: str = "HMAC_SHA1"
) -> str:
    """X-Twilio-Signature of a form post (URL + sorted params)."""
    return RequestValidator(secret).compute_signature(url, dict(params), algorithm)


def form_request(
    secret: str, url: str, params: Mapping[str, str], *, token: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """Body and headers of a signed status callback."""
    headers = {"Content-Type": FORM, "X-Twilio-Signature": sign_form(secret, url, params)}
    if token:
        headers["I-Twilio-Idempotency-Token"] = token
    return urlencode(params).encode(), headers


def json_request(secret: str, url: str, body: bytes) -> tuple[str, dict[str, str]]:
    """Event Streams: add bodySHA256 to the URL and sign the URL alone."""
    digest = hashlib.sha256(body).hexdigest()
    signed_url = f"{url}{'&' if '?' in url else '?'}bodySHA256={digest}"
    signature = RequestValidator(secret).compute_signature(signed_url, {})
    return signed_url, {"Content-Type": "application/json", "X-Twilio-Signature": signature}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ReceiverProcess:
    url: str
    store_url: str = field(repr=False)
    process: subprocess.Popen

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_receiver(
    *,
    store_url: str,
    auth_tokens: list[str],
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ReceiverProcess:
    """``twilio-webhooks serve`` in a child process, ready when this returns."""
    port = port or free_port()
    full_env = {
        **os.environ,
        **(env or {}),
        "TWILIO_WEBHOOKS_AUTH_TOKENS": ",".join(auth_tokens),
        "TWILIO_WEBHOOKS_STORE_URL": store_url,
    }
    args = [sys.executable, "-m", "twilio_webhooks", "serve", "--port", str(port)]
    args += ["--log-level", "warning", *extra_args]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(args, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    if log is not subprocess.DEVNULL:
        log.close()
    receiver = ReceiverProcess(f"http://127.0.0.1:{port}", store_url, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"twilio-webhooks exited with code {process.returncode}")
        try:
            health = receiver.url + "/healthz"  # http://127.0.0.1 only
            with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return receiver
        except OSError:
            time.sleep(0.05)
    receiver.kill()
    raise RuntimeError(f"twilio-webhooks did not answer at {receiver.url}")


@contextlib.contextmanager
def running_receiver(**kwargs) -> Iterator[ReceiverProcess]:
    receiver = start_receiver(**kwargs)
    try:
        yield receiver
    finally:
        receiver.stop()
