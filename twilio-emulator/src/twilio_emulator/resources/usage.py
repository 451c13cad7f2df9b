"""Usage Records (``.../Usage/Records[/Daily|Monthly|...].json``), derived from the traffic.

Each record is (category, period). Leaves carry money; roll-ups such as ``sms``
and ``totalprice`` repeat their leaves' amounts, as Twilio's do, so summing
every category double-counts.
"""

from __future__ import annotations

import base64
import calendar
import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010, API_VERSION
from ..catalog import MONEY_SCALE, USAGE_CATEGORIES, USAGE_LEAVES, USAGE_ROLLUPS, money_str
from ..emulator import Emulator
from ..errors import bad_request, not_found
from ..http import account_for, emulator, json_response, query_items
from ..paging import SequenceListing, list_envelope, parse_page_request
from ..store import UsageAmount
from ..timefmt import date_to_day, day_iso, day_to_date, iso_offset, parse_filter_day
from ..world import Account

MOUNT = API_2010
SUBRESOURCES = {
    "all_time": "AllTime",
    "daily": "Daily",
    "last_month": "LastMonth",
    "monthly": "Monthly",
    "this_month": "ThisMonth",
    "today": "Today",
    "yearly": "Yearly",
    "yesterday": "Yesterday",
}
_RELATIVE = re.compile(r"^([+-])(\d+)days$")


@dataclass(frozen=True)
class UsageRow:
    account: Account
    category: str
    start: int  # day
    end: int  # day, inclusive
    amount: UsageAmount


def _units(category: str, currency: str) -> tuple[str, str, str]:
    if category in USAGE_LEAVES:
        return USAGE_LEAVES[category]
    description, children = USAGE_ROLLUPS[category]
    if category == "totalprice":
        return description, "", currency.lower()
    _, count_unit, usage_unit = USAGE_LEAVES[children[0]]
    return description, count_unit, usage_unit


def usage_price(units: int, *, as_string: bool) -> str | float:
    """Twilio's examples give usage ``price`` as a string ("0", "2192.84855"); the spec
    types it as a number. Strings: exact, trailing zeros dropped, "0" for nothing."""
    if not as_string:
        return units / MONEY_SCALE
    text = money_str(units)
    return text.rstrip("0").rstrip(".") if units else "0"


def render(row: UsageRow, as_of: int, path: str, *, price_as_string: bool = True) -> dict:
    account = row.account
    description, count_unit, usage_unit = _units(row.category, account.currency)
    base = f"{API_2010}/Accounts/{account.sid}/Usage/Records"
    start, end = day_iso(row.start), day_iso(row.end)
    return {
        "account_sid": account.sid,
        "api_version": API_VERSION,
        "as_of": iso_offset(as_of),
        "category": row.category,
        "count": str(row.amount.count),
        "count_unit": count_unit,
        "description": description,
        "end_date": end,
        "price": usage_price(row.amount.price, as_string=price_as_string),
        "price_unit": account.currency.lower(),
        "start_date": start,
        "subresource_uris": {
            k: f"{base}/{v}.json?Category={row.category}" for k, v in SUBRESOURCES.items()
        },
        "uri": f"{path}?Category={row.category}&StartDate={start}&EndDate={end}",
        "usage": money_str(row.amount.usage)
        if row.category == "totalprice"
        else str(row.amount.usage),
        "usage_unit": usage_unit,
    }


def _parse_day(value: str, today: int, name: str) -> int:
    match = _RELATIVE.match(value.strip())
    if match:
        offset = int(match.group(2))
        return today + offset if match.group(1) == "+" else today - offset
    try:
        return parse_filter_day(value)
    except ValueError:
        raise bad_request(20001, f"Invalid {name} value: {value}") from None


def _month_start(day: int) -> int:
    date = day_to_date(day)
    return date_to_day(date.replace(day=1))


def _month_end(day: int) -> int:
    date = day_to_date(day)
    return date_to_day(date.replace(day=calendar.monthrange(date.year, date.month)[1]))


def _periods(kind: str, start: int, end: int, today: int, first: int) -> list[tuple[int, int]]:
    """The (start, end) day periods a subresource reports, newest first."""
    if kind == "Records":
        return [(start, end)]
    if kind == "AllTime":
        return [(first, today)]
    if kind == "Today":
        return [(today, today)]
    if kind == "Yesterday":
        return [(today - 1, today - 1)]
    if kind == "ThisMonth":
        return [(_month_start(today), today)]
    if kind == "LastMonth":
        last = _month_start(today) - 1
        return [(_month_start(last), last)]
    periods: list[tuple[int, int]] = []
    day = end
    while day >= start:
        if kind == "Daily":
            lo, hi = day, day
        elif kind == "Monthly":
            lo, hi = max(start, _month_start(day)), min(end, _month_end(day))
        else:  # Yearly
            date = day_to_date(day)
            lo = max(start, date_to_day(date.replace(month=1, day=1)))
            hi = min(end, date_to_day(date.replace(month=12, day=31)))
        periods.append((lo, hi))
        day = lo - 1
    return periods


def _amount(emu: Emulator, accounts: list[Account], category: str, lo: int, hi: int) -> UsageAmount:
    count = usage = price = 0
    for account in accounts:
        for day in range(max(lo, emu.world.history_start_day), min(hi, emu.store.today) + 1):
            part = emu.store.usage_day(account, day)[category]
            count += part.count
            usage += part.usage
            price += part.price
    return UsageAmount(count, usage, price)


async def list_usage(request: Request, kind: str = "Records") -> Response:
    emu = emulator(request)
    account = account_for(request, request.path_params["AccountSid"])
    page = parse_page_request(request.url.path, query_items(request))
    filters = dict(page.filters)
    today = emu.store.today
    end = (
        min(today, _parse_day(filters["EndDate"], today, "EndDate"))
        if "EndDate" in filters
        else today
    )
    default_start = end - 30 if kind == "Daily" else emu.world.history_start_day
    start = (
        _parse_day(filters["StartDate"], today, "StartDate")
        if "StartDate" in filters
        else default_start
    )
    category = filters.get("Category")
    if category is not None and category not in USAGE_CATEGORIES:
        categories: tuple[str, ...] = ()
    else:
        categories = (category,) if category else USAGE_CATEGORIES
    include_subaccounts = filters.get("IncludeSubaccounts", "true").lower() != "false"
    accounts = [account]
    if include_subaccounts and account.is_main:
        # Roll subaccounts billed in the same currency into the main account's usage.
        accounts += [
            a
            for a in emu.world.accounts
            if a.owner_sid == account.sid and not a.is_main and a.currency == account.currency
        ]
    rows = [
        UsageRow(account, cat, lo, hi, _amount(emu, accounts, cat, lo, hi))
        for lo, hi in _periods(kind, start, end, today, emu.world.history_start_day)
        if lo <= hi
        for cat in categories
    ]
    listing = SequenceListing(
        rows,
        key_fn=lambda r: (r.start, -USAGE_CATEGORIES.index(r.category)),
        token_fn=lambda r: base64.urlsafe_b64encode(f"{r.start}|{r.category}".encode()).decode(),
    )
    now = emu.clock.now()
    path = request.url.path
    return json_response(
        list_envelope(
            page,
            listing,
            "usage_records",
            lambda r: render(r, now, path, price_as_string=emu.config.usage_price_strings),
        )
    )


async def list_usage_subresource(request: Request) -> Response:
    kind = request.path_params["Kind"]
    if kind not in SUBRESOURCES.values():
        raise not_found(request.url.path)
    return await list_usage(request, kind)


ROUTES = [
    Route("/Accounts/{AccountSid}/Usage/Records.json", list_usage),
    Route("/Accounts/{AccountSid}/Usage/Records/{Kind}.json", list_usage_subresource),
]
