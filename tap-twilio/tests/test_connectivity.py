"""Which URL each API is read from: Twilio's hosts, regions and edges, explicit base URLs,
and next-page links rebased onto them."""

from __future__ import annotations

import logging

import pytest

from tap_twilio.client import TwilioClient
from tap_twilio.errors import ConfigError
from tap_twilio.settings import CONFIG_SCHEMA
from tap_twilio.streams import EXPORT_API, PRODUCTS, STREAM_TYPES
from tap_twilio.tap import TapTwilio
from tests.emulated import tap_config

MINIMAL = {"account_sid": "AC" + "0" * 32, "auth_token": "x" * 32}


def urls(**settings: object) -> dict[str, str]:
    return dict(TapTwilio(config={**MINIMAL, **settings}).settings.base_urls)


def test_default_hosts() -> None:
    """Each product API the streams read is served from its own host, named as it."""
    assert urls() == {
        "api": "https://api.twilio.com",
        **{product: f"https://{product}.twilio.com" for product in PRODUCTS},
    }
    assert urls()["insights"] == "https://insights.twilio.com"  # Voice Insights' host


def test_region_and_edge_apply_to_every_host() -> None:
    result = urls(region="ie1", edge="dublin")
    assert result["api"] == "https://api.dublin.ie1.twilio.com"
    assert result["monitor"] == "https://monitor.dublin.ie1.twilio.com"
    assert result["insights"] == "https://insights.dublin.ie1.twilio.com"
    assert urls(region="au1")["studio"] == "https://studio.au1.twilio.com"
    # As Twilio's helper libraries do: an edge alone means region us1.
    assert urls(edge="sydney")["verify"] == "https://verify.sydney.us1.twilio.com"


def test_explicit_base_urls_are_used_as_is() -> None:
    result = urls(
        region="ie1",
        edge="dublin",
        base_url="http://127.0.0.1:8765/",
        product_base_urls={"monitor": "http://127.0.0.1:8765/monitor"},
    )
    assert result["api"] == "http://127.0.0.1:8765"
    assert result["monitor"] == "http://127.0.0.1:8765/monitor"
    assert result["studio"] == "https://studio.dublin.ie1.twilio.com"


def test_one_setting_points_every_product_at_one_base() -> None:
    result = urls(
        base_url="http://127.0.0.1:8765",
        products_base_url="http://127.0.0.1:8765/",
        product_base_urls={"monitor": "http://127.0.0.1:9999/m"},
    )
    assert result["studio"] == "http://127.0.0.1:8765/studio"
    assert result["insights"] == "http://127.0.0.1:8765/insights"
    assert result["monitor"] == "http://127.0.0.1:9999/m"  # the specific setting wins


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"region": "Ireland"}, "region 'Ireland' is not a Twilio region"),
        ({"edge": "dublin.ie1"}, "edge 'dublin.ie1' is not a Twilio edge"),
        ({"product_base_urls": {"video": "http://x"}}, "product_base_urls has unknown product"),
        ({"product_base_urls": {"studio": "studio.example"}}, "product_base_urls.studio"),
        ({"base_url": "ftp://example.com"}, "base_url 'ftp://example.com' is not an http"),
        ({"products_base_url": "localhost:8765"}, "products_base_url 'localhost:8765' is not"),
    ],
)
def test_bad_connectivity_settings_are_named(settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        TapTwilio(config={**MINIMAL, **settings})


def client(base_url: str) -> TwilioClient:
    return TwilioClient(
        base_url=base_url,
        username="AC",
        password="secret",
        credential_hint="",
        host_setting="base_url",
        timeout=1,
        connect_timeout=1,
        user_agent="test",
        logger=logging.getLogger("test"),
    )


def test_next_page_links_are_rebased_onto_the_configured_base() -> None:
    # Twilio's own absolute link, followed through a proxy or emulator path.
    assert (
        client("http://127.0.0.1:9/monitor").url(
            "https://monitor.twilio.com/v1/Alerts?PageSize=50&Page=1&PageToken=PANO1"
        )
        == "http://127.0.0.1:9/monitor/v1/Alerts?PageSize=50&Page=1&PageToken=PANO1"
    )
    # A link that already carries the base path (the emulator's own) keeps it once.
    assert (
        client("http://127.0.0.1:9/monitor").url("http://127.0.0.1:9/monitor/v1/Alerts?Page=1")
        == "http://127.0.0.1:9/monitor/v1/Alerts?Page=1"
    )
    # 2010 API: relative next_page_uri on the host root.
    assert (
        client("https://api.dublin.ie1.twilio.com").url("/2010-04-01/Accounts.json?Page=1")
        == "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json?Page=1"
    )
    assert client("https://monitor.twilio.com").url("/v1/Alerts") == (
        "https://monitor.twilio.com/v1/Alerts"
    )


def test_every_product_host_serves_a_stream() -> None:
    """The products are those the streams read, and BulkExport's for the streams it
    backfills: each has a host and a base URL setting."""
    exported = {EXPORT_API for stream in STREAM_TYPES if getattr(stream, "bulk_export", None)}
    assert {stream.api for stream in STREAM_TYPES} | exported == {"api", *PRODUCTS}
    assert set(TapTwilio(config=tap_config()).settings.base_urls) == {"api", *PRODUCTS}
    per_product = CONFIG_SCHEMA["properties"]["product_base_urls"]["properties"]
    assert tuple(per_product) == PRODUCTS
