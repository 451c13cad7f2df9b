"""Phone numbers for sale (``AvailablePhoneNumbers``): Twilio's inventory, the same for
every account.

Each country offers some number types; each (country, type) offers
``OFFERED`` numbers that change every day, a pure function of (seed, country,
type, day) that never offers a number already in use in the world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .catalog import COUNTRIES
from .world import format_national

OFFERED = 20

# Country name, and the number types on sale (as the API's subresource keys).
COUNTRY_OFFER: dict[str, tuple[str, tuple[str, ...]]] = {
    "US": ("United States", ("local", "toll_free")),
    "CA": ("Canada", ("local", "toll_free")),
    "GB": ("United Kingdom", ("local", "mobile", "toll_free")),
    "FR": ("France", ("local", "mobile")),
    "DE": ("Germany", ("local", "mobile", "toll_free")),
    "ES": ("Spain", ("local", "mobile")),
    "MX": ("Mexico", ("local", "toll_free")),
    "BR": ("Brazil", ("local",)),
}
TYPE_PATHS = {"local": "Local", "mobile": "Mobile", "toll_free": "TollFree"}

# (country, type) -> places numbers are offered in: (national prefix, locality, region,
# postal code, LATA, rate center, latitude, longitude). NANP locals carry the full record.
_PLACES: dict[tuple[str, str], tuple[tuple, ...]] = {
    ("US", "local"): (
        ("415", "San Francisco", "CA", "94105", "722", "SNFC CNTRL", 37.7897, -122.3942),
        ("212", "New York", "NY", "10001", "132", "NWYRCYZN01", 40.7506, -73.9972),
        ("512", "Austin", "TX", "78701", "558", "AUSTIN", 30.2711, -97.7437),
    ),
    ("CA", "local"): (("416", "Toronto", "ON", "M5H", "888", "TORONTO", 43.6511, -79.3832),),
    ("US", "toll_free"): (("844",), ("855",), ("888",)),
    ("CA", "toll_free"): (("833",),),
    ("GB", "local"): (("20", "London"),),
    ("GB", "mobile"): (("7",),),
    ("GB", "toll_free"): (("800",),),
    ("FR", "local"): (("1", "Paris"),),
    ("FR", "mobile"): (("6",), ("7",)),
    ("DE", "local"): (("30", "Berlin"),),
    ("DE", "mobile"): (("15",),),
    ("DE", "toll_free"): (("800",),),
    ("ES", "local"): (("91", "Madrid"),),
    ("ES", "mobile"): (("6",),),
    ("MX", "local"): (("55", "Ciudad de México"),),
    ("MX", "toll_free"): (("800",),),
    ("BR", "local"): (("11", "São Paulo"),),
}


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    e164: str
    iso_country: str
    kind: str  # local | mobile | toll_free
    locality: str | None
    region: str | None
    postal_code: str | None
    lata: str | None
    rate_center: str | None
    latitude: float | None
    longitude: float | None

    @property
    def friendly_name(self) -> str:
        return format_national(self.e164)


def offers(iso: str, kind: str) -> bool:
    return iso in COUNTRY_OFFER and kind in COUNTRY_OFFER[iso][1]


def available_numbers(
    seed: int, iso: str, kind: str, day: int, taken: frozenset[str]
) -> list[AvailableNumber]:
    """What is on sale in ``iso`` of type ``kind`` on ``day`` (empty if not offered there)."""
    if not offers(iso, kind):
        return []
    country = COUNTRIES[iso]
    rng = random.Random(f"{seed}:inventory:{iso}:{kind}:{day}")
    places = _PLACES[(iso, kind)]
    result: list[AvailableNumber] = []
    seen: set[str] = set()
    while len(result) < OFFERED:
        place = rng.choice(places)
        prefix = place[0]
        rest = country.national_digits - len(prefix)
        e164 = f"{country.dial}{prefix}{rng.randrange(10 ** (rest - 1), 10**rest)}"
        if e164 in taken or e164 in seen:
            continue
        seen.add(e164)
        full = len(place) == 8
        result.append(
            AvailableNumber(
                e164=e164,
                iso_country=iso,
                kind=kind,
                locality=place[1] if len(place) > 1 else None,
                region=place[2] if full else None,
                postal_code=place[3] if full else None,
                lata=place[4] if full else None,
                rate_center=place[5] if full else None,
                latitude=place[6] if full else None,
                longitude=place[7] if full else None,
            )
        )
    return result
