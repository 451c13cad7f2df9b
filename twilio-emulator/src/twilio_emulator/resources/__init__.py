"""One module per Twilio resource or product API: how it renders and which routes serve it.

Each module exposes ``ROUTES`` (paths relative to its API's prefix) and ``MOUNT``
(that prefix, from ``apis``); ``app.py`` mounts them all. Adding a resource is
adding a module here and listing it in ``ALL``. A product module may declare its
lists as data (``LISTS``, see ``lists.py``): ``LISTS`` here collects them for the
truth, ``/_emulator/info`` and the tests.
"""

from __future__ import annotations

from collections import defaultdict
from types import ModuleType

from starlette.routing import BaseRoute, Mount

from . import (
    accounts,
    addresses,
    applications,
    available_numbers,
    balance,
    bulkexports,
    call_events,
    caller_ids,
    calls,
    conferences,
    conversations,
    exportfiles,
    insights,
    keys,
    media,
    messages,
    messaging,
    monitor,
    phone_numbers,
    pricing,
    queues,
    recordings,
    short_codes,
    studio,
    taskrouter,
    transcriptions,
    trunking,
    usage,
    usage_triggers,
    verify,
)
from .lists import ProductList

ALL: tuple[ModuleType, ...] = (
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
    taskrouter,
    pricing,
    bulkexports,
    exportfiles,
)
# Every list declared as data, in ``ALL``'s order.
LISTS: tuple[ProductList, ...] = tuple(
    item for module in ALL for item in getattr(module, "LISTS", ())
)


def mounts() -> list[BaseRoute]:
    """Every module's routes, mounted under its API's prefix (one ``Mount`` per API)."""
    by_prefix: dict[str, list[BaseRoute]] = defaultdict(list)
    for module in ALL:
        by_prefix[module.MOUNT] += module.ROUTES
    return [Mount(prefix, routes=routes) for prefix, routes in by_prefix.items()]
