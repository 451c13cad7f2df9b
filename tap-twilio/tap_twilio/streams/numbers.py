"""Phone numbers for sale: countries and the local, mobile and toll-free numbers on
offer. Off by default (the list changes all the time and says nothing about your
own traffic).

Twilio's inventory is the same for every account, so it is read once, through
the main account: the keys (``country_code``; ``iso_country`` + ``phone_number``)
are then unique. A type is read only for the countries that offer it (the
country's ``subresource_uris``): the others answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tap_twilio.streams.base import ACCOUNT, ChildStream, TwilioStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class AvailablePhoneNumberCountriesStream(TwilioStream):
    """Countries with numbers for sale, and which types each offers."""

    name = "available_phone_number_countries"
    path = f"{ACCOUNT}/AvailablePhoneNumbers.json"
    records_key = "countries"
    primary_keys = ("country_code",)
    selected_by_default = False
    spec = ("twilio_api_v2010", "api.v2010.account.available_phone_number_country")

    def url_path(self, context: Context | None) -> str:
        return self.path.format(account_sid=self.settings.account_sid)

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        return {
            "account_sid": self.settings.account_sid,
            "country_code": record["country_code"],
            "number_types": tuple(sorted(record.get("subresource_uris") or {})),
        }


class _AvailableNumbersStream(ChildStream):
    parent_stream_type = AvailablePhoneNumberCountriesStream
    records_key = "available_phone_numbers"
    primary_keys = ("iso_country", "phone_number")
    selected_by_default = False
    state_partitioning_keys = ()  # one inventory, not one per account
    number_type: ClassVar[str]  # the country's subresource key: local, mobile, toll_free

    def records(self, context: Context | None) -> Iterable[dict]:
        if self.number_type not in (context or {}).get("number_types", ()):
            return []
        return super().records(context)


class AvailablePhoneNumbersLocalStream(_AvailableNumbersStream):
    """Local numbers for sale, per country that offers them."""

    name = "available_phone_numbers_local"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/Local.json"
    number_type = "local"
    spec = (
        "twilio_api_v2010",
        "api.v2010.account.available_phone_number_country.available_phone_number_local",
    )


class AvailablePhoneNumbersMobileStream(_AvailableNumbersStream):
    """Mobile numbers for sale, per country that offers them."""

    name = "available_phone_numbers_mobile"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/Mobile.json"
    number_type = "mobile"
    spec = (
        "twilio_api_v2010",
        "api.v2010.account.available_phone_number_country.available_phone_number_mobile",
    )


class AvailablePhoneNumbersTollFreeStream(_AvailableNumbersStream):
    """Toll-free numbers for sale, per country that offers them."""

    name = "available_phone_numbers_toll_free"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/TollFree.json"
    number_type = "toll_free"
    spec = (
        "twilio_api_v2010",
        "api.v2010.account.available_phone_number_country.available_phone_number_toll_free",
    )
