"""Queues (``.../Queues.json``): call queues; customers waiting for an agent sit in
``support`` (the conferences still in ``init``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import emulator, find, json_response, list_response, setup_for
from ..provisioning import Queue
from ..store import Store
from ..timefmt import rfc2822
from ..world import Account

API = "/2010-04-01"


def render(queue: Queue, account: Account, store: Store) -> dict:
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
        "uri": f"{API}/Accounts/{queue.account_sid}/Queues/{queue.sid}.json",
    }


async def list_queues(request: Request) -> Response:
    account, setup = setup_for(request)
    store = emulator(request).store
    return list_response(request, setup.queues, "queues", lambda q: render(q, account, store))


async def fetch_queue(request: Request) -> Response:
    account, setup = setup_for(request)
    queue = find(setup.queues, request.path_params["Sid"], request)
    return json_response(render(queue, account, emulator(request).store))


_BASE = f"{API}/Accounts/{{AccountSid}}/Queues"
ROUTES = [Route(f"{_BASE}.json", list_queues), Route(f"{_BASE}/{{Sid}}.json", fetch_queue)]
