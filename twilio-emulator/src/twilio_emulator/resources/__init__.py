"""One module per Twilio resource: how it renders and which routes serve it.

Each module exposes ``ROUTES``; ``app.py`` mounts them all. Adding a resource is
adding a module here and listing it in ``ALL``.
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
    keys,
    media,
    messages,
    phone_numbers,
    queues,
    recordings,
    short_codes,
    transcriptions,
    usage,
    usage_triggers,
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
)
