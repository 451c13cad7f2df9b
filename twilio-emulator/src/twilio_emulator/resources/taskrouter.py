"""TaskRouter v1 (``/taskrouter/v1``): each account's workspace, and per workspace its
activities, task channels, task queues, workflows, workers and tasks (see
``products/taskrouter.py``)."""

from __future__ import annotations

from typing import Any

from ..apis import PREFIXES
from ..products import taskrouter
from ..products.taskrouter import (
    Activity,
    Task,
    TaskChannel,
    TaskQueue,
    Worker,
    Workflow,
    Workspace,
)
from ..timefmt import iso_z
from .lists import ProductList, Scope, routes

MOUNT = PREFIXES["taskrouter"]
VERSION = "/v1"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
SPEC = "twilio_taskrouter_v1"


def _url(base: str, *parts: str) -> str:
    return "/".join((f"{base}{API}", *parts))


def _friendly_name(row: Any, scope: Scope) -> str:
    return row.friendly_name


# --- workspaces ---------------------------------------------------------------------


def _workspaces(scope: Scope) -> list[Workspace]:
    ws = taskrouter.workspace(scope.seed, scope.account)
    return [ws] if ws.created <= scope.now else []


def render_workspace(ws: Workspace, scope: Scope, base: str) -> dict:
    url = _url(base, "Workspaces", ws.sid)
    offline = taskrouter.activity(ws, "Offline")
    links = ("activities", "statistics", "real_time_statistics", "cumulative_statistics",
             "task_queues", "tasks", "workers", "workflows", "task_channels", "events")  # fmt: skip
    return {
        "account_sid": ws.account_sid,
        "date_created": iso_z(ws.created),
        "date_updated": iso_z(ws.created),
        "default_activity_name": offline.friendly_name,
        "default_activity_sid": offline.sid,
        "event_callback_url": None,
        "events_filter": None,
        "friendly_name": ws.friendly_name,
        "links": {name: f"{url}/{_camel(name)}" for name in links},
        "multi_task_enabled": True,
        "prioritize_queue_order": "FIFO",
        "sid": ws.sid,
        "timeout_activity_name": offline.friendly_name,
        "timeout_activity_sid": offline.sid,
        "url": url,
    }


def _camel(name: str) -> str:
    """``task_queues`` -> ``TaskQueues``, ``real_time_statistics`` -> ``RealTimeStatistics``."""
    return "".join(part.title() for part in name.split("_"))


WORKSPACES = ProductList(
    stream="taskrouter_workspaces",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces",
    spec=SPEC,
    key="workspaces",
    rows=_workspaces,
    render=render_workspace,
    filters={"FriendlyName": _friendly_name},
)


def _workspace(scope: Scope) -> Workspace:
    return scope.parent("WorkspaceSid")


def _in_workspace(render: Any) -> Any:
    """The fields every record of a workspace carries, around its own."""

    def rendered(row: Any, scope: Scope, base: str) -> dict:
        ws = _workspace(scope)
        return {"account_sid": ws.account_sid, "workspace_sid": ws.sid, **render(row, base)}

    return rendered


# --- activities ---------------------------------------------------------------------


def render_activity(activity: Activity, base: str) -> dict:
    ws = activity.workspace
    return {
        "available": activity.available,
        "date_created": iso_z(activity.created),
        "date_updated": iso_z(activity.created),
        "friendly_name": activity.friendly_name,
        "links": {"workspace": _url(base, "Workspaces", ws.sid)},
        "sid": activity.sid,
        "url": _url(base, "Workspaces", ws.sid, "Activities", activity.sid),
    }


ACTIVITIES = ProductList(
    stream="taskrouter_activities",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces/{WorkspaceSid}/Activities",
    spec=SPEC,
    key="activities",
    parent=WORKSPACES,
    rows=lambda scope: taskrouter.activities(_workspace(scope)),
    render=_in_workspace(render_activity),
    filters={"FriendlyName": _friendly_name, "Available": lambda a, _: a.available},
)


# --- task channels ------------------------------------------------------------------


def render_task_channel(channel: TaskChannel, base: str) -> dict:
    ws = channel.workspace
    return {
        "channel_optimized_routing": False,
        "date_created": iso_z(channel.created),
        "date_updated": iso_z(channel.created),
        "friendly_name": channel.friendly_name,
        "links": {"workspace": _url(base, "Workspaces", ws.sid)},
        "sid": channel.sid,
        "unique_name": channel.unique_name,
        "url": _url(base, "Workspaces", ws.sid, "TaskChannels", channel.sid),
    }


TASK_CHANNELS = ProductList(
    stream="taskrouter_task_channels",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces/{WorkspaceSid}/TaskChannels",
    spec=SPEC,
    key="channels",
    parent=WORKSPACES,
    rows=lambda scope: taskrouter.task_channels(_workspace(scope)),
    render=_in_workspace(render_task_channel),
)


# --- task queues --------------------------------------------------------------------


def render_task_queue(queue: TaskQueue, base: str) -> dict:
    ws = queue.workspace
    url = _url(base, "Workspaces", ws.sid, "TaskQueues", queue.sid)
    return {
        # In a multitasking workspace a reservation never changes the worker's activity.
        "assignment_activity_name": None,
        "assignment_activity_sid": None,
        "date_created": iso_z(queue.created),
        "date_updated": iso_z(queue.created),
        "friendly_name": queue.friendly_name,
        "links": {
            "workspace": _url(base, "Workspaces", ws.sid),
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
        },
        "max_reserved_workers": 1,
        "reservation_activity_name": None,
        "reservation_activity_sid": None,
        "sid": queue.sid,
        "target_workers": f"skills HAS '{queue.channel}'",
        "task_order": "FIFO",
        "url": url,
    }


TASK_QUEUES = ProductList(
    stream="taskrouter_task_queues",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces/{WorkspaceSid}/TaskQueues",
    spec=SPEC,
    key="task_queues",
    parent=WORKSPACES,
    rows=lambda scope: taskrouter.task_queues(_workspace(scope)),
    render=_in_workspace(render_task_queue),
    filters={"FriendlyName": _friendly_name},
)


# --- workflows ----------------------------------------------------------------------


def render_workflow(flow: Workflow, base: str) -> dict:
    ws = flow.workspace
    url = _url(base, "Workspaces", ws.sid, "Workflows", flow.sid)
    return {
        "assignment_callback_url": None,
        "configuration": flow.configuration,
        "date_created": iso_z(flow.created),
        "date_updated": iso_z(flow.created),
        "document_content_type": "application/json",
        "fallback_assignment_callback_url": None,
        "friendly_name": flow.friendly_name,
        "links": {
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
        },
        "sid": flow.sid,
        "task_reservation_timeout": 120,
        "url": url,
    }


WORKFLOWS = ProductList(
    stream="taskrouter_workflows",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces/{WorkspaceSid}/Workflows",
    spec=SPEC,
    key="workflows",
    parent=WORKSPACES,
    rows=lambda scope: taskrouter.workflows(_workspace(scope)),
    render=_in_workspace(render_workflow),
    filters={"FriendlyName": _friendly_name},
)


# --- workers ------------------------------------------------------------------------


def _workers(scope: Scope) -> list[Worker]:
    return [w for w in taskrouter.workers(scope.seed, scope.account) if w.created <= scope.now]


def render_worker(worker: Worker, scope: Scope, base: str) -> dict:
    ws = worker.workspace
    name, since = worker.activity_at(scope.now)
    activity = taskrouter.activity(ws, name)
    url = _url(base, "Workspaces", ws.sid, "Workers", worker.sid)
    workers = _url(base, "Workspaces", ws.sid, "Workers")
    return {
        "account_sid": ws.account_sid,
        "activity_name": activity.friendly_name,
        "activity_sid": activity.sid,
        "attributes": worker.attributes,
        "available": activity.available,
        "date_created": iso_z(worker.created),
        "date_status_changed": iso_z(since),
        "date_updated": iso_z(since),
        "friendly_name": worker.friendly_name,
        "links": {
            "channels": f"{url}/Channels",
            "activity": _url(base, "Workspaces", ws.sid, "Activities", activity.sid),
            "workspace": _url(base, "Workspaces", ws.sid),
            "statistics": f"{workers}/Statistics",
            "real_time_statistics": f"{workers}/RealTimeStatistics",
            "cumulative_statistics": f"{workers}/CumulativeStatistics",
            "worker_statistics": f"{url}/Statistics",
            "worker_channels": f"{url}/Channels",
            "reservations": f"{url}/Reservations",
        },
        "sid": worker.sid,
        "url": url,
        "workspace_sid": ws.sid,
    }


WORKERS = ProductList(
    stream="taskrouter_workers",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces/{WorkspaceSid}/Workers",
    spec=SPEC,
    key="workers",
    parent=WORKSPACES,
    rows=_workers,
    render=render_worker,
    filters={
        "FriendlyName": _friendly_name,
        "ActivityName": lambda w, scope: w.activity_at(scope.now)[0],
        "Available": lambda w, scope: dict(taskrouter.ACTIVITIES)[w.activity_at(scope.now)[0]],
    },
)


# --- tasks --------------------------------------------------------------------------


def _tasks(scope: Scope) -> list[Task]:
    return taskrouter.listed_tasks(scope.store, scope.account, scope.now)


def render_task(task: Task, scope: Scope, base: str) -> dict:
    ws = task.workspace
    status, updated = task.status_at(scope.now)
    ended = status in ("completed", "canceled")
    url = _url(base, "Workspaces", ws.sid, "Tasks", task.sid)
    return {
        "account_sid": ws.account_sid,
        "addons": "{}",
        "age": scope.now - task.created,
        "assignment_status": status,
        "attributes": task.attributes,
        "date_created": iso_z(task.created),
        "date_updated": iso_z(updated),
        "ignore_capacity": None,
        "links": {
            "task_queue": _url(base, "Workspaces", ws.sid, "TaskQueues", task.queue.sid),
            "workflow": _url(base, "Workspaces", ws.sid, "Workflows", task.workflow.sid),
            "workspace": _url(base, "Workspaces", ws.sid),
            "reservations": f"{url}/Reservations",
        },
        "priority": taskrouter.PRIORITY[task.channel],
        "reason": task.reason if ended else None,
        "routing_target": None,
        "sid": task.sid,
        "task_channel_sid": taskrouter.task_channel_sid(ws, task.channel),
        "task_channel_unique_name": task.channel,
        "task_queue_entered_date": iso_z(task.created),
        "task_queue_friendly_name": task.queue.friendly_name,
        "task_queue_sid": task.queue.sid,
        "timeout": taskrouter.TASK_TIMEOUT,
        "url": url,
        "virtual_start_time": iso_z(task.created),
        "workflow_friendly_name": task.workflow.friendly_name,
        "workflow_sid": task.workflow.sid,
        "workspace_sid": ws.sid,
    }


TASKS = ProductList(
    stream="taskrouter_tasks",
    product="taskrouter",
    version=VERSION,
    path="/Workspaces/{WorkspaceSid}/Tasks",
    spec=SPEC,
    key="tasks",
    parent=WORKSPACES,
    rows=_tasks,
    render=render_task,
    # Twilio's default order: oldest first ("By default, Tasks are sorted by ascending
    # DateCreated"); the listing pages newest-first keys, hence the negated date.
    order=lambda task: (-task.created, task.sid),
    forgets="5 minutes after it is completed or canceled",
    filters={
        "AssignmentStatus": lambda t, scope: t.status_at(scope.now)[0],
        "TaskQueueSid": lambda t, _: t.queue.sid,
        "TaskQueueName": lambda t, _: t.queue.friendly_name,
        "WorkflowSid": lambda t, _: t.workflow.sid,
        "WorkflowName": lambda t, _: t.workflow.friendly_name,
        "Priority": lambda t, _: taskrouter.PRIORITY[t.channel],
    },
)

LISTS = (WORKSPACES, ACTIVITIES, TASK_CHANNELS, TASK_QUEUES, WORKFLOWS, WORKERS, TASKS)
ROUTES = routes(LISTS)
