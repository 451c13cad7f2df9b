"""Progress that may be claimed only once every record before it has been written.

A ``Checkpoint`` is not a record: it travels in a stream's record iterator, behind
records the stream may hold back (parents waiting while their children are fetched
ahead), and ``TwilioStream.get_records`` calls ``reached`` in its turn. So a STATE
never claims progress whose records are still in a buffer: a BulkExport day done
(``bulk``), a whole-list sweep's bookmark (``undated``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Checkpoint(ABC):
    """Something to record in the state once every record before it is written."""

    @abstractmethod
    def reached(self) -> None:
        """Called when every record yielded before this one has been written."""
