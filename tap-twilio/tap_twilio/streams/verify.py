"""Verify v2 (``verify.twilio.com/v2``): services and verification attempts."""

from __future__ import annotations

import datetime as dt

from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductStream, ProductWindowStream, day_bounds


class VerifyServicesStream(ProductStream):
    name = "verify_services"
    api = "verify"
    path = "/v2/Services"
    records_key = "services"
    primary_keys = ("sid",)
    spec = ("twilio_verify_v2", "verify.v2.service")


class VerificationAttemptsStream(ProductWindowStream):
    """Each one-time code sent (SMS, call, WhatsApp...), its price and whether it converted.

    ``conversion_status`` changes minutes after creation; ``lookback_days``
    re-reads pick it up.
    """

    name = "verification_attempts"
    api = "verify"
    path = "/v2/Attempts"
    records_key = "attempts"
    primary_keys = ("sid",)
    replication_key = "date_created"
    spec = ("twilio_verify_v2", "verify.v2.verification_attempt")
    private_fields = Fields(phones=("channel_data.to",))

    def window_params(self, day: dt.date) -> dict[str, str]:
        start, end = day_bounds(day)
        return {"DateCreatedAfter": start, "DateCreatedBefore": end}
