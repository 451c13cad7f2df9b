"""Message bodies and phone numbers kept out of the warehouse: dropped or hashed, in
every stream that carries them, with joins intact and stream maps still working."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tap_twilio.errors import ConfigError
from tap_twilio.tap import TapTwilio
from tests.emulated import EMULATOR, tap_config
from tests.helpers import SyncResult, run_tap

KEY = "privacy-test-key-0123456789abcdef"
# stream -> (bodies, phone numbers, display copies of numbers, blobs), as dotted paths.
SENSITIVE = {
    "messages": (["body"], ["from", "to"], [], []),
    "calls": ([], ["from", "to", "forwarded_from"], ["from_formatted", "to_formatted"], []),
    "incoming_phone_numbers": ([], ["phone_number"], ["friendly_name"], []),
    "messaging_service_phone_numbers": ([], ["phone_number"], [], []),
    "conversation_messages": (["body"], ["author"], [], []),
    "conversation_participants": (
        [],
        ["messaging_binding.address", "messaging_binding.proxy_address"],
        [],
        [],
    ),
    "executions": ([], ["contact_channel_address"], [], ["context"]),
    "execution_steps": ([], [], [], ["context"]),
    "verification_attempts": ([], ["channel_data.to"], [], []),
    "call_summaries": ([], ["from.caller", "to.callee"], [], []),
    "monitor_events": ([], [], [], ["event_data"]),
}


def digest(value: str) -> str:
    """What the tap must emit for a hashed body (written independently of the tap)."""
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def address_digest(value: str) -> str:
    """What the tap must emit for a hashed phone address: the channel prefix stays."""
    if value.startswith("whatsapp:"):
        return "whatsapp:" + digest(value.removeprefix("whatsapp:"))
    return digest(value)


def get(record: dict, path: str) -> Any:
    node: Any = record
    for name in path.split("."):
        node = node.get(name) if isinstance(node, dict) else None
    return node


def keyed(result: SyncResult, stream: str) -> dict[tuple, dict]:
    keys = result.tap.streams[stream].primary_keys
    return {tuple(r[k] for k in keys): r for r in result.records[stream]}


@pytest.fixture(scope="module")
def kept() -> SyncResult:
    return run_tap(tap_config(), streams=set(SENSITIVE))


@pytest.fixture(scope="module")
def hashed() -> SyncResult:
    config = tap_config(privacy_message_bodies="hash", privacy_phone_numbers="hash", hash_key=KEY)
    return run_tap(config, streams=set(SENSITIVE))


@pytest.mark.parametrize("stream", sorted(SENSITIVE))
def test_hash_replaces_exactly_the_sensitive_fields(
    kept: SyncResult, hashed: SyncResult, stream: str
) -> None:
    bodies, phones, displays, blobs = SENSITIVE[stream]
    before, after = keyed(kept, stream), keyed(hashed, stream)
    assert before.keys() == after.keys()
    assert before, f"no {stream} to test"
    changed = 0
    for key, original in before.items():
        record = after[key]
        expected = json.loads(json.dumps(original))
        for paths, hashed_as in ((bodies, digest), (phones, address_digest)):
            for path in paths:
                value = get(original, path)
                if value is not None:
                    *parents, leaf = path.split(".")
                    target = get(expected, ".".join(parents)) if parents else expected
                    target[leaf] = hashed_as(value)
                    changed += 1
        for path in displays + blobs:
            *parents, leaf = path.split(".")
            target = get(expected, ".".join(parents)) if parents else expected
            if target is not None and leaf in target:
                target[leaf] = None
        assert record == expected
    assert changed or not (bodies or phones)


def test_a_body_with_a_colon_is_hashed_whole(kept: SyncResult, hashed: SyncResult) -> None:
    """Only phone addresses keep a channel prefix: "Reminder: ..." must not leak "Reminder"."""
    originals = keyed(kept, "messages")
    with_colon = [r for r in hashed.records["messages"] if ":" in originals[(r["sid"],)]["body"]]
    assert with_colon
    for record in with_colon:
        assert len(record["body"]) == 64
        assert ":" not in record["body"]


def test_drop_nulls_them(kept: SyncResult) -> None:
    dropped = run_tap(
        tap_config(privacy_message_bodies="drop", privacy_phone_numbers="drop"),
        streams={"messages", "conversation_participants", "call_summaries"},
    )
    for record in dropped.records["messages"]:
        assert record["body"] is None
        assert record["from"] is None
        assert record["to"] is None
    for record in dropped.records["conversation_participants"]:
        assert get(record, "messaging_binding.address") is None
    for record in dropped.records["call_summaries"]:
        assert record["from"]["caller"] is None
        assert record["from"]["carrier"] is not None  # only the number goes
    assert len(dropped.records["messages"]) == len(kept.records["messages"])


def test_bodies_only(kept: SyncResult) -> None:
    result = run_tap(tap_config(privacy_message_bodies="drop"), streams={"messages", "executions"})
    originals = keyed(kept, "messages")
    for record in result.records["messages"]:
        assert record["body"] is None
        assert record["to"] == originals[(record["sid"],)]["to"]
    assert all(r["context"] is None for r in result.records["executions"])  # may hold both


def test_no_number_or_body_reaches_the_output(kept: SyncResult, hashed: SyncResult) -> None:
    world = EMULATOR.emulator.world
    numbers = {c.e164 for a in world.accounts for c in a.customers}
    numbers |= {n.e164 for a in world.accounts for n in a.numbers}
    numbers |= {n.friendly_name for a in world.accounts for n in a.numbers}  # (415) 555-...
    numbers |= set(world.agent_numbers)
    dump = json.dumps(hashed.records)
    assert not [n for n in numbers if n in dump]
    assert not [n for n in numbers if n.lstrip("+") in dump]
    bodies = {r["body"] for r in kept.records["messages"] + kept.records["conversation_messages"]}
    assert not [b for b in bodies if json.dumps(b) in dump]


def test_hashes_still_join(hashed: SyncResult) -> None:
    """A customer's hash is the same in messages, calls and conversations."""
    texted = {r["to"] for r in hashed.records["messages"] if r["direction"] != "inbound"}
    called = {r["to"] for r in hashed.records["calls"] if r["direction"] == "outbound-api"}
    in_conversations = {
        get(r, "messaging_binding.address").removeprefix("whatsapp:")
        for r in hashed.records["conversation_participants"]
        if r["messaging_binding"]
    }
    assert texted & called
    assert in_conversations & {t.removeprefix("whatsapp:") for t in texted}
    ours = {r["phone_number"] for r in hashed.records["incoming_phone_numbers"]}
    assert {r["phone_number"] for r in hashed.records["messaging_service_phone_numbers"]} == ours


def test_stream_maps_still_work_on_private_records() -> None:
    config = tap_config(
        privacy_phone_numbers="hash",
        hash_key=KEY,
        stream_maps={
            "messages": {
                "customer": "record['to'] if direction != 'inbound' else record['from']",
                "body": "__NULL__",
            },
            "calls": {"__alias__": "voice_calls"},
        },
    )
    result = run_tap(config, streams={"messages", "calls"})
    assert "calls" not in result.records
    assert result.records["voice_calls"]
    for record in result.records["messages"]:
        assert "body" not in record
        customer = record["to"] if record["direction"] != "inbound" else record["from"]
        assert record["customer"] == customer
        assert len(customer.removeprefix("whatsapp:")) == 64


@pytest.mark.parametrize("key", [None, "short"])
def test_hash_needs_a_long_enough_key(key: str | None) -> None:
    config = tap_config(hash_key=key, privacy_phone_numbers="hash")
    with pytest.raises(ConfigError, match=r"hash_key must be set \(16\+ characters\)"):
        TapTwilio(config={k: v for k, v in config.items() if v is not None})


def test_unknown_mode_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(tap_config(privacy_message_bodies="scramble")))
    result = subprocess.run(
        [sys.executable, "-m", "tap_twilio", "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "tap-twilio: privacy_message_bodies must be one of keep, drop, hash, not 'scramble'"
    )


def test_hash_key_is_secret() -> None:
    settings = TapTwilio.config_jsonschema["properties"]
    assert settings["hash_key"].get("secret") is True
    assert settings["privacy_message_bodies"]["enum"] == ["keep", "drop", "hash"]
