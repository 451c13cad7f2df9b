"""Each capability the tap advertises, exercised: about, discover, catalog (stream
selection), state, stream-maps, schema-flattening, batch, structured-logging."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

from tap_twilio.tap import TapTwilio
from tests.emulated import tap_config
from tests.helpers import run_tap

CAPABILITIES = [
    "catalog",
    "state",
    "discover",
    "about",
    "stream-maps",
    "schema-flattening",
    "batch",
    "structured-logging",
]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tap_twilio", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def write_config(tmp_path: Path, **overrides: object) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(tap_config(**overrides)))
    return str(path)


def test_about_lists_the_capabilities() -> None:
    about = json.loads(cli("--about", "--format=json").stdout)
    assert about["capabilities"] == CAPABILITIES
    assert about["name"] == "tap-twilio"
    assert about["version"] == "0.1.0"


def test_catalog_selects_streams(tmp_path: Path) -> None:
    """Discover, deselect all but two streams, sync: only they are emitted."""
    config = write_config(tmp_path)
    catalog = json.loads(cli("--config", config, "--discover").stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in {"trunks", "flows"}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    result = cli("--config", config, "--catalog", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    records = Counter(
        m["stream"] for m in map(json.loads, result.stdout.splitlines()) if m["type"] == "RECORD"
    )
    assert records == {"trunks": 1, "flows": 3}


def test_batch_sync_writes_every_record(tmp_path: Path) -> None:
    streams = {"accounts", "messages", "alerts", "conversations", "conversation_messages"}
    config = tap_config(
        batch_config={
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": f"file://{tmp_path}", "prefix": "twilio-"},
        }
    )
    tap = TapTwilio(config=config)
    for name, stream in tap.streams.items():
        stream.selected = name in streams
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap.sync_all()
    messages = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert not [m for m in messages if m["type"] == "RECORD"]
    batched: Counter = Counter()
    sids: dict[str, set] = {s: set() for s in streams}
    for message in (m for m in messages if m["type"] == "BATCH"):
        assert message["encoding"] == {"format": "jsonl", "compression": "gzip"}
        for uri in message["manifest"]:
            with gzip.open(uri.removeprefix("file://"), "rt") as handle:
                for line in handle:
                    batched[message["stream"]] += 1
                    sids[message["stream"]].add(json.loads(line)["sid"])
    plain = run_tap(tap_config(), streams=streams)
    assert batched == Counter({s: len(plain.records[s]) for s in streams})
    assert all(sids[s] == {r["sid"] for r in plain.records[s]} for s in streams)


def test_schema_flattening() -> None:
    """Objects the spec details (a number's capabilities) become columns."""
    config = tap_config(flattening_enabled=True, flattening_max_depth=1)
    result = run_tap(config, streams={"incoming_phone_numbers"})
    numbers = result.records["incoming_phone_numbers"]
    assert numbers
    for number in numbers:
        assert "capabilities" not in number
        assert number["capabilities__sms"] is True
        assert number["capabilities__fax"] is False


def test_structured_logging_emits_json_lines(tmp_path: Path) -> None:
    log_config = tmp_path / "logging.yml"
    log_config.write_text(
        "version: 1\n"
        "disable_existing_loggers: false\n"
        "formatters:\n"
        "  structured:\n"
        "    (): singer_sdk.logging.StructuredFormatter\n"
        "handlers:\n"
        "  console:\n"
        "    class: logging.StreamHandler\n"
        "    formatter: structured\n"
        "    stream: ext://sys.stderr\n"
        "root:\n"
        "  level: INFO\n"
        "  handlers: [console]\n"
    )
    catalog = json.loads(cli("--config", write_config(tmp_path), "--discover").stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == "trunks"
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    result = cli(
        "--config",
        write_config(tmp_path),
        "--catalog",
        str(tmp_path / "catalog.json"),
        env={"SINGER_SDK_LOG_CONFIG": str(log_config)},
    )
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines
    assert any("trunks" in str(line.get("message", "")) for line in lines)
    assert all({"level", "message"} <= set(line) for line in lines)


def test_one_schema_message_per_stream() -> None:
    """Per-account and per-parent syncs share one SCHEMA: targets flush on each one."""
    tap = TapTwilio(config=tap_config())
    for name, stream in tap.streams.items():
        stream.selected = name in {"messages", "conversations", "conversation_messages"}
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap.sync_all()
    messages = [json.loads(line) for line in buffer.getvalue().splitlines()]
    schemas = Counter(m["stream"] for m in messages if m["type"] == "SCHEMA")
    assert schemas == {"messages": 1, "conversations": 1, "conversation_messages": 1}
    records = Counter(m["stream"] for m in messages if m["type"] == "RECORD")
    assert records["conversation_messages"] > records["conversations"] > 3


def test_the_connection_test_says_what_it_checked(tmp_path: Path) -> None:
    """`--test`: a line per check, no record, exit 0; no 'unhandled error' for anything."""
    result = cli("--config", write_config(tmp_path), "--test")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = [x for x in result.stderr.splitlines() if x.startswith("tap-twilio --test:")]
    assert lines[0].startswith("tap-twilio --test: ok: credentials: accepted for AC")
    assert any(": ok: monitor API: " in line for line in lines)
    assert lines[-1].startswith("tap-twilio --test: every check passed")
    assert "ERROR" not in result.stderr


def test_the_connection_test_checks_bulkexport_when_a_backfill_may_use_it(
    tmp_path: Path,
) -> None:
    result = cli("--config", write_config(tmp_path, backfill_method="auto"), "--test")
    assert result.returncode == 0, result.stderr
    assert "tap-twilio --test: ok: bulkexports API: " in result.stderr


def test_a_failed_connection_test_fails_in_one_line(tmp_path: Path) -> None:
    result = cli("--config", write_config(tmp_path, auth_token="wrong-token"), "--test")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("tap-twilio: --test failed: credentials: Twilio rejected the credentials")
    )
    assert "wrong-token" not in result.stderr
