"""TaskRouter: each account's contact center.

One workspace per account, with the activities a new workspace starts with (the
spec's examples: Offline, Idle, Busy, Reserved), a queue per channel (voice, SMS)
and one workflow routing each channel to its queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..timefmt import DAY
from ..world import Account, make_sid

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
