"""Each stream's committed schema is exactly what ``schema_builder`` makes of Twilio's
spec, and keeps every field the spec declares (dropping one only with a reason).

Reads the spec from ``<repo>/../shared/twilio-oai``; skips when it is absent.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from tap_twilio.schema_builder import NULL_DESPITE_SPEC, stream_schema
from tap_twilio.streams import STREAM_TYPES
from tap_twilio.streams.base import load_schema
from tap_twilio.tap import TapTwilio

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "twilio-oai"
STREAMS = {stream.name: stream for stream in STREAM_TYPES}


@cache
def spec(stem: str) -> dict:
    path = SPEC_DIR / f"{stem}.json"
    if not path.exists():
        pytest.skip(f"Twilio's spec is not at {path}")
    return json.loads(path.read_text())


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_committed_schema_is_generated_from_the_spec(name: str) -> None:
    stream = STREAMS[name]
    stem, component = stream.spec
    expected = stream_schema(spec(stem), component, stream.omitted_fields, stream.added_fields)
    assert load_schema(name) == expected, (
        f"schemas/{name}.json is stale: run scripts/generate_schemas.py"
    )


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_spec_field_is_kept_or_dropped_with_a_reason(name: str) -> None:
    stream = STREAMS[name]
    stem, component = stream.spec
    declared = set(spec(stem)["components"]["schemas"][component]["properties"])
    emitted = set(load_schema(name)["properties"])
    assert declared - emitted == set(stream.omitted_fields)
    assert all(reason.strip() for reason in stream.omitted_fields.values())
    assert emitted - declared == set(stream.added_fields)


def test_only_the_auth_token_is_dropped() -> None:
    dropped = {name: set(s.omitted_fields) for name, s in STREAMS.items() if s.omitted_fields}
    assert dropped == {"accounts": {"auth_token"}}


def test_primary_keys_and_replication_keys_are_schema_fields() -> None:
    tap = TapTwilio(config={"account_sid": "AC" + "0" * 32, "auth_token": "offline"})
    for name, stream in tap.streams.items():
        properties = stream.schema["properties"]
        assert stream.primary_keys, name
        assert set(stream.primary_keys) <= set(properties), name
        assert stream.replication_key is None or stream.replication_key in properties, name


@pytest.mark.parametrize(
    ("name", "field", "schema_type"),
    [
        ("recordings", "price", ["number", "null"]),
        ("recordings", "duration", ["integer", "null"]),
        ("transcriptions", "price", ["number", "null"]),
        ("account_balance", "balance", ["number", "null"]),
        ("usage_triggers", "current_value", ["number", "null"]),
        ("usage_records_monthly", "usage", ["number", "null"]),
        ("conference_participants", "queue_time", ["integer", "null"]),
        ("call_events", "request", ["object", "null"]),
        ("recordings", "encryption_details", ["object", "null"]),
        ("conferences", "reason_conference_ended", ["string", "null"]),
        ("call_events", "sequence", "integer"),
    ],
)
def test_numeric_strings_are_numbers_and_untyped_fields_objects(
    name: str, field: str, schema_type: object
) -> None:
    assert load_schema(name)["properties"][field]["type"] == schema_type


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_each_field_is_nullable_exactly_when_the_spec_says(name: str) -> None:
    """Nullability comes from the spec, except where Twilio is known to send null anyway."""
    stream = STREAMS[name]
    stem, component = stream.spec
    document = spec(stem)
    schema = load_schema(name)["properties"]
    for field, node in document["components"]["schemas"][component]["properties"].items():
        if field in stream.omitted_fields:
            continue
        types = schema[field]["type"]
        types = types if isinstance(types, list) else [types]
        nullable = bool(node.get("nullable") or _resolve(document, node).get("nullable"))
        assert ("null" in types) == (nullable or field in NULL_DESPITE_SPEC), field
