"""The Singer SDK's standard tap tests, run against the emulator."""

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_twilio.tap import TapTwilio
from tests.emulated import tap_config

TestTapTwilio = get_tap_test_class(
    tap_class=TapTwilio,
    config=tap_config(),
    suite_config=SuiteConfig(max_records_limit=200),
)
