"""Streams of the 2010 REST API (``api.twilio.com/2010-04-01``), per account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tap_twilio import windows
from tap_twilio.privacy import Fields
from tap_twilio.streams.base import API_2010, AccountsStream, AccountStream, DayWindowStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

ACCOUNT = f"{API_2010}/Accounts/{{account_sid}}"

__all__ = [
    "AccountsStream",
    "CallsStream",
    "IncomingPhoneNumbersStream",
    "MessagesStream",
    "UsageRecordsStream",
]


class MessagesStream(DayWindowStream):
    """SMS, MMS and WhatsApp messages, by the day they were sent.

    Status and price change after a message is first read and Twilio has no
    ``date_updated`` filter, so each run re-reads ``lookback_days`` days.
    """

    name = "messages"
    path = f"{ACCOUNT}/Messages.json"
    records_key = "messages"
    primary_keys = ("sid",)
    replication_key = "date_sent"
    filter_name = "DateSent"
    retention_days = 400
    spec = ("twilio_api_v2010", "api.v2010.account.message")
    private_fields = Fields(bodies=("body",), phones=("from", "to"))


class CallsStream(DayWindowStream):
    """Voice calls, parent and child legs, by the day they started."""

    name = "calls"
    path = f"{ACCOUNT}/Calls.json"
    records_key = "calls"
    primary_keys = ("sid",)
    replication_key = "start_time"
    filter_name = "StartTime"
    spec = ("twilio_api_v2010", "api.v2010.account.call")
    private_fields = Fields(
        phones=("from", "to", "forwarded_from"), phone_displays=("from_formatted", "to_formatted")
    )


class IncomingPhoneNumbersStream(AccountStream):
    """The account's own phone numbers."""

    name = "incoming_phone_numbers"
    path = f"{ACCOUNT}/IncomingPhoneNumbers.json"
    records_key = "incoming_phone_numbers"
    primary_keys = ("sid",)
    spec = ("twilio_api_v2010", "api.v2010.account.incoming_phone_number")
    # friendly_name defaults to the number, formatted for display.
    private_fields = Fields(phones=("phone_number",), phone_displays=("friendly_name",))


class UsageRecordsStream(AccountStream):
    """Daily usage per category: what Twilio bills, finalized late (see ``as_of``).

    Read in spans of days, each emitted oldest first so the bookmark only ever
    passes days that were fully written; the last ``lookback_days`` days are
    read again on every run because Twilio keeps updating them.
    """

    name = "usage_records"
    path = f"{ACCOUNT}/Usage/Records/Daily.json"
    records_key = "usage_records"
    primary_keys = ("account_sid", "category", "start_date")
    replication_key = "start_date"
    is_sorted = True
    check_sorted = False
    span_days = 31
    spec = ("twilio_api_v2010", "api.v2010.account.usage.usage_record.usage_record_daily")

    def get_records(self, context: Context | None) -> Iterable[dict]:
        path = self.url_path(context)
        today = max(windows.utc_today(), self._tap.server_today())  # type: ignore[attr-defined]
        bookmark = self.get_starting_replication_key_value(context)
        first = windows.start_day(
            bookmark=dt.date.fromisoformat(str(bookmark)[:10]) if bookmark else None,
            start_date=self._tap.start_date,  # type: ignore[attr-defined]
            lookback_days=int(self.config.get("lookback_days", 3)),
            today=today,
            retention_days=None,
            stream=self.name,
            logger=self.logger,
        )
        for lo, hi in windows.spans(first, today, self.span_days):
            params = {
                "StartDate": lo.isoformat(),
                "EndDate": hi.isoformat(),
                # We read every subaccount ourselves; Twilio's default would add theirs in.
                "IncludeSubaccounts": "false",
            }
            span = list(self.read(path, params))
            span.sort(key=lambda r: (r["start_date"], r["category"]))
            yield from span
