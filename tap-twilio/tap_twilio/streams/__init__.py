"""Every stream the tap offers, in the order they sync (children follow their parent).

A product API's streams are declared in its module only: the module's ``STREAMS``
lists them (a parent before its children) and ``PRODUCT_MODULES`` lists the modules.
The product APIs the tap reads (``PRODUCTS``: their hosts and base-URL settings)
derive from the streams' ``api``.
"""

from types import ModuleType

from tap_twilio import bulk, hosts
from tap_twilio.streams import (
    conversations,
    insights,
    messaging,
    monitor,
    pricing,
    studio,
    taskrouter,
    trunking,
    verify,
)
from tap_twilio.streams.api2010 import (
    AccountsStream,
    CallsStream,
    IncomingPhoneNumbersStream,
    MessageMediaStream,
    MessagesStream,
    MonthlyUsageRecordsStream,
    UsageRecordsStream,
)
from tap_twilio.streams.base import TwilioStream
from tap_twilio.streams.console import (
    AccountBalanceStream,
    AddressesStream,
    ApplicationsStream,
    DependentPhoneNumbersStream,
    KeysStream,
    OutgoingCallerIdsStream,
    ShortCodesStream,
    UsageTriggersStream,
)
from tap_twilio.streams.numbers import (
    AvailablePhoneNumberCountriesStream,
    AvailablePhoneNumbersLocalStream,
    AvailablePhoneNumbersMobileStream,
    AvailablePhoneNumbersTollFreeStream,
)
from tap_twilio.streams.voice import (
    CallEventsStream,
    ConferenceParticipantsStream,
    ConferencesStream,
    QueuesStream,
    RecordingsStream,
    TranscriptionsStream,
)

# Product APIs, per account and subaccount with each account's own credentials (Pricing:
# Twilio's catalog, once), in the order they sync.
PRODUCT_MODULES: tuple[ModuleType, ...] = (
    monitor,
    messaging,
    conversations,
    studio,
    verify,
    trunking,
    insights,
    taskrouter,
    pricing,
)

STREAM_TYPES: tuple[type[TwilioStream], ...] = (
    # API 2010, per account and subaccount.
    AccountsStream,
    AccountBalanceStream,
    IncomingPhoneNumbersStream,
    AddressesStream,
    DependentPhoneNumbersStream,
    ApplicationsStream,
    KeysStream,
    OutgoingCallerIdsStream,
    ShortCodesStream,
    QueuesStream,
    MessagesStream,
    MessageMediaStream,
    CallsStream,
    CallEventsStream,
    ConferencesStream,
    ConferenceParticipantsStream,
    RecordingsStream,
    TranscriptionsStream,
    UsageRecordsStream,
    MonthlyUsageRecordsStream,
    UsageTriggersStream,
    AvailablePhoneNumberCountriesStream,
    AvailablePhoneNumbersLocalStream,
    AvailablePhoneNumbersMobileStream,
    AvailablePhoneNumbersTollFreeStream,
    # Product APIs (see PRODUCT_MODULES).
    *(stream for module in PRODUCT_MODULES for stream in module.STREAMS),
)

# BulkExport's host, for the streams Twilio exports (messages, calls: see ``bulk``).
EXPORT_API = bulk.API
# The product APIs the tap reads, by host name: the streams' (monitor, ..., pricing),
# then BulkExport's if a stream backfills from it, in that order.
PRODUCTS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *(stream.api for stream in STREAM_TYPES if stream.api != hosts.API),
            *(EXPORT_API for stream in STREAM_TYPES if getattr(stream, "bulk_export", None)),
        ]
    )
)
