"""tap-twilio-webhooks: the receiver's store, as the Singer stream ``webhook_events``.

Incremental on ``seq``, the store's commit-ordered sequence number: each run
emits the events committed since the last bookmark, in order, so a run started
while the receiver is writing misses nothing and the next run picks up the rest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th

from .masking import mask_credentials
from .store import Backend, open_backend, sqlite_path

PAGE = 5000
BIGINT = {"minimum": 0, "maximum": 2**63 - 1}
INT32 = {"minimum": -(2**31), "maximum": 2**31 - 1}


class ConfigError(ValueError):
    pass


class WebhookEventsStream(Stream):
    """One record per event the receiver committed (duplicates were never stored)."""

    name = "webhook_events"
    primary_keys = ("seq",)
    replication_key = "seq"
    is_sorted = True
    schema = th.PropertiesList(
        th.Property(
            "seq", th.IntegerType(**BIGINT), required=True, description="Store sequence number."
        ),
        th.Property("dedupe_key", th.StringType, required=True),
        th.Property(
            "kind",
            th.StringType,
            required=True,
            description="message_status, call_status, incoming_message or event_stream.",
        ),
        th.Property("account_sid", th.StringType),
        th.Property("resource_sid", th.StringType, description="MessageSid or CallSid."),
        th.Property("status", th.StringType, description="Status named by the event, lower case."),
        th.Property("sequence_number", th.IntegerType(**INT32)),
        th.Property("event_type", th.StringType, description="CloudEvent type."),
        th.Property("error_code", th.IntegerType(**INT32)),
        th.Property("occurred_at", th.DateTimeType, description="Time carried by the event."),
        th.Property("received_at", th.DateTimeType, required=True),
        th.Property("idempotency_token", th.StringType),
        th.Property("payload", th.StringType, required=True, description="Parameters as JSON."),
    ).to_dict()

    def get_records(self, context: dict | None) -> Iterable[dict[str, Any]]:
        backend = self._tap.backend  # type: ignore[attr-defined]
        if backend is None:
            self.logger.info("store_url is not set: no webhook events to read")
            return
        after = int(self.get_starting_replication_key_value(context) or 0)
        while True:
            rows = backend.read(after, PAGE)
            yield from rows
            if len(rows) < PAGE:
                return
            after = rows[-1]["seq"]


class TapTwilioWebhooks(Tap):
    """Reads the events twilio-webhooks committed."""

    name = "tap-twilio-webhooks"
    package_name = "twilio-webhooks"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "store_url",
            th.StringType,
            secret=True,  # a PostgreSQL URL may carry a password
            title="Store URL",
            description=(
                "The receiver's store: sqlite:///path/events.sqlite3 or postgresql://… "
                "Unset: the stream is empty."
            ),
        ),
    ).to_dict()

    @cached_property
    def backend(self) -> Backend | None:
        url = self.config.get("store_url")
        if not url:
            return None
        if not url.startswith(("postgresql://", "postgres://")):
            path = sqlite_path(url)
            if not Path(path).exists():
                raise ConfigError(
                    mask_credentials(
                        f"store_url: no webhook store at {path}; start `twilio-webhooks serve "
                        "--store` on it first, or unset store_url",
                        url,
                    )
                )
        try:
            return open_backend(url)
        except Exception as exc:
            raise ConfigError(
                mask_credentials(f"store_url: cannot open {url}: {type(exc).__name__}", url)
            ) from None

    def discover_streams(self) -> list[Stream]:
        return [WebhookEventsStream(self)]


def cli() -> None:
    try:
        TapTwilioWebhooks.cli()
    except ConfigError as exc:
        sys.stderr.write(f"tap-twilio-webhooks: {exc}\n")
        sys.exit(1)
