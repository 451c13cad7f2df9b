"""TaskRouter: each account's contact center, routing its inbound calls and questions to agents.

One workspace per account, with the activities a new workspace starts with (the
spec's examples: Offline, Idle, Busy, Reserved), a queue per channel (voice, SMS),
one workflow routing each channel to its queue, and the account's agents (the
Conversations users) as workers, whose activity follows their weekday shifts.

Tasks come from the traffic: every inbound call (its parent leg) and every inbound
message asking a question. A task is ``pending`` until an agent is Idle (multitasking:
an agent on shift takes any number), then ``reserved``, ``assigned`` while handled
(a call while it lasts, a text thread up to hours), ``wrapping``, ``completed``. A
call nobody takes is ``canceled`` when it ends; a question nobody takes within the
task's timeout (Twilio's default, a day: weekend questions) is ``canceled`` with
"Task TTL Exceeded". Twilio deletes a task five minutes after it ends ("the Task is
deleted five minutes after moving into this state", Lifecycle of a Task), so a
workspace lists only live tasks and those ended in the last five minutes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ..activity import Call, Message
from ..store import Store
from ..timefmt import DAY
from ..world import Account, make_sid
from . import conversations

WORKSPACE_AFTER = 25 * DAY  # the contact center is set up 25 days after the account
# The activities a new workspace starts with, and whether a worker in one gets tasks.
ACTIVITIES = (("Offline", False), ("Idle", True), ("Busy", False), ("Reserved", False))
CHANNELS = ("voice", "sms")  # one queue per channel, named as the queue
QUEUE_NAMES = {"voice": "Calls", "sms": "Messages"}
CHANNEL_NAMES = {"voice": "Voice", "sms": "SMS"}  # each task channel's friendly name
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


# --- tasks --------------------------------------------------------------------------

DELETED_AFTER = 300  # seconds a completed or canceled task stays listed
TASK_TIMEOUT = 86_400  # seconds a task may wait for an agent: Twilio's default


@dataclass(frozen=True)
class Task:
    sid: str
    workspace: Workspace
    queue: TaskQueue
    workflow: Workflow
    source: Call | Message
    created: int
    reserved: int | None  # None: never reserved (the caller hung up first)
    assigned: int | None
    wrapping: int | None
    ended: int  # completed, or canceled when never assigned
    reason: str  # why it ended, as the app (or TaskRouter, on timeout) says it

    @property
    def channel(self) -> str:
        return self.queue.channel

    @property
    def gone(self) -> int:
        """When Twilio deletes it: five minutes after it ended."""
        return self.ended + DELETED_AFTER

    def listed_at(self, now: int) -> bool:
        return self.created <= now < self.gone

    def status_at(self, now: int) -> tuple[str, int]:
        """(assignment_status, date_updated) at ``now``."""
        if now >= self.ended:
            return ("completed" if self.assigned is not None else "canceled"), self.ended
        for status, since in (
            ("wrapping", self.wrapping),
            ("assigned", self.assigned),
            ("reserved", self.reserved),
        ):
            if since is not None and since <= now:
                return status, since
        return "pending", self.created

    @property
    def attributes(self) -> str:
        """What the app that created the task put in it: the call or message and the caller."""
        source = self.source
        if isinstance(source, Call):
            body = {"type": "inbound_call", "call_sid": source.sid}
        else:
            body = {"type": "inbound_message", "message_sid": source.sid}
        body.update({"channel": self.channel, "from": source.from_, "to": source.to})
        return json.dumps(body, separators=(",", ":"))


@dataclass(frozen=True)
class TaskChannel:
    """A type of task (``unique_name`` voice, sms), with a worker's capacity per type."""

    sid: str
    workspace: Workspace
    unique_name: str
    friendly_name: str
    created: int


def task_channels(ws: Workspace) -> list[TaskChannel]:
    """The channels the workspace's tasks come in, set up with it."""
    return [
        TaskChannel(
            task_channel_sid(ws, channel), ws, channel, CHANNEL_NAMES[channel], ws.created + 300 + i
        )
        for i, channel in enumerate(CHANNELS)
    ]


def task_channel_sid(ws: Workspace, channel: str) -> str:
    """The SID of the workspace's task channel ``channel`` (voice, sms)."""
    return make_sid("TC", ws.sid, "channel", channel)


def _asks(message: Message) -> bool:
    """An inbound message an agent must answer: a question (replies such as "C" are automated)."""
    return message.direction == "inbound" and message.body.rstrip().endswith("?")


class _Router:
    """Builds an account's tasks: when an agent takes each, given the workers' shifts."""

    def __init__(self, seed: int, account: Account) -> None:
        self.seed = seed
        self.workspace = workspace(seed, account)
        self.workflow = workflows(self.workspace)[0]
        self.queues = {q.channel: q for q in self.workflow.queues}
        self.workers = workers(seed, account)

    def agent_free_from(self, at: int) -> int | None:
        """The first instant from ``at`` an agent is Idle (multitasking: busy agents count)."""
        starts = [s for w in self.workers if (s := w.idle_from(at)) is not None]
        return min(starts, default=None)

    def task(self, source: Call | Message, created: int, *times: int | None, reason: str) -> Task:
        reserved, assigned, wrapping, ended = times
        sid = make_sid("WT", self.workspace.sid, "task", source.sid)
        channel = "voice" if isinstance(source, Call) else "sms"
        return Task(sid, self.workspace, self.queues[channel], self.workflow, source, created,
                    reserved, assigned, wrapping, ended, reason)  # fmt: skip

    def for_call(self, call: Call) -> Task:
        """Answered with an agent free: handled, then wrapped up. Otherwise the caller's
        task is canceled when the call ends (voicemail, or the caller gave up)."""
        rng = random.Random(f"{self.seed}:task:{call.sid}")
        if call.answered is None or self.agent_free_from(call.start) != call.start:
            reason = "Caller hung up" if call.answered is None else "No agent available"
            return self.task(call, call.start, None, None, None, call.end, reason=reason)
        reserved = min(call.start + rng.randint(1, 5), call.answered)
        ended = call.end + rng.randint(30, 300)
        return self.task(call, call.start, reserved, call.answered, call.end, ended,
                         reason="Call completed")  # fmt: skip

    def for_question(self, message: Message, received: int) -> Task:
        """Waits for an agent's shift; canceled if none comes within the task's timeout."""
        rng = random.Random(f"{self.seed}:task:{message.sid}")
        free = self.agent_free_from(received)
        if free is None or free - received >= TASK_TIMEOUT:
            ended = received + TASK_TIMEOUT
            return self.task(message, received, None, None, None, ended, reason="Task TTL Exceeded")
        reserved = free + rng.randint(5, 120)
        assigned = reserved + rng.randint(3, 20)
        wrapping = assigned + rng.randint(20, 240) * 60  # a text thread takes its time
        ended = wrapping + rng.randint(1, 5) * 60
        return self.task(message, received, reserved, assigned, wrapping, ended,
                         reason="Question answered")  # fmt: skip


def tasks(store: Store, account: Account, day: int) -> list[Task]:
    """Tasks created on ``day``: one per inbound call and per inbound question, by creation."""

    def build() -> list[Task]:
        router = _Router(store.world.seed, account)
        opened = router.workspace.created
        traffic = store.traffic(account, day)
        result = [
            router.for_call(call)
            for call in traffic.calls
            if call.direction == "inbound" and call.parent_sid is None and call.start >= opened
        ]
        result += [
            router.for_question(message, message.sent)
            for message in traffic.messages
            if _asks(message) and message.sent is not None and message.sent >= opened
        ]
        result.sort(key=lambda t: (t.created, t.sid))
        return result

    return store.derived("taskrouter-tasks", account, day, build)


def listed_tasks(store: Store, account: Account, now: int) -> list[Task]:
    """The tasks a workspace lists at ``now``: live, or ended less than five minutes ago.

    A task ends within its timeout (a day) and a few hours of handling, so the last
    three days' tasks are enough.
    """
    today = now // DAY
    days = range(today - 2, today + 1)
    return [t for day in days for t in tasks(store, account, day) if t.listed_at(now)]
