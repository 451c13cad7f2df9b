"""Reading Singer messages from stdin, with RECORD lines passed on unparsed.

The SDK parses every line into a dict and walks each record in Python. Here a
RECORD line of a stream that needs no per-record work (no stream map, no
flattening, no validation) goes to its spool as bytes: DuckDB parses it later,
in bulk, into typed columns. Its stream name is read from the line's start when
the tap wrote the SDK's own layout (``{"type":"RECORD","stream":"...``); any other
line is parsed and handled by the SDK as usual.
"""

from __future__ import annotations

import sys
import typing as t
from collections import Counter

from singer_sdk.singerlib.encoding.base import GenericSingerReader, SingerMessageType
from singer_sdk.singerlib.json import deserialize_json

_RECORD = b'{"type":"RECORD","stream":"'
_START = len(_RECORD)

# Takes a RECORD line and its stream name (as bytes); True when the line was taken as it is.
RawRecordHandler = t.Callable[[bytes, bytes], bool]


class RawRecordReader(GenericSingerReader[bytes]):
    """Binary line reader; RECORD lines go to ``on_record`` before any parsing."""

    def __init__(self, on_record: RawRecordHandler) -> None:
        super().__init__()
        self.on_record = on_record

    @property
    def default_input(self) -> t.IO[bytes]:
        return sys.stdin.buffer

    def deserialize_json(self, line: bytes) -> dict:
        """Exact decimals, as the SDK reads them (only lines that are not taken raw)."""
        return deserialize_json(line)

    def process_lines(
        self,
        file_input: t.IO[bytes] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        stats: Counter[str] = Counter()
        raw_records = 0
        source = file_input or self.default_input
        if isinstance(source.read(0), str):  # a text stream (``--input`` or a test)
            source = getattr(source, "buffer", source)
        on_record = self.on_record
        for read in source:
            line = read.encode() if isinstance(read, str) else read
            if line.startswith(_RECORD):
                end = line.find(b'"', _START)
                stream = line[_START:end]
                if end > 0 and b"\\" not in stream and on_record(line, stream):
                    raw_records += 1
                    continue
            if not line.strip():
                continue
            self._current_message = line
            message = self.deserialize_json(line)
            self.assert_line_requires(message, requires={"type"})
            kind = message["type"]
            if callback := callbacks.get(kind):
                callback(message)
            else:
                self._process_unknown_message(message)
            stats[kind] += 1
        stats[SingerMessageType.RECORD] += raw_records
        return stats
