"""A stream's rows waiting for the next load: Singer lines in a file on disk, never in memory.

Each line is a RECORD message (as the tap sent it, or rebuilt by the SDK's path)
with the target's sequence number added, so DuckDB's JSON reader can load the
file as it is and the last row sent for a key can be told from earlier ones.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from switchboard_target_duckdb.errors import LoadFailed

SEQUENCE_KEY = "_target_duckdb_sequence"
_SUFFIX = b',"' + SEQUENCE_KEY.encode() + b'":%d}\n'


class Spool:
    """An append-only file of one stream's pending RECORD lines, with its size limits."""

    def __init__(self, directory: Path, stream: str, *, max_rows: int, max_bytes: int) -> None:
        fd, name = tempfile.mkstemp(prefix="spool-", suffix=".jsonl", dir=directory)
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb", buffering=1 << 16)
        self.stream = stream
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.rows = 0
        self.bytes = 0
        self.started = dt.datetime.now(dt.timezone.utc)  # when its first row came
        self.first_sequence: int | None = None

    def write(self, line: bytes, sequence: int) -> bool:
        """Append one RECORD message (a JSON object on one line); True once full."""
        if line.endswith(b"}\n"):  # as taps write them: no copy, no search
            body = memoryview(line)[:-2]
        else:
            stripped = line.rstrip()
            if not stripped.endswith(b"}"):
                raise LoadFailed(f"stream {self.stream!r}: a RECORD line is not a JSON object")
            body = memoryview(stripped)[:-1]
        if self.first_sequence is None:
            self.first_sequence = sequence
        self._file.write(body)
        self._file.write(_SUFFIX % sequence)
        self.rows += 1
        self.bytes += len(body) + 40
        return self.rows >= self.max_rows or self.bytes >= self.max_bytes

    @property
    def is_full(self) -> bool:
        return self.rows >= self.max_rows or self.bytes >= self.max_bytes

    def close(self) -> Path:
        """Flush to disk and return the file, for DuckDB to read."""
        self._file.close()
        return self.path

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)
