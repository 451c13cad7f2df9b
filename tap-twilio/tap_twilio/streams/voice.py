"""Voice streams of the 2010 API: call events, conferences and their participants,
recordings, transcriptions and queues."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tap_twilio import windows
from tap_twilio.privacy import Fields
from tap_twilio.streams.api2010 import CallsStream
from tap_twilio.streams.base import ACCOUNT, ChildStream, PerAccountStream, WindowStream, sid_field

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

CONFERENCE_STATUSES = ("init", "in-progress", "completed")


class CallEventsStream(ChildStream):
    """The requests Twilio made to your app during a call, and its answers.

    Read for the ended calls this run reads (Twilio serves a call's events 15
    minutes after it ends; the next run's lookback re-reads the call). Events
    have no SID: the key is the call and the event's position in Twilio's list,
    which is fixed once Twilio serves it.
    """

    name = "call_events"
    parent_stream_type = CallsStream
    selected_by_default = False  # one request per ended call: see ChildStream
    path = f"{ACCOUNT}/Calls/{{call_sid}}/Events.json"
    records_key = "events"
    primary_keys = ("call_sid", "sequence")
    spec = ("twilio_api_v2010", "api.v2010.account.call.call_event")
    # The webhook requests and answers hold the call's numbers and whatever was said.
    private_fields = Fields(blobs=("request", "response"))
    from_context = ("account_sid", "call_sid")
    added_fields: ClassVar[dict[str, dict]] = {
        "account_sid": sid_field("The SID of the Account the call belongs to (from the call)."),
        "call_sid": sid_field("The SID of the Call this event belongs to (from the call)."),
        "sequence": {
            "type": "integer",
            "description": "Position of the event in the call's event list, from 0 (oldest).",
        },
    }

    def records(self, context: Context | None) -> Iterable[dict]:
        for sequence, record in enumerate(super().records(context)):
            yield {**record, "sequence": sequence}


class ConferencesStream(WindowStream):
    """Conferences, by the day they were last updated, in every status.

    Twilio lists only ``in-progress`` conferences by default from 2026-09-30
    (changelog, 2026-07-08), so each day is read once per status, in lifecycle
    order (a conference that moves on during the run is read again in its new
    status, never missed).
    """

    name = "conferences"
    path = f"{ACCOUNT}/Conferences.json"
    records_key = "conferences"
    replication_key = "date_updated"
    window = windows.DateFilter.days("DateUpdated")
    param_sets = tuple({"Status": status} for status in CONFERENCE_STATUSES)
    spec = ("twilio_api_v2010", "api.v2010.account.conference")

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        """Participants are listed only while a conference runs: Twilio keeps no history."""
        if record.get("status") == "completed":
            return None
        return {"account_sid": record["account_sid"], "conference_sid": record["sid"]}


class ConferenceParticipantsStream(ChildStream):
    """Who is in each conference that is not over yet, when the run reads it."""

    name = "conference_participants"
    parent_stream_type = ConferencesStream
    path = f"{ACCOUNT}/Conferences/{{conference_sid}}/Participants.json"
    records_key = "participants"
    primary_keys = ("conference_sid", "call_sid")
    spec = ("twilio_api_v2010", "api.v2010.account.conference.participant")


class RecordingsStream(WindowStream):
    """Call and conference recordings, by the day they were created.

    Deleted recordings are included (``IncludeSoftDeleted``) with status
    ``deleted`` while Twilio keeps them (40 days); Twilio keeps 400 days of history.
    """

    name = "recordings"
    path = f"{ACCOUNT}/Recordings.json"
    records_key = "recordings"
    replication_key = "date_created"
    window = windows.DateFilter.days("DateCreated")
    retention_days = 400
    params: ClassVar[dict[str, str]] = {"IncludeSoftDeleted": "true"}
    spec = ("twilio_api_v2010", "api.v2010.account.recording")


class TranscriptionsStream(PerAccountStream):
    """Transcriptions of recordings (the list has no date filter: read in full)."""

    name = "transcriptions"
    path = f"{ACCOUNT}/Transcriptions.json"
    records_key = "transcriptions"
    spec = ("twilio_api_v2010", "api.v2010.account.transcription")
    private_fields = Fields(bodies=("transcription_text",))


class QueuesStream(PerAccountStream):
    """Call queues, with their size and average wait when read."""

    name = "queues"
    path = f"{ACCOUNT}/Queues.json"
    records_key = "queues"
    spec = ("twilio_api_v2010", "api.v2010.account.queue")
