"""Trunking v1 (``trunking.twilio.com/v1``): Elastic SIP trunks."""

from __future__ import annotations

from tap_twilio.streams.base import ProductStream


class TrunksStream(ProductStream):
    """Elastic SIP trunks: connections between a PBX and Twilio."""

    name = "trunks"
    api = "trunking"
    path = "/v1/Trunks"
    records_key = "trunks"
    spec = ("twilio_trunking_v1", "trunking.v1.trunk")


STREAMS = (TrunksStream,)
