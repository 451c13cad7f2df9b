"""One module per Twilio resource or product API: how it renders and which routes serve it.

Each module exposes ``ROUTES``; ``app.py`` mounts them all. Adding a resource is
adding a module here and listing it in ``ALL``. Product APIs are served under a
path prefix per product (``/monitor/v1/...``; see ``product.py``).
"""

from . import (
    accounts,
    calls,
    conversations,
    insights,
    messages,
    messaging,
    monitor,
    phone_numbers,
    studio,
    trunking,
    usage,
    verify,
)

ALL = (
    accounts,
    messages,
    calls,
    phone_numbers,
    usage,
    monitor,
    messaging,
    conversations,
    studio,
    verify,
    trunking,
    insights,
)
