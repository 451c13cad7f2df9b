"""``tap-twilio --test``: check what a run needs, say what was checked, write no record.

The SDK's own test syncs one record of every stream and logs an "unhandled error"
for each stream it stops; a user cannot tell a passed test from a failed one. This
asks Twilio the few questions a run depends on, one request each, with the run's
own clients (so the same retries, timeouts and error lines), and prints one line
per answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tap_twilio import bulk, hosts
from tap_twilio.client import instance_shape, list_shape
from tap_twilio.errors import TapTwilioError
from tap_twilio.session import Session
from tap_twilio.streams.base import API_2010, TwilioStream, is_served


@dataclass(frozen=True)
class Check:
    what: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"tap-twilio --test: {'ok' if self.passed else 'FAILED'}: {self.what}: {self.detail}"


def run_checks(session: Session, streams: list[TwilioStream]) -> Iterator[Check]:
    """The credentials, the accounts they reach, and each API host the streams read."""
    settings = session.settings
    main = settings.account_sid
    try:
        account = session.client().get(
            f"{API_2010}/Accounts/{main}.json", None, instance_shape(("sid",))
        )
    except TapTwilioError as exc:
        yield Check("credentials", False, str(exc))
        return
    yield Check(
        "credentials",
        True,
        f"accepted for {main} ({account.get('friendly_name')}, {account.get('status')})",
    )
    listed = session.client().get(
        f"{API_2010}/Accounts.json", {"PageSize": 1000}, list_shape("accounts")
    )["accounts"]
    readable = [a for a in listed if is_served(a) and settings.reads_account(a["sid"])]
    yield Check(
        "accounts",
        True,
        f"{len(readable)} to read of {len(listed)} listed (main account and subaccounts; "
        "closed, suspended and excluded ones are not read)",
    )
    for api in sorted({stream.api for stream in streams} - {hosts.API}):
        probe = next(
            (s for s in streams if s.api == api and s.records_key and "{" not in s.path), None
        )
        if probe is None:
            continue
        url = settings.base_urls[api]
        try:
            session.client(api).get(probe.path, {"PageSize": 1}, list_shape(probe.records_key))
        except TapTwilioError as exc:
            yield Check(f"{api} API", False, f"{url}: {exc}")
        else:
            yield Check(f"{api} API", True, f"{url} answers ({probe.name})")
    if settings.backfill_method != "list":
        yield _bulk_export_check(session)


def _bulk_export_check(session: Session) -> Check:
    """BulkExport answers these credentials (a backfill would create jobs there)."""
    url = session.settings.base_urls[bulk.API]
    try:
        session.client(bulk.API).get(
            f"{bulk.EXPORTS}/Messages", None, instance_shape(("resource_type",))
        )
    except TapTwilioError as exc:
        return Check("bulkexports API", False, f"{url}: {exc}")
    return Check(
        "bulkexports API",
        True,
        f"{url} answers (backfill_method {session.settings.backfill_method})",
    )
