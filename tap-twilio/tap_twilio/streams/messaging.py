"""Messaging v1 (``messaging.twilio.com/v1``): Messaging Services and their senders."""

from __future__ import annotations

from typing import ClassVar

from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ProductChildStream, ProductStream


class MessagingServicesStream(ProductStream):
    """Messaging Services: the ``messaging_service_sid`` messages carry."""

    name = "messaging_services"
    api = "messaging"
    path = "/v1/Services"
    records_key = "services"
    spec = ("twilio_messaging_v1", "messaging.v1.service")
    child_context_keys: ClassVar[dict[str, str]] = {"service_sid": "sid"}


class MessagingServicePhoneNumbersStream(ProductChildStream):
    """The phone numbers in each service's sender pool."""

    parent_stream_type = MessagingServicesStream
    name = "messaging_service_phone_numbers"
    api = "messaging"
    path = "/v1/Services/{service_sid}/PhoneNumbers"
    records_key = "phone_numbers"
    primary_keys = ("service_sid", "sid")
    spec = ("twilio_messaging_v1", "messaging.v1.service.phone_number")
    private_fields = Fields(phones=("phone_number",))


STREAMS = (
    MessagingServicesStream,
    MessagingServicePhoneNumbersStream,
)
