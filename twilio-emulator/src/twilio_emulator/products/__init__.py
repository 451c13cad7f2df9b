"""The product APIs' data (Monitor, Messaging, Conversations, Studio, Verify, Trunking,
Voice Insights, TaskRouter, Pricing), one module per product.

Each module derives its records from the world (``world.py``) and the traffic
(``activity.py``, through ``store.py``): alerts come from failed messages and
calls, call summaries from calls, Studio executions from inbound calls, so the
products agree with the 2010 API. Everything is a pure function of (seed,
account, day); what is visible at the clock is decided by the caller.
"""

from ..world import Account, make_sid


def console_user_sid(seed: int, account: Account) -> str:
    """The ``US`` SID of the person who set the account up in the Console (flow author, actor)."""
    return make_sid("US", seed, "console-user", account.owner_sid)
