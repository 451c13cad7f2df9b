"""BulkExport v1 (``/bulkexports/v1``): exports, their configuration, days and jobs.

The routes of ``twilio_bulkexports_v1.json``; the state is ``bulkexport.py``'s and
the files ``exportfiles.py``'s. As every product API, it serves the account of the
credentials (a subaccount with its own SID and auth token). ``Days/{Day}`` answers
307 Temporary Redirect to the day's file (``Location`` and the body's
``redirect_to``), or 404 when the day has no file yet (not exported, still running,
failed) or no longer (removed after seven days). Creating a job Twilio refuses
(an ``EndDay`` less than two days back, over the daily allowance of days, a bad
day) is 400, code 20001, with a message saying why: Twilio documents the rules,
not the codes.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import bulkexport
from ..apis import PREFIXES
from ..bulkexport import RESOURCE_TYPES, DayFile, ExportError, Job
from ..errors import bad_request, not_found
from ..http import emulator, form_params, json_response
from ..paging import SequenceListing, meta_envelope
from ..timefmt import day_iso
from .exportfiles import FileStore
from .product import account_of, origin, page_request

MOUNT = PREFIXES["bulkexports"]
VERSION = "/v1"
API = MOUNT + VERSION
DAYS_PAGE_MAX = 400  # the spec: Days "the maximum is 400"


def _resource_type(request: Request) -> str:
    value = request.path_params["ResourceType"]
    if value not in RESOURCE_TYPES:
        raise not_found(request.url.path)
    return value


def _completion_time(job: Job) -> str:
    """``2021-03-15T20:20:14.547``: the spec's example, UTC without a zone."""
    moment = dt.datetime.fromtimestamp(job.finished_at, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000")


def render_job(request: Request, job: Job, *, with_url: bool) -> dict:
    emu = emulator(request)
    now = emu.clock.now()
    record = {
        "resource_type": job.resource_type,
        "friendly_name": job.friendly_name,
        "details": bulkexport.details(job, now, emu.exports.empty_days(job, now)),
        "start_day": day_iso(job.start_day),
        "end_day": day_iso(job.end_day),
        "job_sid": job.sid,
        "webhook_url": job.webhook_url,
        "webhook_method": job.webhook_method,
        "email": job.email,
        "job_queue_position": str(emu.exports.queue_position(job, now)),
        "estimated_completion_time": _completion_time(job),
    }
    if with_url:
        record["url"] = f"{origin(request)}{API}/Exports/Jobs/{job.sid}"
    return record


async def fetch_export(request: Request) -> Response:
    account_of(request)
    resource_type = _resource_type(request)
    url = f"{origin(request)}{API}/Exports/{resource_type}"
    return json_response(
        {
            "resource_type": resource_type,
            "url": url,
            "links": {
                "days": f"{url}/Days",
                "export_custom_jobs": f"{url}/Jobs",
                "jobs": f"{origin(request)}{API}/Exports/Jobs",
            },
        }
    )


def _configuration(request: Request, resource_type: str) -> dict:
    account = account_of(request)
    config = emulator(request).exports.configuration(account.sid, resource_type)
    return {
        "url": f"{origin(request)}{API}/Exports/{resource_type}/Configuration",
        "enabled": config.enabled,
        "webhook_url": config.webhook_url or "",
        "webhook_method": config.webhook_method or "",
        "resource_type": resource_type,
    }


async def fetch_configuration(request: Request) -> Response:
    return json_response(_configuration(request, _resource_type(request)))


async def update_configuration(request: Request) -> Response:
    """``Enabled``, ``WebhookUrl``, ``WebhookMethod``: the automatic daily export."""
    resource_type = _resource_type(request)
    account = account_of(request)
    params = await form_params(request)
    emu = emulator(request)
    config = emu.exports.configuration(account.sid, resource_type)
    if "Enabled" in params:
        enabled = params["Enabled"].strip().lower()
        if enabled not in ("true", "false"):
            raise bad_request(20001, f"Invalid Enabled value: {params['Enabled']}")
        if enabled == "true" and not config.enabled:
            config.enabled_at = emu.clock.now()
        config.enabled = enabled == "true"
    if "WebhookUrl" in params:
        config.webhook_url = params["WebhookUrl"] or None
    if "WebhookMethod" in params:
        method = params["WebhookMethod"].strip().upper()
        if method and method not in ("GET", "POST"):
            raise bad_request(20001, f"Invalid WebhookMethod value: {params['WebhookMethod']}")
        config.webhook_method = method or None
    return json_response(_configuration(request, resource_type))


def _render_day(request: Request, file: DayFile) -> dict:
    files: FileStore = request.app.state.files
    return {
        "day": day_iso(file.day),
        "size": files.size(emulator(request), file),
        "resource_type": file.resource_type,
        "create_date": day_iso(file.written // 86_400),
        "friendly_name": file.friendly_name,
    }


async def list_days(request: Request) -> Response:
    """The days whose file is kept now, newest first (400 a page at most)."""
    account = account_of(request)
    resource_type = _resource_type(request)
    page = page_request(request, DAYS_PAGE_MAX)
    emu = emulator(request)
    found = emu.exports.files(account.sid, resource_type, emu.clock.now())
    listing = SequenceListing(found, key_fn=lambda f: (f.day,), token_fn=lambda f: day_iso(f.day))
    base = origin(request)
    return json_response(
        meta_envelope(page, listing, "days", lambda f: _render_day(request, f), base)
    )


async def fetch_day(request: Request) -> Response:
    """307 to the day's file; 404 when it has none now."""
    account = account_of(request)
    resource_type = _resource_type(request)
    emu = emulator(request)
    try:
        day = dt.date.fromisoformat(request.path_params["Day"])
    except ValueError:
        raise not_found(request.url.path) from None
    number = day.toordinal() - dt.date(1970, 1, 1).toordinal()
    file = emu.exports.file(account.sid, resource_type, number, emu.clock.now())
    if file is None:
        raise not_found(request.url.path)
    files: FileStore = request.app.state.files
    link = files.link(origin(request), file)
    return json_response({"redirect_to": link}, status=307, headers={"Location": link})


def _job_listing(jobs: list[Job]) -> SequenceListing[Job]:
    newest_first = sorted(jobs, key=lambda j: j.number, reverse=True)
    return SequenceListing(newest_first, key_fn=lambda j: (j.number,), token_fn=lambda j: j.sid)


async def list_jobs(request: Request) -> Response:
    account = account_of(request)
    resource_type = _resource_type(request)
    page = page_request(request)
    jobs = emulator(request).exports.listed(account.sid, resource_type)
    body = meta_envelope(
        page,
        _job_listing(jobs),
        "jobs",
        lambda job: render_job(request, job, with_url=False),
        origin(request),
    )
    return json_response(body)


async def create_job(request: Request) -> Response:
    """``StartDay``, ``EndDay``, ``FriendlyName`` (required), ``WebhookUrl`` +
    ``WebhookMethod``, ``Email``."""
    account = account_of(request)
    resource_type = _resource_type(request)
    params = await form_params(request)
    for name in ("StartDay", "EndDay", "FriendlyName"):
        if not params.get(name):
            raise bad_request(20001, f"Missing required parameter {name} in the post body")
    emu = emulator(request)
    try:
        job = emu.exports.create(
            account_sid=account.sid,
            parent_sid=account.owner_sid,
            resource_type=resource_type,
            start=params["StartDay"],
            end=params["EndDay"],
            friendly_name=params["FriendlyName"],
            webhook_url=params.get("WebhookUrl"),
            webhook_method=params.get("WebhookMethod"),
            email=params.get("Email"),
            now=emu.clock.now(),
            failed=bool(request.scope.get("state", {}).get("failed_job")),
        )
    except ExportError as exc:
        raise bad_request(20001, str(exc)) from None
    emu.export_jobs_created(job)
    return json_response(render_job(request, job, with_url=False), status=201)


def _owned_job(request: Request) -> Job:
    account = account_of(request)
    job = emulator(request).exports.jobs.get(request.path_params["JobSid"])
    if job is None or job.account_sid != account.sid:
        raise not_found(request.url.path)
    return job


async def fetch_job(request: Request) -> Response:
    return json_response(render_job(request, _owned_job(request), with_url=True))


async def delete_job(request: Request) -> Response:
    """Days not exported yet become ``DeletedByUserRequest``; files written stay."""
    job = _owned_job(request)
    if job.deleted_at is not None:
        raise not_found(request.url.path)
    emu = emulator(request)
    emu.exports.delete(job, emu.clock.now())
    return Response(status_code=204)


_TYPE = "/Exports/{ResourceType}"
ROUTES = [
    Route(f"{VERSION}/Exports/Jobs/{{JobSid}}", fetch_job, methods=["GET"]),
    Route(f"{VERSION}/Exports/Jobs/{{JobSid}}", delete_job, methods=["DELETE"]),
    Route(f"{VERSION}{_TYPE}", fetch_export, methods=["GET"]),
    Route(f"{VERSION}{_TYPE}/Configuration", fetch_configuration, methods=["GET"]),
    Route(f"{VERSION}{_TYPE}/Configuration", update_configuration, methods=["POST"]),
    Route(f"{VERSION}{_TYPE}/Days", list_days, methods=["GET"]),
    Route(f"{VERSION}{_TYPE}/Days/{{Day}}", fetch_day, methods=["GET"]),
    Route(f"{VERSION}{_TYPE}/Jobs", list_jobs, methods=["GET"]),
    Route(f"{VERSION}{_TYPE}/Jobs", create_job, methods=["POST"]),
]
