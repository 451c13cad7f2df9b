"""Faults on command: every fault the emulator injects, its exact wire form, and repeatability."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.support import STEADY_EDGE
from twilio_emulator import testing
from twilio_emulator.apis import FILES, PREFIXES
from twilio_emulator.cli import _fault_plan, _parser
from twilio_emulator.emulator import EmulatorConfig
from twilio_emulator.faults import ENVELOPE_KEYS, KINDS, LIST_SHAPES, FaultPlan

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
TODAY = NOW.date()


@pytest.fixture(scope="module")
def served() -> Iterator[testing.ServedEmulator]:
    config = EmulatorConfig(
        **STEADY_EDGE,
        seed=5,
        days=6,
        messages_per_day=40,
        calls_per_day=10,
        customers=60,
        now=int(NOW.timestamp()),
        auth_token="faults-token-0123456789abcdef",
    )
    with testing.serve(config) as emulator:
        yield emulator


@pytest.fixture
def api(served: testing.ServedEmulator) -> Iterator[httpx.Client]:
    """A client of the REST API; the fault plan is cleared after each test."""
    with httpx.Client(
        base_url=served.url, auth=(served.account_sid, served.auth_token), timeout=10
    ) as client:
        yield client
    httpx.delete(f"{served.url}/_emulator/faults", timeout=10)


def set_plan(served: testing.ServedEmulator, **plan: object) -> dict:
    response = httpx.post(f"{served.url}/_emulator/faults", json=plan, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def report(served: testing.ServedEmulator) -> dict:
    return httpx.get(f"{served.url}/_emulator/faults", timeout=10).json()


def messages_path(sid: str) -> str:
    return f"/2010-04-01/Accounts/{sid}/Messages.json"


def sub_account(served: testing.ServedEmulator, status: str = "active") -> str:
    return next(
        a.sid for a in served.emulator.world.accounts if not a.is_main and a.status == status
    )


# --- the admin endpoint ---------------------------------------------------------------


def test_default_plan_injects_nothing_but_retention(served: testing.ServedEmulator) -> None:
    httpx.delete(f"{served.url}/_emulator/faults", timeout=10)
    body = report(served)
    assert body["plan"] == FaultPlan().to_dict()
    assert body["plan"]["retention_days"] == 400
    # Every API the emulator serves (apis.py), never its admin endpoints.
    assert body["applies_to"] == ["/2010-04-01", *PREFIXES.values(), FILES]
    assert "/monitor" in body["applies_to"]
    assert body["requests"] == 0
    assert body["injected"] == {}


def test_invalid_plan_is_refused_in_one_line(served: testing.ServedEmulator) -> None:
    for plan, expected in (
        ({"rates": {"418": 0.5}}, "unknown fault kind '418'"),
        ({"rates": {"500": 1.5}}, "rate of '500' must be a number from 0 to 1"),
        ({"rates": {"500": 0.6, "502": 0.6}}, "fault rates add up to more than 1"),
        ({"latency": 5}, "unknown fault setting 'latency'"),
        ({"max_concurrent": -1}, "max_concurrent must be an integer >= 0 or null"),
        ({"seed": "x"}, "seed must be an integer"),
        ({"close_after": {"AC1": "soon"}}, "close_after of AC1 must be an integer >= 0"),
    ):
        response = httpx.post(f"{served.url}/_emulator/faults", json=plan, timeout=10)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == 20001
        assert body["message"].startswith(f"invalid fault plan: {expected}")


def test_admin_api_is_never_faulted(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, rates={"500": 1.0})
    assert api.get("/2010-04-01/Accounts.json").status_code == 500
    assert httpx.get(f"{served.url}/_emulator/truth", timeout=30).status_code == 200
    assert httpx.get(f"{served.url}/_emulator/health", timeout=10).status_code == 200
    assert report(served)["requests"] == 1


def test_cli_options_build_the_same_plan() -> None:
    args = _parser().parse_args(
        ["serve", "--fault-seed", "9", "--fault", "429=0.1", "--fault", "reset=0.05",
         "--retry-after", "2", "--latency-ms", "20", "--max-concurrent", "3",
         "--hang-seconds", "4", "--revoke-after", "50", "--close-after", "AC" + "1" * 32 + "=7",
         "--page-size-limit", "100", "--retention-days", "30"]
    )  # fmt: skip
    assert _fault_plan(args) == FaultPlan(
        seed=9,
        rates={"429": 0.1, "reset": 0.05},
        retry_after=2,
        latency_ms=20,
        max_concurrent=3,
        hang_seconds=4.0,
        revoke_after=50,
        close_after={"AC" + "1" * 32: 7},
        page_size_limit=100,
        retention_days=30,
    )


def test_help_documents_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for kind in KINDS:
        assert f"{kind}:" in text
    for option in ("--max-concurrent", "--revoke-after", "--close-after", "--page-size-limit",
                   "--usage-page-size-limit", "--retention-days", "/_emulator/faults"):  # fmt: skip
        assert option in text
    assert "every product API" in text


# --- random faults ----------------------------------------------------------------------


def statuses(api: httpx.Client, sid: str, n: int) -> list[int]:
    """Status of n requests over a few distinct URLs (a URL asked again draws again)."""
    out = []
    for i in range(n):
        response = api.get(messages_path(sid), params={"PageSize": 5 + i % 7})
        out.append(response.status_code)
    return out


def test_random_faults_repeat_exactly_for_a_seed(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    plan = {"seed": 3, "rates": {"500": 0.2, "503": 0.1}}
    sid = served.account_sid
    set_plan(served, **plan)
    first = statuses(api, sid, 120)
    set_plan(served, **plan)  # a new plan starts the draws again
    assert statuses(api, sid, 120) == first
    assert report(served)["injected"] == {"500": first.count(500), "503": first.count(503)}
    assert 12 <= first.count(500) <= 36  # 20% of 120, give or take
    assert 4 <= first.count(503) <= 20
    set_plan(served, **{**plan, "seed": 4})
    assert statuses(api, sid, 120) != first


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("429", 429, 20429), ("429-no-retry-after", 429, 20429), ("500", 500, 20500),
     ("503", 503, 20503)],
)  # fmt: skip
def test_json_error_faults(
    served: testing.ServedEmulator, api: httpx.Client, kind: str, status: int, code: int
) -> None:
    set_plan(served, rates={kind: 1.0}, retry_after=7)
    response = api.get(messages_path(served.account_sid))
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert response.headers.get("Retry-After") == ("7" if kind == "429" else None)
    assert response.headers["Twilio-Request-Id"].startswith("RQ")
    assert report(served)["injected"] == {kind: 1}


@pytest.mark.parametrize(("kind", "status"), [("502", 502), ("504", 504)])
def test_gateway_faults_are_html(
    served: testing.ServedEmulator, api: httpx.Client, kind: str, status: int
) -> None:
    set_plan(served, rates={kind: 1.0})
    response = api.get(messages_path(served.account_sid))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{status} ".encode() in response.content


def test_reset_closes_the_connection_mid_body(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    set_plan(served, rates={"reset": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(messages_path(served.account_sid))
    assert report(served)["injected"] == {"reset": 1}


def test_truncated_and_invalid_bodies(served: testing.ServedEmulator, api: httpx.Client) -> None:
    path = messages_path(served.account_sid)
    whole = api.get(path).content
    set_plan(served, rates={"truncated": 1.0})
    cut = api.get(path)
    assert cut.status_code == 200
    assert cut.content == whole[: len(whole) // 2]
    set_plan(served, rates={"invalid-json": 1.0})
    garbage = api.get(path)
    assert garbage.status_code == 200
    assert garbage.content.startswith(b"<html>")
    with pytest.raises(ValueError, match="Expecting value"):
        garbage.json()


def test_timeout_hangs_until_the_client_gives_up(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    set_plan(served, rates={"timeout": 1.0}, hang_seconds=20)
    with pytest.raises(httpx.ReadTimeout):
        api.get(messages_path(served.account_sid), timeout=0.5)
    # The stall ends when the client hangs up, not 20 s later.
    set_plan(served)
    assert api.get(messages_path(served.account_sid), timeout=5).status_code == 200


def test_latency_is_added(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, latency_ms=300)
    response = api.get(messages_path(served.account_sid))
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.3


def test_concurrency_cap_answers_429_like_twilio(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    set_plan(served, max_concurrent=1, latency_ms=400)
    results: list[httpx.Response] = []

    def call() -> None:
        with httpx.Client(auth=(served.account_sid, served.auth_token), timeout=10) as client:
            results.append(client.get(served.url + messages_path(served.account_sid)))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 429, 429]
    for response in results:
        if response.status_code == 429:
            assert response.json()["code"] == 20429
            assert int(response.headers["Twilio-Concurrent-Requests"]) >= 2
    assert report(served)["injected"] == {"concurrency": 2}


# --- rules ---------------------------------------------------------------------------------


def test_credential_revoked_mid_run(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, revoke_after=2)
    assert [api.get("/2010-04-01/Accounts.json").status_code for _ in range(4)] == [
        200, 200, 401, 401
    ]  # fmt: skip
    body = api.get("/2010-04-01/Accounts.json").json()
    assert body["code"] == 20003


def test_subaccount_closes_mid_run(served: testing.ServedEmulator, api: httpx.Client) -> None:
    sub = sub_account(served)
    set_plan(served, close_after={sub: 2})
    assert [api.get(messages_path(sub)).status_code for _ in range(3)] == [200, 200, 404]
    body = api.get(messages_path(sub)).json()
    assert body["code"] == 20404
    assert api.get(messages_path(served.account_sid)).status_code == 200


def test_page_size_limit_answers_20007(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, page_size_limit=100)
    refused = api.get(messages_path(served.account_sid), params={"PageSize": 1000})
    assert refused.status_code == 400
    assert refused.json()["code"] == 20007
    assert refused.json()["message"] == "Page size too large. The maximum page size is 100"
    ok = api.get(messages_path(served.account_sid), params={"PageSize": 100})
    assert ok.status_code == 200


def test_usage_fails_at_large_pages_only(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, usage_page_size_limit=100)
    usage = f"/2010-04-01/Accounts/{served.account_sid}/Usage/Records/Daily.json"
    failed = api.get(usage, params={"PageSize": 1000})
    assert failed.status_code == 500
    assert failed.json()["code"] == 20500
    assert api.get(usage, params={"PageSize": 100}).status_code == 200
    messages = api.get(messages_path(served.account_sid), params={"PageSize": 1000})
    assert messages.status_code == 200


def test_retention_window_answers_20004(served: testing.ServedEmulator, api: httpx.Client) -> None:
    path = messages_path(served.account_sid)

    def sent_after(days_ago: int) -> httpx.Response:
        day = (TODAY - dt.timedelta(days=days_ago)).isoformat()
        return api.get(path, params={"DateSent>": day})

    assert sent_after(399).status_code == 200  # Twilio's default: 400 days, today included
    refused = sent_after(400)
    assert refused.status_code == 400
    assert refused.json() == {
        "code": 20004,
        "message": "Date range specified in query is partially or entirely outside of "
        "retention window of 400 days",
        "more_info": "https://www.twilio.com/docs/errors/20004",
        "status": 400,
    }
    set_plan(served, retention_days=5)
    assert sent_after(4).status_code == 200
    assert sent_after(5).json()["message"].endswith("retention window of 5 days")
    calls = f"/2010-04-01/Accounts/{served.account_sid}/Calls.json"
    assert api.get(calls, params={"StartTime>": "2020-01-01"}).status_code == 200


# --- the closed subaccount ----------------------------------------------------------------


def test_closed_subaccount_is_listed_and_its_resources_404(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    closed = sub_account(served, "closed")
    listed = {
        a["sid"]: a["status"] for a in api.get("/2010-04-01/Accounts.json").json()["accounts"]
    }
    assert listed[closed] == "closed"
    assert sorted(listed.values()) == ["active"] * 3 + ["closed"] * 2 + ["suspended"]
    fetched = api.get(f"/2010-04-01/Accounts/{closed}.json")
    assert fetched.status_code == 200
    assert fetched.json()["status"] == "closed"
    for resource in ("Messages", "Calls", "IncomingPhoneNumbers", "Usage/Records/Daily"):
        response = api.get(f"/2010-04-01/Accounts/{closed}/{resource}.json")
        assert response.status_code == 404, resource
        assert response.json()["code"] == 20404
    truth = httpx.get(f"{served.url}/_emulator/truth", timeout=30).json()["accounts"][closed]
    assert truth["status"] == "closed"
    assert truth["messages"]["total"] == 0
    assert truth["calls"]["total"] == 0


# --- wrong-shape 200s -----------------------------------------------------------------------

ALERTS = "/monitor/v1/Alerts"


@pytest.mark.parametrize("path", ["messages", ALERTS])
def test_wrong_shape_list_pages(
    served: testing.ServedEmulator, api: httpx.Client, path: str
) -> None:
    path = messages_path(served.account_sid) if path == "messages" else path
    whole = api.get(path).json()
    product = "meta" in whole
    key = whole["meta"]["key"] if product else next(iter(set(whole) - ENVELOPE_KEYS))
    shapes = {}
    for kind in LIST_SHAPES:
        set_plan(served, rates={kind: 1.0})
        response = api.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        shapes[kind] = response.json()
        assert report(served)["injected"] == {kind: 1}
    assert shapes["missing-key"] == {k: v for k, v in whole.items() if k != key}
    assert shapes["null-list"] == {**whole, key: None}
    if product:
        assert shapes["truncated-envelope"] == {
            "meta": {k: whole["meta"][k] for k in ("page", "page_size", "next_page_url",
                                                   "previous_page_url")}
        }  # fmt: skip
    else:
        assert set(shapes["truncated-envelope"]) == {
            "page", "page_size", "next_page_uri", "previous_page_uri"
        }  # fmt: skip


def test_list_shapes_leave_other_answers_alone(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    account = f"/2010-04-01/Accounts/{served.account_sid}.json"
    whole = api.get(account).json()
    for kind in LIST_SHAPES:
        set_plan(served, rates={kind: 1.0})
        assert api.get(account).json() == whole
        assert api.get("/2010-04-01/Accounts/AC" + "0" * 32 + "/Calls.json").status_code == 404
        assert report(served)["injected"] == {}, "nothing to reshape: not counted"


def test_html_200_is_an_html_page(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, rates={"html-200": 1.0})
    for path in (messages_path(served.account_sid), ALERTS):
        response = api.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.content.startswith(b"<!DOCTYPE html>")
    assert report(served)["injected"] == {"html-200": 2}


# --- the product APIs are faulted too ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status"),
    [("429", 429), ("429-no-retry-after", 429), ("500", 500), ("502", 502), ("503", 503),
     ("504", 504), ("truncated", 200), ("invalid-json", 200), ("html-200", 200),
     ("missing-key", 200), ("null-list", 200), ("truncated-envelope", 200)],
)  # fmt: skip
def test_every_random_fault_applies_to_product_apis(
    served: testing.ServedEmulator, api: httpx.Client, kind: str, status: int
) -> None:
    set_plan(served, rates={kind: 1.0})
    for path in ("/monitor/v1/Alerts", "/messaging/v1/Services", "/conversations/v1/Users",
                 "/studio/v2/Flows", "/verify/v2/Services", "/trunking/v1/Trunks",
                 "/insights/v1/Voice/Summaries"):  # fmt: skip
        assert api.get(path).status_code == status, path
    assert report(served)["injected"] == {kind: 7}
    products = ("monitor", "messaging", "conversations", "studio", "verify", "trunking", "insights")
    assert report(served)["injected_by_api"] == dict.fromkeys(products, 1)


def test_reset_and_timeout_apply_to_product_apis(
    served: testing.ServedEmulator, api: httpx.Client
) -> None:
    set_plan(served, rates={"reset": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(ALERTS)
    set_plan(served, rates={"timeout": 1.0}, hang_seconds=20)
    with pytest.raises(httpx.ReadTimeout):
        api.get(ALERTS, timeout=0.5)


def test_rules_apply_to_product_apis(served: testing.ServedEmulator, api: httpx.Client) -> None:
    set_plan(served, page_size_limit=100)
    refused = api.get(ALERTS, params={"PageSize": 1000})
    assert (refused.status_code, refused.json()["code"]) == (400, 20007)
    set_plan(served, revoke_after=1)
    assert [api.get(ALERTS).status_code for _ in range(2)] == [200, 401]
    set_plan(served, max_concurrent=0)
    assert api.get(ALERTS).status_code == 429
    set_plan(served, latency_ms=300)
    assert api.get(ALERTS).elapsed.total_seconds() >= 0.3


def test_a_subaccount_closes_mid_run_on_product_apis(served: testing.ServedEmulator) -> None:
    sub = next(a for a in served.emulator.world.accounts if not a.is_main and a.status == "active")
    set_plan(served, close_after={sub.sid: 2})
    with httpx.Client(base_url=served.url, auth=(sub.sid, sub.auth_token), timeout=10) as client:
        codes = [client.get(ALERTS).status_code for _ in range(3)]
        assert codes == [200, 200, 404]
        assert client.get("/verify/v2/Services").json()["code"] == 20404
    main = httpx.get(served.url + ALERTS, auth=(served.account_sid, served.auth_token))
    assert main.status_code == 200
    httpx.delete(f"{served.url}/_emulator/faults", timeout=10)
