"""Pricing v2 (``/pricing/v2``): voice prices per country, the same for every account
(see ``products/pricing.py``)."""

from __future__ import annotations

from ..apis import PREFIXES
from ..catalog import Country
from ..products import pricing
from ..products.pricing import VoiceCountry
from .lists import ProductList, Scope, routes

MOUNT = PREFIXES["pricing"]
VERSION = "/v2"
API = MOUNT + VERSION  # absolute path, for the URLs records carry
SPEC = "twilio_pricing_v2"


def _country_url(country: VoiceCountry, base: str) -> str:
    return f"{base}{API}/Voice/Countries/{country.iso_country}"


def render_country(country: VoiceCountry, scope: Scope, base: str) -> dict:
    return {
        "country": country.country,
        "iso_country": country.iso_country,
        "url": _country_url(country, base),
    }


def _price(amount: str) -> dict[str, str]:
    """Base and current price as Twilio writes them: strings, USD per minute."""
    return {"base_price": amount, "current_price": amount}


def render_prices(country: VoiceCountry, scope: Scope, base: str) -> dict:
    prices: Country = country.prices
    return {
        "country": country.country,
        "inbound_call_prices": [
            {**_price(prices.voice_in_min), "number_type": kind} for kind in country.number_types
        ],
        "iso_country": country.iso_country,
        "outbound_prefix_prices": [
            {
                **_price(prices.voice_out_min),
                "destination_prefixes": list(prefixes),
                "friendly_name": f"Programmable Outbound Minute - {name}",
                "origination_prefixes": ["ALL"],
            }
            for name, prefixes in country.outbound_prefixes
        ],
        "price_unit": "USD",
        "url": _country_url(country, base),
    }


VOICE_COUNTRIES = ProductList(
    stream="pricing_voice_countries",
    product="pricing",
    version=VERSION,
    path="/Voice/Countries",
    spec=SPEC,
    key="countries",
    rows=lambda scope: pricing.voice_countries(),
    render=render_country,
    # A to Z by ISO code, as Twilio's list reads; the listing pages newest-first keys.
    order=lambda c: tuple(-ord(ch) for ch in c.iso_country),
    ident="iso_country",
    shared=True,
)
VOICE_PRICES = ProductList(
    stream="pricing_voice_prices",
    product="pricing",
    version=VERSION,
    path="/Voice/Countries/{IsoCountry}",
    spec=SPEC,
    parent=VOICE_COUNTRIES,
    render=render_prices,
    shared=True,
)

LISTS = (VOICE_COUNTRIES, VOICE_PRICES)
ROUTES = routes(LISTS)
