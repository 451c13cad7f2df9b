"""The product APIs: the meta envelope and paging, page-size limits, credentials,
retention, filters, and data consistent with the 2010 API and with the truth."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from tests.support import STEADY_EDGE
from twilio_emulator import resources, testing
from twilio_emulator.emulator import EmulatorConfig
from twilio_emulator.products import insights, monitor, studio, taskrouter
from twilio_emulator.resources.lists import ProductList
from twilio_emulator.world import Account

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
OLDEST_KEPT = (NOW.date() - dt.timedelta(days=29)).isoformat()  # alerts and summaries: 30 days
TOKEN = "products-token-0123456789abcdef01"


def config(seed: int = 3) -> EmulatorConfig:
    return EmulatorConfig(
        **STEADY_EDGE,
        seed=seed,
        days=45,
        messages_per_day=150,
        calls_per_day=40,
        customers=300,
        now=int(NOW.timestamp()),
        auth_token=TOKEN,
    )


@pytest.fixture(scope="module")
def served() -> Iterator[testing.ServedEmulator]:
    with testing.serve(config()) as emulator:
        yield emulator


def client(served: testing.ServedEmulator, account: Account | None = None) -> httpx.Client:
    account = account or served.emulator.world.main
    return httpx.Client(base_url=served.url, auth=(account.sid, account.auth_token), timeout=30)


def list_all(http: httpx.Client, path: str, **params: object) -> list[dict]:
    """Every record of a list, following meta.next_page_url verbatim, as twilio-python does."""
    body = http.get(path, params={"PageSize": 7, **params}).json()
    records = []
    while True:
        records += body[body["meta"]["key"]]
        if not body["meta"]["next_page_url"]:
            return records
        body = http.get(body["meta"]["next_page_url"]).json()


def wire_list(http: httpx.Client, path: str, key: str, **params: object) -> list[dict]:
    """Every record of a 2010 API list, following next_page_uri."""
    body = http.get(path, params={"PageSize": 1000, **params}).json()
    records = []
    while True:
        records += body[key]
        if not body["next_page_uri"]:
            return records
        body = http.get(body["next_page_uri"]).json()


def test_meta_envelope_urls_are_absolute_and_point_at_the_emulator(
    served: testing.ServedEmulator,
) -> None:
    with client(served) as http:
        body = http.get("/verify/v2/Attempts", params={"PageSize": 5, "Channel": "sms"}).json()
    meta = body["meta"]
    assert meta["key"] == "attempts"
    assert meta["page"] == 0
    assert meta["page_size"] == 5
    assert meta["previous_page_url"] is None
    assert (
        meta["first_page_url"] == f"{served.url}/verify/v2/Attempts?Channel=sms&PageSize=5&Page=0"
    )
    assert meta["url"] == meta["first_page_url"]
    last = body["attempts"][-1]["sid"]
    assert meta["next_page_url"] == (
        f"{served.url}/verify/v2/Attempts?Channel=sms&PageSize=5&Page=1&PageToken=PA{last}"
    )
    assert (
        body["attempts"][0]["url"]
        == f"{served.url}/verify/v2/Attempts/{body['attempts'][0]['sid']}"
    )


def test_paging_yields_every_record_once_and_goes_back(served: testing.ServedEmulator) -> None:
    with client(served) as http:
        records = list_all(http, "/insights/v1/Voice/Summaries", StartTime="7d")
        sids = [r["call_sid"] for r in records]
        assert len(sids) == len(set(sids)) > 7
        starts = [r["start_time"] for r in records]
        assert starts == sorted(starts, reverse=True)  # newest first
        page1 = http.get("/insights/v1/Voice/Summaries", params={"StartTime": "7d", "PageSize": 7})
        page2 = http.get(page1.json()["meta"]["next_page_url"]).json()
        back = http.get(page2["meta"]["previous_page_url"]).json()
    assert [r["call_sid"] for r in back["call_summaries"]] == sids[:7]


@pytest.mark.parametrize(
    ("path", "maximum"),
    [
        ("/conversations/v1/Users", 50),
        ("/conversations/v1/Conversations", 100),
        ("/monitor/v1/Alerts", 1000),
        ("/studio/v2/Flows", 1000),
    ],
)
def test_page_size_maximum_is_per_endpoint(
    served: testing.ServedEmulator, path: str, maximum: int
) -> None:
    with client(served) as http:
        assert http.get(path, params={"PageSize": maximum}).status_code == 200
        response = http.get(path, params={"PageSize": maximum + 1})
    assert response.status_code == 400
    assert response.json()["code"] == 20007
    assert response.json()["message"] == f"Page size too large. The maximum page size is {maximum}"


def test_credentials_decide_the_account(served: testing.ServedEmulator) -> None:
    """Product APIs read the credential's account: a parent sees only its own resources."""
    world = served.emulator.world
    sub = world.accounts[1]
    with httpx.Client(base_url=served.url, timeout=30) as anonymous:
        response = anonymous.get("/monitor/v1/Alerts")
    assert response.status_code == 401
    assert response.json()["code"] == 20003
    with client(served) as http:
        main_services = http.get("/messaging/v1/Services").json()["services"]
        denied = http.get(f"/messaging/v1/Services/{sub.messaging_service_sid}/PhoneNumbers")
    with client(served, sub) as http:
        sub_services = http.get("/messaging/v1/Services").json()["services"]
    assert [s["sid"] for s in main_services] == [world.main.messaging_service_sid]
    assert [s["sid"] for s in sub_services] == [sub.messaging_service_sid]
    assert denied.status_code == 404


def test_messaging_services_are_the_ones_messages_carry(served: testing.ServedEmulator) -> None:
    for account in served.emulator.world.active_accounts:
        with client(served, account) as http:
            messages = wire_list(
                http, f"/2010-04-01/Accounts/{account.sid}/Messages.json", "messages"
            )
            services = list_all(http, "/messaging/v1/Services")
            pool = list_all(http, f"/messaging/v1/Services/{services[0]['sid']}/PhoneNumbers")
            numbers = wire_list(
                http,
                f"/2010-04-01/Accounts/{account.sid}/IncomingPhoneNumbers.json",
                "incoming_phone_numbers",
            )
        carried = {m["messaging_service_sid"] for m in messages} - {None}
        assert carried == {s["sid"] for s in services}
        assert {n["sid"] for n in pool} == {n["sid"] for n in numbers}
        assert {n["phone_number"] for n in pool} == {n["phone_number"] for n in numbers}


def test_alerts_come_from_failed_messages_and_calls(served: testing.ServedEmulator) -> None:
    emu = served.emulator
    now = emu.clock.now()
    floor = dt.datetime.fromtimestamp(monitor.alert_floor(now), dt.timezone.utc)
    account = emu.world.main
    with client(served) as http:
        alerts = list_all(http, "/monitor/v1/Alerts")
        # Every message: those failed before sending have no date_sent to filter on.
        messages = wire_list(http, f"/2010-04-01/Accounts/{account.sid}/Messages.json", "messages")
        calls = wire_list(
            http,
            f"/2010-04-01/Accounts/{account.sid}/Calls.json",
            "calls",
            Status="failed",
            **{"StartTime>": (floor - dt.timedelta(days=1)).date().isoformat()},
        )
    by_resource = {a["resource_sid"]: a for a in alerts}
    assert len(by_resource) == len(alerts) > 0
    failed_messages = {m["sid"]: m for m in messages if m["error_code"] is not None}
    for sid, alert in by_resource.items():
        if sid.startswith("CA"):
            assert sid in {c["sid"] for c in calls}
            assert int(alert["error_code"]) in monitor.CALL_ERRORS
            assert alert["log_level"] == "error"
        else:
            message = failed_messages[sid]
            assert alert["error_code"] == str(message["error_code"])
            assert alert["log_level"] == ("error" if message["status"] == "failed" else "warning")
            assert alert["service_sid"] == message["messaging_service_sid"]
    # Every failure inside the 30 days kept has its alert, and nothing older does.
    for alert in alerts:
        generated = dt.datetime.fromisoformat(alert["date_generated"].replace("Z", "+00:00"))
        assert generated >= floor
    assert Counter(s[:2] for s in by_resource)["CA"] == sum(
        1 for c in calls if c["end_time"] is not None and _rfc(c["end_time"]) >= floor
    )


def _rfc(value: str) -> dt.datetime:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(value)


def test_alert_and_summary_retention(served: testing.ServedEmulator) -> None:
    now = served.emulator.clock.now()
    oldest = dt.datetime.fromtimestamp(monitor.alert_floor(now), dt.timezone.utc).date()
    too_old = (oldest - dt.timedelta(days=1)).isoformat()
    with client(served) as http:
        ok = http.get("/monitor/v1/Alerts", params={"StartDate": oldest.isoformat()})
        alerts = http.get("/monitor/v1/Alerts", params={"StartDate": too_old})
        summaries = http.get("/insights/v1/Voice/Summaries", params={"StartTime": too_old})
        recent = http.get("/insights/v1/Voice/Summaries", params={"StartTime": "29d"})
    assert ok.status_code == 200
    assert alerts.status_code == 400
    assert alerts.json()["message"] == "Queries for alerts older than 30 days are not supported"
    assert summaries.status_code == 400
    assert summaries.json()["code"] == 17002
    assert recent.status_code == 200


def test_call_summaries_are_the_calls(served: testing.ServedEmulator) -> None:
    emu = served.emulator
    account = emu.world.accounts[2]
    with client(served, account) as http:
        summaries = list_all(http, "/insights/v1/Voice/Summaries", StartTime=OLDEST_KEPT)
        calls = {
            c["sid"]: c
            for c in wire_list(http, f"/2010-04-01/Accounts/{account.sid}/Calls.json", "calls")
        }
    assert summaries
    for summary in summaries:
        call = calls[summary["call_sid"]]
        assert _rfc(call["start_time"]) == _iso(summary["start_time"])
        assert _rfc(call["end_time"]) == _iso(summary["end_time"])
        assert summary["call_state"] == insights.CALL_STATES[call["status"]]
        assert summary["from"]["caller"] == call["from"]
        assert summary["to"]["callee"] == call["to"]
        if call["status"] == "completed":
            assert summary["duration"] == int(call["duration"])
    floor = dt.datetime.fromtimestamp(insights.summary_floor(emu.clock.now()), dt.timezone.utc)
    expected = {
        sid
        for sid, c in calls.items()
        if c["end_time"] is not None and _rfc(c["start_time"]) >= floor
    }
    assert {s["call_sid"] for s in summaries} == expected


def _iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_executions_are_inbound_calls_and_steps_belong_to_them(
    served: testing.ServedEmulator,
) -> None:
    account = served.emulator.world.main
    toll_free = {n.sid for n in account.numbers if n.kind == "toll-free"}
    with client(served) as http:
        calls = {
            c["sid"]: c
            for c in wire_list(http, f"/2010-04-01/Accounts/{account.sid}/Calls.json", "calls")
        }
        flows = list_all(http, "/studio/v2/Flows")
        assert sorted(f["status"] for f in flows) == ["draft", "published"]
        executions = []
        for flow in flows:
            for execution in list_all(http, f"/studio/v2/Flows/{flow['sid']}/Executions"):
                assert execution["flow_sid"] == flow["sid"]
                steps = list_all(
                    http, f"/studio/v2/Flows/{flow['sid']}/Executions/{execution['sid']}/Steps"
                )
                assert steps
                assert {s["execution_sid"] for s in steps} == {execution["sid"]}
                assert {s["flow_sid"] for s in steps} == {flow["sid"]}
                executions.append(execution)
    expected = {
        sid
        for sid, c in calls.items()
        if c["direction"] == "inbound" and c["phone_number_sid"] in toll_free
    }
    assert {e["initiated_by"] for e in executions} == expected
    for execution in executions:
        call = calls[execution["initiated_by"]]
        assert execution["contact_channel_address"] == call["from"]
        assert _iso(execution["date_created"]) == _rfc(call["start_time"])


def test_conversation_participants_are_real_customers(served: testing.ServedEmulator) -> None:
    for account in served.emulator.world.active_accounts:
        customers = {c.e164 for c in account.customers}
        ours = {n.e164 for n in account.numbers}
        with client(served, account) as http:
            conversations = list_all(http, "/conversations/v1/Conversations")
            users = {u["identity"]: u for u in list_all(http, "/conversations/v1/Users")}
            assert conversations
            for conv in conversations:
                path = f"/conversations/v1/Conversations/{conv['sid']}"
                participants = list_all(http, f"{path}/Participants")
                bound = [p for p in participants if p["messaging_binding"]]
                chat = [p for p in participants if p["identity"]]
                assert len(bound) == len(chat) == 1
                binding = bound[0]["messaging_binding"]
                prefix = "whatsapp:" if binding["type"] == "whatsapp" else ""
                assert binding["address"].removeprefix(prefix) in customers
                assert binding["proxy_address"].removeprefix(prefix) in ours
                assert chat[0]["identity"] in users
                messages = list_all(http, f"{path}/Messages")
                assert [m["index"] for m in messages] == list(range(len(messages)))
                assert {m["author"] for m in messages} <= {binding["address"], chat[0]["identity"]}
                assert {m["participant_sid"] for m in messages} <= {p["sid"] for p in participants}
                newest = list_all(http, f"{path}/Messages", Order="desc")
                assert newest == messages[::-1]


def concrete_paths(http: httpx.Client, item: ProductList) -> list[str]:
    """``item``'s path for every record of its parents, read over HTTP."""
    parent, placeholder = item.parent, item.placeholder
    if parent is None or placeholder is None:
        return [item.url_path]
    return [
        item.url_path.replace(parent.url_path, outer).replace(
            f"{{{placeholder}}}", str(row[parent.ident])
        )
        for outer in concrete_paths(http, parent)
        for row in list_all(http, outer)
    ]


def served_count(http: httpx.Client, item: ProductList) -> int:
    """What a client reading ``item`` whole gets, over every record of its parents."""
    paths = concrete_paths(http, item)
    if item.key is None:
        return sum(http.get(path).status_code == 200 for path in paths)
    return sum(len(list_all(http, path)) for path in paths)


def test_truth_counts_what_the_apis_serve(served: testing.ServedEmulator) -> None:
    truth = httpx.get(f"{served.url}/_emulator/truth", timeout=60).json()
    for account in served.emulator.world.active_accounts:
        counts = truth["accounts"][account.sid]["products"]
        with client(served, account) as http:
            services = list_all(http, "/messaging/v1/Services")
            conversations = list_all(http, "/conversations/v1/Conversations")
            users = list_all(http, "/conversations/v1/Users")
            flows = list_all(http, "/studio/v2/Flows")
            executions = [
                e for f in flows for e in list_all(http, f"/studio/v2/Flows/{f['sid']}/Executions")
            ]
            served_counts = {
                "alerts": len(list_all(http, "/monitor/v1/Alerts")),
                "monitor_events": len(list_all(http, "/monitor/v1/Events")),
                "messaging_services": len(services),
                "messaging_service_phone_numbers": sum(
                    len(list_all(http, f"/messaging/v1/Services/{s['sid']}/PhoneNumbers"))
                    for s in services
                ),
                "conversations": len(conversations),
                "conversation_messages": sum(
                    len(list_all(http, f"/conversations/v1/Conversations/{c['sid']}/Messages"))
                    for c in conversations
                ),
                "conversation_participants": sum(
                    len(list_all(http, f"/conversations/v1/Conversations/{c['sid']}/Participants"))
                    for c in conversations
                ),
                "users": len(users),
                "user_conversations": sum(
                    len(list_all(http, f"/conversations/v1/Users/{u['sid']}/Conversations"))
                    for u in users
                ),
                "flows": len(flows),
                "executions": len(executions),
                "execution_steps": sum(
                    len(
                        list_all(
                            http, f"/studio/v2/Flows/{e['flow_sid']}/Executions/{e['sid']}/Steps"
                        )
                    )
                    for e in executions
                ),
                "verify_services": len(list_all(http, "/verify/v2/Services")),
                "verification_attempts": len(list_all(http, "/verify/v2/Attempts")),
                "trunks": len(list_all(http, "/trunking/v1/Trunks")),
                "call_summaries": len(
                    list_all(http, "/insights/v1/Voice/Summaries", StartTime=OLDEST_KEPT)
                ),
                # And every list declared as data (resources.LISTS).
                **{i.stream: served_count(http, i) for i in resources.LISTS if not i.shared},
            }
        assert served_counts == counts
        with client(served, account) as http:  # catalogs: the same for every account
            shared = {i.stream: served_count(http, i) for i in resources.LISTS if i.shared}
        assert shared.items() <= truth["shared"].items()
    main = truth["accounts"][served.emulator.world.main.sid]["products"]
    assert main["trunks"] == 1
    assert min(main.values()) > 0


def test_products_are_deterministic_and_move_with_the_clock() -> None:
    paths = ["/verify/v2/Attempts", "/monitor/v1/Alerts", "/conversations/v1/Conversations"]
    bodies = []
    for _ in range(2):
        with testing.serve(config(seed=9)) as emulator, client(emulator) as http:
            # Only the port differs between the two emulators.
            bodies.append(repr([list_all(http, p) for p in paths]).replace(emulator.url, ""))
            executions = studio.executions(emulator.emulator.store, emulator.emulator.world.main, 0)
            assert executions == []  # before the history: nothing
            before = len(list_all(http, "/verify/v2/Attempts"))
            emulator.emulator.clock.advance(86_400)
            assert len(list_all(http, "/verify/v2/Attempts")) > before
    assert bodies[0] == bodies[1]


def _workspace_path(http: httpx.Client) -> str:
    (workspace,) = list_all(http, "/taskrouter/v1/Workspaces")
    return f"/taskrouter/v1/Workspaces/{workspace['sid']}"


def test_taskrouter_workers_are_the_agents_and_follow_their_shifts(
    served: testing.ServedEmulator,
) -> None:
    account = served.emulator.world.main
    with client(served) as http:
        workspace = _workspace_path(http)
        activities = {a["sid"]: a for a in list_all(http, f"{workspace}/Activities")}
        workers = list_all(http, f"{workspace}/Workers")
        users = list_all(http, "/conversations/v1/Users")
        available = list_all(http, f"{workspace}/Workers", Available="true")
    assert sorted(a["friendly_name"] for a in activities.values()) == [
        "Busy", "Idle", "Offline", "Reserved"
    ]  # fmt: skip
    assert sorted(w["friendly_name"] for w in workers) == sorted(u["friendly_name"] for u in users)
    for worker in workers:
        activity = activities[worker["activity_sid"]]
        assert worker["activity_name"] == activity["friendly_name"]
        assert worker["available"] is activity["available"]
        assert worker["date_status_changed"] <= NOW.isoformat().replace("+00:00", "Z")
    # Friday noon: only the early shift (07:00-15:00 UTC, back from its 11:00 break) is on.
    assert [w["friendly_name"] for w in available] == ["Chloé Martin"]
    assert {w["activity_name"] for w in workers} == {"Idle", "Offline"}
    assert all(w["account_sid"] == account.sid for w in workers)


def test_taskrouter_tasks_are_inbound_calls_and_questions_while_they_live() -> None:
    """Over a weekend: tasks wait for Monday's shift, time out after a day, and each is
    listed until five minutes after it ends."""
    with testing.serve(config(seed=4)) as emulator:
        emu = emulator.emulator
        account = emu.world.main
        start = emu.clock.now()
        # Every 4 hours from Friday noon to Monday noon, and just after a weekend timeout.
        timed_out = next(
            t
            for day in range(emu.store.today, emu.store.today + 3)
            for t in taskrouter.tasks(emu.store, account, day)
            if t.reason == "Task TTL Exceeded"
        )
        moments = sorted({*range(start, start + 3 * 86_400 + 1, 4 * 3600), timed_out.ended + 60})
        seen: dict[str, dict] = {}
        with client(emulator) as http:
            workspace = _workspace_path(http)
            for moment in moments:
                emu.clock.advance(moment - emu.clock.now())
                now = dt.datetime.fromtimestamp(moment, dt.timezone.utc)
                tasks = list_all(http, f"{workspace}/Tasks")
                created = [t["date_created"] for t in tasks]
                assert created == sorted(created)  # Twilio's default order: oldest first
                for task in tasks:
                    if task["assignment_status"] in ("completed", "canceled"):
                        assert _iso(task["date_updated"]) > now - dt.timedelta(minutes=5)
                    assert task["age"] == int((now - _iso(task["date_created"])).total_seconds())
                    seen[task["sid"]] = task
            calls = {
                c["sid"]: c
                for c in wire_list(http, f"/2010-04-01/Accounts/{account.sid}/Calls.json", "calls")
            }
            messages = {
                m["sid"]: m
                for m in wire_list(
                    http, f"/2010-04-01/Accounts/{account.sid}/Messages.json", "messages"
                )
            }
    statuses = Counter(t["assignment_status"] for t in seen.values())
    assert statuses["pending"] > 0  # weekend questions wait for an agent
    assert seen[timed_out.sid]["assignment_status"] == "canceled"
    assert seen[timed_out.sid]["reason"] == "Task TTL Exceeded"
    for task in seen.values():
        source = json.loads(task["attributes"])
        if task["task_channel_unique_name"] == "voice":
            call = calls[source["call_sid"]]
            assert call["direction"] == "inbound"
            assert call["parent_call_sid"] is None
            assert source["from"] == call["from"]
        else:
            message = messages[source["message_sid"]]
            assert message["direction"] == "inbound"
            assert message["body"].endswith("?")


def test_voice_prices_are_the_rates_calls_are_billed_at(served: testing.ServedEmulator) -> None:
    account = served.emulator.world.main  # billed in USD, as prices are listed
    with client(served) as http:
        countries = list_all(http, "/pricing/v2/Voice/Countries")
        prices = {c["iso_country"]: http.get(c["url"]).json() for c in countries}
        calls = wire_list(http, f"/2010-04-01/Accounts/{account.sid}/Calls.json", "calls")
    assert [c["iso_country"] for c in countries] == sorted(prices)
    by_code = {
        prefix: Decimal(p["current_price"])
        for country in prices.values()
        for p in country["outbound_prefix_prices"]
        for prefix in p["destination_prefixes"]
    }
    checked = 0
    for call in calls:
        if call["direction"] != "outbound-api" or call["price"] is None or not call["duration"]:
            continue
        digits = call["to"].lstrip("+")
        rate = by_code[max((p for p in by_code if digits.startswith(p)), key=len)]
        minutes = -(-int(call["duration"]) // 60)
        assert -Decimal(call["price"]) == rate * minutes, call["sid"]
        checked += 1
    assert checked > 10
    assert {p["price_unit"] for p in prices.values()} == {"USD"}
