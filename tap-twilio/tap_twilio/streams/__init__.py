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
from tap_twilio.streams.conversations import (
    ConversationMessagesStream,
    ConversationParticipantsStream,
    ConversationsStream,
    UserConversationsStream,
    UsersStream,
)
from tap_twilio.streams.insights import CallSummariesStream
from tap_twilio.streams.messaging import (
    MessagingServicePhoneNumbersStream,
    MessagingServicesStream,
)
from tap_twilio.streams.monitor import AlertsStream, MonitorEventsStream
from tap_twilio.streams.numbers import (
    AvailablePhoneNumberCountriesStream,
    AvailablePhoneNumbersLocalStream,
    AvailablePhoneNumbersMobileStream,
    AvailablePhoneNumbersTollFreeStream,
)
from tap_twilio.streams.studio import ExecutionsStream, ExecutionStepsStream, FlowsStream
from tap_twilio.streams.trunking import TrunksStream
from tap_twilio.streams.verify import VerificationAttemptsStream, VerifyServicesStream
from tap_twilio.streams.voice import (
    CallEventsStream,
    ConferenceParticipantsStream,
    ConferencesStream,
    QueuesStream,
    RecordingsStream,
    TranscriptionsStream,
)

STREAM_TYPES = (
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
    # Product APIs, per account and subaccount, with each account's own credentials.
    AlertsStream,
    MonitorEventsStream,
    MessagingServicesStream,
    MessagingServicePhoneNumbersStream,
    ConversationsStream,
    ConversationMessagesStream,
    ConversationParticipantsStream,
    UsersStream,
    UserConversationsStream,
    FlowsStream,
    ExecutionsStream,
    ExecutionStepsStream,
    VerifyServicesStream,
    VerificationAttemptsStream,
    TrunksStream,
    CallSummariesStream,
)
