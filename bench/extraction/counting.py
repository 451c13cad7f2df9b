"""Records an extractor wrote, per stream: in total and distinct (by SID), from its output file.

Counted after the clock stops, so counting costs no extractor anything. Singer
taps write ``{"type": "RECORD", "stream": ..., "record": {...}}``; Airbyte sources
``{"type": "RECORD", "record": {"stream": ..., "data": {...}}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

RECORD = b'"RECORD"'


@dataclass
class Counts:
    total: dict[str, int] = field(default_factory=dict)
    distinct: dict[str, int] = field(default_factory=dict)


def count(path: Path, streams: tuple[str, ...]) -> Counts:
    sids: dict[str, set[str]] = {stream: set() for stream in streams}
    totals = dict.fromkeys(streams, 0)
    with path.open("rb") as lines:
        for line in lines:
            if RECORD not in line[:40]:
                continue
            message = orjson.loads(line)
            if message.get("type") != "RECORD":
                continue
            if "stream" in message:  # Singer
                stream, record = message["stream"], message["record"]
            else:  # Airbyte
                stream, record = message["record"]["stream"], message["record"]["data"]
            if stream in totals:
                totals[stream] += 1
                sids[stream].add(record["sid"])
    return Counts(total=totals, distinct={stream: len(s) for stream, s in sids.items()})
