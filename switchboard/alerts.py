"""Alerts through Twilio itself: an SMS when a pipeline fails (and a call when failures
repeat), and an SMS when a live rule is breached (``switchboard.live_alerts``).

Settings come from the environment (or ``.env`` loaded by the caller):

- ``ALERT_TO``: comma-separated on-call numbers (E.164). Unset: alerts are off.
- ``ALERT_FROM``: a number of the Twilio account that sends the alert.
- ``ALERT_TWILIO_ACCOUNT_SID`` + ``ALERT_TWILIO_AUTH_TOKEN`` (or ``ALERT_TWILIO_API_KEY_SID``
  + ``ALERT_TWILIO_API_KEY_SECRET``): default to the tap's ``TAP_TWILIO_*`` credentials.
- ``ALERT_TWILIO_BASE_URL``: default to ``TAP_TWILIO_BASE_URL`` (the emulator in dev).
  Outside the ``prod`` environment, with neither set, an alert never leaves the
  machine: it is written to ``output/alerts.log`` (``ALERT_LOG_PATH``) and stderr.
- ``ALERT_QUIET_MINUTES`` (60): at most one alert per job (or live rule and subject)
  in that period.
- ``ALERT_CALL_AFTER_FAILURES`` (3): also phone the on-call numbers after that many
  consecutive failures of a job (0 disables calls).
- ``ALERT_STATE_PATH``: where the last alert times live (default ``.meltano/alerts.json``).

An alert that cannot be sent is reported on stderr and never changes the
pipeline's own exit code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

ROOT = Path(__file__).resolve().parent.parent
SMS_LIMIT = 300  # two SMS segments at most
SECRET_VARIABLES = (
    "TAP_TWILIO_AUTH_TOKEN",
    "TAP_TWILIO_API_KEY_SECRET",
    "ALERT_TWILIO_AUTH_TOKEN",
    "ALERT_TWILIO_API_KEY_SECRET",
)


@dataclass(frozen=True)
class AlertSettings:
    to_numbers: tuple[str, ...]
    from_number: str
    account_sid: str
    username: str
    password: str = field(repr=False)
    base_url: str | None
    quiet_seconds: int
    call_after_failures: int
    state_path: Path
    log_path: Path | None = None  # set: write alerts here instead of sending them

    @classmethod
    def from_env(cls, env: Mapping[str, str], environment: str = "prod") -> AlertSettings | None:
        """Settings from the environment, or None when no on-call number is set.

        In any Meltano environment but ``prod``, alerts go to Twilio only through a
        base URL set on purpose (the emulator, a proxy); otherwise to a local log.
        """
        to = tuple(n.strip() for n in env.get("ALERT_TO", "").split(",") if n.strip())
        if not to:
            return None
        account_sid = env.get("ALERT_TWILIO_ACCOUNT_SID") or env.get("TAP_TWILIO_ACCOUNT_SID", "")
        key_sid = env.get("ALERT_TWILIO_API_KEY_SID")
        if key_sid:
            username, password = key_sid, env.get("ALERT_TWILIO_API_KEY_SECRET", "")
        elif env.get("ALERT_TWILIO_ACCOUNT_SID"):
            username, password = account_sid, env.get("ALERT_TWILIO_AUTH_TOKEN", "")
        elif env.get("TAP_TWILIO_API_KEY_SID"):
            username = env["TAP_TWILIO_API_KEY_SID"]
            password = env.get("TAP_TWILIO_API_KEY_SECRET", "")
        else:
            username, password = account_sid, env.get("TAP_TWILIO_AUTH_TOKEN", "")
        missing = [
            name
            for name, value in (
                ("ALERT_FROM", env.get("ALERT_FROM")),
                ("ALERT_TWILIO_ACCOUNT_SID (or TAP_TWILIO_ACCOUNT_SID)", account_sid),
                ("ALERT_TWILIO_AUTH_TOKEN (or an API key)", password),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"alerts: ALERT_TO is set but {', '.join(missing)} is not")
        base_url = env.get("ALERT_TWILIO_BASE_URL") or env.get("TAP_TWILIO_BASE_URL") or None
        return cls(
            to_numbers=to,
            from_number=env["ALERT_FROM"],
            account_sid=account_sid,
            username=username,
            password=password,
            base_url=base_url,
            quiet_seconds=int(env.get("ALERT_QUIET_MINUTES", "60")) * 60,
            call_after_failures=int(env.get("ALERT_CALL_AFTER_FAILURES", "3")),
            state_path=Path(env.get("ALERT_STATE_PATH") or ROOT / ".meltano" / "alerts.json"),
            log_path=None
            if base_url or environment == "prod"
            else Path(env.get("ALERT_LOG_PATH") or ROOT / "output" / "alerts.log"),
        )


def redact(text: str, env: Mapping[str, str]) -> str:
    """Remove any secret's value that found its way into a message."""
    for name in SECRET_VARIABLES:
        value = env.get(name)
        if value and len(value) >= 6:
            text = text.replace(value, "*****")
    return text


class Alerter:
    """Sends failure alerts for jobs, remembering per job when it last did."""

    def __init__(self, settings: AlertSettings, *, now: float | None = None) -> None:
        self.settings = settings
        self._now = now

    def now(self) -> float:
        return self._now if self._now is not None else time.time()

    def _client(self) -> Client:
        client = Client(
            self.settings.username,
            self.settings.password,
            account_sid=self.settings.account_sid,
            http_client=TwilioHttpClient(timeout=15),
            environment={},
        )
        if self.settings.base_url:  # the emulator, or a proxy
            client.api.base_url = self.settings.base_url.rstrip("/")
        return client

    def _load(self) -> dict:
        try:
            return json.loads(self.settings.state_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _save(self, state: dict) -> None:
        self.settings.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.settings.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.settings.state_path)

    def succeeded(self, job: str) -> None:
        state = self._load()
        if job in state:
            state[job]["consecutive_failures"] = 0
            self._save(state)

    def failed(self, job: str, step: str, cause: str) -> list[str]:
        """Alert for a failed step; returns the SIDs of what was sent (empty if quiet)."""
        state = self._load()
        record = state.setdefault(job, {"consecutive_failures": 0, "last_alert_at": None})
        record["consecutive_failures"] += 1
        failures = record["consecutive_failures"]
        sent: list[str] = []
        if not self._quiet(job, record):
            body = f"[switchboard] {job} failed at {step}: {cause}"
            speech = None
            calls = self.settings.call_after_failures
            if calls and failures >= calls:
                speech = f"The {job} pipeline has failed {failures} times in a row, at {step}."
            sent = self._send(job, body, speech)
            if sent:
                record["last_alert_at"] = self.now()
        self._save(state)
        return sent

    def notify(self, key: str, body: str) -> list[str]:
        """An SMS about ``key`` (a live rule and its subject), at most one per quiet period;
        returns the SIDs sent (empty if quiet)."""
        state = self._load()
        record = state.setdefault(key, {"consecutive_failures": 0, "last_alert_at": None})
        sent: list[str] = []
        if not self._quiet(key, record):
            sent = self._send(key, f"[switchboard] {body}", None)
            if sent:
                record["last_alert_at"] = self.now()
                self._save(state)
        return sent

    def _quiet(self, key: str, record: dict) -> bool:
        last = record["last_alert_at"]
        if last is not None and self.now() - last < self.settings.quiet_seconds:
            minutes = self.settings.quiet_seconds // 60
            _warn(f"alert for {key} not sent: one was sent in the last {minutes} minutes")
            return True
        return False

    def _send(self, key: str, body: str, speech: str | None) -> list[str]:
        """The SMS to every on-call number, then the call when ``speech`` is given."""
        if len(body) > SMS_LIMIT:
            body = body[: SMS_LIMIT - 1] + "…"
        if self.settings.log_path is not None:
            return self._log(body)
        sent: list[str] = []
        try:
            client = self._client()
            for number in self.settings.to_numbers:
                message = client.messages.create(
                    to=number, from_=self.settings.from_number, body=body
                )
                sent.append(message.sid)
            if speech is not None:
                twiml = f"<Response><Say>{escape(speech)}</Say></Response>"
                for number in self.settings.to_numbers:
                    call = client.calls.create(
                        to=number, from_=self.settings.from_number, twiml=twiml
                    )
                    sent.append(call.sid)
        except Exception as exc:  # an alert must never mask the pipeline's result
            _warn(
                f"alert for {key} not sent: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            )
        return sent

    def _log(self, body: str) -> list[str]:
        """An alert kept on this machine (development): appended to the alert log."""
        path = self.settings.log_path
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.now()))
        with path.open("a") as log:
            log.write(f"{stamp} to {', '.join(self.settings.to_numbers)}: {body}\n")
        _warn(f"alert not sent outside prod (no Twilio base URL set), written to {path}: {body}")
        return [f"logged:{path}"]


def _warn(text: str) -> None:
    print(f"switchboard: {text}", file=sys.stderr, flush=True)


def alerter_from_env(
    env: Mapping[str, str] | None = None, environment: str = "prod"
) -> Alerter | None:
    settings = AlertSettings.from_env(os.environ if env is None else env, environment)
    return Alerter(settings) if settings else None
