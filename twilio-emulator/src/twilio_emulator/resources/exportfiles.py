"""BulkExport's day files: what Twilio writes in them, and the file store that serves them.

A file is gzip, one JSON record per line (twilio.com/docs/usage/bulkexport/day). Its
records are the list API's, read from the same data model at the instant the day
was exported, with the differences Twilio documents:

- Messages: no ``price_unit``, ``api_version``, ``error_message`` (``error_code``
  is there), ``uri`` or ``subresource_uris``; dates in UTC ISO 8601;
- Calls: no ``uri`` or ``subresource_uris``; dates in UTC ISO 8601;
- Conferences: no ``api_version``, ``uri`` or ``subresource_uris``; dates ISO 8601;
- Participants: no ``uri`` or ``label``; dates ISO 8601 (a conference's legs as they
  were when the day was exported: ``complete`` once it ended).

Which records a day's file holds Twilio does not say ("the resources in the file,
for a UTC day"): ``bulk_export_day`` plays both readings. ``created``: those created
that day, whatever their state (a message scheduled for later is there, undated);
``sent``: messages by ``date_sent`` and calls by ``start_time`` (so those not sent
or dialled when the day was exported are in no file); conferences and participants
go by creation either way.

The file store is S3 on Twilio (the spec's ``redirect_to`` example): a Day answers
307 to a presigned link, and the store, not Twilio's API, answers the download. It
plays S3's habits: an expired link is 403 ``AccessDenied`` "Request has expired", a
link whose signature does not match is 403 ``SignatureDoesNotMatch``, and a request
that also carries an ``Authorization`` header is 400 ``InvalidArgument`` "Only one
auth mechanism allowed" (r-lib/httr #626, penpot/penpot #10776: a client that
follows the redirect with its Twilio credentials fails). The link lasts as long as
the file (Twilio states no shorter lifetime).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..activity import Call, Message
from ..apis import FILES
from ..bulkexport import DayFile
from ..emulator import Emulator
from ..errors import EXPIRED, s3_error
from ..http import emulator
from ..timefmt import date_to_day, day_iso, iso_z
from ..voice import Conference, Participant
from ..world import Account
from . import calls, conferences, messages

MOUNT = FILES
CACHE_BYTES = 256 * 1024 * 1024  # gzip files kept in memory, newest used first
_MESSAGE_GONE = ("price_unit", "api_version", "error_message", "uri", "subresource_uris")
_CALL_GONE = ("uri", "subresource_uris")
_CONFERENCE_GONE = ("api_version", "uri", "subresource_uris")
_PARTICIPANT_GONE = ("uri", "label")


def records(emu: Emulator, account: Account, resource_type: str, day: int, at: int) -> list[dict]:
    """The records of ``account``'s file of ``day``, as written at instant ``at``."""
    render = _RENDER[resource_type]
    return [render(row, at) for row in emu.exports.rows(account, resource_type, day, at)]


def _without(record: dict, fields: tuple[str, ...]) -> dict:
    for name in fields:
        record.pop(name, None)
    return record


def _message(message: Message, at: int) -> dict:
    record = _without(messages.render(message, at), _MESSAGE_GONE)
    _, sent, updated, _ = message.state_at(at)
    record.update(
        date_created=iso_z(message.created), date_sent=iso_z(sent), date_updated=iso_z(updated)
    )
    return record


def _call(call: Call, at: int) -> dict:
    record = _without(calls.render(call, at), _CALL_GONE)
    _, start, end, updated, _ = call.state_at(at)
    record.update(
        date_created=iso_z(call.created),
        date_updated=iso_z(updated),
        start_time=iso_z(start),
        end_time=iso_z(end),
    )
    return record


def _conference(conference: Conference, at: int) -> dict:
    record = _without(conferences.render(conference, at), _CONFERENCE_GONE)
    _, updated = conference.state_at(at)
    record.update(date_created=iso_z(conference.created), date_updated=iso_z(updated))
    return record


def _participant(participant: Participant, at: int) -> dict:
    record = _without(conferences.render_participant(participant), _PARTICIPANT_GONE)
    record.update(date_created=iso_z(participant.created), date_updated=iso_z(participant.updated))
    return record


_RENDER: dict[str, Callable[[Any, int], dict]] = {
    "Messages": _message,
    "Calls": _call,
    "Conferences": _conference,
    "Participants": _participant,
}


Written = tuple[str, str, int, int]  # (account SID, resource type, day, written at)


def _key(file: DayFile) -> Written:
    return (file.account_sid, file.resource_type, file.day, file.written)


class FileStore:
    """Day files as gzip bytes (cached, newest used first), and their presigned links."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._files: OrderedDict[Written, bytes] = OrderedDict()
        self._bytes = 0
        self._sizes: dict[Written, int] = {}
        self._lock = threading.Lock()

    def content(self, emu: Emulator, file: DayFile) -> bytes:
        """The gzip file: one JSON record per line, in the order the records were created."""
        key = _key(file)
        with self._lock:
            cached = self._files.get(key)
            if cached is not None:
                self._files.move_to_end(key)
                return cached
        account = emu.world.account(file.account_sid)
        assert account is not None
        rows = records(emu, account, file.resource_type, file.day, file.written)
        body = b"".join(orjson.dumps(row) + b"\n" for row in rows)
        data = gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            self._sizes[key] = len(data)
            self._files[key] = data
            self._bytes += len(data)
            while self._bytes > CACHE_BYTES and len(self._files) > 1:
                _, dropped = self._files.popitem(last=False)
                self._bytes -= len(dropped)
        return data

    def size(self, emu: Emulator, file: DayFile) -> int:
        """The file's size in bytes (written once to know it)."""
        size = self._sizes.get(_key(file))
        return size if size is not None else len(self.content(emu, file))

    def link(self, origin: str, file: DayFile) -> str:
        """A presigned link to ``file``, valid until the file is removed."""
        day = day_iso(file.day)
        path = f"{FILES}/{file.account_sid}/{file.resource_type}/{day}/{file.written}.json.gz"
        expires = file.removed
        return f"{origin}{path}?Expires={expires}&Signature={self._sign(path, expires)}"

    def _sign(self, path: str, expires: int) -> str:
        return hmac.new(self._key, f"{path}|{expires}".encode(), hashlib.sha256).hexdigest()

    def verify(self, path: str, expires: str, signature: str) -> bool:
        try:
            expected = self._sign(path, int(expires))
        except ValueError:
            return False
        return hmac.compare_digest(expected, signature)


async def download(request: Request) -> Response:
    """A day file, if the link is genuine and current and carries no other credentials."""
    emu = emulator(request)
    store: FileStore = request.app.state.files
    if request.headers.get("authorization"):
        return s3_error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
        )
    params = request.query_params
    path = request.url.path
    if not store.verify(path, params.get("Expires", ""), params.get("Signature", "")):
        return s3_error(
            403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
        )
    now = emu.clock.now()
    if now >= int(params["Expires"]):
        return s3_error(*EXPIRED)
    p = request.path_params
    try:
        day = date_to_day(dt.date.fromisoformat(p["Day"]))
    except ValueError:
        day = None
    file = None if day is None else emu.exports.file(p["AccountSid"], p["ResourceType"], day, now)
    if file is None or file.written != int(p["Written"]):
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    return Response(store.content(emu, file), media_type="application/gzip")


ROUTES = [
    Route("/{AccountSid}/{ResourceType}/{Day}/{Written:int}.json.gz", download),
]
