"""Studio v2 (``/studio/v2``): flows, their executions and each execution's steps."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import PREFIXES
from ..emulator import Emulator
from ..errors import bad_request, not_found
from ..http import emulator
from ..products import console_user_sid, studio
from ..products.studio import Execution, Flow, Step
from ..timefmt import iso_z
from ..world import Account
from .product import InstantRange, account_of, meta_list, page_request

MOUNT = PREFIXES["studio"]
VERSION = "/v2"
API = MOUNT + VERSION  # absolute path, for the URLs records carry


def render_flow(flow: Flow, author_sid: str, base: str) -> dict:
    url = f"{base}{API}/Flows/{flow.sid}"
    return {
        "account_sid": flow.account_sid,
        "author_sid": author_sid,
        "commit_message": None,
        "date_created": iso_z(flow.created),
        "date_updated": iso_z(flow.updated),
        "definition": None,
        "errors": None,
        "friendly_name": flow.friendly_name,
        "links": {
            k: f"{url}/{v}"
            for k, v in (
                ("test_users", "TestUsers"),
                ("revisions", "Revisions"),
                ("executions", "Executions"),
            )
        },
        "revision": flow.revision,
        "sid": flow.sid,
        "status": flow.status,
        "url": url,
        "valid": None,
        "warnings": None,
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{flow.account_sid}/Flows/{flow.sid}",
    }


async def list_flows(request: Request) -> Response:
    emu = emulator(request)
    account = account_of(request)
    page = page_request(request)
    now = emu.clock.now()
    seed = emu.world.seed
    author = console_user_sid(seed, account)
    return meta_list(
        request,
        page,
        [f for f in studio.flows(seed, account) if f.created <= now],
        "flows",
        lambda f, base: render_flow(f, author, base),
        key=lambda f: (f.created, f.sid),
    )


def _flow(request: Request) -> tuple[Emulator, Account, Flow]:
    emu = emulator(request)
    account = account_of(request)
    for flow in studio.flows(emu.world.seed, account):
        if flow.sid == request.path_params["FlowSid"]:
            return emu, account, flow
    raise not_found(request.url.path)


def _executions(emu: Emulator, account: Account, flow: Flow, days: range) -> list[Execution]:
    """The flow's executions started by now, from calls created on ``days`` or the day before."""
    now = emu.clock.now()
    return [
        e
        for day in range(days.start - 1, days.stop)
        for e in studio.executions(emu.store, account, day)
        if e.flow.sid == flow.sid and e.created <= now
    ]


def render_execution(e: Execution, now: int, base: str) -> dict:
    url = f"{base}{API}/Flows/{e.flow.sid}/Executions/{e.sid}"
    ended = now >= e.ended
    return {
        "account_sid": e.account_sid,
        "contact_channel_address": e.call.from_,
        "contact_sid": e.contact_sid,
        "context": {},
        "date_created": iso_z(e.created),
        "date_updated": iso_z(e.ended) if ended else None,
        "flow_sid": e.flow.sid,
        "flow_version": e.flow.revision,
        "initiated_by": e.call.sid,
        "links": {"steps": f"{url}/Steps", "execution_context": f"{url}/Context"},
        "sid": e.sid,
        "status": "ended" if ended else "active",
        "url": url,
    }


async def list_executions(request: Request) -> Response:
    """Filters: ``DateCreatedFrom``/``DateCreatedTo`` (inclusive instants) and ``status``."""
    emu, account, flow = _flow(request)
    page = page_request(request)
    filters = dict(page.filters)
    window = InstantRange(filters, "DateCreatedFrom", "DateCreatedTo")
    status = filters.get("status")
    if status is not None and status not in ("active", "ended"):
        raise bad_request(20001, f"Invalid status value: {status}")
    now = emu.clock.now()
    days = window.days(emu.store.first_day(account), emu.store.today)
    rows = [
        e
        for e in _executions(emu, account, flow, days)
        if window.contains(e.created)
        and (status is None or ("ended" if now >= e.ended else "active") == status)
    ]
    return meta_list(
        request,
        page,
        rows,
        "executions",
        lambda e, base: render_execution(e, now, base),
        key=lambda e: (e.created, e.sid),
    )


def render_step(e: Execution, step: Step, base: str) -> dict:
    url = f"{base}{API}/Flows/{e.flow.sid}/Executions/{e.sid}/Steps/{step.sid}"
    return {
        "account_sid": e.account_sid,
        "context": {},
        "date_created": iso_z(step.at),
        "date_updated": None,
        "execution_sid": e.sid,
        "flow_sid": e.flow.sid,
        "links": {"step_context": f"{url}/Context"},
        "name": step.name,
        "parent_step_sid": None,
        "sid": step.sid,
        "transitioned_from": step.transitioned_from,
        "transitioned_to": step.transitioned_to,
        "type": step.type,
        "url": url,
    }


async def list_steps(request: Request) -> Response:
    emu, account, flow = _flow(request)
    sid = request.path_params["ExecutionSid"]
    days = range(emu.store.first_day(account), emu.store.today + 1)
    execution = next((e for e in _executions(emu, account, flow, days) if e.sid == sid), None)
    if execution is None:
        raise not_found(request.url.path)
    page = page_request(request)
    now = emu.clock.now()
    return meta_list(
        request,
        page,
        [s for s in execution.steps if s.at <= now],
        "steps",
        lambda s, base: render_step(execution, s, base),
        key=lambda s: (s.at, s.sid),
    )


ROUTES = [
    Route(f"{VERSION}/Flows", list_flows),
    Route(f"{VERSION}/Flows/{{FlowSid}}/Executions", list_executions),
    Route(f"{VERSION}/Flows/{{FlowSid}}/Executions/{{ExecutionSid}}/Steps", list_steps),
]
