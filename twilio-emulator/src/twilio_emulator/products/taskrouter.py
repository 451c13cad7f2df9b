"""TaskRouter: each account's contact center.

One workspace per account, with the activities a new workspace starts with (the
spec's examples: Offline, Idle, Busy, Reserved), a queue per channel (voice, SMS),
one workflow routing each channel to its queue, and the account's agents (the
Conversations users) as workers, whose activity follows their weekday shifts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..timefmt import DAY
from ..world import Account, make_sid
from . import conversations

WORKSPACE_AFTER = 25 * DAY  # the contact center is set up 25 days after the account
# The activities a new workspace starts with, and whether a worker in one gets tasks.
ACTIVITIES = (("Offline", False), ("Idle", True), ("Busy", False), ("Reserved", False))
CHANNELS = ("voice", "sms")  # one queue per channel, named as the queue
QUEUE_NAMES = {"voice": "Calls", "sms": "Messages"}
PRIORITY = {"voice": 10, "sms": 5}  # the workflow's priority per channel


@dataclass(frozen=True)
class Workspace:
    sid: str
    account_sid: str
    friendly_name: str
    created: int


@dataclass(frozen=True)
class Activity:
    sid: str
    workspace: Workspace
    friendly_name: str
    available: bool
    created: int


@dataclass(frozen=True)
class TaskQueue:
    sid: str
    workspace: Workspace
    channel: str
    created: int

    @property
    def friendly_name(self) -> str:
        return QUEUE_NAMES[self.channel]


@dataclass(frozen=True)
class Workflow:
    sid: str
    workspace: Workspace
    friendly_name: str
    queues: tuple[TaskQueue, ...]
    created: int

    @property
    def configuration(self) -> str:
        """The routing as Twilio stores it: a JSON string, one filter per channel."""
        filters = [
            {
                "filter_friendly_name": queue.friendly_name,
                "expression": f"channel == '{queue.channel}'",
                "targets": [{"queue": queue.sid, "priority": PRIORITY[queue.channel]}],
            }
            for queue in self.queues
        ]
        routing = {"filters": filters, "default_filter": {"queue": self.queues[0].sid}}
        return json.dumps({"task_routing": routing}, separators=(",", ":"))


def workspace(seed: int, account: Account) -> Workspace:
    return Workspace(
        sid=make_sid("WS", seed, "workspace", account.sid),
        account_sid=account.sid,
        friendly_name=f"{account.friendly_name} Contact Center",
        created=account.created + WORKSPACE_AFTER,
    )


def activities(ws: Workspace) -> list[Activity]:
    return [
        Activity(make_sid("WA", ws.sid, "activity", name), ws, name, available, ws.created + i)
        for i, (name, available) in enumerate(ACTIVITIES)
    ]


def activity(ws: Workspace, name: str) -> Activity:
    return next(a for a in activities(ws) if a.friendly_name == name)


def task_queues(ws: Workspace) -> list[TaskQueue]:
    return [
        TaskQueue(make_sid("WQ", ws.sid, "queue", channel), ws, channel, ws.created + 600 + i)
        for i, channel in enumerate(CHANNELS)
    ]


def workflows(ws: Workspace) -> list[Workflow]:
    queues = tuple(task_queues(ws))
    return [Workflow(make_sid("WW", ws.sid, "workflow"), ws, "Inbound", queues, ws.created + 900)]


# --- workers ------------------------------------------------------------------------

# Each agent's weekday shift (UTC hours): (start, end), with an hour's break 4 hours in.
SHIFTS = {"ana": (13, 21), "ben": (14, 22), "chloe": (7, 15)}
BREAK_AFTER = 4 * 3600


@dataclass(frozen=True)
class Worker:
    sid: str
    workspace: Workspace
    handle: str
    friendly_name: str
    created: int

    @property
    def attributes(self) -> str:
        return json.dumps(
            {"contact_uri": f"client:{self.handle}", "skills": list(CHANNELS)},
            separators=(",", ":"),
        )

    def shift(self, day: int) -> tuple[int, int] | None:
        """[start, end) of the worker's shift on ``day``; None on weekends."""
        if (day + 3) % 7 >= 5:  # Saturday, Sunday (day 0, 1970-01-01, was a Thursday)
            return None
        start_hour, end_hour = SHIFTS[self.handle]
        return day * DAY + start_hour * 3600, day * DAY + end_hour * 3600

    def idle_spans(self, day: int) -> list[tuple[int, int]]:
        """[from, to) spans of ``day`` the worker is Idle: the shift, less the break."""
        shift = self.shift(day)
        if shift is None:
            return []
        start, end = shift
        pause = start + BREAK_AFTER
        spans = [(max(start, self.created), pause), (max(pause + 3600, self.created), end)]
        return [(lo, hi) for lo, hi in spans if lo < hi]

    def activity_at(self, now: int) -> tuple[str, int]:
        """(activity, since when) at ``now``: Idle on shift, Busy on the break, else Offline."""
        for day in range(now // DAY, now // DAY - 8, -1):  # the latest change at or before now
            shift = self.shift(day)
            changes = [(lo, "Idle") for lo, _ in self.idle_spans(day)]
            changes += [(hi, "Busy") for _, hi in self.idle_spans(day) if shift and hi < shift[1]]
            if shift and shift[1] > self.created:
                changes.append((shift[1], "Offline"))
            for since, name in sorted(changes, reverse=True):
                if since <= now:
                    return name, since
        return "Offline", self.created

    def idle_from(self, at: int) -> int | None:
        """The first instant from ``at`` the worker is Idle, within a week."""
        for day in range(at // DAY, at // DAY + 8):
            for lo, hi in self.idle_spans(day):
                if at < hi:
                    return max(lo, at)
        return None


def workers(seed: int, account: Account) -> list[Worker]:
    """The account's agents (its Conversations users), each added once the workspace exists."""
    ws = workspace(seed, account)
    return [
        Worker(
            sid=make_sid("WK", ws.sid, "worker", user.identity),
            workspace=ws,
            handle=user.identity.split("@")[0],
            friendly_name=user.friendly_name,
            created=max(user.created, ws.created) + 3600,
        )
        for user in conversations.users(seed, account)
    ]
