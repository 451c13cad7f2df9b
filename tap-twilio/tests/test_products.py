"""Product API streams (every stream of ``STREAM_TYPES`` not on the 2010 API) against
the emulator: exact counts per account (and of the catalogs read once), keys, paging,
page-size maxima, per-account credentials and state, retention clamping."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from collections import Counter

import pytest
import requests

from tap_twilio import hosts
from tap_twilio.streams import EXPORT_API, PRODUCTS, STREAM_TYPES
from tap_twilio.streams.base import AccountsStream, PerAccountStream, WindowStream
from tap_twilio.streams.monitor import AlertsStream
from tap_twilio.tap import TapTwilio
from tests.emulated import EMULATOR, NOW, served_config, tap_config
from tests.helpers import SyncResult, run_tap
from twilio_emulator import testing
from twilio_emulator.emulator import EmulatorConfig
from twilio_emulator.products import verify

PRODUCT_STREAMS = tuple(stream.name for stream in STREAM_TYPES if stream.api != hosts.API)
# Read per account with its own credentials; the others (catalogs) once, as the main account.
PER_ACCOUNT = tuple(
    stream.name
    for stream in STREAM_TYPES
    if stream.api != hosts.API and issubclass(stream, PerAccountStream)
)
CATALOGS = tuple(name for name in PRODUCT_STREAMS if name not in PER_ACCOUNT)
INCREMENTAL = {
    stream.name: stream.replication_key
    for stream in STREAM_TYPES
    if stream.api != hosts.API and issubclass(stream, WindowStream)
}


def truth(served: testing.ServedEmulator) -> dict:
    return requests.get(f"{served.url}/_emulator/truth", timeout=60).json()


def expected_counts(served: testing.ServedEmulator) -> dict[str, Counter]:
    """Per stream, the records per account the emulator serves."""
    result: dict[str, Counter] = {s: Counter() for s in PER_ACCOUNT}
    for sid, account in truth(served)["accounts"].items():
        for stream, n in account["products"].items():
            result[stream][sid] = n
    return result


def per_account(records: list[dict]) -> Counter:
    return Counter(r["account_sid"] for r in records)


@pytest.fixture(scope="module")
def full_sync() -> SyncResult:
    return run_tap(tap_config(), streams=set(PRODUCT_STREAMS))


@pytest.fixture(scope="module", params=[p for p in PRODUCTS if p != EXPORT_API])
def product_sync(request: pytest.FixtureRequest) -> tuple[str, SyncResult]:
    """One product API's streams synced alone: a product's failure does not hide another's."""
    streams = {s.name for s in STREAM_TYPES if s.api == request.param}
    return request.param, run_tap(tap_config(), streams=streams)


def test_every_product_record_of_every_account_exactly_once(
    product_sync: tuple[str, SyncResult],
) -> None:
    """Per account (and for the catalogs, once): exactly the records the truth counts."""
    product, result = product_sync
    expected = expected_counts(EMULATOR)
    shared = truth(EMULATOR)["shared"]
    for stream in (s.name for s in STREAM_TYPES if s.api == product):
        records = result.records[stream]
        keys = result.tap.streams[stream].primary_keys
        assert len({tuple(r[k] for k in keys) for r in records}) == len(records), stream
        if stream in CATALOGS:  # read once, through the main account
            assert len(records) == shared[stream], stream
        else:
            assert per_account(records) == +expected[stream], stream


def test_subaccounts_are_read_with_their_own_tokens(full_sync: SyncResult) -> None:
    """Every account contributes to the busy streams."""
    for stream in ("alerts", "conversations", "verification_attempts", "call_summaries"):
        assert len(per_account(full_sync.records[stream])) == 3, stream


def test_product_bookmarks_are_per_account(full_sync: SyncResult) -> None:
    accounts = {a.sid for a in EMULATOR.emulator.world.accounts}
    for stream, key in INCREMENTAL.items():
        partitions = full_sync.final_state["bookmarks"][stream]["partitions"]
        with_value = [p for p in partitions if p.get("replication_key_value")]
        assert {p["context"]["account_sid"] for p in with_value} <= accounts
        for partition in with_value:
            context = partition["context"]
            mine = [
                r
                for r in full_sync.records[stream]
                if all(r.get(k) == v for k, v in context.items())
            ]
            assert partition["replication_key"] == key
            # Windows restart at the bookmark's day: it is the day of the newest record.
            assert partition["replication_key_value"][:10] == max(r[key] for r in mine)[:10]
    # Executions are kept per flow; full-table children per account, not per parent record.
    executions = full_sync.final_state["bookmarks"]["executions"]["partitions"]
    assert {tuple(sorted(p["context"])) for p in executions} == {("account_sid", "flow_sid")}
    for child in ("execution_steps", "conversation_messages", "messaging_service_phone_numbers"):
        assert full_sync.final_state["bookmarks"][child] == {}, child  # no entry per parent


def test_values_are_typed(full_sync: SyncResult) -> None:
    summary = full_sync.records["call_summaries"][0]
    assert isinstance(summary["duration"], int)
    assert summary["start_time"].endswith("+00:00")
    assert isinstance(summary["from"], dict)
    attempt = full_sync.records["verification_attempts"][0]
    assert set(attempt["price"]) == {"currency", "value"}
    alert = full_sync.records["alerts"][0]
    assert alert["date_generated"].endswith("+00:00")
    assert alert["error_code"].isdigit()


def test_small_pages_follow_absolute_next_page_urls() -> None:
    """7 records a page: every meta.next_page_url is followed, rebased on the configured base."""
    streams = {"verification_attempts", "call_summaries", "conversations", "users"}
    small = run_tap(tap_config(page_size=7), streams=streams)
    big = run_tap(tap_config(), streams=streams)
    for stream in streams:
        assert sorted(map(json.dumps, small.records[stream])) == sorted(
            map(json.dumps, big.records[stream])
        )
    assert small.tap.session.requests_made > big.tap.session.requests_made


def test_each_endpoint_keeps_to_its_page_size_maximum() -> None:
    tap = TapTwilio(config=tap_config(page_size=1000))
    sizes = {name: stream.page_size for name, stream in tap.streams.items()}
    assert sizes["users"] == sizes["user_conversations"] == 50
    assert sizes["conversations"] == sizes["conversation_messages"] == 100
    assert sizes["conversation_participants"] == 100
    assert sizes["alerts"] == sizes["messages"] == 1000
    assert TapTwilio(config=tap_config(page_size=20)).streams["users"].page_size == 20


def test_alerts_start_is_clamped_to_30_days_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Twilio refuses alert queries older than 30 days: the tap starts there and says so."""
    with testing.serve(
        EmulatorConfig(
            seed=21,
            days=60,
            messages_per_day=40,
            calls_per_day=10,
            customers=80,
            now=int(NOW.timestamp()),
            auth_token=EMULATOR.auth_token,
        )
    ) as served:
        with caplog.at_level(logging.WARNING):
            result = run_tap(
                served_config(served, start_date="2026-01-01"),
                streams={"alerts", "call_summaries"},
            )
        expected = expected_counts(served)
    oldest_kept = (NOW.date() - dt.timedelta(days=29)).isoformat()
    warnings = [r.getMessage() for r in caplog.records if "keeps 30 days" in r.getMessage()]
    assert f"alerts: Twilio keeps 30 days of history; starting at {oldest_kept}" in "\n".join(
        warnings
    )
    assert any(w.startswith("call_summaries: Twilio keeps 30 days") for w in warnings)
    assert per_account(result.records["alerts"]) == +expected["alerts"]
    assert per_account(result.records["call_summaries"]) == +expected["call_summaries"]
    assert min(r["date_generated"] for r in result.records["alerts"]) >= oldest_kept


@pytest.mark.parametrize("cap", [4])
def test_alerts_past_twilios_result_cap_are_all_read(
    cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio answers at most 10,000 alerts per query and then stops, silently: a span
    that reaches the cap is read again day by day, then in halves of a day. Here the
    cap (Twilio's and the tap's) is small enough that spans, then single days, reach it."""
    monkeypatch.setattr(AlertsStream, "max_results", cap)
    with testing.serve(
        EmulatorConfig(
            seed=23,
            days=6,
            messages_per_day=900,
            calls_per_day=10,
            customers=80,
            now=int(NOW.timestamp()),
            auth_token=EMULATOR.auth_token,
            alerts_cap=cap,
            alerts_cap_mode="stop",
        )
    ) as served:
        result = run_tap(served_config(served, start_date="2026-01-01"), streams={"alerts"})
        expected = expected_counts(served)["alerts"]
    per_day = Counter(
        (r["account_sid"], r["date_generated"][:10]) for r in result.records["alerts"]
    )
    assert max(per_day.values()) > cap  # single days past the cap: halves were needed
    assert per_account(result.records["alerts"]) == +expected
    assert len({r["sid"] for r in result.records["alerts"]}) == len(result.records["alerts"])


def test_api_key_reads_products_of_every_account() -> None:
    key = EMULATOR.emulator.world.api_keys[0]
    config = tap_config(api_key_sid=key.sid, api_key_secret=key.secret)
    del config["auth_token"]
    result = run_tap(config, streams={"verify_services", "trunks"})
    assert len(result.records["verify_services"]) == 3
    assert [t["account_sid"] for t in result.records["trunks"]] == [EMULATOR.account_sid]


def test_subaccount_without_token_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """If Twilio returns no auth token for a subaccount, its product APIs can't be read."""
    original = AccountsStream.prepare

    def without_tokens(self: AccountsStream, record: dict) -> dict:
        record.pop("auth_token", None)
        return original(self, record)

    monkeypatch.setattr(AccountsStream, "prepare", without_tokens)
    with caplog.at_level(logging.WARNING):
        result = run_tap(tap_config(), streams={"verify_services", "messages"})
    assert [r["account_sid"] for r in result.records["verify_services"]] == [EMULATOR.account_sid]
    assert len(per_account(result.records["messages"])) == 3  # the 2010 API is unaffected
    skipped = [r.getMessage() for r in caplog.records if "Skipping product APIs" in r.getMessage()]
    assert len(skipped) == 2


def test_next_run_reads_the_lookback_and_picks_up_changes() -> None:
    config = EmulatorConfig(
        seed=13,
        days=10,
        messages_per_day=60,
        calls_per_day=20,
        customers=100,
        now=int(NOW.timestamp()),
        auth_token="products-incremental-token-0123456789",
    )
    streams = set(INCREMENTAL) | {"execution_steps"}
    with testing.serve(config) as served:
        emu = served.emulator
        # Move the clock to just after the next attempt that will convert, before it does.
        pending = min(
            (
                a
                for account in emu.world.active_accounts
                for a in verify.attempts(emu.store, account, emu.store.today)
                if a.converted_at is not None and a.created > emu.clock.now()
            ),
            key=lambda a: a.created,
        )
        emu.clock.advance(pending.created + 1 - emu.clock.now())
        base = served_config(served, start_date="2026-11-01", lookback_days=1)
        first = run_tap(base, streams=streams)
        bookmarks = {
            a.sid: first.bookmark("verification_attempts", a.sid) for a in emu.world.active_accounts
        }
        served.emulator.clock.advance(86_400)
        second = run_tap(base, state=copy.deepcopy(first.final_state), streams=streams)
        expected = expected_counts(served)
    before = {r["sid"]: r for r in first.records["verification_attempts"]}
    after = {r["sid"]: r for r in second.records["verification_attempts"]}
    assert before[pending.sid]["conversion_status"] == "unconverted"
    assert after[pending.sid]["conversion_status"] == "converted"
    for sid in {r["account_sid"] for r in after.values()}:
        bookmark = dt.date.fromisoformat(bookmarks[sid][:10])
        reread = [r["date_created"] for r in after.values() if r["account_sid"] == sid]
        assert min(reread) >= (bookmark - dt.timedelta(days=1)).isoformat()  # the lookback
    assert len(after) < len(before)
    for stream in ("verification_attempts", "executions", "execution_steps"):
        union = {r["sid"] for r in first.records[stream] + second.records[stream]}
        assert len(union) == sum(expected[stream].values()), stream
