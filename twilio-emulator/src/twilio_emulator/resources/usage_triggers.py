"""Usage Triggers (``.../Usage/Triggers.json``): alerts on usage, evaluated by ``billing``."""

from __future__ import annotations

from starlette.requests import Request

from ..apis import API_2010, API_VERSION
from ..billing import trigger_state
from ..catalog import money_str
from ..http import account_for, emulator
from ..provisioning import UsageTrigger
from ..timefmt import rfc2822
from . import console

MOUNT = API_2010
_FILTERS = {
    "Recurring": lambda t, v: t.recurring == v,
    "TriggerBy": lambda t, v: t.trigger_by == v,
    "UsageCategory": lambda t, v: t.usage_category == v,
}


def render(trigger: UsageTrigger, request: Request) -> dict:
    account = account_for(request, trigger.account_sid)
    state = trigger_state(emulator(request).store, account, trigger)
    current = money_str(state.current) if trigger.trigger_by == "price" else str(state.current)
    base = f"{API_2010}/Accounts/{trigger.account_sid}/Usage"
    return {
        "account_sid": trigger.account_sid,
        "api_version": API_VERSION,
        "callback_method": "POST",
        "callback_url": trigger.callback_url,
        "current_value": current,
        "date_created": rfc2822(trigger.created),
        "date_fired": rfc2822(state.fired_at),
        "date_updated": rfc2822(state.fired_at or trigger.created),
        "friendly_name": trigger.friendly_name,
        "recurring": trigger.recurring,
        "sid": trigger.sid,
        "trigger_by": trigger.trigger_by,
        "trigger_value": trigger.trigger_value,
        "uri": f"{base}/Triggers/{trigger.sid}.json",
        "usage_category": trigger.usage_category,
        "usage_record_uri": f"{base}/Records.json?Category={trigger.usage_category}",
    }


ROUTES = console.routes(
    "/Accounts/{AccountSid}/Usage/Triggers",
    "usage_triggers",
    lambda setup: setup.usage_triggers,
    render,
    _FILTERS,
)
