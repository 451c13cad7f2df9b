"""Pricing v2: the voice prices calls are billed at, per country, the same for every account.

Twilio's price list is one catalog, in USD; the emulator's is ``catalog.COUNTRIES``,
the very prices its calls are billed from (an EUR account pays them converted), so
a per-minute price read here times a call's billed minutes is the call's price. A
country's inbound prices are listed for the number types on sale there (``inventory``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import COUNTRIES, Country
from ..inventory import COUNTRY_OFFER

# Country names of the catalog's countries (inventory names those it sells numbers in).
NAMES = {
    **{iso: name for iso, (name, _) in COUNTRY_OFFER.items()},
    "IN": "India",
}
# Inventory's number types as the Pricing API names them.
NUMBER_TYPES = {"local": "local", "mobile": "mobile", "toll_free": "toll free"}
NANP_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")


@dataclass(frozen=True)
class VoiceCountry:
    iso_country: str
    country: str
    prices: Country

    @property
    def number_types(self) -> tuple[str, ...]:
        """The number types whose inbound calls are priced (those on sale; local otherwise)."""
        offered = COUNTRY_OFFER.get(self.iso_country, ("", ("local",)))[1]
        return tuple(NUMBER_TYPES[kind] for kind in offered)

    @property
    def outbound_prefixes(self) -> list[tuple[str, tuple[str, ...]]]:
        """(what the price is called, destination prefixes) of the country's outbound prices.

        NANP countries share +1: each is listed with its toll-free prefixes and its own
        code; elsewhere the country code covers every destination.
        """
        code = self.prices.dial.lstrip("+")
        if code == "1":
            toll_free = tuple(f"1{p}" for p in NANP_TOLL_FREE)
            return [(f"{self.country} - Toll Free", toll_free), (self.country, ("1",))]
        return [(self.country, (code,))]


def voice_countries() -> list[VoiceCountry]:
    """Every country with voice prices, by ISO code."""
    return [VoiceCountry(iso, NAMES[iso], COUNTRIES[iso]) for iso in sorted(COUNTRIES)]
