"""Base classes: how a Twilio list becomes a Singer stream.

``TwilioStream`` loads the stream's schema (generated from Twilio's OpenAPI
spec), converts wire values, and reads pages through the tap's one client.
``AccountsStream`` lists the main account and its subaccounts; every
``AccountStream`` runs once per account, with its state kept per account.
``DayWindowStream`` reads by whole UTC days (see ``windows``). A
``ChildStream`` reads one list per parent record the parent reads in this run,
and only for the parents whose ``child_context`` says so (MMS messages, ended
calls, live conferences...).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import Stream, metrics

from tap_twilio import windows
from tap_twilio.values import convert, converters_for

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_twilio.client import TwilioClient
    from tap_twilio.tap import TapTwilio

API_2010 = "/2010-04-01"
ACCOUNT = f"{API_2010}/Accounts/{{account_sid}}"


def load_schema(name: str) -> dict:
    text = resources.files("tap_twilio.schemas").joinpath(f"{name}.json").read_text()
    return json.loads(text)


class TwilioStream(Stream):
    """A Twilio list endpoint whose records land in one Singer stream."""

    path: ClassVar[str]  # may hold {account_sid} and the keys of a child context
    # The list's records key; None for an instance resource (one object, e.g. Balance).
    records_key: ClassVar[str | None]
    # Query parameters sent with every request of the stream.
    params: ClassVar[dict[str, str]] = {}
    # Where the schema comes from: (spec file stem, component schema name).
    spec: ClassVar[tuple[str, str]]
    # Fields the spec declares that the tap never emits, with the reason.
    omitted_fields: ClassVar[dict[str, str]] = {}
    # Fields the tap adds to the spec's (from the parent), with their JSON schema.
    added_fields: ClassVar[dict[str, dict]] = {}
    # Context keys copied into every record (each declared in ``added_fields``).
    from_context: ClassVar[tuple[str, ...]] = ()

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
        """Prepared records of every page of one list request (or the one instance)."""
        if self.records_key is None:
            yield self.prepare(self.client.get(path, {**self.params, **params}))
            return
        params = {**self.params, **params, "PageSize": self.page_size}
        for page in self.client.pages(path, params, self.records_key):
            for record in page:
                yield self.prepare(record)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        parent = {key: (context or {})[key] for key in self.from_context}
        for record in self.read(self.url_path(context), {}):
            yield {**record, **parent}

    def child_context(self, record: dict, context: Context | None) -> Context | None:
        """The context child streams read for ``record``, or None to read none for it."""
        return None

    def generate_child_contexts(
        self, record: dict, context: Context | None
    ) -> Iterable[Context | None]:
        child = self.child_context(record, context)
        if child is not None:
            yield child


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

    def child_context(self, record: dict, context: Context | None) -> Context | None:
        if record.get("status") == "closed":
            self.logger.warning(
                "Skipping closed account %s: Twilio no longer serves its resources",
                record.get("sid"),
            )
            return None
        return {"account_sid": record["sid"]}


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
    # One request per day per parameter set (conferences: one per status).
    param_sets: ClassVar[tuple[dict[str, str], ...]] = ({},)
    # Whether records can lack the filter date (queued messages): then sweep for them.
    sweep_undated: ClassVar[bool] = True

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
        for day in windows.days(self.first_day(context, last), last):
            iso = day.isoformat()
            window = {f"{self.filter_name}>": iso, f"{self.filter_name}<": iso}
            for extra in self.param_sets:
                yield from self.read(path, {**window, **extra})
        if self.sweep_undated:
            yield from self.not_yet_dated(path, last)

    def not_yet_dated(self, path: str, last: dt.date) -> Iterator[dict]:
        """Records whose filter date is still empty (queued messages, calls not yet dialled).

        A date filter never matches them, so read the newest records without a
        filter, back to the start of yesterday, and keep those the day windows
        could not see.
        """
        floor = (last - dt.timedelta(days=1)).isoformat()
        params = {**self.params, "PageSize": self.page_size}
        for page in self.client.pages(path, params, self.records_key):
            records = [self.prepare(r) for r in page]
            for record in records:
                if record.get(self.replication_key) is None:
                    yield record
            if not records or (records[-1].get("date_created") or "") < floor:
                return


class ChildStream(TwilioStream):
    """One list per parent record, read only for the parents read in this run.

    The parent's ``child_context`` decides which records have children worth a
    request and passes their keys; ``from_context`` copies some of those keys
    into every record. State is kept per account, not per parent record.

    A child holds no bookmark (each parent's list is read whole), so it writes
    no STATE message of its own: the parent's carry the shared state. And it
    writes its SCHEMA message once per run: a loader flushes its buffers on every
    SCHEMA message, so one per parent record would flush once per call or message.
    Likewise its log says when it starts for each parent only at DEBUG level, and
    its record count is one metric for all parents, logged once a minute and at
    the end of the run.
    """

    state_partitioning_keys: ClassVar[tuple[str, ...]] = ("account_sid",)  # type: ignore[assignment]

    def __init__(self, tap: TapTwilio) -> None:
        super().__init__(tap)
        self._schema_written = False
        self._counter = _RunCounter(metrics.Metric.RECORD_COUNT, {metrics.Tag.STREAM: self.name})

    def _write_schema_message(self) -> None:
        if not self._schema_written:
            super()._write_schema_message()
            self._schema_written = True

    def _write_state_message(self) -> None:
        """Left to the parent, whose STATE messages hold the whole tap state."""

    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        if message.startswith("Beginning sync of"):  # once per parent record
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)

    def get_record_counter(self, **_: Any) -> metrics.Counter:
        return self._counter

    def get_sync_timer(self) -> metrics.Timer:
        return _SilentTimer(metrics.Metric.SYNC_DURATION, {metrics.Tag.STREAM: self.name})

    def log_sync_costs(self) -> None:
        """At the end of the run: the record count since the last one logged."""
        self._counter.flush()
        super().log_sync_costs()


class _RunCounter(metrics.Counter):
    """A record count summed over every parent, logged when its interval has passed."""

    def exit(self) -> None:
        if self._ready_to_log():
            self._pop()

    def flush(self) -> None:
        if self.value:
            self._pop()

    def with_context(self, value: Context | None) -> None:
        """One count for all parents: no per-parent tag."""


class _SilentTimer(metrics.Timer):
    """No per-parent sync duration (one line per call or message would drown the log)."""

    def __exit__(self, *_: object) -> None:
        return None


def sid_field(description: str) -> dict:
    """The JSON schema of a SID the tap adds from the parent record."""
    return {"type": "string", "description": description}
