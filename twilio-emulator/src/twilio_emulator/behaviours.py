"""Twilio's real-world behaviours the emulator plays, each on by default and each switchable.

One entry per ``EmulatorConfig`` field: what it plays, where Twilio (or a public
issue) says so, and the value that switches it off. ``cli.py`` turns the table
into ``serve`` options, ``/_emulator/info`` reports the values, and the README
cites the same sources. The injected faults of ``faults.py`` are another matter:
off unless a fault plan asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNDATED_ORDERS = ("nulls-last", "nulls-first", "date-created")
ALERTS_CAP_MODES = ("stop", "error")
EXPORT_DAY_BY = ("created", "sent")  # what puts a record in a BulkExport day file


@dataclass(frozen=True)
class Behaviour:
    name: str  # the EmulatorConfig field (and, dashed, the serve option)
    help: str
    source: str
    off: Any = False  # the value that switches it off (a setting: the happy path's value)
    choices: tuple[str, ...] = ()


_MESSAGE_DOCS = "Twilio's Message resource docs and the spec's message status enum"
BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour(
        "scheduled_messages",
        "a share of outbound Messaging-Service messages are scheduled (status scheduled, "
        "date_sent null until SendAt, 15 minutes to 35 days on); some are canceled first",
        "Twilio's Message Scheduling docs; errors 35114/35115 (SendAt 300 s to 35 days)",
    ),
    Behaviour(
        "pending_messages",
        "queued, accepted, sending and receiving last seconds to minutes, sometimes hours, "
        "with date_sent null",
        _MESSAGE_DOCS,
    ),
    Behaviour(
        "failed_before_send",
        "failed messages were never sent: date_sent null, price null (half) or 0",
        "Twilio's Message resource docs: failed, 'the message could not be sent'",
    ),
    Behaviour(
        "partially_delivered",
        "some delivered multi-segment SMS end partially_delivered",
        "the spec's message status enum (twilio-node #607: undocumented otherwise)",
    ),
    Behaviour(
        "outbound_call_messages",
        "some outbound messages are sent during a call: direction outbound-call",
        "the spec's message direction enum",
    ),
    Behaviour(
        "undated_order",
        "where messages without date_sent sit in an unfiltered Messages list: nulls-last, "
        "nulls-first (both: the rest newest first by date_sent), or date-created (all by "
        "date_created)",
        "Twilio documents newest first by DateSent and is silent on nulls: all are played",
        off="date-created",
        choices=UNDATED_ORDERS,
    ),
    Behaviour(
        "deleted_messages",
        "a few messages are deleted long after they were sent (404, gone from lists)",
        "the spec: DELETE /Messages/{Sid}.json",
    ),
    Behaviour(
        "redacted_messages",
        "some message bodies are redacted (set to '') long after they were sent",
        "the spec: POST /Messages/{Sid}.json with Body='' redacts",
    ),
    Behaviour(
        "no_balance_subaccount",
        "one active subaccount (Acme Marketing) has no balance: Balance.json answers 404",
        "the spec (Balance): 'Child accounts do not contain balance information'",
    ),
    Behaviour(
        "suspended_subaccount",
        "a suspended subaccount (Acme Labs): listed as suspended, its resources answer 403 "
        "(code 20403)",
        "Twilio error 20403: 'Typically this means the account has been suspended or closed'",
    ),
    Behaviour(
        "closing_subaccount",
        "a subaccount (Acme Retail) with traffic until it closed, two thirds into the history; "
        "its resources then answer 404 (code 20404), as the closed one's; a message still "
        "scheduled then is canceled at the close, so nothing of it changes after",
        "Twilio answers 404 for a closed account's resources (the closed subaccount here), "
        "so no cancel (POST Status=canceled) reaches one after it closed",
    ),
    Behaviour(
        "usage_price_strings",
        "usage records' price is a string ('0', '2192.84855'), as Twilio's examples show; "
        "off: a number, as the spec types it",
        "the spec's Usage Records examples (price '0', '2192.84855'; price_unit 'usd')",
    ),
    Behaviour(
        "retention",
        "messages and recordings older than 400 days are gone from lists and fetches "
        "(alerts keep 30 days, always)",
        "Twilio's 400-day retention window (error 20004's message; Airbyte PR 15972)",
    ),
    Behaviour(
        "transient_401_rate",
        "share of GET requests the edge answers 401 (code 20003) once; asked again, they succeed",
        "Airbyte source-twilio 0.17.5 (2026-03-19): sporadic Twilio/CloudFront 401s",
        off=0.0,
    ),
    Behaviour(
        "transient_404_rate",
        "share of GET requests the edge answers 404 (code 20404) once; asked again, they succeed",
        "Airbyte source-twilio 0.17.3 (2025-11-06, PR 68680): 404s handled as transient",
        off=0.0,
    ),
    Behaviour(
        "usage_page_size_limit",
        "Usage Records with PageSize above N answer 500 (code 20500)",
        "airbytehq/airbyte #23512: 500 at PageSize=1000, fine at 100",
        off=None,
    ),
    Behaviour(
        "verify_page_size_limit",
        "Verify lists with PageSize above N answer 400 (code 60373, Invalid page size)",
        "PostHog/posthog #81492 (400 at PageSize=1000); Twilio error 60373: 1 to 25",
        off=None,
    ),
    Behaviour(
        "alerts_cap",
        "the Alerts list serves at most N results per query (see alerts_cap_mode)",
        "Twilio Monitor Alerts docs: at most 10,000 Alert resources per request",
        off=None,
    ),
    Behaviour(
        "alerts_cap_mode",
        "past the cap: stop (the last page has no next_page_url) or error (400 on the next page)",
        "Twilio does not say how the cap shows: both are played",
        off="stop",
        choices=ALERTS_CAP_MODES,
    ),
    Behaviour(
        "bulk_export_day",
        "which records a BulkExport day file holds: created (those created that day, "
        "whatever their state) or sent (messages by date_sent, calls by start_time: those "
        "not sent when the day was exported are in no file)",
        "Twilio's Day resource: 'the resources in the file, for a UTC day', by which date "
        "it does not say: both are played",
        off="created",
        choices=EXPORT_DAY_BY,
    ),
    Behaviour(
        "bulk_export_job_seconds",
        "seconds of the clock a BulkExport job takes per day it exports (Submitted, "
        "Running, then Completed, day by day); 0: at once",
        "Twilio's Job resource docs: Submitted, Running, Completed; 'Typically, executions "
        "should take less than one day'",
        off=0.0,
    ),
    Behaviour(
        "bulk_export_days_per_day",
        "days of BulkExport jobs a parent account and its subaccounts may request per UTC "
        "day; past it, creating a job answers 400",
        "Twilio's BulkExport overview: 'up to a total of 366 days within a UTC calendar day'",
        off=None,
    ),
)


def report(config: Any) -> dict[str, Any]:
    """Each behaviour's value in ``config`` (an ``EmulatorConfig``), for ``/_emulator/info``."""
    return {b.name: getattr(config, b.name) for b in BEHAVIOURS}


def all_off() -> dict[str, Any]:
    """``EmulatorConfig`` overrides that switch every behaviour off: Twilio's happy path."""
    return {b.name: b.off for b in BEHAVIOURS}
