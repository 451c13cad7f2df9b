"""Twilio's error body: ``{"code", "message", "more_info", "status"}``; and the file
store's (S3's XML) for BulkExport downloads."""

from __future__ import annotations

import secrets

import orjson
from starlette.responses import Response


class TwilioError(Exception):
    """Raised anywhere in a handler; the app turns it into Twilio's JSON error response."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.detail = detail

    def body(self) -> dict:
        body: dict = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        if self.detail is not None:
            body["detail"] = self.detail
        return body


def error_response(error: TwilioError) -> Response:
    """Twilio's JSON error body, status and headers (e.g. ``WWW-Authenticate`` on a 401)."""
    return Response(
        orjson.dumps(error.body()),
        status_code=error.status,
        media_type="application/json; charset=utf-8",
        headers=error.headers,
    )


def not_found(path: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {path} was not found")


def forbidden() -> TwilioError:
    """A suspended account's resources (Twilio's error 20403)."""
    return TwilioError(
        403,
        20403,
        "The account lacks permission to access the Twilio API. Typically this means the "
        "account has been suspended or closed.",
    )


def unauthorized() -> TwilioError:
    return TwilioError(
        401,
        20003,
        "Authenticate",
        detail="",
        headers={"WWW-Authenticate": 'Basic realm="Twilio API"'},
    )


def bad_request(code: int, message: str) -> TwilioError:
    return TwilioError(400, code, message)


def s3_error(status: int, code: str, message: str) -> Response:
    """An error as S3, BulkExport's file store, writes it (XML), not as Twilio does."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


# A presigned link used after its expiry (AWS S3: 403 AccessDenied "Request has expired").
EXPIRED = (403, "AccessDenied", "Request has expired")
