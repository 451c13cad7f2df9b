"""Verify v2 (``verify.twilio.com/v2``): services and verification attempts.

Verify lists allow at most 25 records a page (error 60373 above it).
"""

from __future__ import annotations

from tap_twilio import windows
from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductStream, ProductWindowStream


class VerifyServicesStream(ProductStream):
    """Verify services: each sends one-time codes under its own name and settings."""

    name = "verify_services"
    api = "verify"
    path = "/v2/Services"
    records_key = "services"
    max_page_size = 25
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
    max_page_size = 25
    replication_key = "date_created"
    window = windows.DateFilter("DateCreatedAfter", "DateCreatedBefore", instants=True)
    spec = ("twilio_verify_v2", "verify.v2.verification_attempt")
    private_fields = Fields(phones=("channel_data.to",))


STREAMS = (
    VerifyServicesStream,
    VerificationAttemptsStream,
)
