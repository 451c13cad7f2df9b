"""Trunking v1 (``trunking.twilio.com/v1``): Elastic SIP trunks and, per trunk, the
origination URLs Twilio routes the trunk's inbound calls to."""

from __future__ import annotations

from typing import ClassVar

from tap_twilio.streams.base import ProductChildStream, ProductStream

SPEC = "twilio_trunking_v1"


class TrunksStream(ProductStream):
    """Elastic SIP trunks: connections between a PBX and Twilio."""

    name = "trunks"
    api = "trunking"
    path = "/v1/Trunks"
    records_key = "trunks"
    spec = (SPEC, "trunking.v1.trunk")
    child_context_keys: ClassVar[dict[str, str]] = {"trunk_sid": "sid"}


class TrunkOriginationUrlsStream(ProductChildStream):
    """Where a trunk's inbound calls go: SIP URIs with priority and weight, the failover
    order an outage on the PBX side is read against."""

    parent_stream_type = TrunksStream
    name = "trunk_origination_urls"
    api = "trunking"
    path = "/v1/Trunks/{trunk_sid}/OriginationUrls"
    records_key = "origination_urls"
    spec = (SPEC, "trunking.v1.trunk.origination_url")


STREAMS = (TrunksStream, TrunkOriginationUrlsStream)
