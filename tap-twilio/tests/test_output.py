"""The tap's fast RECORD path writes what the SDK's own path writes.

``tap_twilio.shortcuts`` and ``tap_twilio.output`` replace two of the SDK's
per-record steps: conforming a record to its schema and serializing the message.
Here both are run side by side with the SDK's functions, on every record of
every stream (each stream selected, the ones off by default too) and on values
the SDK treats specially (unknown and nested unknown properties, booleans from
numbers and strings, NaN and infinite numbers, dates, lists of objects, open
objects).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from singer_sdk.helpers._typing import _conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage
from singer_sdk.singerlib.json import serialize_json

from tap_twilio import shortcuts
from tap_twilio.output import OrjsonWriter, dumps
from tap_twilio.shortcuts import Conformer
from tap_twilio.streams import STREAM_TYPES
from tests.emulated import tap_config
from tests.helpers import run_tap

RECURSIVE = TypeConformanceLevel.RECURSIVE


def sdk_conform(record: dict, schema: dict) -> tuple[dict, list[str]]:
    return _conform_record_data_types(copy.deepcopy(record), schema, RECURSIVE, None)


def fast_conform(record: dict, schema: dict) -> tuple[dict, list[str]]:
    unmapped: list[str] = []
    return Conformer(schema).conform(copy.deepcopy(record), unmapped), unmapped


def typed(value: Any) -> Any:
    """``value`` with every leaf's repr, so 1, 1.0, True and Decimal(1) differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return repr(value)  # Decimal('1.50') != 1.5 != '1.50', and NaN equals NaN


@pytest.fixture(scope="module")
def every_record(request: pytest.FixtureRequest) -> list[tuple[dict, dict, dict]]:
    """(schema, record before conforming, record written) for every record of a full run."""
    seen: list[tuple[dict, dict, dict]] = []
    original = Conformer.conform

    def spy(self: Conformer, record: dict, unmapped: list[str], parent: str | None = None) -> dict:
        before = copy.deepcopy(record)
        after = original(self, record, unmapped, parent)
        if parent is None:
            seen.append((self.schema, before, after))
        return after

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Conformer, "conform", spy)
        result = run_tap(tap_config(), streams={s.name for s in STREAM_TYPES})
    request.node.stash[RESULT] = result  # type: ignore[attr-defined]
    return seen


RESULT = pytest.StashKey[Any]()


def test_every_stream_goes_through_the_fast_path(every_record: list) -> None:
    schemas = {id(schema) for schema, _, _ in every_record}
    assert len(schemas) == len(STREAM_TYPES)  # one conformer per stream, all used
    assert len(every_record) > 5000


def test_fast_conform_equals_the_sdk_on_every_record(every_record: list) -> None:
    for schema, before, after in every_record:
        expected, unmapped = sdk_conform(before, schema)
        assert typed(after) == typed(expected)
        assert unmapped == []


def test_fast_serialization_parses_as_the_sdk_s(every_record: list) -> None:
    now = dt.datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)
    for _, _, record in every_record:
        message = RecordMessage(stream="s", record=record, time_extracted=now).to_dict()
        ours, theirs = dumps(message), serialize_json(message)
        assert "\n" not in ours
        assert json.loads(ours, parse_float=Decimal) == json.loads(theirs, parse_float=Decimal)


ODD_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "flag": {"type": ["boolean", "null"]},
        "price": {"type": ["number", "null"]},
        "count": {"type": ["integer", "null"]},
        "nested": {
            "type": ["object", "null"],
            "properties": {"a": {"type": ["string", "null"]}, "b": {"type": ["boolean", "null"]}},
        },
        "items": {
            "type": ["array", "null"],
            "items": {"type": "object", "properties": {"x": {"type": "integer"}}},
        },
        "flags": {"type": "array", "items": {"type": "boolean"}},
        "loose": {"type": ["object", "null"]},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "open": {"type": "object", "properties": {}, "additionalProperties": True},
    },
}
ODD_RECORDS = [
    {
        "flag": 1,
        "price": Decimal("NaN"),
        "count": Decimal("2"),
        "nested": {"a": "x", "b": 0, "zzz": 1},
        "items": [{"x": 1, "y": 2}, 5, None],
        "flags": [0, 1, "a", None, True],
        "loose": {"k": [1], "f": 0.1},
        "when": dt.datetime(2024, 1, 1, 10, 30, tzinfo=dt.timezone.utc),
        "open": {"any": 1, "nested": {"z": None}},
        "unknown": 3,
    },
    {"flag": None, "price": Decimal("1.50"), "nested": None, "items": None, "flags": []},
    {
        "flag": "false",
        "price": float("inf"),
        "nested": "not an object",
        "items": "not a list",
        "when": dt.date(2024, 1, 2),
        "extra": {"deep": 1},
        "count": b"\x01",
    },
    {"flag": True, "price": 3, "nested": {"b": True}, "items": [], "flags": [True], "open": {}},
    {"flag": [1], "loose": [], "when": "2024-01-01T00:00:00+00:00", "price": -0.5},
    # Decimals: kept when finite, None when not, a boolean's decimal not made a boolean.
    {"flag": Decimal("0"), "price": Decimal("-Infinity"), "count": Decimal("-0.0075")},
    {"price": Decimal("Infinity"), "when": Decimal("1"), "loose": Decimal("2.5")},
]


@pytest.mark.parametrize("record", ODD_RECORDS)
def test_fast_conform_equals_the_sdk_on_odd_values(record: dict) -> None:
    ours, our_unmapped = fast_conform(record, ODD_SCHEMA)
    theirs, their_unmapped = sdk_conform(record, ODD_SCHEMA)
    assert typed(ours) == typed(theirs)
    assert our_unmapped == their_unmapped


def test_unknown_properties_are_dropped_and_named_once(caplog: pytest.LogCaptureFixture) -> None:
    _, unmapped = fast_conform(ODD_RECORDS[0], ODD_SCHEMA)
    assert unmapped == ["nested.zzz", "items.y", "unknown"]
    logger = logging.getLogger("test-output")
    with caplog.at_level(logging.WARNING, logger="test-output"):
        for _ in range(3):
            shortcuts.warn_unmapped("odd", tuple(unmapped), logger)
    assert caplog.text.count("Properties ('nested.zzz', 'items.y', 'unknown') were present") == 1


@pytest.mark.parametrize(
    "message",
    [
        SchemaMessage("messages", ODD_SCHEMA, ["sid"]).to_dict(),
        StateMessage({"bookmarks": {"messages": {"partitions": []}}}).to_dict(),
        {"type": "RECORD", "record": {"body": "Votre commande est en route 🚚", "n": 2**70}},
        {"type": "RECORD", "record": {"p": Decimal("-0.00750"), "e": Decimal("1E+2"), "f": 0.1}},
        {"type": "RECORD", "record": {"when": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}},
    ],
)
def test_other_messages_serialize_as_the_sdk_s(message: dict) -> None:
    ours, theirs = dumps(message), serialize_json(message)
    assert json.loads(ours, parse_float=Decimal) == json.loads(theirs, parse_float=Decimal)


def test_decimals_keep_their_digits() -> None:
    line = dumps({"price": Decimal("-0.00750"), "big": Decimal("12345678901234567890.123")})
    assert line == '{"price":-0.00750,"big":12345678901234567890.123}'


def test_stream_maps_flattening_or_deselection_take_the_sdk_path() -> None:
    mapped = run_tap(
        tap_config(stream_maps={"accounts": {"friendly_name": "__NULL__"}}), streams={"accounts"}
    )
    flat = run_tap(
        tap_config(flattening_enabled=True, flattening_max_depth=1), streams={"accounts"}
    )
    plain = run_tap(tap_config(), streams={"accounts"})
    assert mapped.tap.streams["accounts"]._conformer is None
    assert flat.tap.streams["accounts"]._conformer is None
    assert plain.tap.streams["accounts"]._conformer is not None
    assert all("friendly_name" not in r for r in mapped.records["accounts"])
    # Flattened, an object without declared properties becomes its JSON text.
    assert isinstance(plain.records["accounts"][0]["subresource_uris"], dict)
    assert isinstance(flat.records["accounts"][0]["subresource_uris"], str)


def test_without_the_shortcuts_the_sdk_writes_the_same_records_and_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On an SDK version the shortcuts were not checked against, the SDK's public path runs."""
    streams = {"accounts", "messages", "message_media", "conferences", "conference_participants"}
    fast = run_tap(tap_config(), streams=streams)
    monkeypatch.setattr(shortcuts, "ENABLED", False)
    plain = run_tap(tap_config(), streams=streams)
    assert plain.records == fast.records
    assert plain.final_state == fast.final_state
    assert fast.schemas["message_media"] == 1
    assert plain.schemas["message_media"] > 1  # the SDK writes one per parent record


class _CountingStdout:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        self.writes.append("<flush>")


def test_records_go_out_in_blocks_and_before_any_other_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One write per block of records, not per record (whatever stdout's buffering);
    a STATE goes out after every record before it, and the end of a run writes the rest."""
    out = _CountingStdout()
    monkeypatch.setattr("sys.stdout", out)
    writer = OrjsonWriter()
    record = {"sid": "SM" + "0" * 32, "body": "x" * 1000}
    for _ in range(200):
        writer.write_message(RecordMessage(stream="messages", record=record))
    writer.write_message(StateMessage(value={"bookmarks": {}}))
    writer.write_message(RecordMessage(stream="messages", record=record))
    assert not any('"RECORD"' in w and w.count("\n") == 1 for w in out.writes[:-2])
    lines = "".join(w for w in out.writes if w != "<flush>").splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["RECORD"] * 200 + ["STATE"]
    assert len(out.writes) < 10  # 200 records of 1 kB: a few 64 kB blocks, the state, a flush
    assert out.writes[-1] == "<flush>"
    writer.write_block()  # what the tap does when its run ends
    assert json.loads(out.writes[-1])["type"] == "RECORD"
