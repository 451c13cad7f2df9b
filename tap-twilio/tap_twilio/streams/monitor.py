"""Monitor v1 (``monitor.twilio.com/v1``): alerts and the account audit log."""

from __future__ import annotations

from tap_twilio import windows
from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductStream, ProductWindowStream


class AlertsStream(ProductWindowStream):
    """Errors and warnings Twilio raised (failed deliveries, failed calls, webhook errors).

    Twilio keeps 30 days of alerts and rejects older queries, so the start is
    clamped to that, with a warning. A query returns at most 10,000 alerts: a span
    that reaches it is read again day by day, then in halves of a day.
    """

    name = "alerts"
    api = "monitor"
    path = "/v1/Alerts"
    records_key = "alerts"
    replication_key = "date_generated"
    window = windows.DateFilter("StartDate", "EndDate", instants=True)
    retention_days = 30
    max_results = 10_000
    spec = ("twilio_monitor_v1", "monitor.v1.alert")


class MonitorEventsStream(ProductStream):
    """The account's audit log: who created or changed what, from where.

    ``event_data`` holds the changed values (a number's friendly name is the
    number itself), so privacy settings other than ``keep`` null it.
    """

    name = "monitor_events"
    api = "monitor"
    path = "/v1/Events"
    records_key = "events"
    spec = ("twilio_monitor_v1", "monitor.v1.event")
    private_fields = Fields(blobs=("event_data",))


STREAMS = (
    AlertsStream,
    MonitorEventsStream,
)
