"""Queues (``.../Queues.json``): call queues; customers waiting for an agent sit in
``support`` (the conferences still in ``init``)."""

from __future__ import annotations

from starlette.requests import Request

from ..apis import API_2010
from ..http import account_for, emulator
from ..provisioning import Queue
from ..timefmt import rfc2822
from . import console

MOUNT = API_2010


def render(queue: Queue, request: Request) -> dict:
    account = account_for(request, queue.account_sid)
    store = emulator(request).store
    now = store.clock.now()
    waiting = store.waiting_conferences(account) if queue.friendly_name == "support" else []
    waits = [now - c.created for c in waiting]
    return {
        "account_sid": queue.account_sid,
        "average_wait_time": sum(waits) // len(waits) if waits else 0,
        "current_size": len(waiting),
        "date_created": rfc2822(queue.created),
        "date_updated": rfc2822(queue.created),
        "friendly_name": queue.friendly_name,
        "max_size": queue.max_size,
        "sid": queue.sid,
        "uri": f"{API_2010}/Accounts/{queue.account_sid}/Queues/{queue.sid}.json",
    }


ROUTES = console.routes(
    "/Accounts/{AccountSid}/Queues", "queues", lambda setup: setup.queues, render
)
