"""TapTwilio: settings, validation and the stream list."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from singer_sdk import Stream, Tap
from singer_sdk import typing as th

from tap_twilio.client import RetryPolicy, TwilioClient
from tap_twilio.errors import ConfigError
from tap_twilio.streams import STREAM_TYPES

DEFAULT_BASE_URL = "https://api.twilio.com"
DEFAULT_HISTORY_DAYS = 400  # what Twilio keeps of messages when start_date is unset


class TapTwilio(Tap):
    """Singer tap for Twilio."""

    name = "tap-twilio"
    package_name = "switchboard-tap-twilio"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "account_sid",
            th.StringType,
            required=True,
            title="Account SID",
            description="SID (AC…) of the account to read; its subaccounts are read too.",
        ),
        th.Property(
            "auth_token",
            th.StringType,
            secret=True,
            title="Auth Token",
            description="The account's auth token. Or use api_key_sid + api_key_secret.",
        ),
        th.Property(
            "api_key_sid",
            th.StringType,
            title="API Key SID",
            description="SID (SK…) of an API key, used instead of the auth token.",
        ),
        th.Property(
            "api_key_secret",
            th.StringType,
            secret=True,
            title="API Key Secret",
            description="The API key's secret.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start Date",
            description=(
                "Earliest date to read (ISO-8601). Default: 400 days ago, "
                "all the message history Twilio keeps."
            ),
        ),
        th.Property(
            "lookback_days",
            th.IntegerType,
            default=3,
            title="Lookback Days",
            description=(
                "Days re-read on each incremental run, to pick up late status, "
                "price and usage updates (Twilio has no updated-since filter)."
            ),
        ),
        th.Property(
            "base_url",
            th.StringType,
            default=DEFAULT_BASE_URL,
            title="Base URL",
            description="Base URL of the 2010 REST API; point it at a proxy or emulator.",
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=1000,
            title="Page Size",
            description="Records per request, 1 to 1000.",
        ),
        th.Property(
            "request_timeout",
            th.NumberType,
            default=60,
            title="Request Timeout",
            description="Seconds to wait for each HTTP response before retrying.",
        ),
        th.Property(
            "max_attempts",
            th.IntegerType,
            default=8,
            title="Max Attempts",
            description=(
                "Attempts per request, the first included, on 429, 5xx, connection "
                "resets, timeouts and broken bodies; then the run fails."
            ),
        ),
        th.Property(
            "max_wait_seconds",
            th.NumberType,
            default=600,
            title="Max Wait Seconds",
            description=(
                "Most seconds of backoff per request (Retry-After included) before the run fails."
            ),
        ),
        th.Property(
            "backoff_base_ms",
            th.IntegerType,
            default=1000,
            title="Backoff Base (ms)",
            description=(
                "First backoff in milliseconds; it doubles on each retry, with jitter, "
                "up to 60 s per wait."
            ),
        ),
        th.Property(
            "user_agent",
            th.StringType,
            title="User Agent",
            description="User-Agent header to send; defaults to the tap's name and version.",
        ),
    ).to_dict()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._check_config()

    def _check_config(self) -> None:
        """Fail on bad settings before any request, naming the setting to fix."""
        config = self.config
        if not str(config.get("account_sid", "")).startswith("AC"):
            raise ConfigError("account_sid must be an Account SID starting with 'AC'")
        has_token = bool(config.get("auth_token"))
        has_key = bool(config.get("api_key_sid")) or bool(config.get("api_key_secret"))
        if has_key and not (config.get("api_key_sid") and config.get("api_key_secret")):
            raise ConfigError("api_key_sid and api_key_secret must be set together")
        if not has_token and not has_key:
            raise ConfigError("set auth_token, or api_key_sid and api_key_secret")
        if not 1 <= int(config.get("page_size", 1000)) <= 1000:
            raise ConfigError("page_size must be between 1 and 1000")
        if int(config.get("lookback_days", 3)) < 0:
            raise ConfigError("lookback_days must be 0 or more")
        if float(config.get("request_timeout", 60)) <= 0:
            raise ConfigError("request_timeout must be a positive number of seconds")
        if int(config.get("max_attempts", 8)) < 1:
            raise ConfigError("max_attempts must be 1 or more")
        if float(config.get("max_wait_seconds", 600)) < 0:
            raise ConfigError("max_wait_seconds must be 0 or more")
        if int(config.get("backoff_base_ms", 1000)) < 0:
            raise ConfigError("backoff_base_ms must be 0 or more")
        _ = self.start_date

    @cached_property
    def start_date(self) -> dt.date:
        value = self.config.get("start_date")
        if not value:
            today = dt.datetime.now(dt.timezone.utc).date()
            return today - dt.timedelta(days=DEFAULT_HISTORY_DAYS - 1)
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"start_date {value!r} is not an ISO-8601 date such as 2024-01-01"
            ) from None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.timezone.utc)
        return parsed.date()

    @cached_property
    def client(self) -> TwilioClient:
        config = self.config
        if config.get("api_key_sid"):
            username, password = config["api_key_sid"], config["api_key_secret"]
            hint = (
                "api_key_sid and api_key_secret (TAP_TWILIO_API_KEY_SID, TAP_TWILIO_API_KEY_SECRET)"
            )
        else:
            username, password = config["account_sid"], config["auth_token"]
            hint = "account_sid and auth_token (TAP_TWILIO_ACCOUNT_SID, TAP_TWILIO_AUTH_TOKEN)"
        return TwilioClient(
            base_url=config.get("base_url") or DEFAULT_BASE_URL,
            username=username,
            password=password,
            credential_hint=hint,
            account_sid=config["account_sid"],
            timeout=float(config.get("request_timeout", 60)),
            user_agent=config.get("user_agent") or f"{self.name}/{self.plugin_version}",
            logger=self.logger,
            retry=RetryPolicy(
                max_attempts=int(config.get("max_attempts", 8)),
                max_wait_seconds=float(config.get("max_wait_seconds", 600)),
                base_seconds=int(config.get("backoff_base_ms", 1000)) / 1000,
            ),
        )

    def sync_all(self) -> None:
        """Sync every stream, then log what the HTTP layer went through, even on failure."""
        try:
            super().sync_all()
        finally:
            self.logger.info(self.client.summary())

    def discover_streams(self) -> list[Stream]:
        """Streams are static: discovery makes no network call."""
        return [stream_type(self) for stream_type in STREAM_TYPES]
