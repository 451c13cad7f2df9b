"""Contract tests for the Twilio API emulator: the wire format a Twilio client relies on."""
