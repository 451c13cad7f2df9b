"""Backfill through BulkExport files: the same records as the list API, resumable by day."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import pytest

from tap_twilio import bulk
from tap_twilio.client import TwilioClient
from tap_twilio.errors import ExportFileMissing, ExportLinkExpired
from tap_twilio.tap import TapTwilio
from tests.emulated import served_config
from tests.helpers import SyncResult, run_tap
from twilio_emulator import testing
from twilio_emulator.emulator import EmulatorConfig

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
DAYS = 12
STREAMS = {"messages", "calls"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[testing.ServedEmulator]:
    """Jobs that finish at once (the clock is frozen); no transient edge answers."""
    with testing.serve(
        EmulatorConfig(
            seed=11,
            days=DAYS,
            messages_per_day=60,
            calls_per_day=15,
            customers=80,
            now=int(NOW.timestamp()),
            bulk_export_job_seconds=0,
            transient_401_rate=0.0,
            transient_404_rate=0.0,
        )
    ) as served:
        yield served


def config(served: testing.ServedEmulator, method: str) -> dict:
    start = (NOW - dt.timedelta(days=DAYS + 1)).date().isoformat()
    return served_config(served, start_date=start, backfill_method=method, request_timeout=10)


def by_sid(result: SyncResult, stream: str) -> dict[str, dict]:
    return {record["sid"]: record for record in result.records[stream]}


@pytest.fixture(scope="module")
def listed(emulator: testing.ServedEmulator) -> SyncResult:
    return run_tap(config(emulator, "list"), streams=STREAMS)


def counting(patch: pytest.MonkeyPatch) -> list[str]:
    """The URLs of every file the tap downloads, in order."""
    seen: list[str] = []
    original = TwilioClient.download

    def download(self: TwilioClient, url: str) -> Any:
        seen.append(url)
        return original(self, url)

    patch.setattr(TwilioClient, "download", download)
    return seen


def test_a_bulk_backfill_writes_exactly_the_list_apis_records(
    emulator: testing.ServedEmulator, listed: SyncResult
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        downloads = counting(patch)
        exported = run_tap(config(emulator, "bulk_export"), streams=STREAMS)
    assert downloads  # the old days came from files
    for stream in STREAMS:
        assert by_sid(exported, stream) == by_sid(listed, stream), stream


def test_the_plan_is_forgotten_once_done_and_bookmarks_match(
    emulator: testing.ServedEmulator, listed: SyncResult
) -> None:
    exported = run_tap(config(emulator, "bulk_export"), streams=STREAMS)
    for stream in STREAMS:
        for partition in exported.final_state["bookmarks"][stream]["partitions"]:
            assert bulk.STATE_KEY not in partition
            account = partition["context"]["account_sid"]
            # The next run starts on the same day: windows leave the bookmark on the last
            # record of the last day, the list's sweep on the newest record of it.
            assert exported.bookmark(stream, account)[:10] == listed.bookmark(stream, account)[:10]


def test_a_killed_backfill_resumes_after_the_last_day_written(
    emulator: testing.ServedEmulator, listed: SyncResult
) -> None:
    """A run dies on the fifth file; the next, from the state it left, reads the days
    after the last one written and no earlier file: together they wrote everything."""
    calls = {"n": 0}
    original = TwilioClient.download

    def dies(self: TwilioClient, url: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # killed: no retry, no cleanup
        return original(self, url)

    cfg = {**config(emulator, "bulk_export"), "max_concurrency": 1}
    states: list[dict] = []
    first = SyncResult(tap=None)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TwilioClient, "download", dies)
        with pytest.raises(KeyboardInterrupt):
            run_partial(cfg, first, states, STREAMS)
    assert states, "a state was written before the kill"
    partitions = states[-1]["bookmarks"]["messages"]["partitions"]
    (cut,) = [
        p
        for p in partitions
        if bulk.STATE_KEY in p and p[bulk.STATE_KEY]["done"] != p[bulk.STATE_KEY]["last"]
    ]
    account, done = cut["context"]["account_sid"], cut[bulk.STATE_KEY]["done"]
    assert done is not None  # some days of the account were written
    with pytest.MonkeyPatch.context() as patch:
        downloads = counting(patch)
        second = run_tap(cfg, state=states[-1], streams=STREAMS)
    resumed = [url.split("/")[-2] for url in downloads if f"/{account}/Messages/" in url]
    assert resumed
    assert min(resumed) > done
    for stream in STREAMS:
        together = {**by_sid(first, stream), **by_sid(second, stream)}
        assert together == by_sid(listed, stream), stream


def run_partial(cfg: dict, result: SyncResult, states: list[dict], streams: set[str]) -> None:
    """``run_tap`` that keeps what was written before an exception."""
    tap = TapTwilio(config=cfg, state={})
    for name, stream in tap.streams.items():
        stream.selected = name in streams
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            tap.sync_all()
    finally:
        for line in buffer.getvalue().splitlines():
            message = json.loads(line)
            if message["type"] == "RECORD":
                result.records[message["stream"]].append(message["record"])
            elif message["type"] == "STATE":
                states.append(message["value"])


def test_an_expired_link_is_asked_for_again(emulator: testing.ServedEmulator) -> None:
    calls = {"n": 0}
    original = TwilioClient.download

    def expires_once(self: TwilioClient, url: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ExportLinkExpired("HTTP 403 from the file store: Request has expired")
        return original(self, url)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TwilioClient, "download", expires_once)
        result = run_tap(config(emulator, "bulk_export"), streams={"messages"})
    assert result.records["messages"]


def test_auto_exports_busy_accounts_only(
    emulator: testing.ServedEmulator, listed: SyncResult
) -> None:
    """``auto`` asks one page of the newest exportable day: a full page means busy."""
    with pytest.MonkeyPatch.context() as patch:
        quiet = counting(patch)
        run_tap(config(emulator, "auto"), streams={"messages"})
    assert quiet == []  # a few messages a day: the list API is as fast
    with pytest.MonkeyPatch.context() as patch:
        busy = counting(patch)
        result = run_tap({**config(emulator, "auto"), "page_size": 2}, streams={"messages"})
    assert busy
    assert by_sid(result, "messages") == by_sid(listed, "messages")


def test_days_twilio_refuses_to_export_are_read_through_the_list_api(
    emulator: testing.ServedEmulator,
) -> None:
    """Over the allowance of days a parent may export a UTC day, the newest days come
    through the list API; no message falls between the files (by creation) and the
    list (by sending), in either of the emulator's readings of a day file."""
    for by in ("created", "sent"):
        with testing.serve(
            EmulatorConfig(
                seed=11,
                days=DAYS,
                messages_per_day=60,
                calls_per_day=15,
                customers=80,
                now=int(NOW.timestamp()),
                bulk_export_job_seconds=0,
                bulk_export_days_per_day=8,
                bulk_export_day=by,
                transient_401_rate=0.0,
                transient_404_rate=0.0,
            )
        ) as served:
            listed = run_tap(config(served, "list"), streams={"messages"})
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(bulk, "MAX_JOB_DAYS", 5)  # jobs of 5 days: the 2nd is refused
                downloads = counting(patch)
                exported = run_tap(config(served, "bulk_export"), streams={"messages"})
        assert len(downloads) == 5, by  # the oldest 5 days of the main account
        assert by_sid(exported, "messages") == by_sid(listed, "messages"), by


def test_a_days_state_follows_its_records_when_messages_are_held_back() -> None:
    """With media selected, messages are held back while their media are fetched ahead;
    a STATE saying a day is done still comes after every message of that day's file."""
    with testing.serve(
        EmulatorConfig(
            seed=11,
            days=DAYS,
            messages_per_day=400,
            calls_per_day=15,
            customers=80,
            now=int(NOW.timestamp()),
            bulk_export_job_seconds=0,
            transient_401_rate=0.0,
            transient_404_rate=0.0,
        )
    ) as served:
        streams = {"messages", "message_media"}
        result = run_tap({**config(served, "bulk_export"), "max_concurrency": 2}, streams=streams)
    messages = result.records["messages"]
    checked = 0
    for written, state in result.checkpoints:
        for partition in state["bookmarks"].get("messages", {}).get("partitions", []):
            plan = partition.get(bulk.STATE_KEY)
            if not plan or not plan["done"]:
                continue
            account = partition["context"]["account_sid"]
            through = min(plan["done"], plan.get("list_since") or "9999")
            due = {
                m["sid"]
                for m in messages
                if m["account_sid"] == account
                and plan["first"] <= m["date_created"][:10] <= through
                and m["date_created"][:10] < (plan.get("list_since") or "9999")
            }
            assert due <= written, sorted(due - written)[:3]
            checked += 1
    assert checked


def test_a_file_gone_mid_backfill_sends_that_day_and_the_rest_to_the_list_api(
    emulator: testing.ServedEmulator, listed: SyncResult
) -> None:
    """The file of a day with a message sent days later is gone (removed after seven
    days): that message, in no file read and sent on a day the files cover, is still
    written: the gone day and every later one are read through the list API."""
    last_file_day = (NOW - dt.timedelta(days=2)).date().isoformat()
    late = next(
        m
        for m in listed.records["messages"]
        if m["date_sent"]
        and m["date_created"][:10] < m["date_sent"][:10] <= last_file_day
        and m["date_created"][:10] > (NOW - dt.timedelta(days=DAYS)).date().isoformat()
    )
    gone = f"/{late['account_sid']}/Messages/{late['date_created'][:10]}/"
    original = TwilioClient.download
    refused: list[str] = []

    def gone_file(self: TwilioClient, url: str) -> Any:
        if gone in url:
            refused.append(url)
            raise ExportFileMissing("HTTP 404 from the file store: NoSuchKey")
        return original(self, url)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TwilioClient, "download", gone_file)
        result = run_tap(config(emulator, "bulk_export"), streams={"messages"})
    assert refused
    assert late["sid"] in by_sid(result, "messages")
    assert by_sid(result, "messages") == by_sid(listed, "messages")


def test_list_reads_no_export(emulator: testing.ServedEmulator) -> None:
    with pytest.MonkeyPatch.context() as patch:
        downloads = counting(patch)
        run_tap(config(emulator, "list"), streams={"calls"})
    assert downloads == []
