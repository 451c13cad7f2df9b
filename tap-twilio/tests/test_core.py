"""The Singer SDK's standard tap tests for every stream (off-by-default ones selected)."""

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_twilio.tap import TapTwilio
from tests.emulated import tap_config


def every_stream_selected() -> dict:
    """The discovered catalog with every stream selected, the off-by-default ones too."""
    catalog = TapTwilio(config=tap_config()).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = True
    return catalog


TestTapTwilio = get_tap_test_class(
    tap_class=TapTwilio,
    config=tap_config(),
    catalog=every_stream_selected(),
    suite_config=SuiteConfig(max_records_limit=200),
)
