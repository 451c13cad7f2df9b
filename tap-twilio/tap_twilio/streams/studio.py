"""Studio v2 (``studio.twilio.com/v2``): flows, their executions and each execution's steps."""

from __future__ import annotations

from typing import ClassVar

from tap_twilio import windows
from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductChildStream, ProductStream, ProductWindowStream


class FlowsStream(ProductStream):
    """Studio flows: the call and message handlers built in Studio."""

    name = "flows"
    api = "studio"
    path = "/v2/Flows"
    records_key = "flows"
    spec = ("twilio_studio_v2", "studio.v2.flow")
    child_context_keys: ClassVar[dict[str, str]] = {"flow_sid": "sid"}


class ExecutionsStream(ProductWindowStream):
    """Each run of a flow (one per inbound call or message it handled), by creation day.

    State is kept per account and flow. An execution ends within minutes, so
    ``lookback_days`` re-reads catch its final status.
    """

    parent_stream_type = FlowsStream
    name = "executions"
    api = "studio"
    path = "/v2/Flows/{flow_sid}/Executions"
    records_key = "executions"
    replication_key = "date_created"
    window = windows.DateFilter("DateCreatedFrom", "DateCreatedTo", instants=True)
    spec = ("twilio_studio_v2", "studio.v2.flow.execution")
    private_fields = Fields(phones=("contact_channel_address",), blobs=("context",))
    child_context_keys: ClassVar[dict[str, str]] = {"execution_sid": "sid"}


class ExecutionStepsStream(ProductChildStream):
    """The widgets each execution went through (read for the executions read this run)."""

    parent_stream_type = ExecutionsStream
    name = "execution_steps"
    selected_by_default = False  # one request per execution: see ChildStream
    api = "studio"
    path = "/v2/Flows/{flow_sid}/Executions/{execution_sid}/Steps"
    records_key = "steps"
    spec = ("twilio_studio_v2", "studio.v2.flow.execution.execution_step")
    private_fields = Fields(blobs=("context",))


STREAMS = (
    FlowsStream,
    ExecutionsStream,
    ExecutionStepsStream,
)
