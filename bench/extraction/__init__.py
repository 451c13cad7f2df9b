"""make bench: tap-twilio beside Airbyte and singer-io on the same data, then the pipeline."""
