"""What each account has set up: balance, addresses and the numbers depending on
them, apps, API keys, verified caller IDs, short codes and usage triggers."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tap_twilio.privacy import Fields
from tap_twilio.streams.base import ACCOUNT, ChildStream, PerAccountStream, sid_field

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class AccountBalanceStream(PerAccountStream):
    """The account's balance, in its currency: one record per account and run."""

    name = "account_balance"
    path = f"{ACCOUNT}/Balance.json"
    records_key = None
    primary_keys = ("account_sid",)
    spec = ("twilio_api_v2010", "api.v2010.account.balance")


class AddressesStream(PerAccountStream):
    """Addresses registered for regulatory and emergency use."""

    name = "addresses"
    path = f"{ACCOUNT}/Addresses.json"
    records_key = "addresses"
    spec = ("twilio_api_v2010", "api.v2010.account.address")

    def get_child_context(self, record: dict, context: Context | None) -> Context | None:
        return {"account_sid": record["account_sid"], "address_sid": record["sid"]}


class DependentPhoneNumbersStream(ChildStream):
    """The phone numbers that depend on each address (a number may need one)."""

    name = "dependent_phone_numbers"
    parent_stream_type = AddressesStream
    path = f"{ACCOUNT}/Addresses/{{address_sid}}/DependentPhoneNumbers.json"
    records_key = "dependent_phone_numbers"
    primary_keys = ("address_sid", "sid")
    spec = ("twilio_api_v2010", "api.v2010.account.address.dependent_phone_number")
    private_fields = Fields(phones=("phone_number",), phone_displays=("friendly_name",))
    from_context = ("address_sid",)
    added_fields: ClassVar[dict[str, dict]] = {
        "address_sid": sid_field("The SID of the Address the number depends on (the parent).")
    }


class ApplicationsStream(PerAccountStream):
    """TwiML applications: the webhook URLs numbers and calls use."""

    name = "applications"
    path = f"{ACCOUNT}/Applications.json"
    records_key = "applications"
    spec = ("twilio_api_v2010", "api.v2010.account.application")


class KeysStream(PerAccountStream):
    """API keys (never their secrets, which Twilio shows only once)."""

    name = "keys"
    path = f"{ACCOUNT}/Keys.json"
    records_key = "keys"
    spec = ("twilio_api_v2010", "api.v2010.account.key")
    from_context = ("account_sid",)
    added_fields: ClassVar[dict[str, dict]] = {
        "account_sid": sid_field("The SID of the Account the key belongs to (the parent).")
    }


class OutgoingCallerIdsStream(PerAccountStream):
    """Numbers verified as caller IDs for outgoing calls."""

    name = "outgoing_caller_ids"
    path = f"{ACCOUNT}/OutgoingCallerIds.json"
    records_key = "outgoing_caller_ids"
    spec = ("twilio_api_v2010", "api.v2010.account.outgoing_caller_id")
    private_fields = Fields(phones=("phone_number",), phone_displays=("friendly_name",))


class ShortCodesStream(PerAccountStream):
    """SMS short codes."""

    name = "short_codes"
    path = f"{ACCOUNT}/SMS/ShortCodes.json"
    records_key = "short_codes"
    spec = ("twilio_api_v2010", "api.v2010.account.short_code")


class UsageTriggersStream(PerAccountStream):
    """Usage triggers: alerts on a usage category, with their current value."""

    name = "usage_triggers"
    path = f"{ACCOUNT}/Usage/Triggers.json"
    records_key = "usage_triggers"
    spec = ("twilio_api_v2010", "api.v2010.account.usage.usage_trigger")
