"""Each stream's schema is its Twilio resource, as the OpenAPI spec declares it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from tap_twilio.schema_builder import stream_schema
from tap_twilio.streams import STREAM_TYPES
from tap_twilio.streams.base import load_schema
from tap_twilio.tap import TapTwilio
from tests.emulated import tap_config

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "twilio-oai"

if not SPEC_DIR.is_dir():
    pytest.skip(f"Twilio's OpenAPI spec is not at {SPEC_DIR}", allow_module_level=True)


@cache
def spec(name: str) -> dict:
    return json.loads((SPEC_DIR / f"{name}.json").read_text())


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=[s.name for s in STREAM_TYPES])
def test_schema_file_is_generated_from_the_spec(stream: type) -> None:
    spec_file, component = stream.spec
    assert load_schema(stream.name) == stream_schema(
        spec(spec_file), component, stream.omitted_fields
    ), "run scripts/generate_schemas.py"


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=[s.name for s in STREAM_TYPES])
def test_every_spec_field_with_its_nullability(stream: type) -> None:
    spec_file, component = stream.spec
    document = spec(spec_file)
    declared = document["components"]["schemas"][component]["properties"]
    schema = load_schema(stream.name)["properties"]
    assert set(schema) == set(declared) - set(stream.omitted_fields)
    for name, node in declared.items():
        if name in stream.omitted_fields:
            continue
        types = schema[name]["type"]
        types = types if isinstance(types, list) else [types]
        nullable = bool(node.get("nullable") or resolve(document, node).get("nullable"))
        assert ("null" in types) == nullable, name
        assert len(types) == 1 + nullable, name


def test_keys_and_replication_keys_are_fields() -> None:
    for stream in TapTwilio(config=tap_config()).streams.values():
        properties = stream.schema["properties"]
        assert stream.primary_keys, stream.name
        assert set(stream.primary_keys) <= set(properties), stream.name
        if stream.replication_key:
            assert properties[stream.replication_key].get("format") in ("date-time", "date"), (
                stream.name
            )
