"""What the console-setup resources share (addresses, apps, keys, caller IDs, queues,
short codes, usage triggers): a list and a fetch route over one kind of an account's
``Provisioning``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import Filter, find, json_response, list_response, setup_for
from ..provisioning import Provisioning

# Renders one record for a request (some need the account and the clock it reaches).
Render = Callable[[Any, Request], dict]


def routes(
    path: str,
    records_key: str,
    rows: Callable[[Provisioning], list],
    render: Render,
    filters: Mapping[str, Filter] | None = None,
) -> list[Route]:
    """``<path>.json`` (newest first, with ``filters``) and ``<path>/{Sid}.json``."""

    async def list_rows(request: Request) -> Response:
        _, setup = setup_for(request)
        return list_response(
            request, rows(setup), records_key, lambda row: render(row, request), filters
        )

    async def fetch_row(request: Request) -> Response:
        _, setup = setup_for(request)
        row = find(rows(setup), request.path_params["Sid"], request)
        return json_response(render(row, request))

    return [Route(f"{path}.json", list_rows), Route(f"{path}/{{Sid}}.json", fetch_row)]
