"""Every product API response validates against Twilio's OpenAPI spec.

Each list endpoint the emulator serves is fetched (first and later pages, with
filters, as the main account and as a subaccount) and validated with
openapi-schema-validator's OAS30Validator against the spec's 200 response
schema, ``$ref``s resolved in the spec's own components. Every record also
carries exactly the fields the spec declares for its resource. The lists declared
as data (``resources.LISTS``) are all covered, their paths filled from their parents'
records, and their instance resources validated too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.support import STEADY_EDGE
from twilio_emulator import resources, testing
from twilio_emulator.apis import PREFIXES
from twilio_emulator.emulator import EmulatorConfig
from twilio_emulator.resources.lists import ProductList

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "twilio-oai"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
TOKEN = "spec-products-token-0123456789abcdef"

if not SPEC_DIR.is_dir():
    pytest.skip(f"Twilio's OpenAPI spec is not at {SPEC_DIR}", allow_module_level=True)

# (emulator prefix, spec file, spec path) of every product list endpoint served.
ENDPOINTS = [
    ("/monitor", "twilio_monitor_v1", "/v1/Alerts"),
    ("/monitor", "twilio_monitor_v1", "/v1/Events"),
    ("/messaging", "twilio_messaging_v1", "/v1/Services"),
    ("/messaging", "twilio_messaging_v1", "/v1/Services/{ServiceSid}/PhoneNumbers"),
    ("/conversations", "twilio_conversations_v1", "/v1/Conversations"),
    ("/conversations", "twilio_conversations_v1", "/v1/Conversations/{ConversationSid}/Messages"),
    (
        "/conversations",
        "twilio_conversations_v1",
        "/v1/Conversations/{ConversationSid}/Participants",
    ),
    ("/conversations", "twilio_conversations_v1", "/v1/Users"),
    ("/conversations", "twilio_conversations_v1", "/v1/Users/{UserSid}/Conversations"),
    ("/studio", "twilio_studio_v2", "/v2/Flows"),
    ("/studio", "twilio_studio_v2", "/v2/Flows/{FlowSid}/Executions"),
    ("/studio", "twilio_studio_v2", "/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps"),
    ("/verify", "twilio_verify_v2", "/v2/Services"),
    ("/verify", "twilio_verify_v2", "/v2/Attempts"),
    ("/trunking", "twilio_trunking_v1", "/v1/Trunks"),
    ("/insights", "twilio_insights_v1", "/v1/Voice/Summaries"),
]
DECLARED = {item.url_path: item for item in resources.LISTS}
# Every list: the hand-written ones above and those declared as data (resources.LISTS).
LIST_ENDPOINTS = ENDPOINTS + [
    (PREFIXES[item.product], item.spec, item.version + item.path)
    for item in resources.LISTS
    if item.key is not None
]
INSTANCES = [item for item in resources.LISTS if item.key is None]
# Query strings that exercise filters (the first page of each is validated too).
FILTERS = {
    "/v1/Alerts": ["LogLevel=warning", "StartDate=2026-11-10&EndDate=2026-11-12T12:00:00Z"],
    "/v1/Events": ["EventType=phone-number.created"],
    "/v1/Conversations": ["State=closed", "StartDate=2026-11-10&EndDate=2026-11-15"],
    "/v1/Conversations/{ConversationSid}/Messages": ["Order=desc"],
    "/v2/Flows/{FlowSid}/Executions": [
        "DateCreatedFrom=2026-11-15T00:00:00Z&DateCreatedTo=2026-11-16T23:59:59Z",
        "status=ended",
    ],
    "/v2/Attempts": [
        "DateCreatedAfter=2026-11-18T00:00:00Z&DateCreatedBefore=2026-11-18T23:59:59Z",
        "Status=converted&Channel=sms",
    ],
    "/v1/Voice/Summaries": ["StartTime=7d", "StartTime=2026-11-19&EndTime=2026-11-19"],
    "/v1/Workspaces/{WorkspaceSid}/Tasks": ["AssignmentStatus=pending,assigned"],
}


@pytest.fixture(scope="module")
def served() -> Iterator[testing.ServedEmulator]:
    config = EmulatorConfig(
        **STEADY_EDGE,
        seed=5,
        days=40,
        messages_per_day=120,
        calls_per_day=40,
        customers=200,
        now=int(NOW.timestamp()),
        auth_token=TOKEN,
    )
    with testing.serve(config) as emulator:
        yield emulator


@cache
def spec(name: str) -> dict:
    return wire_types(json.loads((SPEC_DIR / f"{name}.json").read_text()))


def wire_types(node: Any) -> Any:
    """The spec with Twilio's ``x-twilio.overrideType`` applied: the type on the wire
    (Pricing's prices are ``number`` with ``overrideType: string``, sent as "0.013")."""
    if isinstance(node, list):
        return [wire_types(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: wire_types(value) for key, value in node.items()}
    override = (node.get("x-twilio") or {}).get("overrideType")
    if override:
        result["type"] = override
    return result


def validator(spec_name: str, path: str) -> tuple[OAS30Validator, str | None, set[str]]:
    """The response validator, records key (None: an instance) and resource fields of a
    spec endpoint."""
    document = spec(spec_name)
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    if "$ref" in schema:  # an instance resource
        component = schema["$ref"].rsplit("/", 1)[-1]
        fields = set(document["components"]["schemas"][component]["properties"])
        full = {**schema, "components": document["components"]}
        return OAS30Validator(full, format_checker=oas30_format_checker), None, fields
    key = next(k for k in schema["properties"] if k != "meta")
    component = schema["properties"][key]["items"]["$ref"].rsplit("/", 1)[-1]
    fields = set(document["components"]["schemas"][component]["properties"])
    full = {**schema, "components": document["components"]}
    return OAS30Validator(full, format_checker=oas30_format_checker), key, fields


def clients(served: testing.ServedEmulator) -> list[httpx.Client]:
    """A client per account, each with that account's own credentials."""
    return [
        httpx.Client(base_url=served.url, auth=(a.sid, a.auth_token), timeout=30)
        for a in served.emulator.world.active_accounts
    ]


def sids(client: httpx.Client, list_path: str, key: str, field: str = "sid") -> list[str]:
    body = client.get(list_path, params={"PageSize": 3}).json()
    return [r[field] for r in body[key]]


def declared_paths(client: httpx.Client, item: ProductList) -> list[str]:
    """A declared list's path (from the root), filled from its parents' first records."""
    parent, placeholder = item.parent, item.placeholder
    if parent is None or placeholder is None:
        return [item.url_path]
    return [
        item.url_path.replace(outer_path, outer).replace(f"{{{placeholder}}}", value)
        for outer_path, outer in ((parent.url_path, p) for p in declared_paths(client, parent))
        for value in sids(client, outer, parent.key or "", parent.ident)
    ]


def concrete_paths(client: httpx.Client, prefix: str, path: str) -> list[str]:
    """``path`` with its placeholders filled from the emulator's own lists (a few each)."""
    if prefix + path in DECLARED:
        return [p.removeprefix(prefix) for p in declared_paths(client, DECLARED[prefix + path])]

    def sids_of(list_path: str, key: str) -> list[str]:
        return sids(client, list_path, key)

    if "{ServiceSid}" in path:
        return [
            path.replace("{ServiceSid}", s) for s in sids_of("/messaging/v1/Services", "services")
        ]
    if "{ConversationSid}" in path:
        return [
            path.replace("{ConversationSid}", s)
            for s in sids_of("/conversations/v1/Conversations", "conversations")
        ]
    if "{UserSid}" in path:
        return [path.replace("{UserSid}", s) for s in sids_of("/conversations/v1/Users", "users")]
    if "{ExecutionSid}" in path:
        result = []
        for flow in sids_of("/studio/v2/Flows", "flows"):
            for execution in sids_of(f"/studio/v2/Flows/{flow}/Executions", "executions"):
                result.append(path.replace("{FlowSid}", flow).replace("{ExecutionSid}", execution))
        return result
    if "{FlowSid}" in path:
        return [path.replace("{FlowSid}", s) for s in sids_of("/studio/v2/Flows", "flows")]
    return [path]


@pytest.mark.parametrize(
    ("prefix", "spec_name", "path"), LIST_ENDPOINTS, ids=[e[2] for e in LIST_ENDPOINTS]
)
def test_list_responses_validate_against_the_spec(
    served: testing.ServedEmulator, prefix: str, spec_name: str, path: str
) -> None:
    check, key, fields = validator(spec_name, path)
    assert key is not None
    pages = records = 0
    for client in clients(served):
        for concrete in concrete_paths(client, prefix, path):
            queries = ["PageSize=2", *FILTERS.get(path, [])]
            for query in queries:
                url = f"{prefix}{concrete}?{query}"
                for _ in range(3):  # the first pages, following meta.next_page_url
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.text)
                    body = response.json()
                    errors = [e.message for e in check.iter_errors(body)]
                    assert errors == [], f"{url}: {errors[:3]}"
                    assert set(body) == {key, "meta"}
                    for record in body[key]:
                        assert set(record) == fields, f"{url}: fields differ from the spec"
                    pages += 1
                    records += len(body[key])
                    if not body["meta"]["next_page_url"]:
                        break
                    url = body["meta"]["next_page_url"]
    assert pages > 0
    # Some endpoints are legitimately empty for some accounts, never for all of them.
    assert records > 0, f"{path} served no record to any account"


@pytest.mark.parametrize("item", INSTANCES, ids=[i.url_path for i in INSTANCES])
def test_instance_responses_validate_against_the_spec(
    served: testing.ServedEmulator, item: ProductList
) -> None:
    prefix = item.url_path.removesuffix(item.version + item.path)
    check, _, fields = validator(item.spec, item.version + item.path)
    fetched = 0
    for client in clients(served):
        for path in declared_paths(client, item):
            response = client.get(path)
            assert response.status_code == 200, (path, response.text)
            errors = [e.message for e in check.iter_errors(response.json())]
            assert errors == [], f"{path}: {errors[:3]}"
            assert set(response.json()) == fields, f"{path}: fields differ from the spec"
            fetched += 1
        missing = item.url_path.replace(f"{{{item.placeholder}}}", "ZZ")
        assert client.get(missing).status_code == 404, missing
    assert fetched > 0
    assert prefix
