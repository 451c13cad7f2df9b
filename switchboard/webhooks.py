"""The webhook receiver in a child process, and the checks of what it brought to the marts.

``running_receiver`` starts ``twilio-webhooks serve`` on a SQLite store, with the
emulator's auth tokens passed through the environment only. ``differences``
compares the webhook marts with the emulator's truth: without any new API sync,
the current-status marts must say what the truth says at the emulator's clock,
and the event marts must hold exactly the changes the emulator sent.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import requests

from switchboard.emulated import (
    EmulatorProcess,
    child_process,
    free_port,
    running_emulator,
    wait_healthy,
)
from switchboard.reconcile import Connection

ENDPOINTS = {
    "--status-callback-url": "/twilio/messages/status",
    "--call-status-callback-url": "/twilio/calls/status",
    "--incoming-message-url": "/twilio/messages/incoming",
    "--event-stream-url": "/twilio/event-streams",
}


@dataclass
class ReceiverProcess:
    url: str
    store: Path
    process: subprocess.Popen

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.store}"

    def tap_env(self) -> dict[str, str]:
        return {"TAP_TWILIO_WEBHOOKS_STORE_URL": self.store_url}

    def metrics(self) -> str:
        response = requests.get(self.url + "/metrics", timeout=10)
        response.raise_for_status()
        return response.text


def emulator_args(receiver_url: str) -> tuple[str, ...]:
    """The emulator options that send every kind of webhook to this receiver."""
    return tuple(arg for option, path in ENDPOINTS.items() for arg in (option, receiver_url + path))


@contextlib.contextmanager
def running_receiver(
    *, store: Path, auth_tokens: list[str], port: int | None = None, log_path: Path | None = None
) -> Iterator[ReceiverProcess]:
    """Start ``twilio-webhooks serve``, wait for /healthz, stop it (SIGTERM) on exit."""
    port = port or free_port()
    env = {
        **os.environ,
        "TWILIO_WEBHOOKS_AUTH_TOKENS": ",".join(auth_tokens),
        "TWILIO_WEBHOOKS_STORE_URL": f"sqlite:///{store}",
    }
    args = [sys.executable, "-m", "twilio_webhooks", "serve", "--port", str(port)]
    with child_process(args, env=env, log_path=log_path) as process:
        receiver = ReceiverProcess(f"http://127.0.0.1:{port}", store, process)
        wait_healthy(process, receiver.url + "/healthz", "twilio-webhooks", timeout=30)
        yield receiver


# The world the webhook end-to-end tests reconcile: enough traffic for every status, ten
# days of history to sync. Seed 2: its closing subaccount has a message scheduled past
# the close that was drawn to be canceled on the first webhook day, which the close must
# cancel instead (a closed account sends no webhook: twilio-emulator's lifecycle.close).
WEBHOOK_WORLD = {
    "seed": 2,
    "days": 10,
    "messages_per_day": 200,
    "calls_per_day": 50,
    "customers": 400,
}


@contextlib.contextmanager
def emulator_with_receiver(
    workdir: Path, now: str
) -> Iterator[tuple[EmulatorProcess, ReceiverProcess]]:
    """The emulator (``WEBHOOK_WORLD``) posting its signed webhooks to a receiver of its
    own; both log into ``workdir``, the receiver stores into ``webhooks.sqlite3`` there."""
    port = free_port()
    with (
        running_emulator(
            **WEBHOOK_WORLD,
            now=now,
            extra_args=emulator_args(f"http://127.0.0.1:{port}"),
            log_path=workdir / "emulator.log",
        ) as emulator,
        running_receiver(
            store=workdir / "webhooks.sqlite3",
            auth_tokens=list(emulator.account_auth_tokens.values()),
            port=port,
            log_path=workdir / "receiver.log",
        ) as receiver,
    ):
        yield emulator, receiver


CURRENT_STATUS_MARTS = ("fct_message_current_status", "fct_call_current_status")


def statuses_disagreeing(conn: Connection, schema: str = "analytics") -> dict[str, int]:
    """Per current-status mart, the records whose webhook and API statuses differ (both known)."""
    return {
        table: conn.execute(
            f"select count(*) from {schema}.{table} "
            "where webhook_status is not null and api_status is not null "
            "and webhook_status <> api_status"
        ).fetchone()[0]
        for table in CURRENT_STATUS_MARTS
    }


def _by_status(
    conn: Connection, table: str, leave_out: frozenset[str] = frozenset(), key: str = "null"
) -> dict[str, dict[str, int]]:
    """{account: {status: rows}} of one mart, without the rows whose ``key`` is in
    ``leave_out``."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    sql = f"select account_sid, status, {key} from {table}"
    counts: Counter[tuple[str, str]] = Counter(
        (account, status)
        for account, status, sid in conn.execute(sql).fetchall()
        if sid not in leave_out
    )
    for (account, status), n in counts.items():
        out[account][status] = n
    return out


def _deleted_messages(truth: dict) -> frozenset[str]:
    """Messages deleted in Twilio by the truth's clock. No webhook tells of a deletion, so
    one deleted after its events stays in the webhook marts (as in the API's, once read)
    while the truth, which counts what Twilio lists, no longer has it."""
    return frozenset(d["sid"] for d in truth.get("deletions", ()) if d["kind"] == "message")


def differences(
    truth: dict, webhooks: dict, conn: Connection, schema: str = "analytics"
) -> list[str]:
    """Every mismatch between the webhook marts and the emulator's truth, as readable lines."""
    out: list[str] = []
    deleted = _deleted_messages(truth)
    messages = _by_status(conn, f"{schema}.fct_message_current_status", deleted, "message_sid")
    calls = _by_status(conn, f"{schema}.fct_call_current_status")
    message_events = _by_status(conn, f"{schema}.fct_message_status_events")
    call_events = _by_status(conn, f"{schema}.fct_call_progress_events")
    latency = {
        account: (int(n), Decimal(str(seconds or 0)))
        for account, n, seconds in conn.execute(
            f"select account_sid, count(*), sum(latency_seconds) "
            f"from {schema}.fct_message_delivery_latency "
            "where measured_from = 'event_time' group by 1"
        ).fetchall()
    }
    for sid, expected in truth["accounts"].items():
        name = f"{expected['friendly_name']} ({sid})"
        checks = [
            (
                "messages by current status",
                expected["messages"]["by_status"],
                messages.get(sid, {}),
            ),
            ("calls by current status", expected["calls"]["by_status"], calls.get(sid, {})),
        ]
        sent = webhooks["truth"].get(sid, {})
        if sent:
            checks += [
                ("message status events", sent["message_events"], message_events.get(sid, {})),
                ("call progress events", sent["call_events"], call_events.get(sid, {})),
            ]
            want = sent["delivery_latency"]
            got = latency.get(sid, (0, Decimal(0)))
            checks.append(
                (
                    "sent->delivered latency (messages, seconds)",
                    (want["messages"], Decimal(want["seconds"])),
                    got,
                )
            )
        for label, want, got in checks:
            if want != got:
                out.append(f"{name}: {label}: truth {want}, marts {got}")
    return out
