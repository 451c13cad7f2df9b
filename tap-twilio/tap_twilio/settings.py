"""The tap's settings: declared once, read once.

``CONFIG_SCHEMA`` is the only place a setting, its default and its range are
declared: the SDK validates the config against it and fills the defaults in,
``--about`` prints it, and ``scripts/sync_about.py`` writes the README table, the
Meltano Hub definition and ``meltano.yml``'s settings from it. ``Settings`` is
the validated config read once into typed values, with the checks a JSON schema
cannot express (credentials that go together, dates, URLs); nothing else in the
tap reads the raw config.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from singer_sdk import typing as th

from tap_twilio import hosts
from tap_twilio.errors import ConfigError
from tap_twilio.privacy import MODES, Privacy
from tap_twilio.retry import RetryPolicy
from tap_twilio.streams import EXPORT_API, PRODUCTS

DEFAULT_HISTORY_DAYS = 400  # what Twilio keeps of messages when start_date is unset
BACKFILL_METHODS = ("list", "bulk_export", "auto")
EXPORT_REGION = "us1"  # "The Bulk Export API supports only the default US1 region"
ACCOUNT_SID_PATTERN = "^AC[0-9a-fA-F]{32}$"
PRIVACY_HELP = (
    "keep (default), drop (null) or hash (HMAC-SHA256 under hash_key, so joins still work)"
)


def _account_sids(description: str, title: str, name: str) -> th.Property:
    return th.Property(
        name,
        th.ArrayType(th.StringType(pattern=ACCOUNT_SID_PATTERN)),
        title=title,
        description=description,
    )


CONFIG_SCHEMA: dict[str, Any] = th.PropertiesList(
    th.Property(
        "account_sid",
        th.StringType(pattern=ACCOUNT_SID_PATTERN),
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
        "end_date",
        th.DateTimeType,
        title="End Date",
        description=(
            "Last date to read (ISO-8601, that whole UTC day included), to slice a backfill. "
            "Default: today. Bookmarks never pass it."
        ),
    ),
    th.Property(
        "lookback_days",
        th.IntegerType(minimum=0),
        default=3,
        title="Lookback Days",
        description=(
            "Days re-read on each incremental run, to pick up late status, "
            "price and usage updates (Twilio has no updated-since filter)."
        ),
    ),
    th.Property(
        "undated_sweep_days",
        th.IntegerType(minimum=0),
        default=0,
        title="Undated Sweep Days",
        description=(
            "How often to read the whole unfiltered Messages and Calls lists for records "
            "with no date yet (scheduled, queued, canceled), while Twilio has not shown "
            "where it lists them: 0 every run; N at most once every N of Twilio's UTC days. "
            "Between sweeps, records already seen undated are followed by SID, and a new "
            "undated one waits for the next sweep."
        ),
    ),
    _account_sids(
        "Read only these accounts (the main account and subaccount SIDs). Default: all.",
        "Account SIDs",
        "account_sids",
    ),
    _account_sids(
        "Never read these accounts (subaccount SIDs), e.g. test or closed tenants.",
        "Excluded Account SIDs",
        "exclude_account_sids",
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
        "products_base_url",
        th.StringType,
        title="Products Base URL",
        description=(
            "One base URL for every product API, each under /<product> "
            "(e.g. http://localhost:8765 serves Monitor at http://localhost:8765/monitor): "
            "a proxy or emulator in one setting. product_base_urls wins for a product it names."
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
                for product in PRODUCTS
            ),
        ),
        title="Product Base URLs",
        description=(
            "Base URL per product API (" + ", ".join(PRODUCTS) + "), used as is. "
            "Default: https://<product>.twilio.com, or its region and edge host."
        ),
    ),
    th.Property(
        "backfill_method",
        th.StringType(allowed_values=list(BACKFILL_METHODS)),
        default="list",
        title="Backfill Method",
        description=(
            "How messages and calls more than two days old are read when there are many "
            "days to catch up (a first run, a long pause): list (default: the list API, page "
            "by page), bulk_export (Twilio's BulkExport files, one per day, from export jobs; "
            "US1 only; days Twilio will not export are read through the list API) or auto "
            "(BulkExport for an account's stream when its days are busy and its jobs finish "
            "within minutes, else the list API). Recent days always come from the list API."
        ),
    ),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=1000),
        default=1000,
        title="Page Size",
        description="Records per request, 1 to 1000.",
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType(minimum=1, maximum=64),
        default=8,
        title="Max Concurrency",
        description=(
            "Most requests in flight at once (1 to 64): windows and child lists are read "
            "concurrently and emitted in order. Halved on each burst of 429s, then "
            "grown back. 1 reads one request at a time."
        ),
    ),
    # Whole seconds (integers): Meltano 4.4's `decimal` kind cannot write a value set
    # from the environment into the tap's config (Decimal is not JSON serializable).
    th.Property(
        "request_timeout",
        th.IntegerType(minimum=1),
        default=60,
        title="Request Timeout",
        description="Seconds to wait for each HTTP response before retrying.",
    ),
    th.Property(
        "connect_timeout",
        th.IntegerType(minimum=1),
        default=3,
        title="Connect Timeout",
        description=(
            "Seconds to wait for a connection to open. A host that refuses connections "
            "or does not resolve fails the run after 3 attempts, within seconds."
        ),
    ),
    th.Property(
        "max_attempts",
        th.IntegerType(minimum=1),
        default=8,
        title="Max Attempts",
        description=(
            "Attempts per request, the first included, on 429, 5xx, connection "
            "resets, timeouts and broken bodies; then the run fails."
        ),
    ),
    th.Property(
        "max_wait_seconds",
        th.IntegerType(minimum=0),
        default=600,
        title="Max Wait Seconds",
        description=(
            "Most seconds of backoff per request (Retry-After included) before the run fails."
        ),
    ),
    th.Property(
        "backoff_base_ms",
        th.IntegerType(minimum=0),
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
    th.Property(
        "strict_settings",
        th.BooleanType,
        default=False,
        title="Strict Settings",
        description=(
            "Fail on a setting the tap does not know (a typo such as lookback_day) "
            "instead of warning."
        ),
    ),
).to_dict()


@dataclass(frozen=True)
class Credentials:
    """HTTP Basic credentials, and the settings to check when Twilio refuses them."""

    username: str
    password: str = field(repr=False)
    hint: str


@dataclass(frozen=True)
class Settings:
    """The validated config, typed: what every other module reads instead of the config."""

    account_sid: str
    credentials: Credentials | None  # None only for discovery, which needs none
    start_date: dt.date
    end_date: dt.date | None
    lookback_days: int
    undated_sweep_days: int  # 0: the whole-list sweep every run
    account_sids: frozenset[str]  # empty: every account
    exclude_account_sids: frozenset[str]
    base_urls: Mapping[str, str]  # per API: "api" (2010) and each product
    base_url_settings: Mapping[str, str]  # per API: the setting that decides its URL
    page_size: int
    max_concurrency: int
    request_timeout: float
    connect_timeout: float
    retry: RetryPolicy
    user_agent: str | None
    privacy: Privacy
    backfill_method: str = "list"  # list | bulk_export | auto (list where BulkExport is not)

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, today: dt.date, require_credentials: bool = True
    ) -> Settings:
        """Read a config the SDK validated against ``CONFIG_SCHEMA`` (defaults filled in).

        Raises ConfigError, naming the setting, for what the schema cannot check.
        """
        start = _date(config, "start_date") or today - dt.timedelta(days=DEFAULT_HISTORY_DAYS - 1)
        end = _date(config, "end_date")
        if end is not None and end < start:
            raise ConfigError(f"end_date {end} is before start_date {start}")
        return cls(
            account_sid=config.get("account_sid") or "",
            credentials=_credentials(config, required=require_credentials),
            start_date=start,
            end_date=end,
            lookback_days=config["lookback_days"],
            undated_sweep_days=config["undated_sweep_days"],
            account_sids=frozenset(config.get("account_sids") or ()),
            exclude_account_sids=frozenset(config.get("exclude_account_sids") or ()),
            base_urls=hosts.base_urls(config, PRODUCTS),
            base_url_settings={
                api: hosts.setting_for(api, config) for api in (hosts.API, *PRODUCTS)
            },
            page_size=config["page_size"],
            max_concurrency=config["max_concurrency"],
            request_timeout=float(config["request_timeout"]),
            connect_timeout=float(config["connect_timeout"]),
            retry=RetryPolicy(
                max_attempts=config["max_attempts"],
                max_wait_seconds=float(config["max_wait_seconds"]),
                base_seconds=config["backoff_base_ms"] / 1000,
            ),
            user_agent=config.get("user_agent") or None,
            privacy=Privacy(
                bodies=config["privacy_message_bodies"],
                phones=config["privacy_phone_numbers"],
                key=config.get("hash_key"),
            ),
            backfill_method=_backfill_method(config),
        )

    def reads_account(self, account_sid: str) -> bool:
        """Whether ``account_sids`` and ``exclude_account_sids`` let the tap read this account."""
        if account_sid in self.exclude_account_sids:
            return False
        return not self.account_sids or account_sid in self.account_sids


def _backfill_method(config: Mapping[str, Any]) -> str:
    """``backfill_method``, as it can be: BulkExport is served in US1 only, so ``auto``
    reads the list API elsewhere and ``bulk_export`` is a configuration error."""
    method = config.get("backfill_method") or "list"
    explicit = (config.get("product_base_urls") or {}).get(EXPORT_API) or config.get(
        "products_base_url"
    )
    region = config.get("region") or EXPORT_REGION
    if method == "list" or explicit or region == EXPORT_REGION:
        return method
    if method == "auto":
        return "list"
    raise ConfigError(
        f"backfill_method bulk_export: Twilio's BulkExport API is served in US1 only, not in "
        f"region {region}; use list or auto"
    )


def _date(config: Mapping[str, Any], setting: str) -> dt.date | None:
    value = config.get(setting)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{setting} {value!r} is not an ISO-8601 date such as 2024-01-01"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc)
    return parsed.date()


def _credentials(config: Mapping[str, Any], *, required: bool) -> Credentials | None:
    key_sid, key_secret = config.get("api_key_sid"), config.get("api_key_secret")
    if bool(key_sid) != bool(key_secret):
        raise ConfigError("api_key_sid and api_key_secret must be set together")
    if key_sid:
        return Credentials(
            key_sid,
            key_secret,
            "api_key_sid and api_key_secret (TAP_TWILIO_API_KEY_SID, TAP_TWILIO_API_KEY_SECRET)",
        )
    if config.get("auth_token") and config.get("account_sid"):
        return Credentials(
            config["account_sid"],
            config["auth_token"],
            "account_sid and auth_token (TAP_TWILIO_ACCOUNT_SID, TAP_TWILIO_AUTH_TOKEN)",
        )
    if required:
        raise ConfigError("set auth_token, or api_key_sid and api_key_secret")
    return None


def unknown_settings(config: Iterable[str], known: Iterable[str]) -> list[str]:
    """One line per setting the tap does not know, with the closest known name."""
    known = sorted(known)
    lines = []
    for name in sorted(set(config) - set(known)):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        lines.append(f"unknown setting {name!r}{hint}")
    return lines
