"""tap-twilio-webhooks: the store as the incremental Singer stream ``webhook_events``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tests.test_store import event
from twilio_webhooks.store import open_backend
from twilio_webhooks.tap import TapTwilioWebhooks

_SAMPLE = Path(tempfile.mkdtemp(prefix="tap-twilio-webhooks-")) / "sample.sqlite3"


def _sample_store(path: Path, keys: list[str], occurred_at: str | None = None) -> None:
    backend = open_backend(str(path))
    backend.write([event(k)._replace(occurred_at=occurred_at) for k in keys])
    backend.close()


_sample_store(_SAMPLE, [f"s{i}" for i in range(25)], occurred_at="2026-11-20T11:59:58+00:00")

TestTapTwilioWebhooks = get_tap_test_class(
    tap_class=TapTwilioWebhooks,
    config={"store_url": f"sqlite:///{_SAMPLE}"},
    suite_config=SuiteConfig(max_records_limit=100),
)


def run_tap(config: dict, tmp: Path, state: dict | None = None) -> tuple[list[dict], dict, str]:
    (tmp / "config.json").write_text(json.dumps(config))
    args = [sys.executable, "-c", "from twilio_webhooks.tap import cli; cli()"]
    args += ["--config", str(tmp / "config.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp / "state.json")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        return [], {}, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    return records, states[-1] if states else {}, result.stderr


def test_incremental_runs_read_each_event_once(tmp_path: Path) -> None:
    store = tmp_path / "events.sqlite3"
    _sample_store(store, ["a", "b", "c"])
    config = {"store_url": f"sqlite:///{store}"}
    records, state, _ = run_tap(config, tmp_path)
    assert [r["dedupe_key"] for r in records] == ["a", "b", "c"]
    assert records[0] == {
        "seq": 1,
        "dedupe_key": "a",
        "kind": "message_status",
        "account_sid": "AC1",
        "resource_sid": "SMa",
        "status": "sent",
        "sequence_number": None,
        "event_type": None,
        "error_code": None,
        "occurred_at": None,
        "received_at": "2026-11-20T12:00:00+00:00",
        "idempotency_token": None,
        "payload": "{}",
    }
    assert state["bookmarks"]["webhook_events"]["replication_key_value"] == 3
    _sample_store(store, ["c", "d", "e"])  # c is a duplicate: never stored twice
    records, state, _ = run_tap(config, tmp_path, state)
    assert [r["dedupe_key"] for r in records] == ["d", "e"]
    assert state["bookmarks"]["webhook_events"]["replication_key_value"] == 6
    records, state, _ = run_tap(config, tmp_path, state)
    assert records == []


def test_pages_through_a_large_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "events.sqlite3"
    _sample_store(store, [f"k{i:05d}" for i in range(12_345)])
    records, _, _ = run_tap({"store_url": f"sqlite:///{store}"}, tmp_path)
    assert len(records) == 12_345
    assert [r["seq"] for r in records] == list(range(1, 12_346))


def test_no_store_url_means_no_events(tmp_path: Path) -> None:
    records, _, stderr = run_tap({}, tmp_path)
    assert records == []
    assert "store_url is not set" in stderr


def test_a_missing_store_file_is_a_clear_error(tmp_path: Path) -> None:
    records, _, stderr = run_tap({"store_url": f"sqlite:///{tmp_path}/nope.sqlite3"}, tmp_path)
    assert records == []
    assert stderr.strip().splitlines()[-1] == (
        f"tap-twilio-webhooks: store_url: no webhook store at {tmp_path}/nope.sqlite3; start "
        "`twilio-webhooks serve --store` on it first, or unset store_url"
    )


@pytest.mark.postgres
def test_reads_a_postgres_store(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("drop table if exists webhook_events")
    backend = open_backend(postgres_url)
    backend.write([event("p1"), event("p2")])
    backend.close()
    records, state, _ = run_tap({"store_url": postgres_url}, tmp_path)
    assert [(r["seq"], r["dedupe_key"]) for r in records] == [(1, "p1"), (2, "p2")]
    assert state["bookmarks"]["webhook_events"]["replication_key_value"] == 2
