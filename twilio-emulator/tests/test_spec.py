"""Every served endpoint's body validates against Twilio's OpenAPI spec (the 200 schema).

The spec is the authority on types, nullability, enums and SID patterns: a tap
generates its schemas from it, so a body the spec rejects would break real
pipelines that the emulator let pass. (The spec's own examples are sometimes
wrong, e.g. usage ``price`` as a string; the schema wins.)
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import Live
from tests.support import RFC2822_PATTERN, Api, account_path, records_key, usage_prices
from twilio_emulator.timefmt import iso_z

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "twilio-oai"
SPEC_FILE = SPEC_DIR / "twilio_api_v2010.json"
SPEC_URI = "urn:twilio-oai:api_v2010"
A = "/2010-04-01/Accounts/{AccountSid}"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.is_file():
        pytest.skip(
            f"Twilio's OpenAPI spec is not at {SPEC_FILE} (a sibling 'shared/twilio-oai' "
            "checkout of twilio/twilio-oai); spec validation needs it"
        )
    return json.loads(SPEC_FILE.read_text())


@pytest.fixture(scope="module")
def format_checker() -> FormatChecker:
    """The OAS 3.0 formats the validator knows, plus the spec's ``date-time-rfc-2822``."""
    checker = copy.deepcopy(oas30_format_checker)

    @checker.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
    def _rfc2822(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(RFC2822_PATTERN.match(value)) and parsedate_to_datetime(value) is not None

    return checker


@pytest.fixture(scope="module")
def validator_for(spec: dict[str, Any], format_checker: FormatChecker) -> Any:
    """``validator_for(pointer)``: an OAS 3.0 validator for a schema inside the spec."""
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT4)
    )

    def make(pointer: str) -> OAS30Validator:
        return OAS30Validator(
            {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=format_checker
        )

    return make


def _response_pointer(spec: dict[str, Any], template: str) -> str:
    """JSON pointer to the 200 application/json schema of GET ``template``."""
    assert template in spec["paths"], f"{template} is not in the spec"
    assert "application/json" in spec["paths"][template]["get"]["responses"]["200"]["content"]
    escaped = template.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/get/responses/200/content/application~1json/schema"


def _errors(validator: OAS30Validator, body: Any) -> list[str]:
    return sorted(
        {
            f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(body)
        }
    )


# (spec path template, an account whose list there is non-empty)
ENDPOINTS: list[tuple[str, str]] = [
    ("/2010-04-01/Accounts.json", "Acme Corp"),
    ("/2010-04-01/Accounts/{Sid}.json", "Acme Europe"),
    (f"{A}/Messages.json", "Acme Corp"),
    (f"{A}/Messages/{{Sid}}.json", "Acme Europe"),
    (f"{A}/Calls.json", "Acme Corp"),
    (f"{A}/Calls/{{Sid}}.json", "Acme Corp"),
    (f"{A}/IncomingPhoneNumbers.json", "Acme Corp"),
    (f"{A}/IncomingPhoneNumbers/Local.json", "Acme Corp"),
    (f"{A}/IncomingPhoneNumbers/Mobile.json", "Acme Europe"),
    (f"{A}/IncomingPhoneNumbers/TollFree.json", "Acme Marketing"),
    (f"{A}/IncomingPhoneNumbers/{{Sid}}.json", "Acme Europe"),
    (f"{A}/Usage/Records.json", "Acme Corp"),
    *(
        (f"{A}/Usage/Records/{kind}.json", "Acme Europe")
        for kind in (
            "Daily",
            "Monthly",
            "Yearly",
            "AllTime",
            "Today",
            "Yesterday",
            "ThisMonth",
            "LastMonth",
        )
    ),
]
_LISTS_OF_INSTANCES = {
    "/2010-04-01/Accounts/{Sid}.json": ("/2010-04-01/Accounts.json", "accounts"),
    f"{A}/Messages/{{Sid}}.json": (f"{A}/Messages.json", "messages"),
    f"{A}/Calls/{{Sid}}.json": (f"{A}/Calls.json", "calls"),
    f"{A}/IncomingPhoneNumbers/{{Sid}}.json": (
        f"{A}/IncomingPhoneNumbers.json",
        "incoming_phone_numbers",
    ),
}


def _concrete(template: str, account_sid: str) -> str:
    return template.replace("{AccountSid}", account_sid)


@pytest.mark.parametrize(("template", "account"), ENDPOINTS)
def test_body_validates_against_spec(
    *,
    spec: dict[str, Any],
    validator_for: Any,
    api: Api,
    accounts: dict[str, dict[str, Any]],
    template: str,
    account: str,
) -> None:
    sid = accounts[account]["sid"]
    path = _concrete(template, sid)
    if template in _LISTS_OF_INSTANCES:  # an instance: take one from its list
        list_template, key = _LISTS_OF_INSTANCES[template]
        listed = api.ok(_concrete(list_template, sid), {"PageSize": 1})[key][0]["sid"]
        path = path.replace("{Sid}", sid if key == "accounts" else listed)
    response = api.client.get(path, auth=api.auth)
    assert response.status_code == 200, response.text
    body = response.json()  # plain floats here, exactly as a generic client sees them
    if template not in _LISTS_OF_INSTANCES:
        assert body[records_key(body)], f"{path} returned no records to validate"
    if "/Usage/Records" in template:
        body = {**body, "usage_records": usage_as_the_schema_types(body["usage_records"])}
    assert _errors(validator_for(_response_pointer(spec, template)), body) == []


def usage_as_the_schema_types(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The one deviation from the schema, on purpose: usage ``price`` is a string, as
    every example of the spec gives it ("0", "2192.84855"); the schema says number."""
    exact = usage_prices(records)
    return [{**r, "price": float(p["price"])} for r, p in zip(records, exact, strict=True)]


@pytest.mark.parametrize("account", ["Acme Corp", "Acme Europe", "Acme Marketing"])
def test_a_thousand_messages_and_calls_validate(
    spec: dict[str, Any],
    validator_for: Any,
    api: Api,
    accounts: dict[str, dict[str, Any]],
    account: str,
) -> None:
    """The newest 1000 of each, across statuses (in flight, priced or not), all validate."""
    base = account_path(accounts[account]["sid"])
    for resource in ("Messages", "Calls"):
        response = api.client.get(
            f"{base}/{resource}.json", params={"PageSize": 1000}, auth=api.auth
        )
        pointer = _response_pointer(spec, f"{A}/{resource}.json")
        assert _errors(validator_for(pointer), response.json()) == []


def test_validation_can_fail(
    spec: dict[str, Any], validator_for: Any, api: Api, main_sid: str
) -> None:
    """Guard against a vacuous check: the schemas reject what Twilio's spec forbids."""
    message = api.client.get(
        f"{account_path(main_sid)}/Messages.json", params={"PageSize": 1}, auth=api.auth
    ).json()["messages"][0]
    schema = validator_for("/components/schemas/api.v2010.account.message")
    for field, bad in (
        ("messaging_service_sid", ""),  # a SID pattern wants null, not ""
        ("price", -0.0079),  # prices are strings on messages
        ("status", "delivering"),
        ("date_created", "2026-11-20T12:00:00Z"),  # RFC 2822, not ISO
    ):
        assert _errors(schema, {**message, field: bad}), field
    usage = api.client.get(
        f"{account_path(main_sid)}/Usage/Records/Today.json", auth=api.auth
    ).json()["usage_records"][0]
    usage_schema = validator_for("/components/schemas/api.v2010.account.usage.usage_record")
    (usage,) = usage_as_the_schema_types([usage])
    assert _errors(usage_schema, {**usage, "price": "2192.84855"})  # the spec example's type
    assert _errors(usage_schema, {**usage, "start_date": "2026-02-30"})
    number = api.client.get(
        f"{account_path(main_sid)}/IncomingPhoneNumbers.json", auth=api.auth
    ).json()["incoming_phone_numbers"][0]
    number_schema = validator_for("/components/schemas/api.v2010.account.incoming_phone_number")
    assert _errors(number_schema, {**number, "voice_application_sid": ""})
    assert _errors(number_schema, {**number, "emergency_status": "active"})


@pytest.mark.parametrize(
    ("resource", "data"),
    [
        ("Messages", {"To": "+14155550100", "Body": "The nightly pipeline failed"}),
        ("Calls", {"To": "+14155550100", "Twiml": "<Response><Say>Failed</Say></Response>"}),
    ],
)
def test_created_resources_validate(
    spec: dict[str, Any], validator_for: Any, live: Live, resource: str, data: dict[str, str]
) -> None:
    """``POST .../{resource}.json`` answers 201 with a body the spec's create schema accepts."""
    template = f"{A}/{resource}.json"
    data = {**data, "From": live.emulator.world.main.numbers[0].e164}
    response = live.client.post(_concrete(template, live.main_sid), data=data, auth=live.api.auth)
    assert response.status_code == 201, response.text
    escaped = template.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/post/responses/201/content/application~1json/schema"
    assert _errors(validator_for(pointer), response.json()) == []


def test_every_message_status_validates(
    validator_for: Any, main_messages: list[dict[str, Any]]
) -> None:
    """Scheduled, canceled, failed-before-send, partially delivered, receiving...: the undated
    ones sit at the end of the default order, so the whole list is read, each status checked."""
    schema = validator_for("/components/schemas/api.v2010.account.message")
    statuses: Counter[str] = Counter()
    for message in main_messages:
        statuses[message["status"]] += 1
        if statuses[message["status"]] <= 100:  # a hundred of each status is plenty
            assert _errors(schema, message) == [], message["sid"]
    assert {"scheduled", "canceled", "failed", "partially_delivered", "read"} <= set(statuses)
    directions = {m["direction"] for m in main_messages}
    assert directions == {"inbound", "outbound-api", "outbound-call", "outbound-reply"}


def test_schedule_cancel_and_redact_validate(
    spec: dict[str, Any], validator_for: Any, live: Live
) -> None:
    """``POST .../Messages.json`` with ``ScheduleType=fixed`` (201), then ``POST
    .../Messages/{Sid}.json`` with ``Status=canceled`` and with ``Body=`` (200)."""
    main = live.emulator.world.main
    base = _concrete(f"{A}/Messages.json", main.sid)
    send_at = live.emulator.clock.now() + 3600
    scheduled = live.client.post(
        base,
        data={"To": "+14155550100", "Body": "Tomorrow at 9", "ScheduleType": "fixed",
              "MessagingServiceSid": main.messaging_service_sid,
              "SendAt": iso_z(send_at) or ""},
        auth=live.api.auth,
    )  # fmt: skip
    assert scheduled.status_code == 201, scheduled.text
    created = _post_pointer(f"{A}/Messages.json", 201)
    assert _errors(validator_for(created), scheduled.json()) == []
    instance = f"{A}/Messages/{{Sid}}.json"
    updated = _post_pointer(instance, 200)
    path = f"{base[: -len('.json')]}/{scheduled.json()['sid']}.json"
    for data in ({"Status": "canceled"}, {"Body": ""}):
        response = live.client.post(path, data=data, auth=live.api.auth)
        assert response.status_code == 200, response.text
        assert _errors(validator_for(updated), response.json()) == []
    assert "post" in spec["paths"][instance]


def _post_pointer(template: str, status: int) -> str:
    escaped = template.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/post/responses/{status}/content/application~1json/schema"
