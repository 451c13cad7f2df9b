"""A faithful local emulator of the Twilio REST API."""

__version__ = "0.1.0"
