"""Every stream the tap offers, in the order they sync."""

from tap_twilio.streams.api2010 import (
    AccountsStream,
    CallsStream,
    IncomingPhoneNumbersStream,
    MessagesStream,
    UsageRecordsStream,
)

STREAM_TYPES = (
    AccountsStream,
    IncomingPhoneNumbersStream,
    MessagesStream,
    CallsStream,
    UsageRecordsStream,
)
