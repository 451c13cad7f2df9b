"""Every 2010 endpoint the tap reads beyond messages, calls, numbers and usage answers
exactly what Twilio's OpenAPI spec says: each response validates against the
spec's response schema (``$ref`` resolved), and each record carries exactly the
fields of the spec's resource.

Reads the spec from ``<repo>/../shared/twilio-oai``; skips when it is absent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

from tests.support import STEADY_EDGE, usage_prices
from twilio_emulator import testing
from twilio_emulator.emulator import EmulatorConfig

SPEC_FILE = Path(__file__).resolve().parents[3] / "shared" / "twilio-oai" / "twilio_api_v2010.json"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
TOKEN = "spec-test-token-0123456789abcdef"
# Fields the spec declares non-nullable that Twilio sends as null (its own example does).
NULL_DESPITE_SPEC = {("api.v2010.account.conference", "reason_conference_ended")}

if not SPEC_FILE.exists():
    pytest.skip(f"Twilio's spec is not at {SPEC_FILE}", allow_module_level=True)
SPEC = json.loads(SPEC_FILE.read_text())
SCHEMAS = SPEC["components"]["schemas"]


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"), path)
        for path in SPEC["paths"]
        if "get" in SPEC["paths"][path]
    ]


def template_for(path: str) -> str:
    """The spec path a concrete path instantiates (the most literal one wins)."""
    matches = [t for pattern, t in _templates() if pattern.match(path)]
    assert matches, f"{path} is not in the spec"
    return min(matches, key=lambda t: t.count("{"))


@cache
def validator(template: str) -> OAS30Validator:
    schema = SPEC["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
    return OAS30Validator({**schema["schema"], "components": SPEC["components"]})


def component_of(template: str) -> tuple[str, str | None]:
    """(component, records key) of a GET: the list's item schema or the instance's."""
    schema = SPEC["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
    schema = schema["schema"]
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1], None
    for key, prop in schema["properties"].items():
        if prop.get("type") == "array":
            return prop["items"]["$ref"].rsplit("/", 1)[-1], key
    raise AssertionError(f"{template} has no records")


def check(body: dict, path: str) -> list[dict]:
    """Validate one response against the spec; return its records."""
    template = template_for(path)
    component, key = component_of(template)
    allowed = {f for c, f in NULL_DESPITE_SPEC if c == component}
    records = body[key] if key else [body]
    patched = json.loads(json.dumps(body))
    for record in patched[key] if key else [patched]:
        for field in allowed:
            if record.get(field) is None:
                record.pop(field, None)
        if "usage_record" in component:  # a string, as the spec's examples give it
            (priced,) = usage_prices([record])
            record["price"] = float(priced["price"])
    errors = [e.message for e in validator(template).iter_errors(patched)]
    assert not errors, f"{path}: {errors[:3]}"
    for record in records:
        assert set(record) == set(SCHEMAS[component]["properties"]), f"{path}: fields differ"
    return records


@pytest.fixture(scope="module")
def served() -> tuple:
    emulator, client = testing.in_process(
        EmulatorConfig(
            **STEADY_EDGE,
            seed=3,
            days=6,
            messages_per_day=120,
            calls_per_day=80,
            customers=120,
            now=int(NOW.timestamp()),
            auth_token=TOKEN,
            api_key_secret=TOKEN,
        )
    )
    testing.advance_to_live_conference(emulator)
    client.auth = (emulator.world.main.sid, TOKEN)
    return emulator, client


def get(client, path: str, **params: str) -> dict:
    # No params at all for a next_page_uri: httpx would replace its query string.
    response = client.get(path, params=params) if params else client.get(path)
    assert response.status_code == 200, (path, response.text)
    return response.json()


def walk(client, path: str, **params: str) -> Iterator[dict]:
    """Every record of a list, following next_page_uri, each page validated."""
    body = get(client, path, **params)
    while True:
        yield from check(body, path)
        if not body.get("next_page_uri"):
            return
        body = get(client, body["next_page_uri"])


def test_account_resources_match_the_spec(served: tuple) -> None:
    emulator, client = served
    seen: dict[str, int] = {}
    for account in emulator.world.active_accounts:
        base = f"/2010-04-01/Accounts/{account.sid}"
        if account.balance_served:  # one subaccount has no balance information (404)
            check(get(client, f"{base}/Balance.json"), f"{base}/Balance.json")
        for name in (
            "Addresses", "Applications", "Keys", "OutgoingCallerIds", "Queues",
            "SMS/ShortCodes", "Usage/Triggers", "Transcriptions",
        ):  # fmt: skip
            path = f"{base}/{name}.json"
            records = list(walk(client, path, PageSize="2"))
            seen[name] = seen.get(name, 0) + len(records)
            for record in records:  # every instance answers as the spec says too
                instance = f"{path.removesuffix('.json')}/{record['sid']}.json"
                check(get(client, instance), instance)
        for address in walk(client, f"{base}/Addresses.json"):
            path = f"{base}/Addresses/{address['sid']}/DependentPhoneNumbers.json"
            seen["Dependent"] = seen.get("Dependent", 0) + len(list(walk(client, path)))
    assert all(seen.values()), seen


def test_voice_resources_match_the_spec(served: tuple) -> None:
    emulator, client = served
    statuses: set[str] = set()
    participants = recordings = events = 0
    for account in emulator.world.active_accounts:
        base = f"/2010-04-01/Accounts/{account.sid}"
        for status in ("init", "in-progress", "completed"):
            for conference in walk(client, f"{base}/Conferences.json", Status=status, PageSize="5"):
                statuses.add(conference["status"])
                check(get(client, conference["uri"]), conference["uri"])
                path = conference["subresource_uris"]["participants"]
                for participant in walk(client, path):
                    participants += 1
                    check(get(client, participant["uri"]), participant["uri"])
        for recording in walk(
            client, f"{base}/Recordings.json", IncludeSoftDeleted="true", PageSize="20"
        ):
            recordings += 1
            instance = recording["uri"]
            check(get(client, instance, IncludeSoftDeleted="true"), instance)
            path = recording["subresource_uris"]["transcriptions"]
            list(walk(client, path))
        for call in get(client, f"{base}/Calls.json", PageSize="40")["calls"]:
            events += len(list(walk(client, call["subresource_uris"]["events"], PageSize="2")))
    assert statuses == {"in-progress", "completed"}  # init lasts seconds: see the contract test
    assert participants >= 2
    assert recordings > 0
    assert events > 0


def test_message_media_match_the_spec(served: tuple) -> None:
    emulator, client = served
    media = 0
    for account in emulator.world.active_accounts:
        base = f"/2010-04-01/Accounts/{account.sid}"
        for message in get(client, f"{base}/Messages.json", PageSize="200")["messages"]:
            if message["num_media"] != "0":
                for item in walk(client, message["subresource_uris"]["media"], PageSize="1"):
                    media += 1
                    check(get(client, item["uri"]), item["uri"])
    assert media > 0


def test_usage_records_monthly_match_the_spec(served: tuple) -> None:
    emulator, client = served
    path = f"/2010-04-01/Accounts/{emulator.world.main.sid}/Usage/Records/Monthly.json"
    records = list(walk(client, path, StartDate="2026-10-01", IncludeSubaccounts="false"))
    assert {r["start_date"] for r in records} == {"2026-10-01", "2026-11-01"}


def test_available_numbers_match_the_spec(served: tuple) -> None:
    emulator, client = served
    base = f"/2010-04-01/Accounts/{emulator.world.main.sid}/AvailablePhoneNumbers"
    countries = check(get(client, f"{base}.json"), f"{base}.json")
    numbers = 0
    for country in countries:
        check(get(client, country["uri"]), country["uri"])
        for uri in country["subresource_uris"].values():
            numbers += len(check(get(client, uri), uri))
    assert len(countries) == 8
    assert numbers == 340
