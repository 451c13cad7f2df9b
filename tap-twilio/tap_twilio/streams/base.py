"""Base classes: how a Twilio list becomes a Singer stream.

``TwilioStream`` loads the stream's schema (generated from Twilio's OpenAPI
spec), converts wire values, applies the privacy settings, and reads pages
through the run's ``Session``. ``AccountsStream`` lists the main account and
its subaccounts; every ``PerAccountStream`` runs once per account, with its
state kept per account. ``WindowStream`` reads by spans of whole UTC days (see
``windows``), and may track records whose date is not set yet (``undated``).
A ``ChildStream`` reads one list per parent record the parent reads in this
run, for the parents whose ``get_child_context`` says so (MMS messages, ended
calls, live conferences, a service's numbers...), fetched ahead concurrently.
``ProductStream`` marks the product APIs (Monitor, Studio, ...), which take the
account from the credentials rather than the path.

A resource missing for one account (404; Twilio's "Child accounts do not
contain balance information") or refused for a subaccount (401/403) skips that
stream for that account with a warning; the account's other streams are read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import deque
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

from tap_twilio import bulk, hosts, windows
from tap_twilio.checkpoint import Checkpoint
from tap_twilio.client import instance_shape
from tap_twilio.errors import ApiError, AuthenticationError, TwilioCode
from tap_twilio.privacy import Fields
from tap_twilio.shortcuts import ChildShortcuts, StreamShortcuts
from tap_twilio.undated import Fold, fold_begun
from tap_twilio.values import convert, converters_for

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_twilio.bulk import Export
    from tap_twilio.client import TwilioClient
    from tap_twilio.session import Session
    from tap_twilio.undated import Undated

API_2010 = "/2010-04-01"
ACCOUNT = f"{API_2010}/Accounts/{{account_sid}}"
UNSERVED_ACCOUNT_STATUSES = frozenset({"closed", "suspended"})
CHILDREN_AHEAD = 4  # child lists fetched ahead per request slot (max_concurrency)
PARENTS_BUFFERED = 1000  # parent records held back at most while their children are fetched


def is_served(account: dict) -> bool:
    """Whether Twilio still serves an account's resources (its status, as listed)."""
    return account.get("status") not in UNSERVED_ACCOUNT_STATUSES


def load_schema(name: str) -> dict:
    text = resources.files("tap_twilio.schemas").joinpath(f"{name}.json").read_text()
    return json.loads(text)


def sid_field(description: str) -> dict:
    """The JSON schema of a SID the tap adds from the parent record."""
    return {"type": "string", "description": description}


class TwilioStream(StreamShortcuts):
    """A Twilio list endpoint whose records land in one Singer stream."""

    api: ClassVar[str] = hosts.API  # which host serves it: the 2010 API or a product
    path: ClassVar[str]  # may hold {account_sid} and the keys of a child context
    # The list's records key; None for an instance resource (one object, e.g. Balance).
    records_key: ClassVar[str | None]
    primary_keys: ClassVar[tuple[str, ...]] = ("sid",)  # type: ignore[assignment]
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

    def __init__(self, tap: Tap, session: Session) -> None:
        super().__init__(tap, schema=load_schema(self.name))
        self.session = session
        self.settings = session.settings
        self.converters = converters_for(self.schema)  # field -> wire-to-Singer conversion

    # --- reading ----------------------------------------------------------------------

    def client_for(self, context: Context | None) -> TwilioClient:
        """The client for this stream's API, with the credentials of the context's account."""
        return self.session.client(self.api, (context or {}).get("account_sid"))

    @property
    def page_size(self) -> int:
        return min(self.settings.page_size, self.max_page_size)

    def url_path(self, context: Context | None) -> str:
        return self.path.format(**(context or {}))

    def prepare(self, record: dict) -> dict:
        """Wire record -> Singer record: drop omitted fields, convert values, apply privacy."""
        for field in self.omitted_fields:
            record.pop(field, None)
        record = convert(record, self.converters)
        return self.settings.privacy.apply(record, self.private_fields)

    def read_pages(
        self, path: str, params: dict[str, Any], context: Context | None = None
    ) -> Iterator[list[dict]]:
        """Prepared records of one list request, a page at a time (or the one instance)."""
        client = self.client_for(context)
        if self.records_key is None:
            shape = instance_shape(tuple(self.primary_keys))
            yield [self.prepare(client.get(path, {**self.params, **params}, shape))]
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

    def records(self, context: Context | None) -> Iterable[dict]:
        """The stream's records for ``context``: its list, read whole."""
        parent = {key: (context or {})[key] for key in self.from_context}
        for record in self.read(self.url_path(context), {}, context):
            yield {**record, **parent}

    # --- the SDK's hooks --------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """``records``, with children fetched ahead, and a missing resource skipped."""
        records = iter(self._skipping_missing(context))
        if self._prefetched_children():
            records = self._with_children_fetched_ahead(records, context)
        counted = 0
        try:
            for record in records:
                if isinstance(record, Checkpoint):  # every record before it is written
                    record.reached()
                    continue
                counted += 1
                yield record
        finally:
            self.session.records[self.name] += counted

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        """The context child streams read for ``record``, or None to read none for it."""
        if not self.child_context_keys:
            return None
        return {**(context or {}), **{k: record[f] for k, f in self.child_context_keys.items()}}

    def generate_child_contexts(
        self, record: dict, context: Context | None
    ) -> Iterable[Context | None]:
        """Nothing for a record without children (the SDK would warn once per record)."""
        child = self.get_child_context(record, context)
        if child is not None:
            yield child

    def fetched(self, context: Context | None) -> Iterable[dict]:
        """``records``, or (``ChildStream``) the list already fetched ahead for ``context``."""
        return self.records(context)

    # --- skipping what one account lacks ----------------------------------------------

    def _skipping_missing(self, context: Context | None) -> Iterator[dict]:
        account = (context or {}).get("account_sid")
        try:
            yield from self.fetched(context)
        except ApiError as exc:
            if account is None or exc.status not in (403, 404) or not self._optional_for(account):
                raise
            self.session.skip(self.name, account, str(exc))
        except AuthenticationError as exc:
            if account is None or not self._refused_for_this_account_only(account):
                raise
            self.session.skip(self.name, account, str(exc))

    def _optional_for(self, account: str) -> bool:
        """Whether a 404/403 here skips the stream for ``account`` rather than the run.

        A subaccount may be closed, suspended or lack a resource; the main account
        may lack a single resource (a balance). A list missing for the main account
        is a setting pointing at the wrong place: the run fails and says so.
        """
        return not self.session.is_main(account) or self.records_key is None

    def _refused_for_this_account_only(self, account: str) -> bool:
        """After a 401 for ``account``: whether the main credentials still work.

        A subaccount's own token (product APIs) may be rotated, and a suspended
        subaccount may refuse the parent's: then only that account is skipped.
        If the main credentials fail too, they were revoked: the run must fail.
        """
        if self.session.is_main(account):
            return False
        try:
            self.session.client().get(
                f"{API_2010}/Accounts/{self.settings.account_sid}.json",
                None,
                instance_shape(("sid",)),
            )
        except AuthenticationError:
            return False
        return True

    # --- children fetched ahead -------------------------------------------------------

    def _prefetched_children(self) -> list[ChildStream]:
        return [
            child
            for child in self.child_streams
            if isinstance(child, ChildStream) and (child.selected or child.has_selected_descendents)
        ]

    def _with_children_fetched_ahead(
        self, records: Iterator[dict], context: Context | None
    ) -> Iterator[dict]:
        """``records`` in order, each one's child lists already requested in the pool.

        The SDK syncs a record's children right after the record; fetching them
        one after another pays Twilio's latency per parent. Records are held
        back (at most ``PARENTS_BUFFERED``) while the child lists of the next
        ones are fetched, up to ``CHILDREN_AHEAD`` per request slot. A
        ``Checkpoint`` (a backfill's day done, a sweep's bookmark) releases every record held back,
        so a killed run loses at most a day of progress.
        """
        children = self._prefetched_children()
        ahead = CHILDREN_AHEAD * self.settings.max_concurrency
        buffered: deque[tuple[dict, int]] = deque()
        in_flight = 0
        for record in records:
            if isinstance(record, Checkpoint):  # progress claimed: its state goes out now
                while buffered:
                    yield buffered.popleft()[0]
                in_flight = 0
                yield record
                continue
            child_context = self.get_child_context(record, context)
            fetched = 0
            if child_context is not None:
                fetched = sum(child.fetch_ahead(child_context) for child in children)
            buffered.append((record, fetched))
            in_flight += fetched
            while buffered and (in_flight > ahead or len(buffered) > PARENTS_BUFFERED):
                ready, done = buffered.popleft()
                in_flight -= done
                yield ready
        for ready, _ in buffered:
            yield ready


class AccountsStream(TwilioStream):
    """The main account and its subaccounts; the parent of every per-account stream."""

    name = "accounts"
    path = f"{API_2010}/Accounts.json"
    records_key = "accounts"
    spec = ("twilio_api_v2010", "api.v2010.account")
    omitted_fields: ClassVar[dict[str, str]] = {
        "auth_token": "a secret: it must never reach the warehouse"
    }

    def prepare(self, record: dict) -> dict:
        """Keep a subaccount's auth token in memory, for its product APIs; never emit it."""
        token = record.get("auth_token")
        if token:
            self.session.remember_token(record["sid"], token)
        prepared = super().prepare(record)
        created = prepared.get("date_created")
        if isinstance(created, str) and prepared.get("sid"):  # no record before it (bulk)
            created_days = self.session.learned.setdefault(bulk.ACCOUNT_CREATED, {})
            created_days[prepared["sid"]] = created[:10]
        return prepared

    def records(self, context: Context | None) -> Iterable[dict]:
        """Every account the settings let the tap read (``account_sids``, ``exclude_...``).

        Each page's served accounts go to ``session.accounts`` before its first record:
        an account's streams then know the accounts after it, and start reading ahead.
        """
        for page in self.read_pages(self.url_path(context), {}, context):
            read = [r for r in page if self.settings.reads_account(r["sid"])]
            known = set(self.session.accounts)
            served = [r["sid"] for r in read if is_served(r) and r["sid"] not in known]
            self.session.accounts += served
            yield from read

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        """Per-account streams read every account Twilio still serves.

        A closed account's resources answer 404 and a suspended one's 403 (error
        20403, "the account has been suspended or closed"): both are listed, with
        their status, and their own streams are skipped with a warning.
        """
        if not is_served(record):
            self.logger.warning(
                "Skipping %s account %s: Twilio no longer serves its resources",
                record.get("status"),
                record.get("sid"),
            )
            return None
        return {"account_sid": record["sid"]}


class PerAccountStream(TwilioStream):
    """A resource read for each account in turn, its state kept per account."""

    parent_stream_type = AccountsStream


class ProductStream(PerAccountStream):
    """A product API list (``monitor.twilio.com/v1/...``), read once per account.

    Product APIs have no account in the path: the credentials decide. Twilio
    lets a parent's credentials read only its own product resources, so each
    subaccount is read with its own SID and auth token (``Session.client``).
    """

    def records(self, context: Context | None) -> Iterable[dict]:
        if not self.session.can_read_products((context or {})["account_sid"]):
            return ()
        return super().records(context)


class WindowStream(PerAccountStream):
    """An account stream filtered by date, read in spans of whole UTC days.

    Records come in Twilio's order within a day and the bookmark follows them
    (``is_sorted`` without ``check_sorted``). A run interrupted inside a day
    resumes at the start of that day, since windows restart at the bookmark's
    day: nothing unread is ever behind the bookmark.

    A span is one day, or on sparse data several days sized to about a page
    (``windows.SizedSpans``), or ``span_days`` days; a span's records are
    gathered and emitted day by day, oldest day first, exactly as one-day
    windows would emit them (or in ``sort_fields`` order). A span that turns out to
    hold more than ``SPAN_RECORDS_MAX`` records is read again day by day, so
    memory stays bounded. Spans are fetched concurrently and emitted in order.
    """

    SPAN_FILL = 0.8  # a span aims at this share of a page, so most take one request
    SPAN_MAX_DAYS = 64
    SPAN_RECORDS_MAX = 4000

    is_sorted = True
    check_sorted = False
    window: ClassVar[windows.DateFilter]  # how a span of days becomes the request's filters
    span_days: ClassVar[int | None] = None  # None: sized to the density seen
    sort_fields: ClassVar[tuple[str, ...]] = ()  # a span's order, if not Twilio's by day
    # Twilio answers at most this many records per query (Alerts: 10,000), silently.
    max_results: ClassVar[int | None] = None
    # One request per span per parameter set (conferences: one per status).
    param_sets: ClassVar[tuple[dict[str, str], ...]] = ({},)
    retention_days: ClassVar[int | None] = None  # days of history Twilio keeps, if limited
    # Records whose filter date is still empty (scheduled and queued messages).
    undated: ClassVar[Undated | None] = None
    # How Twilio's BulkExport files hold this stream, if it exports it (see ``bulk``).
    bulk_export: ClassVar[Export | None] = None

    def records(self, context: Context | None) -> Iterable[dict | Checkpoint]:
        """Undated records first (see ``undated``), then each span, oldest first: the
        days of a backfill from BulkExport files where ``backfill_method`` says so
        (``bulk``), the rest through the list API. A sweep of the whole list for
        undated records reads the days too, when no backfill from files is planned."""
        path = self.url_path(context)
        today = self.session.today()
        day = self.first_day(context, today)
        backfill = bulk.plan(self, context, day)
        if self.undated is not None:
            fold = Fold.days(day, self.session.last_day()) if backfill is None else None
            if (yield from self.undated.records(self, context, fold)):
                return
        if backfill is not None:
            for first, last, source in backfill.segments():
                if source == bulk.FILES:
                    yield from backfill.read_files(first, last)
                elif source == bulk.LIST:
                    yield from self.read_list(first, last, path, context)
                    yield bulk.DayDone(backfill, last)
            day = max(day, backfill.list_from)
        yield from self.read_list(day, self.session.last_day(), path, context)
        if backfill is not None:
            backfill.finish()

    def read_list(
        self, day: dt.date, last: dt.date, path: str, context: Context | None
    ) -> Iterator[dict]:
        """Days ``day`` to ``last`` through the list API, in spans, oldest first."""
        while True:
            try:
                yield from self._spans_from(day, last, path, context)
                return
            except ApiError as exc:
                if exc.code != TwilioCode.RETENTION:
                    raise
                # Twilio's retention counts back from Twilio's today, not ours.
                day = windows.after_retention_error(
                    day=self._resume_day,
                    today=self.session.today(),
                    message=str(exc),
                    stream=self.name,
                    logger=self.logger,
                )

    def first_day(self, context: Context | None, today: dt.date) -> dt.date:
        """The bookmark's day minus the lookback, within start_date and Twilio's retention;
        or the day a whole-list sweep began, if a run was killed during it.

        Retention counts back from ``today``, the server's day: it is Twilio's
        clock that decides what it still keeps.
        """
        day = windows.start_day(
            bookmark=self.get_starting_timestamp(context),
            start_date=self.settings.start_date,
            lookback_days=self.settings.lookback_days,
            today=today,
            retention_days=self.retention_days,
            stream=self.name,
            logger=self.logger,
        )
        begun = fold_begun(self, context)  # a killed sweep's bookmark went down as it read
        return day if begun is None else min(day, begun)

    def spans(self, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
        """The spans to read, in order; sized lazily as records are seen."""
        if self.span_days is not None:
            return windows.spans(first, last, self.span_days)
        self._sizes = windows.SizedSpans(int(self.page_size * self.SPAN_FILL), self.SPAN_MAX_DAYS)
        return self._sizes.spans(first, last)

    def _spans_from(
        self, day: dt.date, last: dt.date, path: str, context: Context | None
    ) -> Iterator[dict]:
        self._resume_day = day  # the first day not yet emitted, if Twilio refuses it
        reads = self.session.in_order(
            self.spans(day, last), lambda span: self.read_span(path, span, context)
        )
        with contextlib.closing(reads):
            for span, records in reads:
                count = 0
                for record in records:
                    count += 1
                    yield record
                if self.span_days is None:
                    self._sizes.observe(*span, count)
                self._resume_day = span[1] + dt.timedelta(days=1)

    def read_span(
        self, path: str, span: tuple[dt.date, dt.date], context: Context | None
    ) -> Iterator[list[dict]]:
        """A span's records in emission order, a chunk at a time."""
        first, last = span
        if first == last and not self.sort_fields and self.max_results is None:
            yield from self.read_days(path, first, last, context)
            return
        gathered: list[dict] = []
        for page in self.read_days(path, first, last, context):
            gathered.extend(page)
            if len(gathered) > self.SPAN_RECORDS_MAX and self.span_days is None and first < last:
                for day in windows.days(first, last):  # denser than it looked: day by day
                    yield from self.read_span(path, (day, day), context)
                return
        if self.max_results is not None and len(gathered) >= self.max_results:
            # Twilio stops the query at its cap: the span may be cut short. Ask again in parts.
            if first < last:
                for day in windows.days(first, last):
                    yield from self.read_span(path, (day, day), context)
            else:
                start = dt.datetime.combine(first, dt.time(), dt.timezone.utc)
                end = start + dt.timedelta(days=1, seconds=-1)
                yield self.read_between(path, start, end, context)
            return
        gathered.sort(key=self._span_order)  # stable: Twilio's order within a day
        yield gathered

    def read_between(
        self, path: str, start: dt.datetime, end: dt.datetime, context: Context | None
    ) -> list[dict]:
        """Records from ``start`` to ``end`` (instants, both included), in halves while capped."""
        records = list(self.read(path, self.window.between(start, end), context))
        assert self.max_results is not None
        if len(records) < self.max_results:
            return records
        if end - start < dt.timedelta(seconds=2):
            self.logger.warning(
                "%s: %d records in %s..%s, Twilio's cap per query: some may be missing",
                self.name,
                len(records),
                start.isoformat(),
                end.isoformat(),
            )
            return records
        middle = start + (end - start) // 2
        return self.read_between(path, start, middle, context) + self.read_between(
            path, middle + dt.timedelta(seconds=1), end, context
        )

    def _span_order(self, record: dict) -> tuple[str, ...]:
        if self.sort_fields:
            return tuple(str(record[field]) for field in self.sort_fields)
        return ((record[self.replication_key] or "")[:10],)

    def read_days(
        self, path: str, first: dt.date, last: dt.date, context: Context | None
    ) -> Iterator[list[dict]]:
        """The pages of days ``first`` to ``last`` (both included), each parameter set in turn."""
        window = self.window.params(first, last)
        for extra in self.param_sets:
            yield from self.read_pages(path, {**window, **extra}, context)


class ProductWindowStream(ProductStream, WindowStream):
    """A product API list filtered by date (instants), read in spans of whole UTC days."""


class ChildStream(ChildShortcuts, TwilioStream):
    """One list per parent record, read only for the parents read in this run.

    The parent's ``get_child_context`` decides which records have children
    worth a request and passes their keys; ``from_context`` copies some of those
    keys into every record. State is kept per account, not per parent record,
    and written by the parent (see ``shortcuts``). The parent fetches the lists
    of its next records ahead, in the run's pool (``fetch_ahead``).

    Children of high-volume parents (media of MMS messages, events of calls,
    conversation messages and participants, execution steps) are off by default
    (``selected_by_default = False``): one request per parent record is most of
    a run's requests and time (docs/performance.md). Select them to read them.
    """

    state_partitioning_keys: ClassVar[tuple[str, ...]] = ("account_sid",)  # type: ignore[assignment]

    def __init__(self, tap: Tap, session: Session) -> None:
        super().__init__(tap, session)
        self._ahead: dict[str, Any] = {}  # context key -> Future of the child's records

    def log(self, message: str, *args: Any, **kwargs: Any) -> None:
        if message.startswith("Beginning sync of"):  # once per parent record
            return
        super().log(message, *args, **kwargs)

    def fetch_ahead(self, context: Context) -> int:
        """Start reading ``context``'s list in the pool; 1 if started, else 0."""
        future = self.session.submit(lambda: list(self.records(context)))
        if future is None:
            return 0
        self._ahead[_context_key(context)] = future
        return 1

    def fetched(self, context: Context | None) -> Iterable[dict]:
        """The list fetched ahead for ``context``; read here if it was not, or has not started."""
        future = self._ahead.pop(_context_key(context or {}), None)
        if future is None or future.cancel():
            return self.records(context)
        return future.result()


def _context_key(context: Context) -> str:
    return repr(sorted(context.items()))


class ProductChildStream(ChildStream, ProductStream):
    """A list under another product record (a service's numbers, an execution's steps)."""
