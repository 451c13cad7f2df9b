"""Every use of singer-sdk's private API, in one place, for speed and a quiet output.

The SDK has no public hook for three things the tap needs at scale:

- one SCHEMA message per stream and run (the SDK writes one per context, and a
  target such as target-duckdb flushes its buffers on each: a child stream under
  thousands of parents becomes thousands of one-row loads);
- no STATE message from child streams (their parent's carry the whole state;
  the SDK writes one per parent record) and one record count for all parents;
- a RECORD path that conforms a record with a ``Conformer`` compiled once per
  schema instead of walking the schema per record (about three quarters of the
  tap's CPU per record), when no stream map, flattening or deselection applies.

Each shortcut is taken only on the singer-sdk versions it was checked against
(``VERIFIED``); on any other version, or with ``TAP_TWILIO_SDK_SHORTCUTS=0``,
the SDK's own public path runs instead: the same records and state, written as
the SDK writes them. ``tests/test_output.py`` runs both paths.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import metadata
from typing import Any

from singer_sdk import Stream, metrics
from singer_sdk.helpers import _typing
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage

VERIFIED = ("0.54.",)  # singer-sdk versions whose private API these shortcuts follow
_PLAIN_TYPES = (str, int, bool, type(None), dict, list)  # values the SDK passes through


def _enabled() -> bool:
    if os.environ.get("TAP_TWILIO_SDK_SHORTCUTS", "1") == "0":
        return False
    return metadata.version("singer-sdk").startswith(VERIFIED)


ENABLED = _enabled()


class StreamShortcuts(Stream):
    """One SCHEMA per run, and the compiled RECORD path, for every stream."""

    _schema_written = False
    _conformer: Conformer | None = None
    _conformer_decided = False

    def _write_schema_message(self) -> None:
        if not ENABLED:
            super()._write_schema_message()
            return
        if not self._schema_written:
            super()._write_schema_message()
            self._schema_written = True

    def _generate_record_messages(self, record: dict) -> Iterator[RecordMessage]:
        if not ENABLED:
            yield from super()._generate_record_messages(record)
            return
        if not self._conformer_decided:
            self._conformer = self._plain_output_conformer()
            self._conformer_decided = True
        conformer = self._conformer
        if conformer is None:
            yield from super()._generate_record_messages(record)
            return
        unmapped: list[str] = []
        record = conformer.conform(record, unmapped)
        if unmapped:
            warn_unmapped(self.name, tuple(unmapped), self.logger)
        yield RecordMessage(
            stream=self.name,
            record=record,
            version=self._stream_version,
            time_extracted=dt.datetime.now(dt.timezone.utc),
        )

    def _plain_output_conformer(self) -> Conformer | None:
        """A conformer when records go out as they are, else None (the SDK's way)."""
        maps = self.stream_maps
        plain = (
            self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.RECURSIVE
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not maps[0].flattening_enabled
            and maps[0].stream_alias == self.name
            and all(selected is not False for selected in self.mask.values())
        )
        return Conformer(self.effective_schema) if plain else None


class ChildShortcuts(Stream):
    """A child stream: no STATE of its own, one record count and no timer per parent."""

    _run_counter: metrics.Counter | None = None

    def _write_state_message(self) -> None:
        if not ENABLED:
            super()._write_state_message()

    def get_record_counter(self, **kwargs: Any) -> metrics.Counter:
        if not ENABLED:
            return super().get_record_counter(**kwargs)
        if self._run_counter is None:
            self._run_counter = _RunCounter(
                metrics.Metric.RECORD_COUNT, {metrics.Tag.STREAM: self.name}
            )
        return self._run_counter

    def get_sync_timer(self) -> metrics.Timer:
        if not ENABLED:
            return super().get_sync_timer()
        return _SilentTimer(metrics.Metric.SYNC_DURATION, {metrics.Tag.STREAM: self.name})

    def log_sync_costs(self) -> None:
        """At the end of the run: the record count since the last one logged."""
        if isinstance(self._run_counter, _RunCounter):
            self._run_counter.flush()
        super().log_sync_costs()


class _RunCounter(metrics.Counter):
    """A record count summed over every parent, logged when its interval has passed."""

    def exit(self) -> None:
        if self._ready_to_log():
            self._pop()

    def flush(self) -> None:
        if self.value:
            self._pop()

    def with_context(self, value: Any) -> None:
        """One count for all parents: no per-parent tag."""


class _SilentTimer(metrics.Timer):
    """No per-parent sync duration (one line per call or message would drown the log)."""

    def __exit__(self, *_: object) -> None:
        return None


# --- the compiled conformer ---------------------------------------------------------


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
        # Properties whose plain values (and finite decimals) the SDK keeps as they are.
        self.plain = frozenset(
            name
            for name, prop in self.properties.items()
            if prop.item_schema is None and prop.nested is None and not prop.boolean
        )

    def conform(self, record: dict, unmapped: list[str], parent: str | None = None) -> dict:
        """A conformed copy of ``record``; unknown property paths go to ``unmapped``."""
        out: dict[str, Any] = {}
        properties, plain = self.properties, self.plain
        for name, value in record.items():
            if name in plain:  # the common case, decided without the property
                kind = type(value)
                if kind in _PLAIN_TYPES or (kind is Decimal and value.is_finite()):
                    out[name] = value
                    continue
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


def checkpoint(stream: Stream) -> None:
    """Write the run's state now, mid-partition, as the SDK does every
    ``STATE_MSG_FREQUENCY`` records: a BulkExport backfill marks each day done
    after its last record, so a run killed between days resumes at the next one.
    (On an SDK version not verified, the SDK's own rhythm only.)"""
    if ENABLED:
        stream.state_manager.is_flushed = False  # a day without records moves the plan too
        Stream._write_state_message(stream)
