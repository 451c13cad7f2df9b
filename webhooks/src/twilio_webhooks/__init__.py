"""twilio-webhooks: a signed, idempotent, durable receiver for Twilio webhooks."""

__version__ = "0.1.0"
