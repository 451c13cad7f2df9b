"""Base classes: how a Twilio list becomes a Singer stream.

``TwilioStream`` loads the stream's schema (generated from Twilio's OpenAPI
spec), converts wire values, applies the privacy settings, and reads pages
through the tap's client for its API (``hosts``). ``AccountsStream`` lists the
main account and its subaccounts; every ``AccountStream`` runs once per
account, with its state kept per account. ``DayWindowStream`` reads by whole
UTC days (see ``windows``). A ``ChildStream`` reads one list per parent record
the parent reads in this run, and only for the parents whose ``child_context``
says so (MMS messages, ended calls, live conferences, a service's numbers...).
``ProductStream`` and ``ProductWindowStream`` do the same for the product APIs
(Monitor, Studio, ...), which take the account from the credentials rather than
the path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import Stream, metrics
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage

from tap_twilio import hosts, output, windows
from tap_twilio.errors import ApiError
from tap_twilio.privacy import Fields
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

    api: ClassVar[str] = hosts.API  # which host serves it: the 2010 API or a product
    path: ClassVar[str]  # may hold {account_sid} and the keys of a child context
    # The list's records key; None for an instance resource (one object, e.g. Balance).
    records_key: ClassVar[str | None]
    # Query parameters sent with every request of the stream.
    params: ClassVar[dict[str, str]] = {}
    # The endpoint's own PageSize maximum (some Conversations lists allow 50 or 100).
    max_page_size: ClassVar[int] = 1000
    # Where the schema comes from: (spec file stem, component schema name).
    spec: ClassVar[tuple[str, str]]
    # Fields the spec declares that the tap never emits, with the reason.
    omitted_fields: ClassVar[dict[str, str]] = {}
    # Fields the tap adds to the spec's (from the parent), with their JSON schema.
    added_fields: ClassVar[dict[str, dict]] = {}
    # Context keys copied into every record (each declared in ``added_fields``).
    from_context: ClassVar[tuple[str, ...]] = ()
    # Fields holding message bodies or phone numbers (see ``privacy``).
    private_fields: ClassVar[Fields] = Fields()
    # Context keys this stream hands its child streams, and the record field of each.
    child_context_keys: ClassVar[dict[str, str]] = {}

    def __init__(self, tap: TapTwilio) -> None:
        super().__init__(tap, schema=load_schema(self.name))
        self._converters = converters_for(self.schema)
        self._schema_written = False
        self._conformer: output.Conformer | None = None  # see _generate_record_messages
        self._conformer_decided = False

    @property
    def client(self) -> TwilioClient:
        """The 2010 API's client."""
        return self._tap.client  # type: ignore[attr-defined]

    def client_for(self, context: Context | None) -> TwilioClient:
        """The client for this stream's API, with the credentials of the context's account."""
        account_sid = (context or {}).get("account_sid")
        return self._tap.client_for(self.api, account_sid)  # type: ignore[attr-defined]

    @property
    def page_size(self) -> int:
        return min(int(self.config.get("page_size", 1000)), self.max_page_size)

    def url_path(self, context: Context | None) -> str:
        return self.path.format(**(context or {}))

    def prepare(self, record: dict) -> dict:
        """Wire record -> Singer record: drop omitted fields, convert values, apply privacy."""
        for field in self.omitted_fields:
            record.pop(field, None)
        record = convert(record, self._converters)
        return self._tap.privacy.apply(record, self.private_fields)  # type: ignore[attr-defined]

    def read_pages(
        self, path: str, params: dict[str, Any], context: Context | None = None
    ) -> Iterator[list[dict]]:
        """Prepared records of one list request, a page at a time (or the one instance)."""
        client = self.client_for(context)
        if self.records_key is None:
            yield [self.prepare(client.get(path, {**self.params, **params}))]
            return
        params = {**self.params, **params, "PageSize": self.page_size}
        for page in client.pages(path, params, self.records_key):
            yield [self.prepare(record) for record in page]

    def read(
        self, path: str, params: dict[str, Any], context: Context | None = None
    ) -> Iterator[dict]:
        """Prepared records of every page of one list request (or the one instance)."""
        for page in self.read_pages(path, params, context):
            yield from page

    def get_records(self, context: Context | None) -> Iterable[dict]:
        parent = {key: (context or {})[key] for key in self.from_context}
        for record in self.read(self.url_path(context), {}, context):
            yield {**record, **parent}

    def _write_schema_message(self) -> None:
        """Write the stream's SCHEMA once per run, not once per account or parent record.

        The SDK writes it each time a context starts; the schema never changes
        between contexts, and targets like target-duckdb flush every buffered
        row on each SCHEMA, which turns a stream under thousands of parents
        (execution steps) into thousands of one-row loads.
        """
        if not self._schema_written:
            super()._write_schema_message()
            self._schema_written = True

    def _generate_record_messages(self, record: dict) -> Iterator[RecordMessage]:
        """The SDK's RECORD message, built for a fraction of its CPU when nothing maps it.

        With no stream map, no flattening and every field selected, the SDK would
        only conform the record to the schema: ``output.Conformer`` does the same,
        compiled once (see ``tap_twilio.output``). Otherwise the SDK does it all.
        """
        if not self._conformer_decided:
            self._conformer = self._plain_output_conformer()
            self._conformer_decided = True
        conformer = self._conformer
        if conformer is None:
            yield from super()._generate_record_messages(record)
            return
        unmapped: list[str] = []
        record = conformer.conform(record, unmapped)
        if unmapped:
            output.warn_unmapped(self.name, tuple(unmapped), self.logger)
        yield RecordMessage(
            stream=self.name,
            record=record,
            version=self._stream_version,
            time_extracted=dt.datetime.now(dt.timezone.utc),
        )

    def _plain_output_conformer(self) -> output.Conformer | None:
        """A conformer when records go out as they are, else None (the SDK's way)."""
        maps = self.stream_maps
        plain = (
            self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.RECURSIVE
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not maps[0].flattening_enabled
            and maps[0].stream_alias == self.name
            and all(selected is not False for selected in self.mask.values())
        )
        return output.Conformer(self.effective_schema) if plain else None

    def child_context(self, record: dict, context: Context | None) -> Context | None:
        """The context child streams read for ``record``, or None to read none for it."""
        if not self.child_context_keys:
            return None
        return {**(context or {}), **{k: record[f] for k, f in self.child_context_keys.items()}}

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

    def prepare(self, record: dict) -> dict:
        """Keep a subaccount's auth token in memory, for its product APIs; never emit it."""
        token = record.get("auth_token")
        if token and record.get("sid") != self.config["account_sid"]:
            self._tap.subaccount_tokens[record["sid"]] = token  # type: ignore[attr-defined]
        return super().prepare(record)

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


class DayWindows:
    """Whole UTC days to read, for a stream with a day-granular (or finer) date filter."""

    retention_days: ClassVar[int | None] = None  # days of history Twilio keeps, if limited

    def first_day(self: Any, context: Context | None, today: dt.date) -> dt.date:
        """The bookmark's day minus the lookback, within start_date and Twilio's retention.

        Retention counts back from ``today``, the server's day: it is Twilio's
        clock that decides what it still keeps.
        """
        return windows.start_day(
            bookmark=self.get_starting_timestamp(context),
            start_date=self._tap.start_date,
            lookback_days=int(self.config.get("lookback_days", 3)),
            today=today,
            retention_days=self.retention_days,
            stream=self.name,
            logger=self.logger,
        )

    def last_day(self: Any) -> dt.date:
        """Today, or the server's today if its clock is ahead of ours."""
        return max(windows.utc_today(), self._tap.server_today())


class DayWindowStream(DayWindows, AccountStream):
    """An account stream filtered by a day-granular date, read in windows of whole UTC days.

    Records come newest first within a day and the bookmark follows them
    (``is_sorted`` without ``check_sorted``). A run interrupted inside a day
    resumes at the start of that day, since windows restart at the bookmark's
    day: nothing unread is ever behind the bookmark.

    A window is one day, or on sparse data a span of days sized to about a
    page (``windows.SizedSpans``): a span's records are gathered, then emitted
    day by day, oldest day first, newest first within each day, exactly as
    one-day windows would emit them. A span that turns out to hold more than
    ``SPAN_RECORDS_MAX`` records is read again day by day, so memory stays bounded.
    """

    SPAN_FILL = 0.8  # a span aims at this share of a page, so most take one request
    SPAN_MAX_DAYS = 64
    SPAN_RECORDS_MAX = 4000

    is_sorted = True
    check_sorted = False
    filter_name: ClassVar[str]  # e.g. "DateSent": sends DateSent> and DateSent<
    # One request per day per parameter set (conferences: one per status).
    param_sets: ClassVar[tuple[dict[str, str], ...]] = ({},)
    # Whether records can lack the filter date (queued messages): then sweep for them.
    sweep_undated: ClassVar[bool] = True

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """Each day's records, oldest day first, then the sweep; days are fetched concurrently."""
        path = self.url_path(context)
        last = self.last_day()
        day = self.first_day(context, self._tap.server_today())  # type: ignore[attr-defined]
        sweep: list[tuple[dt.date, dt.date] | None] = [None] if self.sweep_undated else []
        sizes = windows.SizedSpans(int(self.page_size * self.SPAN_FILL), self.SPAN_MAX_DAYS)
        while True:
            windows_left = itertools.chain(sizes.spans(day, last), sweep)
            reads = self._tap.in_order(  # type: ignore[attr-defined]
                windows_left, lambda w: self.read_window(path, w, last, context)
            )
            try:
                with contextlib.closing(reads):
                    for window, records in reads:
                        if self.client.skipped(path):
                            return  # closed mid-run: later windows may miss pages
                        count = 0
                        for record in records:
                            count += 1
                            yield record
                        if window is not None:
                            sizes.observe(*window, count)
                            day = window[1] + dt.timedelta(days=1)
                return
            except ApiError as exc:
                if exc.code != windows.RETENTION_ERROR:
                    raise
                # Twilio's retention counts back from Twilio's today, not ours.
                day = windows.after_retention_error(
                    day=day,  # the first day not yet emitted is the one refused
                    today=self._tap.server_today(),  # type: ignore[attr-defined]
                    message=str(exc),
                    stream=self.name,
                    logger=self.logger,
                )

    def read_window(
        self,
        path: str,
        window: tuple[dt.date, dt.date] | None,
        last: dt.date,
        context: Context | None,
    ) -> Iterator[list[dict]]:
        """A window's pages (of every parameter set), or with ``window`` None the sweep's."""
        if window is None:
            yield list(self.not_yet_dated(path, last))
            return
        first, end = window
        if first == end:
            yield from self.read_days(path, first, end, context)
            return
        gathered: list[dict] = []
        for page in self.read_days(path, first, end, context):
            gathered.extend(page)
            if len(gathered) > self.SPAN_RECORDS_MAX:  # denser than it looked: day by day
                for day in windows.days(first, end):
                    yield from self.read_days(path, day, day, context)
                return
        rk = self.replication_key
        gathered.sort(
            key=lambda record: (record[rk] or "")[:10]
        )  # stable: newest first within a day
        yield gathered

    def read_days(
        self, path: str, first: dt.date, last: dt.date, context: Context | None
    ) -> Iterator[list[dict]]:
        """The pages of days ``first`` to ``last`` (both included), each parameter set in turn."""
        window = {
            f"{self.filter_name}>": first.isoformat(),
            f"{self.filter_name}<": last.isoformat(),
        }
        for extra in self.param_sets:
            yield from self.read_pages(path, {**window, **extra}, context)

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
    no STATE message of its own: the parent's carry the shared state. Its log
    says when it starts for each parent only at DEBUG level, and its record
    count is one metric for all parents, logged once a minute and at the end of
    the run.

    Children of high-volume parents (media of MMS messages, events of calls,
    conversation messages and participants, execution steps) are off by default
    (``selected_by_default = False``): one request per parent record is most of
    a run's requests and time (docs/performance.md). Select them to read them.
    """

    state_partitioning_keys: ClassVar[tuple[str, ...]] = ("account_sid",)  # type: ignore[assignment]

    def __init__(self, tap: TapTwilio) -> None:
        super().__init__(tap)
        self._counter = _RunCounter(metrics.Metric.RECORD_COUNT, {metrics.Tag.STREAM: self.name})

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


class ProductStream(AccountStream):
    """A product API list (``monitor.twilio.com/v1/...``), read once per account.

    Product APIs have no account in the path: the credentials decide. Twilio
    lets a parent's credentials read only its own product resources, so each
    subaccount is read with its own SID and auth token (``TapTwilio.client_for``).
    """

    def get_records(self, context: Context | None) -> Iterable[dict]:
        if not self._tap.can_read_products(context["account_sid"]):  # type: ignore[attr-defined,index]
            return []
        return super().get_records(context)


class ProductChildStream(ChildStream, ProductStream):
    """A list under another product record (a service's numbers, an execution's steps)."""


class ProductWindowStream(DayWindows, ProductStream):
    """A product list filtered by date-time, read one whole UTC day per request.

    ``window_params`` names the filter pair. Each day's records are emitted
    oldest first, so the bookmark only moves forward within a run.
    """

    is_sorted = True
    check_sorted = False

    def window_params(self, day: dt.date) -> dict[str, str]:
        """The filters that select records of ``day`` (both ends inclusive)."""
        raise NotImplementedError

    def get_records(self, context: Context | None) -> Iterable[dict]:
        if not self._tap.can_read_products(context["account_sid"]):  # type: ignore[attr-defined,index]
            return
        path = self.url_path(context)
        first = self.first_day(context, self._tap.server_today())  # type: ignore[attr-defined]
        days = windows.days(first, self.last_day())
        for _, records in self._tap.in_order(days, lambda d: self.read_day(path, d, context)):  # type: ignore[attr-defined]
            yield from records

    def read_day(self, path: str, day: dt.date, context: Context | None) -> list[list[dict]]:
        """One day's records, oldest first (in one chunk: sorting needs them all)."""
        rk, pks = self.replication_key, self.primary_keys or ()
        records = list(self.read(path, self.window_params(day), context))
        records.sort(key=lambda r: (r[rk] or "", *(str(r[k]) for k in pks)))
        return [records]


def day_bounds(day: dt.date) -> tuple[str, str]:
    """The first and last second of a UTC day, as Twilio's product APIs write instants."""
    iso = day.isoformat()
    return f"{iso}T00:00:00Z", f"{iso}T23:59:59Z"


def sid_field(description: str) -> dict:
    """The JSON schema of a SID the tap adds from the parent record."""
    return {"type": "string", "description": description}
