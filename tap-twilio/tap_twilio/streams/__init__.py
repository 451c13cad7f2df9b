"""Every stream the tap offers, in the order they sync."""

from tap_twilio.streams.api2010 import (
    AccountsStream,
    CallsStream,
    IncomingPhoneNumbersStream,
    MessagesStream,
    UsageRecordsStream,
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
from tap_twilio.streams.studio import ExecutionsStream, ExecutionStepsStream, FlowsStream
from tap_twilio.streams.trunking import TrunksStream
from tap_twilio.streams.verify import VerificationAttemptsStream, VerifyServicesStream

STREAM_TYPES = (
    # API 2010, per account and subaccount.
    AccountsStream,
    IncomingPhoneNumbersStream,
    MessagesStream,
    CallsStream,
    UsageRecordsStream,
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
