"""One module per Twilio resource or product API: how it renders and which routes serve it.

Each module exposes ``ROUTES``; ``app.py`` mounts them all. Adding a resource is
adding a module here and listing it in ``ALL``. Product APIs are served under a
path prefix per product (``/monitor/v1/...``; see ``product.py``).
"""

from . import (
    accounts,
    addresses,
    applications,
    available_numbers,
    balance,
    call_events,
    caller_ids,
    calls,
    conferences,
    conversations,
    insights,
    keys,
    media,
    messages,
    messaging,
    monitor,
    phone_numbers,
    queues,
    recordings,
    short_codes,
    studio,
    transcriptions,
    trunking,
    usage,
    usage_triggers,
    verify,
)

ALL = (
    accounts,
    balance,
    messages,
    media,
    calls,
    call_events,
    conferences,
    recordings,
    transcriptions,
    phone_numbers,
    addresses,
    applications,
    available_numbers,
    caller_ids,
    keys,
    queues,
    short_codes,
    usage,
    usage_triggers,
    monitor,
    messaging,
    conversations,
    studio,
    verify,
    trunking,
    insights,
)
