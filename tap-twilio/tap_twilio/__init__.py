"""Singer tap for Twilio, built with the Meltano Singer SDK."""
