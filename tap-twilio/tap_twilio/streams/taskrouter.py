"""TaskRouter v1 (``taskrouter.twilio.com/v1``): each account's workspaces and, per
workspace, its activities, task channels, task queues, workflows, workers and tasks.

One request per workspace and list, every run (accounts have a workspace or two), so
every stream is on by default and read whole. Tasks have no date filter, and Twilio
deletes a task five minutes after it is completed or canceled: a run reads the tasks
live at that moment, and the warehouse keeps each as last read.
"""

from __future__ import annotations

from typing import ClassVar

from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductChildStream, ProductStream

SPEC = "twilio_taskrouter_v1"


class TaskRouterWorkspacesStream(ProductStream):
    """TaskRouter workspaces: each one a contact center's routing (activities, queues, workers)."""

    name = "taskrouter_workspaces"
    api = "taskrouter"
    path = "/v1/Workspaces"
    records_key = "workspaces"
    spec = (SPEC, "taskrouter.v1.workspace")
    child_context_keys: ClassVar[dict[str, str]] = {"workspace_sid": "sid"}


class _WorkspaceListStream(ProductChildStream):
    """A list under each workspace, read whole for every workspace."""

    parent_stream_type = TaskRouterWorkspacesStream
    api = "taskrouter"


class TaskRouterActivitiesStream(_WorkspaceListStream):
    """The activities a worker can be in (Offline, Idle...), and whether each takes tasks."""

    name = "taskrouter_activities"
    path = "/v1/Workspaces/{workspace_sid}/Activities"
    records_key = "activities"
    spec = (SPEC, "taskrouter.v1.workspace.activity")


class TaskRouterTaskChannelsStream(_WorkspaceListStream):
    """Task channels: the types of task (voice, sms) a task's ``task_channel_sid`` names,
    and a worker's capacity is set per."""

    name = "taskrouter_task_channels"
    path = "/v1/Workspaces/{workspace_sid}/TaskChannels"
    records_key = "channels"
    spec = (SPEC, "taskrouter.v1.workspace.task_channel")


class TaskRouterTaskQueuesStream(_WorkspaceListStream):
    """Task queues: where tasks wait for a worker whose attributes match the queue's."""

    name = "taskrouter_task_queues"
    path = "/v1/Workspaces/{workspace_sid}/TaskQueues"
    records_key = "task_queues"
    spec = (SPEC, "taskrouter.v1.workspace.task_queue")


class TaskRouterWorkflowsStream(_WorkspaceListStream):
    """Workflows: the rules (a JSON configuration) that route each task to a queue."""

    name = "taskrouter_workflows"
    path = "/v1/Workspaces/{workspace_sid}/Workflows"
    records_key = "workflows"
    spec = (SPEC, "taskrouter.v1.workspace.workflow")


class TaskRouterWorkersStream(_WorkspaceListStream):
    """Workers (agents), with the activity they are in when read.

    ``attributes`` is free-form JSON that may hold a phone number: see ``privacy``.
    """

    name = "taskrouter_workers"
    path = "/v1/Workspaces/{workspace_sid}/Workers"
    records_key = "workers"
    spec = (SPEC, "taskrouter.v1.workspace.worker")
    private_fields = Fields(blobs=("attributes",))


class TaskRouterTasksStream(_WorkspaceListStream):
    """Tasks live when read: pending, reserved, assigned, wrapping, or ended in the last 5 minutes.

    Twilio deletes a task five minutes after it ends and the list has no date filter,
    so each run reads what is live then. ``attributes`` (the caller, the call or
    message) and ``addons`` are free-form JSON: see ``privacy``.
    """

    name = "taskrouter_tasks"
    path = "/v1/Workspaces/{workspace_sid}/Tasks"
    records_key = "tasks"
    spec = (SPEC, "taskrouter.v1.workspace.task")
    private_fields = Fields(blobs=("attributes", "addons"))


STREAMS = (
    TaskRouterWorkspacesStream,
    TaskRouterActivitiesStream,
    TaskRouterTaskChannelsStream,
    TaskRouterTaskQueuesStream,
    TaskRouterWorkflowsStream,
    TaskRouterWorkersStream,
    TaskRouterTasksStream,
)
