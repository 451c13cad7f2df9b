"""Voice Insights: a call summary for every call once it has ended.

A summary is ``partial`` for 30 minutes after the call ends, then ``complete``.
Voice Insights keeps 30 days: the current UTC day and the 29 before it.
"""

from __future__ import annotations

from ..activity import Call
from ..store import Store
from ..timefmt import DAY
from ..world import Account

SUMMARY_RETENTION_DAYS = 30
COMPLETE_AFTER = 1800  # seconds after the call ends
# Call status -> Voice Insights call_state.
CALL_STATES = {
    "completed": "completed",
    "busy": "busy",
    "failed": "fail",
    "no-answer": "noanswer",
    "canceled": "canceled",
}
_CARRIERS = ("Verizon Wireless", "T-Mobile USA", "AT&T Wireless", "Vodafone", "Orange")


def summary_floor(now: int) -> int:
    """The first call start time whose summary Voice Insights still keeps at ``now``."""
    return (now // DAY - (SUMMARY_RETENTION_DAYS - 1)) * DAY


def has_summary(call: Call, now: int) -> bool:
    return call.end <= now and call.start >= summary_floor(now)


def processing_state(call: Call, now: int) -> str:
    return "complete" if now >= call.end + COMPLETE_AFTER else "partial"


def carrier(e164: str) -> str:
    """A stable carrier name for a number (Voice Insights looks it up)."""
    return _CARRIERS[sum(map(ord, e164)) % len(_CARRIERS)]


def calls_started(store: Store, account: Account, day: int) -> list[Call]:
    """Calls (parents and legs) dialled on ``day``, sorted by (start, sid)."""

    def build() -> list[Call]:
        found = store.traffic(account, day - 1).calls + store.traffic(account, day).calls
        result = [c for c in found if c.start // DAY == day]
        result.sort(key=lambda c: (c.start, c.sid))
        return result

    return store.derived("insights-calls", account, day, build)
