"""Errors the tap reports to the user: each one says, in one line, what to fix."""

from __future__ import annotations


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
    """HTTP 404: the resource (or a closed subaccount) does not exist."""


class ApiUnavailableError(TapTwilioError):
    """Retries were exhausted on 429s, 5xx, resets, timeouts or invalid bodies."""
