"""TapTwilio: the settings it takes, the streams it offers, and one run's lifetime."""

from __future__ import annotations

import re
import sys
from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_twilio import windows
from tap_twilio.check import run_checks
from tap_twilio.errors import ConfigError, TapTwilioError
from tap_twilio.output import OrjsonWriter
from tap_twilio.session import Session
from tap_twilio.settings import CONFIG_SCHEMA, Settings, unknown_settings
from tap_twilio.streams import STREAM_TYPES
from tap_twilio.undated import quiet_null_bookmarks

_CONFIG_PATH = re.compile(r"^(?P<message>.*) in config\[(?P<path>.*)\]$", re.DOTALL)


class TapTwilio(Tap):
    """Singer tap for Twilio: the 2010 REST API and the product APIs, every account."""

    name = "tap-twilio"
    package_name = "switchboard-tap-twilio"
    message_writer_class = OrjsonWriter  # the SDK's messages, serialized by orjson
    # The SDK's defaults minus activate-version: the tap never emits ACTIVATE_VERSION.
    capabilities: ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.BATCH,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]
    config_jsonschema = CONFIG_SCHEMA

    def __init__(self, *args: Any, validate_config: bool = True, **kwargs: Any) -> None:
        self._strict = validate_config  # discovery passes False: it needs no credentials
        try:
            super().__init__(*args, validate_config=validate_config, **kwargs)
        except ConfigValidationError as exc:
            raise ConfigError(_one_line(exc)) from None
        _ = self.settings  # every setting checked before any request
        self._check_unknown_settings()
        quiet_null_bookmarks()

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_config(
            self.config, today=windows.utc_today(), require_credentials=self._strict
        )

    @cached_property
    def session(self) -> Session:
        return Session(self.settings, self.logger, f"{self.name}/{self.plugin_version}")

    def discover_streams(self) -> list[Stream]:
        """Streams are static: discovery makes no network call."""
        return [stream_type(self, self.session) for stream_type in STREAM_TYPES]

    def sync_all(self) -> None:
        """Sync every stream, then log what the HTTP layer went through, even on failure."""
        try:
            super().sync_all()
        finally:
            if isinstance(self.message_writer, OrjsonWriter):
                self.message_writer.write_block()  # the records no STATE followed
            self.session.close()
            self.logger.info(self.session.records_summary())
            self.logger.info(self.session.summary())

    def run_connection_test(self) -> bool:
        """``--test``: one line per check (credentials, accounts, each API), no record."""
        failed = []
        try:
            for check in run_checks(self.session, list(self.streams.values())):
                sys.stderr.write(check.line() + "\n")
                if not check.passed:
                    failed.append(check)
        finally:
            self.session.close()
        requests = self.session.requests_made
        if failed:
            raise TapTwilioError(f"--test failed: {failed[0].what}: {failed[0].detail}")
        sys.stderr.write(
            f"tap-twilio --test: every check passed ({requests} requests, no record written)\n"
        )
        return True

    def _check_unknown_settings(self) -> None:
        """A setting the tap does not know is most likely a typo: say which one was meant."""
        known = set(self.config_jsonschema.get("properties", {}))
        lines = unknown_settings(self.config, known)
        if lines and self.config.get("strict_settings"):
            raise ConfigError(f"{lines[0]}; strict_settings is on")
        for line in lines:
            self.logger.warning("%s: it is ignored", line)


def _one_line(exc: ConfigValidationError) -> str:
    """The SDK's first validation error as ``<setting>: <what is wrong>``."""
    first = exc.errors[0] if exc.errors else str(exc)
    match = _CONFIG_PATH.match(first)
    if match is None:
        return first
    setting = ".".join(part.strip("'\"") for part in match["path"].split("]["))
    return f"{setting}: {match['message']}"
