"""Base classes: how a Twilio list becomes a Singer stream.

``TwilioStream`` loads the stream's schema (generated from Twilio's OpenAPI
spec), converts wire values, and reads pages through the tap's one client.
``AccountsStream`` lists the main account and its subaccounts; every
``AccountStream`` runs once per account, with its state kept per account.
``DayWindowStream`` reads by whole UTC days (see ``windows``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import Stream

from tap_twilio import windows
from tap_twilio.errors import ApiError
from tap_twilio.values import convert, converters_for

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_twilio.client import TwilioClient
    from tap_twilio.tap import TapTwilio

API_2010 = "/2010-04-01"


def load_schema(name: str) -> dict:
    text = resources.files("tap_twilio.schemas").joinpath(f"{name}.json").read_text()
    return json.loads(text)


class TwilioStream(Stream):
    """A Twilio list endpoint whose records land in one Singer stream."""

    path: ClassVar[str]  # may hold {account_sid}
    records_key: ClassVar[str]
    # Where the schema comes from: (spec file stem, component schema name).
    spec: ClassVar[tuple[str, str]]
    # Fields the spec declares that the tap never emits, with the reason.
    omitted_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, tap: TapTwilio) -> None:
        super().__init__(tap, schema=load_schema(self.name))
        self._converters = converters_for(self.schema)

    @property
    def client(self) -> TwilioClient:
        return self._tap.client  # type: ignore[attr-defined]

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size", 1000))

    def url_path(self, context: Context | None) -> str:
        return self.path.format(**(context or {}))

    def prepare(self, record: dict) -> dict:
        """Wire record -> Singer record: drop omitted fields, convert values."""
        for field in self.omitted_fields:
            record.pop(field, None)
        return convert(record, self._converters)

    def read(self, path: str, params: dict[str, Any]) -> Iterator[dict]:
        """Prepared records of every page of one list request."""
        params = {**params, "PageSize": self.page_size}
        for page in self.client.pages(path, params, self.records_key):
            for record in page:
                yield self.prepare(record)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        return self.read(self.url_path(context), {})


class AccountsStream(TwilioStream):
    """The main account and its subaccounts; the parent of every account stream."""

    name = "accounts"
    path = f"{API_2010}/Accounts.json"
    records_key = "accounts"
    primary_keys = ("sid",)
    spec = ("twilio_api_v2010", "api.v2010.account")
    omitted_fields: ClassVar[dict[str, str]] = {
        "auth_token": "a secret: it must never reach the warehouse"
    }

    def generate_child_contexts(
        self, record: dict, context: Context | None
    ) -> Iterable[Context | None]:
        if record.get("status") == "closed":
            self.logger.warning(
                "Skipping closed account %s: Twilio no longer serves its resources",
                record.get("sid"),
            )
            return
        yield {"account_sid": record["sid"]}


class AccountStream(TwilioStream):
    """A resource under ``/Accounts/{account_sid}``, read for each account in turn."""

    parent_stream_type = AccountsStream


class DayWindowStream(AccountStream):
    """An account stream filtered by a day-granular date, one UTC day per request.

    Records come newest first within a day and the bookmark follows them
    (``is_sorted`` without ``check_sorted``). A run interrupted inside a day
    resumes at the start of that day, since windows restart at the bookmark's
    day: nothing unread is ever behind the bookmark.
    """

    is_sorted = True
    check_sorted = False
    filter_name: ClassVar[str]  # e.g. "DateSent": sends DateSent> and DateSent<
    retention_days: ClassVar[int | None] = None

    def first_day(self, context: Context | None, today: dt.date) -> dt.date:
        return windows.start_day(
            bookmark=self.get_starting_timestamp(context),
            start_date=self._tap.start_date,  # type: ignore[attr-defined]
            lookback_days=int(self.config.get("lookback_days", 3)),
            today=today,
            retention_days=self.retention_days,
            stream=self.name,
            logger=self.logger,
        )

    def last_day(self) -> dt.date:
        """Today, or the server's today if its clock is ahead of ours."""
        today = windows.utc_today()
        server = self.client.server_date
        return max(today, server) if server else today

    def get_records(self, context: Context | None) -> Iterable[dict]:
        path = self.url_path(context)
        last = self.last_day()
        day = self.first_day(context, last)
        while day <= last:
            iso = day.isoformat()
            try:
                yield from self.read(
                    path, {f"{self.filter_name}>": iso, f"{self.filter_name}<": iso}
                )
            except ApiError as exc:
                if exc.code != windows.RETENTION_ERROR:
                    raise
                # Twilio's retention counts back from Twilio's today, not ours.
                day = windows.after_retention_error(
                    day=day,
                    today=self.client.server_date or last,
                    message=str(exc),
                    stream=self.name,
                    logger=self.logger,
                )
                continue
            day += dt.timedelta(days=1)
        yield from self.not_yet_dated(path, last)

    def not_yet_dated(self, path: str, last: dt.date) -> Iterator[dict]:
        """Records whose filter date is still empty (queued messages, calls not yet dialled).

        A date filter never matches them, so read the newest records without a
        filter, back to the start of yesterday, and keep those the day windows
        could not see.
        """
        floor = (last - dt.timedelta(days=1)).isoformat()
        for page in self.client.pages(path, {"PageSize": self.page_size}, self.records_key):
            records = [self.prepare(r) for r in page]
            for record in records:
                if record.get(self.replication_key) is None:
                    yield record
            if not records or (records[-1].get("date_created") or "") < floor:
                return
