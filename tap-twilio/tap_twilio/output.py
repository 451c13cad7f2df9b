"""Writing Singer messages cheaply: orjson, and one write call for many records.

Serializing with the SDK's simplejson costs a large share of the tap's CPU per
record; ``OrjsonWriter`` writes the same JSON (``tests/test_output.py`` parses
both) with orjson, exact decimals as their digits, never a float.
"""

from __future__ import annotations

import decimal
import sys
from typing import Any

import orjson
from singer_sdk.io_base import SingerWriter
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.json import serialize_json


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
