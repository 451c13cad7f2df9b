"""Console entry point: the SDK's CLI, with our errors reported as one clear line."""

from __future__ import annotations

import sys

from tap_twilio.errors import TapTwilioError
from tap_twilio.tap import TapTwilio


def main() -> None:
    try:
        TapTwilio.cli()
    except TapTwilioError as exc:
        sys.stderr.write(f"tap-twilio: {exc}\n")
        sys.exit(1)
