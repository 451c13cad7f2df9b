"""How many records each product API serves an account at the clock, for ``/_emulator/truth``.

Keys are the tap-twilio stream names the counts reconcile with. These are the lists
written by hand; those declared as data (``resources/lists.py``) count themselves.
"""

from __future__ import annotations

from ..store import Store
from ..timefmt import DAY
from ..world import Account
from . import conversations, insights, messaging, monitor, studio, verify


def product_counts(store: Store, account: Account) -> dict[str, int]:
    now = store.clock.now()
    seed = store.world.seed
    days = range(store.first_day(account), store.today + 1)
    convs = [
        c for d in days for c in conversations.conversations(store, account, d) if c.created <= now
    ]
    executions = [e for d in days for e in studio.executions(store, account, d) if e.created <= now]
    alert_days = range(max(days.start, monitor.alert_floor(now) // DAY), days.stop)
    summary_days = range(max(days.start, insights.summary_floor(now) // DAY), days.stop)
    return {
        "alerts": sum(
            1 for d in alert_days for a in monitor.alerts(store, account, d) if a.created <= now
        ),
        "monitor_events": sum(1 for e in monitor.audit_log(store.world, account) if e.date <= now),
        "messaging_services": 1,
        "messaging_service_phone_numbers": len(messaging.sender_pool(account)),
        "conversations": len(convs),
        "conversation_messages": sum(len(c.visible_messages(now)) for c in convs),
        "conversation_participants": sum(len(c.participants(now)) for c in convs),
        "users": sum(1 for u in conversations.users(seed, account) if u.created <= now),
        "user_conversations": sum(1 for c in convs if c.agent.created <= now),
        "flows": sum(1 for f in studio.flows(seed, account) if f.created <= now),
        "executions": len(executions),
        "execution_steps": sum(1 for e in executions for s in e.steps if s.at <= now),
        "verify_services": 1,
        "verification_attempts": sum(
            1 for d in days for a in verify.attempts(store, account, d) if a.created <= now
        ),
        "call_summaries": sum(
            1
            for d in summary_days
            for c in insights.calls_started(store, account, d)
            if insights.has_summary(c, now)
        ),
    }
