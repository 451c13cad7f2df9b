"""Writing RECORD messages cheaply: the SDK's per-record work, compiled once per schema.

For every record the SDK walks the stream's schema to conform values
(``conform_record_data_types``), checks each field against the catalog
selection, and serializes with simplejson; together about three quarters of
the tap's CPU per record. When a stream has no stream map, no flattening and no
deselected field, ``TwilioStream`` instead conforms with a ``Conformer`` built
once from the schema and the tap writes with ``OrjsonWriter``. Both give what
the SDK gives (``tests/test_output.py`` compares them on every stream's records
and on the odd values the SDK treats specially); anything unusual is handed
to the SDK's own functions.
"""

from __future__ import annotations

import decimal
import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from singer_sdk.helpers import _typing
from singer_sdk.io_base import SingerWriter
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.json import serialize_json

_PLAIN_TYPES = (str, int, bool, type(None), dict, list)  # values the SDK passes through


@dataclass(frozen=True)
class _Property:
    """How the SDK conforms one property's values, decided once from its schema."""

    schema: dict
    items: Conformer | None  # a uniform list: its items' schema, when they are objects
    item_schema: dict | None  # a uniform list: its items' schema
    nested: Conformer | None  # an object with declared properties
    boolean: bool  # an exclusive boolean: values become ``value != 0``


class Conformer:
    """``conform_record_data_types`` (recursive level) for one schema, precomputed.

    Per property, what the SDK would do is decided once: recurse into an object or
    a uniform list, turn values into booleans, or keep them. Unknown properties
    are dropped (kept with ``additionalProperties``), as the SDK does; values of
    types JSON never yields (dates, bytes, floats, decimals) go to the SDK's own code.
    """

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.keep_unknown = bool(schema.get("additionalProperties"))
        self.properties = {
            name: _property(prop) for name, prop in schema.get("properties", {}).items()
        }

    def conform(self, record: dict, unmapped: list[str], parent: str | None = None) -> dict:
        """A conformed copy of ``record``; unknown property paths go to ``unmapped``."""
        out: dict[str, Any] = {}
        properties = self.properties
        for name, value in record.items():
            prop = properties.get(name)
            if prop is None:
                if self.keep_unknown:
                    out[name] = value
                else:
                    unmapped.append(name if parent is None else f"{parent}.{name}")
                continue
            if prop.item_schema is not None and isinstance(value, list):
                path = name if parent is None else f"{parent}.{name}"
                out[name] = _conform_list(value, prop, unmapped, path)
            elif prop.nested is not None and isinstance(value, dict):
                path = name if parent is None else f"{parent}.{name}"
                out[name] = prop.nested.conform(value, unmapped, path)
            elif type(value) in _PLAIN_TYPES:
                out[name] = (None if value is None else value != 0) if prop.boolean else value
            else:
                out[name] = _typing._conform_primitive_property(value, prop.schema)
        return out


def _property(prop: dict) -> _Property:
    uniform_list = bool(_typing.is_uniform_list(prop))
    item_schema = prop["items"] if uniform_list else None
    return _Property(
        schema=prop,
        items=Conformer(item_schema)
        if item_schema is not None and _typing.is_object_type(item_schema)
        else None,
        item_schema=item_schema,
        nested=Conformer(prop) if _typing.is_object_type(prop) and "properties" in prop else None,
        boolean=_typing._is_exclusive_boolean_type(prop),
    )


def _conform_list(values: list, prop: _Property, unmapped: list[str], path: str) -> list:
    item_schema = prop.item_schema
    assert item_schema is not None
    plain = not _typing._is_exclusive_boolean_type(item_schema)
    out = []
    for item in values:
        if prop.items is not None and isinstance(item, dict):
            out.append(prop.items.conform(item, unmapped, path))
        elif plain and type(item) in _PLAIN_TYPES:
            out.append(item)
        else:
            out.append(_typing._conform_primitive_property(item, item_schema))
    return out


@lru_cache
def warn_unmapped(stream: str, paths: tuple[str, ...], logger: logging.Logger) -> None:
    """Once per stream and set of paths, as the SDK warns."""
    logger.warning(
        "Properties %s were present in the '%s' stream but not found in catalog schema. Ignoring.",
        paths,
        stream,
    )


def _default(value: Any) -> Any:
    """What orjson cannot write itself: exact decimals as their digits, others as text."""
    if isinstance(value, decimal.Decimal):
        return orjson.Fragment(str(value))
    return str(value)


def dumps(message: dict) -> str:
    """One JSON line, equal to the SDK's ``serialize_json`` once parsed (never a float)."""
    try:
        return orjson.dumps(message, default=_default).decode()
    except (orjson.JSONEncodeError, TypeError):  # e.g. an integer wider than 64 bits
        return serialize_json(message)


class OrjsonWriter(SingerWriter):
    """Serializes with orjson; flushes stdout at every message but a RECORD.

    Records stay in stdout's buffer until the next SCHEMA, STATE or BATCH (or the
    end of the run): a target never sees a state before the records it covers,
    and one write call carries many records instead of one each.
    """

    def serialize_message(self, message: Any) -> str:
        return dumps(message.to_dict())

    def write_message(self, message: Any) -> None:
        sys.stdout.write(self.format_message(message) + "\n")
        if not isinstance(message, RecordMessage):
            sys.stdout.flush()
