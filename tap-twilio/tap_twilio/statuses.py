"""Twilio's statuses the tap acts on, declared once (the spec lists them all)."""

from __future__ import annotations

# A message with no date_sent in one of these will change: follow it by SID.
PENDING_MESSAGE_STATUSES = frozenset({"scheduled", "queued", "accepted", "sending", "receiving"})
# A call's events are served once it has ended.
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# A call with no start_time in one of these has not been dialled yet.
PENDING_CALL_STATUSES = frozenset({"queued", "ringing"})
