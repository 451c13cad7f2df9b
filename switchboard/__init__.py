"""Switchboard: the project glue around tap-twilio, the emulator, Meltano and dbt."""
