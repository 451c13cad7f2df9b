"""Errors the tap reports to the user, and the Twilio error codes it acts on.

Each error says, in one line, what to fix; the CLI prints ``tap-twilio: <message>``.
"""

from __future__ import annotations


class TwilioCode:
    """Twilio's error codes (twilio.com/docs/api/errors) that change what the tap does."""

    AUTHENTICATION = 20003  # 401: the credentials were refused
    RETENTION = 20004  # 400: "Date range ... outside of retention window of 400 days"
    PAGE_SIZE_TOO_LARGE = 20007  # 400: ask again with smaller pages
    VERIFY_PAGE_SIZE = 60373  # 400 "Invalid page size" (Verify: 1 to 25)
    NOT_FOUND = 20404  # 404: no such resource (or none for this account)
    TOO_MANY_REQUESTS = 20429  # 429: over the concurrency limit


# 400s that mean "ask again with smaller pages".
PAGE_SIZE_CODES = frozenset({TwilioCode.PAGE_SIZE_TOO_LARGE, TwilioCode.VERIFY_PAGE_SIZE})


class TapTwilioError(Exception):
    """Base class: the CLI prints ``tap-twilio: <message>`` and exits non-zero."""


class ConfigError(TapTwilioError):
    """A setting is missing or malformed; raised before any request is made."""


class AuthenticationError(TapTwilioError):
    """Twilio rejected the credentials (HTTP 401)."""


class ApiError(TapTwilioError):
    """Twilio answered with an error that retrying will not fix."""

    def __init__(self, message: str, *, status: int, code: int | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class NotFoundError(ApiError):
    """HTTP 404: the resource does not exist (for this account)."""


class ApiUnavailableError(TapTwilioError):
    """Retries were exhausted on 429s, 5xx, resets, timeouts or invalid bodies."""


class ExportLinkExpired(TapTwilioError):
    """A BulkExport file's link was refused by its store (403): ask Twilio for a new one."""


class ExportFileMissing(TapTwilioError):
    """A BulkExport file is no longer in its store (404): it was removed (after 7 days)."""
