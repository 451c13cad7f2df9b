"""Backfilling a stream from Twilio's BulkExport files instead of paging its list API.

A busy account's year is millions of records, 1,000 a request through the list API;
BulkExport (``bulkexports.twilio.com``, US1 only) writes one gzip file per UTC day and
resource type. Twilio's rules shape everything here:

- a custom job exports a range of days that "must be 2 days earlier than the current
  UTC day": days older than that come from files, recent ones from the list API with
  its lookback, as always;
- "A parent account and all associated subaccounts can request data for up to a total
  of 366 days within a UTC calendar day": jobs are at most 366 days, asked oldest
  first; days Twilio refuses are read through the list API instead (with a warning);
- which date puts a record in a day's file Twilio does not say (its creation, or its
  sending): so every day read through the list API comes after every day read from a
  file (``_list_after_files``), and no record falls between the two;
- jobs take time ("typically ... less than one day"): those Twilio expects to finish
  within ``JOB_WAIT_SECONDS`` are polled with backoff; otherwise ``bulk_export``
  leaves their days to a later run (the jobs are kept in state) and ``auto`` deletes
  them and reads the list API;
- a Day answers 307 to a presigned link on the file store, which expires: the link is
  asked for again when the store refuses it; a file gone (removed after seven days)
  or a day that failed is read through the list API.

A backfill's plan (the days, the jobs, the last day emitted) lives in the stream's
state per account, so a run killed half way resumes at the first day it had not
finished. Records leave in day order, each day's file whole: a day is counted done
only after its last record, so a resumed run may write a day again, never skip one.

Files lack fields the list API has (``Export``): per account (``price_unit``,
``api_version``), per error code (``error_message``) and the record's own links
(``uri``, ``subresource_uris``). The tap fills them from one record read by SID per
account and one per error code, so a record is the same whichever way it came.
Which records a day's file holds (those created that day, or sent that day) Twilio
does not say: messages not sent yet are found by ``undated`` either way.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from tap_twilio import shortcuts, windows
from tap_twilio.checkpoint import Checkpoint
from tap_twilio.client import instance_shape
from tap_twilio.errors import (
    ApiError,
    ExportFileMissing,
    ExportLinkExpired,
    NotFoundError,
)

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_twilio.client import TwilioClient
    from tap_twilio.streams.base import WindowStream

API = "bulkexports"  # the host: https://bulkexports.twilio.com
EXPORTS = "/v1/Exports"
EXPORT_LAG_DAYS = 2  # a job's EndDay "must be 2 days earlier than the current UTC day"
MAX_JOB_DAYS = 366  # a parent's allowance per UTC day: no job can be longer
JOB_WAIT_SECONDS = 120.0  # jobs expected to finish within this are waited for
STALLED_SECONDS = 10.0  # a job whose estimate does not come closer in this long is not waited
POLL_FIRST_SECONDS = 0.5
POLL_MAX_SECONDS = 15.0
AUTO_MIN_DAYS = 7  # auto: fewer days to backfill than this are not worth a job
LINK_ATTEMPTS = 3  # links asked for per file, when the store refuses them
STATE_KEY = "bulk_export"
ACCOUNT_CREATED = "account_created"  # session.learned: account SID -> its creation day
NAME_PREFIX = "tap-twilio"
DONE = ("Completed", "CompletedEmptyRecords")
WAITING = ("Submitted", "Running", "ErrorDuringRun")  # ErrorDuringRun "will be retried"

FILES, LIST, LATER = "files", "list", "later"  # where a day of the plan comes from


@dataclass(frozen=True)
class Export:
    """How a stream's records come in BulkExport files, and what the files lack."""

    resource_type: str  # Messages, Calls
    instance_path: str  # a record by SID through the list API: what fills the gaps
    per_account: tuple[str, ...] = ()  # lacking fields the same for an account's records
    per_code: tuple[tuple[str, str], ...] = ()  # (lacking field, the field that decides it)
    links: tuple[str, ...] = ()  # lacking fields that name the record: its SID substituted


def plan(stream: WindowStream, context: Context | None, first: dt.date) -> Backfill | None:
    """The backfill through files this run continues or starts, or None (list API only).

    A plan starts when more days older than the export limit are to be read than a
    lookback re-reads (a first run, a long pause) and the method allows it: always
    for ``bulk_export``; for ``auto`` when there are at least a week of them and the
    last of them holds more than a page through the list API (one request tells).
    """
    export = stream.bulk_export
    method = stream.settings.backfill_method
    if export is None or method == "list" or context is None:
        return None
    if not stream.session.can_read_products(context["account_sid"]):
        return None  # BulkExport reads a subaccount with its own token only
    state = stream.get_context_state(context)
    saved = state.get(STATE_KEY)
    if saved:
        return Backfill(stream, context, saved)
    created = stream.session.learned.get(ACCOUNT_CREATED, {}).get(context["account_sid"])
    if created:  # no file of a day before the account existed: not worth a request
        first = max(first, dt.date.fromisoformat(created))
    last = min(stream.session.today() - dt.timedelta(EXPORT_LAG_DAYS), stream.session.last_day())
    days = (last - first).days + 1
    if days <= stream.settings.lookback_days:
        return None
    if method == "auto" and (days < AUTO_MIN_DAYS or not _busy(stream, context, last)):
        return None
    saved = {"first": first.isoformat(), "last": last.isoformat(), "done": None, "jobs": []}
    state[STATE_KEY] = saved
    return Backfill(stream, context, saved)


def _busy(stream: WindowStream, context: Context, day: dt.date) -> bool:
    """Whether ``day`` holds more than a page through the list API (one request)."""
    params = {**stream.params, **stream.window.params(day, day), "PageSize": stream.page_size}
    assert stream.records_key is not None
    client = stream.client_for(context)
    page = next(iter(client.pages(stream.url_path(context), params, stream.records_key)), [])
    return len(page) >= stream.page_size


@dataclass
class _Job:
    sid: str
    first: dt.date
    last: dt.date
    status: dict[dt.date, str] = field(default_factory=dict)  # as last polled
    estimate: dt.datetime | None = None


@dataclass(frozen=True)
class DayDone(Checkpoint):
    """A day of the plan is done once every record before this has been written."""

    backfill: Backfill
    day: dt.date

    def reached(self) -> None:
        self.backfill.mark_done(self.day)


class Backfill:
    """One account's backfill of one stream through files: its days, jobs and progress."""

    def __init__(self, stream: WindowStream, context: Context, saved: dict) -> None:
        self.stream = stream
        self.context = context
        self.saved = saved
        self.first = dt.date.fromisoformat(saved["first"])
        self.last = dt.date.fromisoformat(saved["last"])
        self.logger = stream.logger
        self.export = stream.bulk_export
        assert self.export is not None
        self.account = context["account_sid"]
        self.source: dict[dt.date, str] = {}
        self._gone: set[dt.date] = set()  # days whose file was gone: read through the list

    @property
    def done(self) -> dt.date:
        """The last day emitted (the day before the plan when none was)."""
        saved = self.saved.get("done")
        return dt.date.fromisoformat(saved) if saved else self.first - dt.timedelta(1)

    @property
    def list_from(self) -> dt.date:
        """The first day the list API reads after the plan's days."""
        return self.last + dt.timedelta(1)

    @property
    def complete(self) -> bool:
        return self.done >= self.last

    # --- the run ---------------------------------------------------------------------------

    def segments(self) -> Iterator[tuple[dt.date, dt.date, str]]:
        """Consecutive (first, last, source) spans of the days not emitted yet, in order,
        up to the first day that must wait for a later run."""
        start = self.done + dt.timedelta(1)
        if start > self.last:
            return
        jobs = self._jobs(start)
        self._settle(jobs, start)
        span_start, span_source = start, self.source[start]
        for day in windows.days(start, self.last):
            source = self.source[day]
            if source != span_source:
                yield span_start, day - dt.timedelta(1), span_source
                span_start, span_source = day, source
            if source == LATER:
                return
        yield span_start, self.last, span_source

    def mark_done(self, day: dt.date) -> None:
        """Every day up to ``day`` was emitted: a resumed run starts after it."""
        self.saved["done"] = day.isoformat()
        if self.complete:
            self.saved["jobs"] = []
        shortcuts.checkpoint(self.stream)

    def finish(self) -> None:
        """The plan's days and the list API's after them were read: forget the plan."""
        if self.complete:
            self.stream.get_context_state(self.context).pop(STATE_KEY, None)

    def read_files(self, first: dt.date, last: dt.date) -> Iterator[dict | DayDone]:
        """Prepared records of days ``first`` to ``last`` from their files, day by day,
        downloaded concurrently; a ``DayDone`` after each day's last record."""
        filler = Filler(self.stream, self.context)
        reads = self.stream.session.in_order(windows.days(first, last), self._file_records)
        for day, records in reads:
            for record in records:
                yield filler.fill(record)
            if day in self._gone:  # read through the list: so is every later day
                reads.close()
                self._list_from(day)
                if day < last:
                    path = self.stream.url_path(self.context)
                    yield from self.stream.read_list(
                        day + dt.timedelta(1), last, path, self.context
                    )
                yield DayDone(self, last)
                return
            yield DayDone(self, day)

    def _list_from(self, day: dt.date) -> None:
        """``day`` was read through the list API: the plan's later days are too."""
        for later in windows.days(day + dt.timedelta(1), self.last):
            self.source[later] = LIST
        saved = self.saved.get("list_since")
        if not saved or day < dt.date.fromisoformat(saved):
            self.saved["list_since"] = day.isoformat()

    # --- jobs ------------------------------------------------------------------------------

    def _client(self) -> TwilioClient:
        return self.stream.session.client(API, self.account)

    def _jobs(self, start: dt.date) -> list[_Job]:
        """The jobs covering the days from ``start``: the plan's, those Twilio lists under
        our name (created by a run that died before saving them), and new ones."""
        known = {j["sid"]: j for j in self.saved.get("jobs", [])}
        for job in self._listed():
            known.setdefault(job["sid"], job)
        jobs = [
            _Job(j["sid"], dt.date.fromisoformat(j["first"]), dt.date.fromisoformat(j["last"]))
            for j in known.values()
            if dt.date.fromisoformat(j["last"]) >= start
        ]
        covered = {day for job in jobs for day in windows.days(job.first, job.last)}
        missing = [day for day in windows.days(start, self.last) if day not in covered]
        jobs += self._create(missing)
        self.saved["jobs"] = [
            {"sid": j.sid, "first": j.first.isoformat(), "last": j.last.isoformat()} for j in jobs
        ]
        return jobs

    def _name(self) -> str:
        return f"{NAME_PREFIX} {self.stream.name} {self.account}"

    def _listed(self) -> list[dict]:
        """Our jobs Twilio still lists (by name), as the plan saves them."""
        assert self.export is not None
        path = f"{EXPORTS}/{self.export.resource_type}/Jobs"
        found = []
        for page in self._client().pages(path, {"PageSize": 1000}, "jobs"):
            for job in page:
                name = str(job.get("friendly_name") or "")
                if name.startswith(self._name() + " ") and job.get("job_sid"):
                    found.append(
                        {"sid": job["job_sid"], "first": job["start_day"], "last": job["end_day"]}
                    )
        return found

    def _create(self, missing: list[dt.date]) -> list[_Job]:
        """Jobs for the ``missing`` days, oldest first, at most ``MAX_JOB_DAYS`` each;
        the days of a job Twilio refuses (and newer ones) go to the list API: so the
        days read through the list always come after those read from files (see
        ``_list_after_files``)."""
        assert self.export is not None
        path = f"{EXPORTS}/{self.export.resource_type}/Jobs"
        created: list[_Job] = []
        for first, last in _ranges(missing, MAX_JOB_DAYS):
            form = {
                "StartDay": first.isoformat(),
                "EndDay": last.isoformat(),
                "FriendlyName": f"{self._name()} {first.isoformat()}..{last.isoformat()}",
            }
            try:
                body = self._client().post(path, form, instance_shape(("job_sid",)))
            except ApiError as exc:
                if not 400 <= exc.status < 500 or exc.status == 404:
                    raise
                self.logger.warning(
                    "%s of %s: Twilio refused to export %s to %s (%s); those days and newer "
                    "are read through the list API",
                    self.stream.name,
                    self.account,
                    first.isoformat(),
                    missing[-1].isoformat(),
                    exc,
                )
                break
            created.append(_Job(body["job_sid"], first, last))
        return created

    def _settle(self, jobs: list[_Job], start: dt.date) -> None:
        """Where each day from ``start`` comes from: files once its job has it, the list
        API when no job has it or it failed, or a later run (``bulk_export``) when its
        job will take longer than this run waits."""
        by_day = {day: job for job in jobs for day in windows.days(job.first, job.last)}
        self._wait([j for j in jobs if j.last >= start], start)
        waiting = []
        for day in windows.days(start, self.last):
            job = by_day.get(day)
            status = job.status.get(day) if job else None
            if status in DONE:
                self.source[day] = FILES
            elif status in WAITING:
                waiting.append(day)
                self.source[day] = LIST if self.stream.settings.backfill_method == "auto" else LATER
            else:
                if job is not None:
                    self.logger.warning(
                        "%s of %s: BulkExport job %s says %s for %s; the day is read through "
                        "the list API",
                        self.stream.name,
                        self.account,
                        job.sid,
                        status or "nothing",
                        day.isoformat(),
                    )
                self.source[day] = LIST
        self._list_after_files(start)
        if waiting and self.stream.settings.backfill_method == "auto":
            for job in jobs:  # auto reads them through the list now: the jobs are not needed
                if any(job.first <= day <= job.last for day in waiting):
                    self._client().delete(f"{EXPORTS}/Jobs/{job.sid}")
        elif waiting:
            self.logger.info(
                "%s of %s: %d days are still being exported by Twilio; a later run reads them",
                self.stream.name,
                self.account,
                len(waiting),
            )

    def _list_after_files(self, start: dt.date) -> None:
        """From the first day read through the list API, every later day of the plan is
        too (kept in state, across runs). Which date puts a record in a day's file
        Twilio does not say: if it is the creation date, a message created on a day read
        through the list (by ``DateSent``) and sent on a later day read from a file
        would be in neither. With every list day after every file day, a record is in
        the file of the day it was created, or sent on or after it: read either way."""
        saved = self.saved.get("list_since")
        since = dt.date.fromisoformat(saved) if saved else None
        for day in windows.days(start, self.last):
            if since is None and self.source[day] == LIST:
                since = day
            if since is not None and day >= since:
                self.source[day] = LIST
        if since is not None:
            self.saved["list_since"] = since.isoformat()

    def _wait(self, jobs: list[_Job], start: dt.date) -> None:
        """Poll the jobs (backoff from ``POLL_FIRST_SECONDS``) while Twilio expects them to
        finish within ``JOB_WAIT_SECONDS`` and the expectation keeps coming closer."""
        deadline = time.monotonic() + JOB_WAIT_SECONDS
        delay = POLL_FIRST_SECONDS
        best: tuple[float, float] | None = None  # (seconds left as estimated, when seen)
        while True:
            for job in jobs:
                self._poll(job)
            pending = [
                job
                for job in jobs
                if any(s in WAITING for d, s in job.status.items() if d >= start)
            ]
            if not pending:
                return
            left = max(self._seconds_left(job) for job in pending)
            now = time.monotonic()
            if best is None or left < best[0] - 0.5:
                best = (left, now)
            stalled = now - best[1] > STALLED_SECONDS
            if left > JOB_WAIT_SECONDS or stalled or now + delay > deadline:
                return
            time.sleep(delay)
            delay = min(delay * 2, POLL_MAX_SECONDS)

    def _poll(self, job: _Job) -> None:
        if job.status and all(s not in WAITING for s in job.status.values()):
            return
        try:
            body = self._client().get(
                f"{EXPORTS}/Jobs/{job.sid}", None, instance_shape(("job_sid",))
            )
        except NotFoundError:
            job.status = {}  # gone: its days are read through the list API
            return
        job.status = {
            dt.date.fromisoformat(day): str(group.get("status"))
            for group in body.get("details") or []
            if isinstance(group, dict)
            for day in group.get("days") or []
        }
        estimate = body.get("estimated_completion_time")
        job.estimate = _instant(estimate) if isinstance(estimate, str) else None

    def _seconds_left(self, job: _Job) -> float:
        """Seconds until Twilio expects ``job`` to finish, on Twilio's clock."""
        if job.estimate is None:
            return float("inf")
        now = self._client().server_time or dt.datetime.now(dt.timezone.utc)
        return (job.estimate - now).total_seconds()

    # --- files -----------------------------------------------------------------------------

    def _file_records(self, day: dt.date) -> Iterator[list[dict]]:
        """A day's records from its file, in chunks; the link asked for again if refused."""
        assert self.export is not None
        path = f"{EXPORTS}/{self.export.resource_type}/Days/{day.isoformat()}"
        client = self._client()
        data = b""
        for attempt in range(1, LINK_ATTEMPTS + 1):
            try:
                data = client.download(client.redirect(path))
                break
            except ExportLinkExpired:
                if attempt == LINK_ATTEMPTS:
                    raise
            except (ExportFileMissing, NotFoundError):
                self._gone.add(day)
                self.logger.warning(
                    "%s of %s: no BulkExport file for %s any more; it and the later days are read "
                    "through the list API",
                    self.stream.name,
                    self.account,
                    day.isoformat(),
                )
                yield from self.stream.read_days(
                    self.stream.url_path(self.context), day, day, self.context
                )
                return
        prepare = self.stream.prepare
        lines = data.splitlines()
        for offset in range(0, len(lines), 1000):
            yield [prepare(orjson.loads(line)) for line in lines[offset : offset + 1000] if line]


def _ranges(days: list[dt.date], longest: int) -> Iterator[tuple[dt.date, dt.date]]:
    """Runs of consecutive days, each at most ``longest`` days, oldest first."""
    start = previous = None
    for day in days:
        if start is None:
            start = previous = day
            continue
        assert previous is not None
        if day != previous + dt.timedelta(1) or (day - start).days >= longest:
            yield start, previous
            start = day
        previous = day
    if start is not None and previous is not None:
        yield start, previous


def _instant(value: str) -> dt.datetime | None:
    """``2021-03-15T20:20:14.547`` (the spec's example: UTC without a zone), or with one."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


class Filler:
    """What a file's records lack, filled from records read through the list API by SID:
    one per account (its ``per_account`` fields and the shape of its links) and one per
    error code (``error_message``), each read once a run."""

    def __init__(self, stream: WindowStream, context: Context) -> None:
        assert stream.bulk_export is not None
        self.stream = stream
        self.export = stream.bulk_export
        self.context = context
        self.account = context["account_sid"]
        self.path = self.export.instance_path.format(**context, sid="{sid}")
        self._cache: dict[tuple[str, ...], Any] = stream.session.learned.setdefault(
            "bulk_export_fill", {}
        )

    def fill(self, record: dict) -> dict:
        export = self.export
        template = self._template(record)
        if template is not None:
            for name in export.per_account:
                record.setdefault(name, template.get(name))
            sid = template["sid"]
            for name in export.links:
                if name not in record:
                    record[name] = _resid(template.get(name), sid, record["sid"])
        for name, by in export.per_code:
            if name not in record:
                record[name] = self._by_code(name, by, record)
        return record

    def _template(self, record: dict) -> dict | None:
        key = (self.stream.name, self.account, "template")
        found = self._cache.get(key)
        if found is None:
            found = self._fetch(record["sid"])
            if found is not None:
                self._cache[key] = found
        return found

    def _by_code(self, name: str, by: str, record: dict) -> Any:
        code = record.get(by)
        if code is None:
            return None
        key = (self.stream.name, self.account, name, str(code))
        if key not in self._cache:
            fetched = self._fetch(record["sid"])
            if fetched is None:
                return None  # deleted since it was exported: the next one with the code
            self._cache[key] = fetched.get(name)
        return self._cache[key]

    def _fetch(self, sid: str) -> dict | None:
        client = self.stream.client_for(self.context)
        try:
            return self.stream.prepare(
                client.get(self.path.format(sid=sid), None, instance_shape(("sid",)))
            )
        except NotFoundError:
            return None


def _resid(value: Any, old: str, new: str) -> Any:
    """``value`` (a URI, or a map of them) naming record ``old``, made to name ``new``."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _resid(v, old, new) for k, v in value.items()}
    return value
