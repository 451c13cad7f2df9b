"""Streams of the 2010 REST API (``api.twilio.com/2010-04-01``), per account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tap_twilio import windows
from tap_twilio.bulk import Export
from tap_twilio.privacy import Fields
from tap_twilio.statuses import FINAL_CALL_STATUSES, PENDING_CALL_STATUSES, PENDING_MESSAGE_STATUSES
from tap_twilio.streams.base import (
    ACCOUNT,
    AccountsStream,
    ChildStream,
    PerAccountStream,
    WindowStream,
)
from tap_twilio.undated import Undated

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

__all__ = [
    "AccountsStream",
    "CallsStream",
    "IncomingPhoneNumbersStream",
    "MessageMediaStream",
    "MessagesStream",
    "MonthlyUsageRecordsStream",
    "UsageRecordsStream",
]


class MessagesStream(WindowStream):
    """SMS, MMS and WhatsApp messages, by the day they were sent, and those not sent yet.

    Status and price change after a message is first read and Twilio has no
    ``date_updated`` filter, so each run re-reads ``lookback_days`` days.
    Scheduled, queued and canceled messages have no ``date_sent``: ``undated``
    finds them whatever the list's order, and follows each until it is final.
    """

    name = "messages"
    path = f"{ACCOUNT}/Messages.json"
    records_key = "messages"
    replication_key = "date_sent"
    window = windows.DateFilter.days("DateSent")
    retention_days = 400
    undated = Undated(PENDING_MESSAGE_STATUSES, f"{ACCOUNT}/Messages/{{sid}}.json")
    # Twilio's Day resource: the files have no price_unit, api_version, error_message
    # (error_code they have), uri or subresource_uris.
    bulk_export = Export(
        "Messages",
        f"{ACCOUNT}/Messages/{{sid}}.json",
        per_account=("price_unit", "api_version"),
        per_code=(("error_message", "error_code"),),
        links=("uri", "subresource_uris"),
    )
    spec = ("twilio_api_v2010", "api.v2010.account.message")
    private_fields = Fields(bodies=("body",), phones=("from", "to"))

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        """Media are read only for messages that have some."""
        if not record.get("num_media"):
            return None
        return {"account_sid": record["account_sid"], "message_sid": record["sid"]}


class MessageMediaStream(ChildStream):
    """Files attached to the MMS messages this run reads (``num_media`` > 0 only)."""

    name = "message_media"
    parent_stream_type = MessagesStream
    selected_by_default = False  # one request per MMS message: see ChildStream
    path = f"{ACCOUNT}/Messages/{{message_sid}}/Media.json"
    records_key = "media_list"
    spec = ("twilio_api_v2010", "api.v2010.account.message.media")


class CallsStream(WindowStream):
    """Voice calls, parent and child legs, by the day they started, and those not started."""

    name = "calls"
    path = f"{ACCOUNT}/Calls.json"
    records_key = "calls"
    replication_key = "start_time"
    window = windows.DateFilter.days("StartTime")
    undated = Undated(PENDING_CALL_STATUSES, f"{ACCOUNT}/Calls/{{sid}}.json")
    # Twilio's Day resource: the files have no uri or subresource_uris.
    bulk_export = Export(
        "Calls", f"{ACCOUNT}/Calls/{{sid}}.json", links=("uri", "subresource_uris")
    )
    spec = ("twilio_api_v2010", "api.v2010.account.call")
    private_fields = Fields(
        phones=("from", "to", "forwarded_from"), phone_displays=("from_formatted", "to_formatted")
    )

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        """Events are read for calls that have ended: Twilio serves them after the end."""
        if record.get("status") not in FINAL_CALL_STATUSES:
            return None
        return {"account_sid": record["account_sid"], "call_sid": record["sid"]}


class IncomingPhoneNumbersStream(PerAccountStream):
    """The account's own phone numbers."""

    name = "incoming_phone_numbers"
    path = f"{ACCOUNT}/IncomingPhoneNumbers.json"
    records_key = "incoming_phone_numbers"
    spec = ("twilio_api_v2010", "api.v2010.account.incoming_phone_number")
    # friendly_name defaults to the number, formatted for display.
    private_fields = Fields(phones=("phone_number",), phone_displays=("friendly_name",))


class UsageRecordsStream(WindowStream):
    """Daily usage per category: what Twilio bills, finalized late (see ``as_of``).

    Read in spans of 31 days, each emitted oldest day first so the bookmark only
    ever passes days that were fully written; the last ``lookback_days`` days are
    read again on every run because Twilio keeps updating them.
    """

    name = "usage_records"
    path = f"{ACCOUNT}/Usage/Records/Daily.json"
    records_key = "usage_records"
    primary_keys = ("account_sid", "category", "start_date")
    replication_key = "start_date"
    window = windows.DateFilter("StartDate", "EndDate")
    span_days = 31  # a request per span
    # Usage Records answer 500 at PageSize=1000 and work at 100 (airbytehq/airbyte #23512).
    max_page_size = 100
    sort_fields = ("start_date", "category")
    # Every subaccount is read on its own; Twilio's default would add theirs in.
    params: ClassVar[dict[str, str]] = {"IncludeSubaccounts": "false"}
    spec = ("twilio_api_v2010", "api.v2010.account.usage.usage_record.usage_record_daily")

    def first_day(self, context: Context | None, today: dt.date) -> dt.date:
        """The bookmark's day (never after today) minus the lookback, or ``start_date``."""
        bookmark = self.get_starting_replication_key_value(context)
        last_read = min(dt.date.fromisoformat(str(bookmark)[:10]), today) if bookmark else None
        return windows.start_day(
            bookmark=last_read,
            start_date=self.settings.start_date,
            lookback_days=self.settings.lookback_days,
            today=today,
            retention_days=None,
            stream=self.name,
            logger=self.logger,
        )


class MonthlyUsageRecordsStream(UsageRecordsStream):
    """Monthly usage per category, one record per calendar month.

    Read from the first of the month of the first day to read, so every record
    covers a whole month (the current one: up to today) and its key is stable.
    The bookmark is the last day read (``end_date``): the next run re-reads the
    months its ``lookback_days`` touch, so the previous month only early in a month.
    """

    name = "usage_records_monthly"
    path = f"{ACCOUNT}/Usage/Records/Monthly.json"
    replication_key = "end_date"
    spec = ("twilio_api_v2010", "api.v2010.account.usage.usage_record.usage_record_monthly")

    def first_day(self, context: Context | None, today: dt.date) -> dt.date:
        return windows.month_start(super().first_day(context, today))

    def spans(self, first: dt.date, last: dt.date) -> Iterable[tuple[dt.date, dt.date]]:
        """One request: a span that is not month-aligned would cut a month in two."""
        return iter([(first, last)])
