"""Voice Insights v1 (``insights.twilio.com/v1``): a summary of every call."""

from __future__ import annotations

from tap_twilio import windows
from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductWindowStream


class CallSummariesStream(ProductWindowStream):
    """Per-call quality and outcome, by the day the call started.

    Voice Insights keeps 30 days (start clamped, with a warning), and lists the
    last 4 hours unless asked, so every request names its day. A summary is
    ``partial`` for a while after the call ends; ``lookback_days`` re-reads
    pick up the ``complete`` one.
    """

    name = "call_summaries"
    api = "insights"
    path = "/v1/Voice/Summaries"
    records_key = "call_summaries"
    primary_keys = ("call_sid",)
    replication_key = "start_time"
    window = windows.DateFilter("StartTime", "EndTime", instants=True)
    retention_days = 30
    spec = ("twilio_insights_v1", "insights.v1.call_summaries")
    private_fields = Fields(phones=("from.caller", "from.callee", "to.caller", "to.callee"))


STREAMS = (CallSummariesStream,)
