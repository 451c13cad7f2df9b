"""TapTwilio: settings, validation and the stream list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import ClassVar, TypeVar

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_twilio import concurrency, hosts, windows
from tap_twilio.client import RetryPolicy, TwilioClient
from tap_twilio.client import summary as http_summary
from tap_twilio.errors import ConfigError
from tap_twilio.output import OrjsonWriter
from tap_twilio.privacy import MODES, Privacy
from tap_twilio.streams import STREAM_TYPES

DEFAULT_HISTORY_DAYS = 400  # what Twilio keeps of messages when start_date is unset
DEFAULT_MAX_CONCURRENCY = 8  # well under Twilio's concurrency limit per account
Item = TypeVar("Item")
Record = TypeVar("Record")
PRIVACY_HELP = (
    "keep (default), drop (null) or hash (HMAC-SHA256 under hash_key, so joins still work)"
)


class TapTwilio(Tap):
    """Singer tap for Twilio: the 2010 REST API and the product APIs, every account."""

    name = "tap-twilio"
    package_name = "switchboard-tap-twilio"
    message_writer_class = OrjsonWriter  # the SDK's messages, serialized by orjson
    # The SDK's defaults minus activate-version: the tap never emits ACTIVATE_VERSION.
    capabilities: ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.BATCH,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

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
            "region",
            th.StringType,
            title="Region",
            description=(
                "Twilio region whose hosts to use, e.g. ie1 or au1 (default: Twilio's, us1). "
                "With edge: api.<edge>.<region>.twilio.com."
            ),
        ),
        th.Property(
            "edge",
            th.StringType,
            title="Edge",
            description=(
                "Twilio edge location to connect through, e.g. dublin or sydney "
                "(region defaults to us1 when only the edge is set)."
            ),
        ),
        th.Property(
            "base_url",
            th.StringType,
            title="Base URL",
            description=(
                "Base URL of the 2010 REST API, used as is (a proxy or emulator). "
                "Default: https://api.twilio.com, or its region and edge host."
            ),
        ),
        th.Property(
            "product_base_urls",
            th.ObjectType(
                *(
                    th.Property(
                        product,
                        th.StringType,
                        title=f"{product.title()} Base URL",
                        description=f"Base URL of the {product} API, used as is.",
                    )
                    for product in hosts.PRODUCTS
                ),
            ),
            title="Product Base URLs",
            description=(
                "Base URL per product API (monitor, messaging, conversations, studio, "
                "verify, trunking, insights), used as is. Default: "
                "https://<product>.twilio.com, or its region and edge host."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=1000,
            title="Page Size",
            description="Records per request, 1 to 1000.",
        ),
        th.Property(
            "max_concurrency",
            th.IntegerType,
            default=DEFAULT_MAX_CONCURRENCY,
            title="Max Concurrency",
            description=(
                "Most requests in flight at once (1 to 64): windows of a stream are read "
                "concurrently and emitted in order. Halved on each burst of 429s, then "
                "grown back. 1 reads one request at a time."
            ),
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
        th.Property(
            "privacy_message_bodies",
            th.StringType(allowed_values=list(MODES)),
            default="keep",
            title="Privacy: Message Bodies",
            description=f"Message bodies (messages, conversation messages): {PRIVACY_HELP}.",
        ),
        th.Property(
            "privacy_phone_numbers",
            th.StringType(allowed_values=list(MODES)),
            default="keep",
            title="Privacy: Phone Numbers",
            description=(
                f"Phone numbers (from/to of messages and calls, participants, ...): {PRIVACY_HELP}."
            ),
        ),
        th.Property(
            "hash_key",
            th.StringType,
            secret=True,
            title="Hash Key",
            description="Secret key (16+ characters) for the privacy hash; keep it to keep joins.",
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
        if not 1 <= int(config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)) <= 64:
            raise ConfigError("max_concurrency must be between 1 and 64")
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
        _ = self.start_date, self.base_urls, self.privacy

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
    def base_urls(self) -> dict[str, str]:
        """Base URL per API (``api`` and each product), from base URLs, region and edge."""
        return hosts.base_urls(self.config)

    @cached_property
    def privacy(self) -> Privacy:
        return Privacy(
            bodies=self.config.get("privacy_message_bodies") or "keep",
            phones=self.config.get("privacy_phone_numbers") or "keep",
            key=self.config.get("hash_key"),
        )

    @cached_property
    def limit(self) -> concurrency.AdaptiveLimit:
        """Requests in flight across every client of the run (lowered by 429s)."""
        maximum = int(self.config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))
        return concurrency.AdaptiveLimit(maximum, self.logger)

    @cached_property
    def _pool(self) -> ThreadPoolExecutor | None:
        if self.limit.maximum <= 1:
            return None
        return ThreadPoolExecutor(self.limit.maximum, thread_name_prefix="tap-twilio")

    def in_order(
        self, items: Iterable[Item], fetch: Callable[[Item], Iterable[list[Record]]]
    ) -> Iterator[tuple[Item, Iterator[Record]]]:
        """``(item, its records)`` in order, up to ``max_concurrency`` items fetched at once."""
        return concurrency.in_order(self._pool, items, fetch, self.limit.maximum)

    @cached_property
    def client(self) -> TwilioClient:
        """The 2010 API's client, with the configured credentials."""
        return self._new_client(hosts.API, None)

    @cached_property
    def _clients(self) -> dict[tuple[str, str | None], TwilioClient]:
        return {}

    @cached_property
    def subaccount_tokens(self) -> dict[str, str]:
        """Auth tokens of subaccounts, as the accounts list returned them (never emitted)."""
        return {}

    def client_for(self, api: str, account_sid: str | None = None) -> TwilioClient:
        """The client for ``api`` acting as ``account_sid``.

        The 2010 API names the account in the path, so one client serves all.
        A product API reads the account of its credentials: the configured
        ones for the main account, and for a subaccount its own SID with the
        auth token the accounts list gave (Twilio lets a parent's credentials
        read a subaccount's resources on the 2010 API only).
        """
        if api == hosts.API:
            return self.client
        if account_sid == self.config["account_sid"]:
            account_sid = None
        key = (api, account_sid)
        if key not in self._clients:
            self._clients[key] = self._new_client(api, account_sid)
        return self._clients[key]

    def can_read_products(self, account_sid: str) -> bool:
        """Whether product APIs can be read as ``account_sid`` (warns once when not)."""
        if account_sid == self.config["account_sid"] or account_sid in self.subaccount_tokens:
            return True
        if account_sid not in self._warned_accounts:
            self._warned_accounts.add(account_sid)
            self.logger.warning(
                "Skipping product APIs (Monitor, Studio, ...) of subaccount %s: Twilio "
                "returned no auth token for it, and only its own credentials can read them",
                account_sid,
            )
        return False

    @cached_property
    def _warned_accounts(self) -> set[str]:
        return set()

    def _new_client(self, api: str, subaccount_sid: str | None) -> TwilioClient:
        config = self.config
        if subaccount_sid is not None:
            username, password = subaccount_sid, self.subaccount_tokens[subaccount_sid]
            hint = f"the auth token Twilio returned for subaccount {subaccount_sid}"
        elif config.get("api_key_sid"):
            username, password = config["api_key_sid"], config["api_key_secret"]
            hint = (
                "api_key_sid and api_key_secret (TAP_TWILIO_API_KEY_SID, TAP_TWILIO_API_KEY_SECRET)"
            )
        else:
            username, password = config["account_sid"], config["auth_token"]
            hint = "account_sid and auth_token (TAP_TWILIO_ACCOUNT_SID, TAP_TWILIO_AUTH_TOKEN)"
        return TwilioClient(
            base_url=self.base_urls[api],
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
            limit=self.limit,
        )

    def _all_clients(self) -> list[TwilioClient]:
        """Every client made so far: the 2010 API's and each product/account one."""
        clients = [self.__dict__["client"]] if "client" in self.__dict__ else []
        return [*clients, *self._clients.values()]

    @property
    def requests_made(self) -> int:
        """HTTP requests made so far, by every client."""
        return sum(c.requests_made for c in self._all_clients())

    def server_today(self) -> dt.date:
        """Twilio's current UTC day, from the latest response's Date header; ours until then."""
        seen = [c.server_date for c in self._all_clients() if c.server_date]
        return max(seen) if seen else windows.utc_today()

    def sync_all(self) -> None:
        """Sync every stream, then log what the HTTP layer went through, even on failure."""
        try:
            super().sync_all()
        finally:
            pool = self.__dict__.pop("_pool", None)
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            self.logger.info(http_summary(self._all_clients()))

    def discover_streams(self) -> list[Stream]:
        """Streams are static: discovery makes no network call."""
        return [stream_type(self) for stream_type in STREAM_TYPES]
