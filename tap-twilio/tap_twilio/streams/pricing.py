"""Pricing v2 (``pricing.twilio.com/v2``): Twilio's voice prices per country.

Twilio's price list is the same for every account, so it is read once, through the
main account (the key, ``iso_country``, is then unique). Both streams are off by
default: the prices are Twilio's catalog, not your traffic, they change rarely, and
reading them costs one request per country (over 200 on Twilio) on every run; select
them (``pricing_*``) in a job of their own, weekly, to price calls before Twilio does.

Pricing v1's messaging prices (``/v1/Messaging/Countries``) are not read: their spec
is not among those the schemas are generated from.
"""

from __future__ import annotations

from typing import ClassVar

from tap_twilio.streams.base import ChildStream, TwilioStream

SPEC = "twilio_pricing_v2"


class PricingVoiceCountriesStream(TwilioStream):
    """Countries Twilio lists voice prices for."""

    name = "pricing_voice_countries"
    api = "pricing"
    path = "/v2/Voice/Countries"
    records_key = "countries"
    primary_keys = ("iso_country",)
    selected_by_default = False
    spec = (SPEC, "pricing.v2.voice.voice_country")
    child_context_keys: ClassVar[dict[str, str]] = {"iso_country": "iso_country"}


class PricingVoicePricesStream(ChildStream):
    """Per country, the price per minute of outbound calls by destination prefix, and of
    inbound calls by number type, in USD."""

    parent_stream_type = PricingVoiceCountriesStream
    name = "pricing_voice_prices"
    api = "pricing"
    path = "/v2/Voice/Countries/{iso_country}"
    records_key = None  # one object per country
    primary_keys = ("iso_country",)
    selected_by_default = False  # one request per country: see the module docstring
    state_partitioning_keys = ()  # one catalog, not one per account
    spec = (SPEC, "pricing.v2.voice.voice_country-instance")


STREAMS = (PricingVoiceCountriesStream, PricingVoicePricesStream)
