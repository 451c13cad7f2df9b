"""Balance (``/2010-04-01/Accounts/{AccountSid}/Balance.json``): credit left, in the
account's currency (see ``billing``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import API_2010
from ..billing import balance
from ..catalog import money_str
from ..errors import not_found
from ..http import account_for, emulator, json_response

MOUNT = API_2010


async def fetch_balance(request: Request) -> Response:
    account = account_for(request, request.path_params["AccountSid"])
    if not account.balance_served:  # "Child accounts do not contain balance information"
        raise not_found(request.url.path)
    left = balance(emulator(request).store, account)
    amount = money_str(abs(left))
    return json_response(
        {
            "account_sid": account.sid,
            "balance": f"-{amount}" if left < 0 else amount,
            "currency": account.currency,
        }
    )


ROUTES = [Route("/Accounts/{AccountSid}/Balance.json", fetch_balance)]
