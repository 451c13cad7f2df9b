"""How a stream's JSON schema is derived from Twilio's OpenAPI spec.

Every field the spec declares is kept, with its nullability. Types change only
where Twilio's wire format is not what a warehouse wants, and always the same
way: RFC 2822 strings become ``date-time``; the numeric strings below become
numbers. A field the spec leaves untyped is a free-form JSON object, as Twilio's
own helper libraries read it (``Dict[str, object]`` in twilio-python): call events'
``request``/``response``, recordings' ``encryption_details``, Studio's ``context``,
Monitor's ``event_data``... A type the spec overrides for the wire
(``x-twilio.overrideType``: Pricing's prices are numbers sent as "0.013") is the type
sent. A stream may drop fields (``omitted``, with a reason)
and add the fields it fills from its parent (``added``).
``scripts/generate_schemas.py`` writes the result to ``schemas/``, and a test
regenerates it from the spec to prove the two agree.
"""

from __future__ import annotations

from typing import Any

# String fields that Twilio fills with numbers ("price": "-0.00750").
NUMERIC_STRINGS = {
    "price": "number",
    "num_segments": "integer",
    "num_media": "integer",
    "duration": "integer",
    "queue_time": "integer",
    "count": "number",
    "usage": "number",
    "balance": "number",
    "current_value": "number",
    "trigger_value": "number",
}
DATE_TIME_FORMATS = {"date-time", "date-time-rfc-2822"}
# Fields the spec declares non-nullable that Twilio sends as null, with the evidence.
NULL_DESPITE_SPEC = {
    "reason_conference_ended": (
        "null while the conference is in progress (Twilio's docs, and the spec's own "
        "in-progress example)"
    ),
}


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = spec["components"]["schemas"][name]
    return node


def property_schema(spec: dict, name: str, node: dict) -> dict[str, Any]:
    """The Singer schema of one OpenAPI property."""
    resolved = _resolve(spec, node)
    nullable = bool(node.get("nullable") or resolved.get("nullable")) or name in NULL_DESPITE_SPEC
    override = (node.get("x-twilio") or resolved.get("x-twilio") or {}).get("overrideType")
    kind = override or resolved.get("type")
    fmt = resolved.get("format")
    result: dict[str, Any] = {}
    if kind is None:
        result = {"type": "object"}
    elif kind == "string" and fmt in DATE_TIME_FORMATS:
        result = {"type": "string", "format": "date-time"}
    elif kind == "string" and fmt == "date":
        result = {"type": "string", "format": "date"}
    elif kind == "string" and name in NUMERIC_STRINGS:
        result = {"type": NUMERIC_STRINGS[name]}
    elif kind in ("string", "integer", "number", "boolean"):
        result = {"type": kind}
    elif kind == "object":
        result = {"type": "object"}
        if "properties" in resolved:
            result["properties"] = {
                k: property_schema(spec, k, v) for k, v in sorted(resolved["properties"].items())
            }
    elif kind == "array":
        items = resolved.get("items", {})
        result = {"type": "array", "items": property_schema(spec, name, items) if items else {}}
    else:
        raise ValueError(f"unsupported OpenAPI type {kind!r} for {name!r}")
    if nullable:
        result["type"] = [result["type"], "null"]
    description = node.get("description") or resolved.get("description")
    if description:
        result["description"] = " ".join(description.split())
    return result


def stream_schema(
    spec: dict,
    component: str,
    omitted: dict[str, str] | None = None,
    added: dict[str, dict] | None = None,
) -> dict:
    """The Singer schema for one spec component, minus ``omitted`` and plus ``added`` fields."""
    node = spec["components"]["schemas"][component]
    properties = {
        name: property_schema(spec, name, prop)
        for name, prop in node["properties"].items()
        if name not in (omitted or {})
    }
    clash = set(properties) & set(added or {})
    if clash:
        raise ValueError(f"{component}: added fields {sorted(clash)} are already in the spec")
    properties.update(added or {})
    return {"type": "object", "properties": dict(sorted(properties.items()))}
