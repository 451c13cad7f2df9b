"""BulkExport v1's state: export jobs on the emulator's clock, the day files they leave.

Twilio's BulkExport (``bulkexports.twilio.com``, US1 only; twilio.com/docs/usage/bulkexport)
writes one file per UTC day and resource type (Messages, Calls, Conferences,
Participants). A custom job exports a range of past days, which "must be 2 days
earlier than the current UTC day" (the spec's ``EndDay``); "A parent account and all
associated subaccounts can request data for up to a total of 366 days within a UTC
calendar day" (the overview); each day of a job is ``Submitted``, ``Running``, then
``Completed`` (or ``CompletedEmptyRecords``: "An empty file will be available at the
Day endpoint"), or ``Failed``; a job "can fire a webhook" when it completes; "The
BulkExport files are automatically removed after seven days". The export
configuration turns on the automatic daily export (for Twilio Editions accounts).

Here a job exports its days one after another, ``job_seconds`` of the emulator's
clock each (Twilio: "Typically, executions should take less than one day"), so its
status moves only as the clock does. A file's content is the data model read at
the instant its day was exported (``exportfiles``): a snapshot, as a file is.
Everything is a pure function of the requests made and the clock.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .activity import Call, Message
from .timefmt import DAY, day_iso
from .voice import Conference, Participant
from .world import Account, make_sid

if TYPE_CHECKING:
    from .store import Store

Row = Message | Call | Conference | Participant

RESOURCE_TYPES = ("Messages", "Calls", "Conferences", "Participants")
FILE_DAYS = 7  # "The BulkExport files are automatically removed after seven days"
EXPORT_LAG_DAYS = 2  # EndDay "must be 2 days earlier than the current UTC day"
# The daily export writes a day's file this long after the day ends (Twilio: "when the
# day is over"; it gives no delay).
DAILY_EXPORT_DELAY = 3600
DAILY_EXPORT_NAME = "Daily export"

SUBMITTED, RUNNING = "Submitted", "Running"
COMPLETED, EMPTY, FAILED = "Completed", "CompletedEmptyRecords", "Failed"
DELETED = "DeletedByUserRequest"
STATUS_ORDER = (COMPLETED, EMPTY, FAILED, RUNNING, SUBMITTED, DELETED)


class ExportError(ValueError):
    """A job Twilio refuses (400): the message says why."""


@dataclass
class Job:
    """One custom export job: its days are exported one after another from ``created``."""

    sid: str
    account_sid: str  # whose data (the credentials' account)
    parent_sid: str  # whose daily allowance it counts against
    resource_type: str
    start_day: int
    end_day: int
    friendly_name: str
    webhook_url: str | None
    webhook_method: str | None
    email: str | None
    created: int
    seconds_per_day: float
    number: int = 0  # its place in the order jobs were created
    failed: bool = False  # the fault plan's "failed-job": every day ends Failed
    deleted_at: int | None = None

    @property
    def days(self) -> range:
        return range(self.start_day, self.end_day + 1)

    def done_at(self, day: int) -> int:
        """When ``day`` is exported (or fails)."""
        return self.created + int((day - self.start_day + 1) * self.seconds_per_day)

    @property
    def finished_at(self) -> int:
        return self.done_at(self.end_day)

    def day_status(self, day: int, now: int, empty: bool) -> str:
        done = self.done_at(day)
        if self.deleted_at is not None and self.deleted_at < done:
            return DELETED if now >= self.deleted_at else _pending(self, day, now)
        if now >= done:
            return FAILED if self.failed else EMPTY if empty else COMPLETED
        return _pending(self, day, now)

    def exported(self, day: int, now: int) -> int | None:
        """When ``day``'s file was written by this job, if it was by ``now``."""
        done = self.done_at(day)
        if self.failed or now < done or (self.deleted_at is not None and self.deleted_at < done):
            return None
        return done


def _pending(job: Job, day: int, now: int) -> str:
    started = job.created + int((day - job.start_day) * job.seconds_per_day)
    return RUNNING if now >= started else SUBMITTED


@dataclass
class Configuration:
    """The automatic daily export of one account and resource type."""

    enabled: bool = False
    enabled_at: int | None = None  # days ending after this get a file
    webhook_url: str | None = None
    webhook_method: str | None = None


@dataclass(frozen=True)
class DayFile:
    """A day's file as it was written: whose, which day, when, and by which job."""

    account_sid: str
    resource_type: str
    day: int
    written: int
    friendly_name: str

    @property
    def removed(self) -> int:
        return self.written + FILE_DAYS * DAY


@dataclass
class BulkExports:
    """Every job and export configuration, and what each parent requested per UTC day."""

    store: Store
    by: str  # what puts a record in a day's file: behaviours.EXPORT_DAY_BY
    job_seconds: float  # per day exported
    days_per_day: int | None  # the parent's allowance of job days per UTC day (None: none)
    jobs: dict[str, Job] = field(default_factory=dict)
    configurations: dict[tuple[str, str], Configuration] = field(default_factory=dict)
    requested: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    _empty: dict[tuple[str, str, int, int], bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rows(self, account: Account, resource_type: str, day: int, at: int) -> list[Row]:
        """The records of a day's file written at ``at`` (see ``rows_of_day``)."""
        return rows_of_day(self.store, self.by, account, resource_type, day, at=at)

    def empty(self, account: Account, resource_type: str, day: int, at: int) -> bool:
        """Whether that file holds no record (the day is ``CompletedEmptyRecords``)."""
        key = (account.sid, resource_type, day, at)
        found = self._empty.get(key)
        if found is None:
            found = self._empty[key] = not self.rows(account, resource_type, day, at)
        return found

    def empty_days(self, job: Job, now: int) -> set[int]:
        """The job's days exported by ``now`` whose file is empty."""
        account = self.store.world.account(job.account_sid)
        assert account is not None
        return {
            day
            for day in job.days
            if job.exported(day, now) is not None
            and self.empty(account, job.resource_type, day, job.done_at(day))
        }

    def create(
        self,
        *,
        account_sid: str,
        parent_sid: str,
        resource_type: str,
        start: str,
        end: str,
        friendly_name: str,
        webhook_url: str | None,
        webhook_method: str | None,
        email: str | None,
        now: int,
        failed: bool = False,
    ) -> Job:
        """A new job, or ExportError saying why Twilio would refuse it."""
        start_day, end_day = _day(start, "StartDay"), _day(end, "EndDay")
        today = now // DAY
        if end_day > today - EXPORT_LAG_DAYS:
            raise ExportError(
                f"EndDay {end} must be at least {EXPORT_LAG_DAYS} days before the current "
                f"UTC day ({day_iso(today)})"
            )
        if start_day > end_day:
            raise ExportError(f"StartDay {start} is after EndDay {end}")
        if bool(webhook_url) != bool(webhook_method):
            raise ExportError("WebhookUrl and WebhookMethod must be supplied together")
        if webhook_method and webhook_method.upper() not in ("GET", "POST"):
            raise ExportError(f"WebhookMethod must be GET or POST, not {webhook_method}")
        days = end_day - start_day + 1
        with self._lock:
            used = self.requested[(parent_sid, today)]
            if self.days_per_day is not None and used + days > self.days_per_day:
                raise ExportError(
                    f"A parent account and its subaccounts can request at most "
                    f"{self.days_per_day} days of exports per UTC day: {used} requested "
                    f"today, {days} more asked"
                )
            self.requested[(parent_sid, today)] = used + days
            job = Job(
                sid=make_sid("JS", self.store.world.seed, "export-job", len(self.jobs)),
                account_sid=account_sid,
                parent_sid=parent_sid,
                resource_type=resource_type,
                start_day=start_day,
                end_day=end_day,
                friendly_name=friendly_name,
                webhook_url=webhook_url or None,
                webhook_method=webhook_method.upper() if webhook_method else None,
                email=email or None,
                created=now,
                seconds_per_day=self.job_seconds,
                number=len(self.jobs),
                failed=failed,
            )
            self.jobs[job.sid] = job
        return job

    def listed(self, account_sid: str, resource_type: str) -> list[Job]:
        """The account's jobs of one resource type, not deleted, oldest first."""
        return [
            j
            for j in self.jobs.values()
            if j.account_sid == account_sid
            and j.resource_type == resource_type
            and j.deleted_at is None
        ]

    def delete(self, job: Job, now: int) -> None:
        if job.deleted_at is None:
            job.deleted_at = now

    def queue_position(self, job: Job, now: int) -> int:
        """1 + the parent's unfinished jobs created before it; 0 once it has finished."""
        if now >= job.finished_at:
            return 0
        return 1 + sum(
            1
            for other in self.jobs.values()
            if other.parent_sid == job.parent_sid
            and other.number < job.number
            and now < other.finished_at
            and other.deleted_at is None
        )

    def configuration(self, account_sid: str, resource_type: str) -> Configuration:
        return self.configurations.setdefault((account_sid, resource_type), Configuration())

    def file(self, account_sid: str, resource_type: str, day: int, now: int) -> DayFile | None:
        """The day's latest file still kept at ``now`` (a job's, or the daily export's)."""
        best: DayFile | None = None
        for job in self.listed_all(account_sid, resource_type):
            if not job.start_day <= day <= job.end_day:
                continue
            written = job.exported(day, now)
            if written is not None and (best is None or written > best.written):
                best = DayFile(account_sid, resource_type, day, written, job.friendly_name)
        daily = self._daily_written(account_sid, resource_type, day)
        if daily is not None and daily <= now and (best is None or daily > best.written):
            best = DayFile(account_sid, resource_type, day, daily, DAILY_EXPORT_NAME)
        if best is None or now >= best.removed:
            return None
        return best

    def files(self, account_sid: str, resource_type: str, now: int) -> list[DayFile]:
        """Every day file kept at ``now``, newest day first."""
        days = {
            day
            for job in self.listed_all(account_sid, resource_type)
            for day in job.days
            if job.exported(day, now) is not None
        }
        config = self.configurations.get((account_sid, resource_type))
        if config is not None and config.enabled:
            last = (now - DAILY_EXPORT_DELAY) // DAY - 1
            days.update(range(last - FILE_DAYS, last + 1))
        found = [self.file(account_sid, resource_type, day, now) for day in sorted(days)]
        return sorted((f for f in found if f is not None), key=lambda f: f.day, reverse=True)

    def listed_all(self, account_sid: str, resource_type: str) -> list[Job]:
        """Jobs whose files count, deleted ones included (their finished days stay)."""
        return [
            j
            for j in self.jobs.values()
            if j.account_sid == account_sid and j.resource_type == resource_type
        ]

    def finished_between(self, t0: int, t1: int) -> list[Job]:
        """Jobs whose last day was exported in (t0, t1] and that were not deleted first."""
        return [
            j
            for j in self.jobs.values()
            if t0 < j.finished_at <= t1 and (j.deleted_at is None or j.deleted_at >= j.finished_at)
        ]

    def daily_files_between(self, t0: int, t1: int) -> list[tuple[Configuration, DayFile]]:
        """Daily-export files written in (t0, t1], for configurations with a webhook."""
        out = []
        for (account_sid, resource_type), config in self.configurations.items():
            if not (config.enabled and config.webhook_url):
                continue
            first = (t0 - DAILY_EXPORT_DELAY) // DAY - 1
            for day in range(first, (t1 - DAILY_EXPORT_DELAY) // DAY):
                written = self._daily_written(account_sid, resource_type, day)
                if written is not None and t0 < written <= t1:
                    out.append(
                        (
                            config,
                            DayFile(account_sid, resource_type, day, written, DAILY_EXPORT_NAME),
                        )
                    )
        return out

    def _daily_written(self, account_sid: str, resource_type: str, day: int) -> int | None:
        config = self.configurations.get((account_sid, resource_type))
        if config is None or not config.enabled or config.enabled_at is None:
            return None
        written = (day + 1) * DAY + DAILY_EXPORT_DELAY
        return written if written >= config.enabled_at else None


def _day(value: str, name: str) -> int:
    try:
        parsed = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(f"{name} must be a day as yyyy-mm-dd, not {value!r}") from None
    return parsed.toordinal() - dt.date(1970, 1, 1).toordinal()


def details(job: Job, now: int, empty: set[int]) -> list[dict]:
    """The job's days grouped by status, as the spec's ``details`` describes them."""
    by_status: dict[str, list[str]] = defaultdict(list)
    for day in job.days:
        by_status[job.day_status(day, now, day in empty)].append(day_iso(day))
    return [
        {"status": status, "count": len(by_status[status]), "days": by_status[status]}
        for status in STATUS_ORDER
        if by_status.get(status)
    ]


def rows_of_day(
    store: Store, by: str, account: Account, resource_type: str, day: int, *, at: int
) -> list[Row]:
    """The records of ``account``'s file of ``day`` written at ``at``, as they were then.

    ``by``: ``created`` (those created that day) or ``sent`` (messages by
    ``date_sent``, calls by ``start_time``; conferences and participants by creation
    either way). Messages and calls are those the list API served at ``at``:
    created by then, not deleted, within Twilio's retention then.
    """
    kept_from = -(10**9) if store.retention_days is None else at // DAY - store.retention_days + 1
    if resource_type == "Messages":
        if by == "sent":
            found = [m for m in store.sent_on(account, day) if m.sent is not None and m.sent <= at]
        else:
            found = store.traffic(account, day).messages
        return [m for m in found if m.exists_at(at) and m.created // DAY >= kept_from]
    if resource_type == "Calls":
        if by == "sent":
            return [
                c
                for d in (day - 1, day)
                for c in store.traffic(account, d).calls
                if c.start // DAY == day and c.start <= at
            ]
        return [c for c in store.traffic(account, day).calls if c.created <= at]
    conferences = [c for c in store.voice(account, day).conferences if c.created <= at]
    if resource_type == "Conferences":
        return list(conferences)
    return [p for c in conferences for p in legs(c, at)]


def legs(conference: Conference, at: int) -> list[Participant]:
    """A conference's participants as an export written at ``at`` holds them: those in
    the room while it runs, and once it ended, both legs, ``complete``."""
    if at < conference.ended:
        return conference.participants_at(at)
    customer = Participant(
        conference,
        conference.customer,
        "customer",
        conference.created,
        conference.ended,
        "complete",
    )
    if conference.agent.answered is None:
        return [customer]
    agent = Participant(
        conference,
        conference.agent,
        "agent",
        conference.agent.start,
        conference.ended,
        "complete",
    )
    return [customer, agent]
