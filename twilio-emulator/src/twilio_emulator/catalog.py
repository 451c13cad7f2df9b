"""Static reference data: countries, prices, error codes and usage categories.

Money is held as integers in units of 0.00001 (Twilio prints prices with five
decimals), so every sum the emulator reports is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

MONEY_SCALE = 100_000  # units per currency unit


def money(amount: str) -> int:
    """'0.0079' -> 790 units. Exact: parses the decimal string, never a float."""
    whole, _, frac = amount.partition(".")
    return int(whole) * MONEY_SCALE + int((frac + "00000")[:5])


def money_str(units: int, *, negative: bool = False) -> str:
    """790 -> '0.00790' (or '-0.00790' for a charge, the sign Twilio uses on resources)."""
    sign = "-" if negative and units else ""
    return f"{sign}{units // MONEY_SCALE}.{units % MONEY_SCALE:05d}"


@dataclass(frozen=True)
class Country:
    """Per-country traffic prices in USD; EUR accounts are billed from ``EUR_RATE``."""

    iso: str
    dial: str  # country calling code with '+'
    mobile_prefix: str  # national digits a mobile number starts with
    national_digits: int  # digits after the country code
    sms_out: str
    sms_in: str
    mms_out: str
    whatsapp: str
    voice_out_min: str
    voice_in_min: str


COUNTRIES: dict[str, Country] = {
    c.iso: c
    for c in (
        Country(
            "US", "+1", "", 10, "0.00790", "0.00790", "0.02000", "0.00500", "0.01400", "0.00850"
        ),
        Country(
            "CA", "+1", "", 10, "0.00790", "0.00790", "0.02000", "0.00500", "0.01400", "0.00850"
        ),
        Country(
            "MX", "+52", "1", 10, "0.04730", "0.00790", "0.06000", "0.01100", "0.07500", "0.00850"
        ),
        Country(
            "BR", "+55", "11", 11, "0.05500", "0.00790", "0.07000", "0.01150", "0.06900", "0.00850"
        ),
        Country(
            "GB", "+44", "7", 10, "0.04000", "0.00790", "0.10000", "0.01450", "0.01600", "0.01000"
        ),
        Country(
            "FR", "+33", "6", 9, "0.07980", "0.00790", "0.15000", "0.02100", "0.02600", "0.01000"
        ),
        Country(
            "DE", "+49", "15", 11, "0.08690", "0.00790", "0.15000", "0.02450", "0.03500", "0.01000"
        ),
        Country(
            "ES", "+34", "6", 9, "0.07730", "0.00790", "0.15000", "0.01650", "0.03000", "0.01000"
        ),
        Country(
            "IN", "+91", "9", 10, "0.08320", "0.00790", "0.12000", "0.00450", "0.04000", "0.01000"
        ),
    )
}

# EUR-billed accounts pay list prices converted at this fixed rate, rounded to 5 decimals.
EUR_RATE_PPM = 920_000  # 0.92 EUR per USD, in parts per million


def in_currency(usd_units: int, currency: str) -> int:
    if currency == "USD":
        return usd_units
    if currency == "EUR":
        return (usd_units * EUR_RATE_PPM + 500_000) // 1_000_000
    raise ValueError(f"unsupported currency {currency}")


# Monthly rental per number type, USD.
NUMBER_RENT = {"local": money("1.15000"), "mobile": money("1.00000"), "toll-free": money("2.15000")}

# (code, message) for message outcomes; the same codes Twilio documents.
MESSAGE_ERRORS: dict[int, str] = {
    21408: (
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"
    ),
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    30034: "Message from an unregistered number",
}
UNDELIVERED_CODES = (30003, 30005, 30006, 30007, 30008)
FAILED_CODES = (21408, 21614, 30034)

# Usage categories the emulator bills, with Twilio's descriptions and units.
# Leaves carry the money; roll-ups are sums of their leaves (Twilio's hierarchy).
USAGE_LEAVES: dict[str, tuple[str, str, str]] = {
    # category: (description, count_unit, usage_unit)
    "sms-inbound": ("Inbound SMS", "messages", "messages"),
    "sms-outbound": ("Outbound SMS", "messages", "messages"),
    "mms-inbound": ("Inbound MMS", "messages", "messages"),
    "mms-outbound": ("Outbound MMS", "messages", "messages"),
    "channels-whatsapp-inbound": ("WhatsApp Inbound Messages", "messages", "messages"),
    "channels-whatsapp-outbound": ("WhatsApp Outbound Messages", "messages", "messages"),
    "calls-inbound": ("Inbound Voice Minutes", "calls", "minutes"),
    "calls-outbound": ("Outbound Voice Minutes", "calls", "minutes"),
    "phonenumbers-local": ("Local Phone Numbers", "phone-numbers", "phone-numbers"),
    "phonenumbers-mobile": ("Mobile Phone Numbers", "phone-numbers", "phone-numbers"),
    "phonenumbers-tollfree": ("Toll-free Phone Numbers", "phone-numbers", "phone-numbers"),
    "recordings": ("Voice Minutes - Recordings", "recordings", "minutes"),
    "transcriptions": ("Voice Minutes - Transcriptions", "transcriptions", "minutes"),
}
USAGE_ROLLUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sms": ("SMS", ("sms-inbound", "sms-outbound")),
    "mms": ("MMS", ("mms-inbound", "mms-outbound")),
    "channels-whatsapp": ("WhatsApp", ("channels-whatsapp-inbound", "channels-whatsapp-outbound")),
    "calls": ("Voice Minutes", ("calls-inbound", "calls-outbound")),
    "phonenumbers": (
        "Phone Numbers",
        ("phonenumbers-local", "phonenumbers-mobile", "phonenumbers-tollfree"),
    ),
    "totalprice": ("Total Price", tuple(USAGE_LEAVES)),
}
USAGE_CATEGORIES: tuple[str, ...] = tuple(sorted([*USAGE_LEAVES, *USAGE_ROLLUPS]))
