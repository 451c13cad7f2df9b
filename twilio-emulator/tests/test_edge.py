"""The edge's and endpoints' own habits (on by default): transient 401/404, page-size limits.

Each is tested on, as Twilio plays it, and off, as its switch leaves the happy path.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support import STEADY_EDGE, make_config
from twilio_emulator import testing
from twilio_emulator.behaviours import BEHAVIOURS, all_off
from twilio_emulator.cli import _config, _parser
from twilio_emulator.edge import Edge, EdgeSettings
from twilio_emulator.emulator import EmulatorConfig

SMALL: dict[str, Any] = {"days": 3, "messages_per_day": 30, "calls_per_day": 5, "customers": 40}


def client_for(**overrides: Any) -> tuple[TestClient, str]:
    emulator, client = testing.in_process(make_config(**{**SMALL, **overrides}))
    client.auth = (emulator.world.main.sid, emulator.config.auth_token)
    return client, emulator.world.main.sid


def settings(**overrides: Any) -> EdgeSettings:
    options: dict[str, Any] = {
        "seed": 42,
        "transient_401_rate": 0.002,
        "transient_404_rate": 0.002,
        "usage_page_size_limit": 100,
    }
    return EdgeSettings(**{**options, **overrides})


# --- transient 401 and 404 --------------------------------------------------------------------


def test_defaults_are_on_at_low_rates() -> None:
    config = EmulatorConfig()
    assert (config.transient_401_rate, config.transient_404_rate) == (0.002, 0.002)
    edge = Edge(config.edge)
    drawn = Counter(edge.transient(f"/2010-04-01/Accounts/AC/Messages.json?Page={i}") for i in
                    range(100_000))  # fmt: skip
    assert 120 <= drawn["401"] <= 280
    assert 120 <= drawn["404"] <= 280


def test_a_transient_error_never_repeats_on_the_next_ask() -> None:
    edge = Edge(settings(transient_401_rate=0.45, transient_404_rate=0.45))
    for i in range(200):
        url = f"/monitor/v1/Alerts?Page={i}"
        answers = [edge.transient(url) for _ in range(6)]
        assert all(a is None or b is None for a, b in itertools.pairwise(answers))


def test_draws_repeat_for_a_seed_and_differ_across_seeds() -> None:
    urls = [f"/2010-04-01/Accounts/AC/Calls.json?Page={i % 50}" for i in range(2000)]
    one = Edge(settings(transient_401_rate=0.1))
    first = [one.transient(u) for u in urls]
    assert 100 <= first.count("401") <= 300
    again = Edge(settings(transient_401_rate=0.1))
    assert [again.transient(u) for u in urls] == first
    other = Edge(settings(seed=43, transient_401_rate=0.1))
    assert [other.transient(u) for u in urls] != first


def test_transient_answers_look_exactly_like_real_ones_but_do_not_persist() -> None:
    client, sid = client_for(transient_401_rate=0.5, transient_404_rate=0.5)
    path = f"/2010-04-01/Accounts/{sid}/Messages.json"
    seen: dict[int, Any] = {}
    for page_size in range(1, 40):
        first = client.get(path, params={"PageSize": page_size})
        if first.status_code != 200:
            seen[first.status_code] = first
            assert client.get(path, params={"PageSize": page_size}).status_code == 200
    assert set(seen) == {401, 404}
    steady, _ = client_for()  # the same world, with the edge steady: real answers
    real_401 = steady.get(path, params={"PageSize": 1}, auth=(sid, "wrong"))
    assert seen[401].json() == real_401.json() == {
        "code": 20003, "detail": "", "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401,
    }  # fmt: skip
    assert seen[401].headers["WWW-Authenticate"] == real_401.headers["WWW-Authenticate"]
    real_404 = steady.get(f"/2010-04-01/Accounts/{sid}/Nope.json")
    assert seen[404].json()["code"] == real_404.json()["code"] == 20404
    assert seen[404].json()["message"] == f"The requested resource {path} was not found"
    report = client.get("/_emulator/faults").json()
    assert sum(report["edge"].values()) == 39  # every first ask, at a combined rate of 1
    assert report["injected"] == {}, "the fault plan injected nothing"


def test_transient_errors_hit_product_apis_and_gets_only() -> None:
    client, sid = client_for(transient_401_rate=0.3, transient_404_rate=0.3)
    codes = {client.get("/monitor/v1/Alerts", params={"PageSize": n}).status_code
             for n in range(1, 30)}  # fmt: skip
    assert codes == {200, 401, 404}
    path = f"/2010-04-01/Accounts/{sid}/Messages.json"
    form = {"To": "+14155550100", "From": "whatever", "Body": "hi"}
    posts = {client.post(path, data=form).status_code for _ in range(10)}
    assert 401 not in posts
    assert 404 not in posts


def test_transient_errors_switch_off() -> None:
    client, sid = client_for(transient_401_rate=0.0, transient_404_rate=0.0)
    path = f"/2010-04-01/Accounts/{sid}/Calls.json"
    assert {client.get(path, params={"PageSize": n}).status_code for n in range(1, 60)} == {200}
    assert client.get("/_emulator/faults").json()["edge"] == {}


# --- page-size limits -----------------------------------------------------------------------


def test_usage_records_answer_500_above_100_by_default() -> None:
    client, sid = client_for()
    path = f"/2010-04-01/Accounts/{sid}/Usage/Records/Daily.json"
    failed = client.get(path, params={"PageSize": 1000})
    assert failed.status_code == 500
    assert failed.json()["code"] == 20500
    assert client.get(path, params={"PageSize": 101}).status_code == 500
    assert client.get(path, params={"PageSize": 100}).status_code == 200
    assert client.get(path).status_code == 200
    assert client.get(path, params={"PageSize": 1001}).json()["code"] == 20007
    messages = f"/2010-04-01/Accounts/{sid}/Messages.json"
    assert client.get(messages, params={"PageSize": 1000}).status_code == 200
    assert client.get("/_emulator/faults").json()["edge"] == {"page-size:500:20500": 2}


def test_usage_page_size_limit_switches_off() -> None:
    client, sid = client_for(usage_page_size_limit=None)
    path = f"/2010-04-01/Accounts/{sid}/Usage/Records.json"
    assert client.get(path, params={"PageSize": 1000}).status_code == 200


def test_verify_lists_refuse_pages_above_25_with_60373() -> None:
    client, _ = client_for(messages_per_day=300)  # some 70 attempts: several default pages
    for path in ("/verify/v2/Services", "/verify/v2/Attempts"):
        refused = client.get(path, params={"PageSize": 1000})
        assert refused.status_code == 400
        assert refused.json() == {
            "code": 60373, "message": "Invalid page size",
            "more_info": "https://www.twilio.com/docs/errors/60373", "status": 400,
        }  # fmt: skip
        assert client.get(path, params={"PageSize": 26}).status_code == 400
        assert client.get(path, params={"PageSize": 25}).status_code == 200
    # Without PageSize, the server's default page fits, and so do its next pages.
    body = client.get("/verify/v2/Attempts").json()
    assert body["meta"]["page_size"] == 25
    pages = 1
    while body["meta"]["next_page_url"]:
        response = client.get(body["meta"]["next_page_url"])
        assert response.status_code == 200, response.text
        body, pages = response.json(), pages + 1
    assert pages > 1


def test_verify_page_size_limit_switches_off() -> None:
    client, _ = client_for(verify_page_size_limit=None)
    assert client.get("/verify/v2/Attempts", params={"PageSize": 1000}).status_code == 200
    assert client.get("/verify/v2/Attempts").json()["meta"]["page_size"] == 50


# --- the switches: EmulatorConfig, CLI and /_emulator/info ---------------------------------------


def test_every_behaviour_is_an_emulator_config_field_reported_by_info() -> None:
    client, _ = client_for()
    reported = client.get("/_emulator/info").json()["behaviours"]
    config = make_config(**SMALL)
    assert reported == {b.name: getattr(config, b.name) for b in BEHAVIOURS}


def test_cli_options_set_the_config_fields() -> None:
    args = ["serve", "--transient-401-rate", "0.01", "--transient-404-rate", "0",
            "--usage-page-size-limit", "off", "--verify-page-size-limit", "10",
            "--alerts-cap", "500", "--alerts-cap-mode", "error"]  # fmt: skip
    config = _config(_parser().parse_args(args))
    assert config.transient_401_rate == 0.01
    assert config.transient_404_rate == 0.0
    assert config.usage_page_size_limit is None
    assert config.verify_page_size_limit == 10
    assert (config.alerts_cap, config.alerts_cap_mode) == (500, "error")
    switches = [b.name for b in BEHAVIOURS if isinstance(getattr(EmulatorConfig(), b.name), bool)]
    flags = [f"--no-{name.replace('_', '-')}" for name in switches]
    config = _config(_parser().parse_args(["serve", *flags, "--undated-order", "nulls-first"]))
    assert all(getattr(config, name) is False for name in switches)
    assert config.undated_order == "nulls-first"
    defaults = _config(_parser().parse_args(["serve"]))
    assert {b.name: getattr(defaults, b.name) for b in BEHAVIOURS} == {
        b.name: getattr(EmulatorConfig(), b.name) for b in BEHAVIOURS
    }


def test_happy_path_switches_every_behaviour_off() -> None:
    config = _config(_parser().parse_args(["serve", "--happy-path", "--alerts-cap", "5"]))
    off = all_off()
    assert {name: getattr(config, name) for name in off} == {**off, "alerts_cap": 5}
    for behaviour in BEHAVIOURS:
        expected = 5 if behaviour.name == "alerts_cap" else behaviour.off
        assert getattr(config, behaviour.name) == expected, behaviour.name
    assert config.undated_order == "date-created", "the order the happy path always had"


def test_help_cites_each_behaviours_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for behaviour in BEHAVIOURS:
        assert behaviour.source in text, behaviour.name
        flag = behaviour.name.replace("_", "-")
        assert f"--{flag}" in text or f"--no-{flag}" in text


def test_suite_emulators_keep_the_edge_steady() -> None:
    assert make_config().transient_401_rate == STEADY_EDGE["transient_401_rate"] == 0.0


# --- the Alerts list's result cap ----------------------------------------------------------------


def walk_alerts(client: TestClient, page_size: int) -> tuple[list[str], Any]:
    """SIDs served by following meta.next_page_url, and the answer that ended the walk."""
    sids: list[str] = []
    response = client.get("/monitor/v1/Alerts", params={"PageSize": page_size})
    while response.status_code == 200:
        body = response.json()
        sids += [a["sid"] for a in body["alerts"]]
        if not body["meta"]["next_page_url"]:
            break
        response = client.get(body["meta"]["next_page_url"])
    return sids, response


def test_alerts_cap_defaults_to_10000_and_stops() -> None:
    config = EmulatorConfig()
    assert (config.alerts_cap, config.alerts_cap_mode) == (10_000, "stop")


@pytest.mark.parametrize("page_size", [3, 7, 50])
def test_alerts_cap_stop_ends_paging_at_the_cap(page_size: int) -> None:
    everything, _ = walk_alerts(client_for(messages_per_day=400, alerts_cap=None)[0], 1000)
    assert len(everything) > 7
    client, _ = client_for(messages_per_day=400, alerts_cap=7, alerts_cap_mode="stop")
    sids, last = walk_alerts(client, page_size)
    assert sids == everything[:7], "the newest 7, and no next page after them"
    assert last.status_code == 200
    assert last.json()["alerts"], "the page reaching the cap is the last one"


@pytest.mark.parametrize("page_size", [3, 7, 50])
def test_alerts_cap_error_answers_400_past_the_cap(page_size: int) -> None:
    everything, _ = walk_alerts(client_for(messages_per_day=400, alerts_cap=None)[0], 1000)
    client, _ = client_for(messages_per_day=400, alerts_cap=7, alerts_cap_mode="error")
    sids, last = walk_alerts(client, page_size)
    assert sids == everything[:7]
    assert last.status_code == 400
    assert last.json()["code"] == 20001
    assert "at most 7 results" in last.json()["message"]


def test_alerts_under_the_cap_are_untouched() -> None:
    client, _ = client_for(messages_per_day=400, alerts_cap=10_000, alerts_cap_mode="error")
    sids, last = walk_alerts(client, 5)
    assert last.status_code == 200
    assert len(sids) == len(set(sids)) > 7
