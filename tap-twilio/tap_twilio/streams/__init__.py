"""Every stream the tap offers, in the order they sync (children follow their parent)."""

from tap_twilio.streams.api2010 import (
    AccountsStream,
    CallsStream,
    IncomingPhoneNumbersStream,
    MessageMediaStream,
    MessagesStream,
    MonthlyUsageRecordsStream,
    UsageRecordsStream,
)
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

STREAM_TYPES = (
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
)
