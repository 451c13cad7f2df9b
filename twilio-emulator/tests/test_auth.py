"""Authentication, account scoping and Twilio's JSON errors (401, 404, 405).

The tap authenticates with AccountSid:AuthToken or an API key and iterates the
subaccounts it can see; a subaccount token must not leak other accounts' data.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support import AUTH_TOKEN, Api, account_path, decode

UNAUTHORIZED = {
    "code": 20003,
    "detail": "",
    "message": "Authenticate",
    "more_info": "https://www.twilio.com/docs/errors/20003",
    "status": 401,
}


def _basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _not_found(response: Any, path: str) -> None:
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert decode(response) == {
        "code": 20404,
        "message": f"The requested resource {path} was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Bearer 0123456789abcdef"},
        _basic(b"no-colon-at-all"),
        _basic(b"\xff\xfe:\xff"),
    ],
    ids=["none", "empty-basic", "garbage", "bearer", "no-colon", "not-utf8"],
)
def test_missing_or_garbage_credentials_are_401(
    client: TestClient, main_sid: str, headers: dict[str, str]
) -> None:
    response = client.get(f"{account_path(main_sid)}/Messages.json", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert decode(response) == UNAUTHORIZED


def test_wrong_credentials_are_401(
    client: TestClient, main_sid: str, accounts: dict[str, dict[str, Any]]
) -> None:
    """A wrong token, or a right token under another account's SID, does not authenticate."""
    europe = accounts["Acme Europe"]
    for auth in (
        (main_sid, AUTH_TOKEN[:-1] + "0"),
        (main_sid, ""),
        (europe["sid"], AUTH_TOKEN),  # the main token with a subaccount SID
        (main_sid, europe["auth_token"]),
        ("SK00000000000000000000000000000000", AUTH_TOKEN),
    ):
        response = client.get(f"{account_path(main_sid)}/Messages.json", auth=auth)
        assert response.status_code == 401, auth
        assert response.headers["www-authenticate"].startswith("Basic ")
        assert decode(response) == UNAUTHORIZED


def test_account_sid_and_auth_token_work(api: Api, main_sid: str) -> None:
    body = api.ok(f"{account_path(main_sid)}/Messages.json", {"PageSize": 3})
    assert {m["account_sid"] for m in body["messages"]} == {main_sid}


def test_api_key_and_secret_work(
    client: TestClient, api_key_auth: tuple[str, str], main_sid: str, api: Api
) -> None:
    """An API key of the main account acts as the main account (account SID in the path)."""
    key = Api(client, api_key_auth)
    path = f"{account_path(main_sid)}/Calls.json"
    assert key.ok(path, {"PageSize": 5}) == api.ok(path, {"PageSize": 5})
    # 3 active, 1 closed, 1 suspended, 1 closed part-way through the history.
    assert len(key.ok("/2010-04-01/Accounts.json")["accounts"]) == 6
    wrong = client.get(path, auth=(api_key_auth[0], "not-the-secret"))
    assert wrong.status_code == 401


def test_main_credentials_see_every_subaccount(api: Api, main_sid: str) -> None:
    accounts = api.ok("/2010-04-01/Accounts.json")["accounts"]
    assert sorted((a["friendly_name"], a["status"]) for a in accounts) == [
        ("Acme Corp", "active"),
        ("Acme Europe", "active"),
        ("Acme Labs", "suspended"),  # listed, its resources answer 403
        ("Acme Legacy", "closed"),  # listed, as Twilio lists closed subaccounts
        ("Acme Marketing", "active"),
        ("Acme Retail", "closed"),  # closed part-way through the history
    ]
    assert {a["owner_account_sid"] for a in accounts} == {main_sid}
    for account in (a for a in accounts if a["status"] == "active"):
        path = account_path(account["sid"])
        assert api.ok(f"{path}.json")["sid"] == account["sid"]
        messages = api.ok(f"{path}/Messages.json", {"PageSize": 5})["messages"]
        assert {m["account_sid"] for m in messages} == {account["sid"]}


def test_subaccount_token_sees_only_itself(
    client: TestClient, main_sid: str, accounts: dict[str, dict[str, Any]]
) -> None:
    """A subaccount's own token lists only itself and gets 404 (not 403) for other accounts."""
    europe, marketing = accounts["Acme Europe"], accounts["Acme Marketing"]
    sub = Api(client, (europe["sid"], europe["auth_token"]))
    listed = sub.ok("/2010-04-01/Accounts.json")["accounts"]
    assert [a["sid"] for a in listed] == [europe["sid"]]
    own = account_path(europe["sid"])
    assert sub.ok(f"{own}/Messages.json", {"PageSize": 2})["messages"]
    assert sub.ok(f"{own}/Usage/Records/Today.json")["usage_records"]

    for other in (main_sid, marketing["sid"]):
        base = account_path(other)
        for path in (
            f"{base}.json",
            f"{base}/Messages.json",
            f"{base}/Calls.json",
            f"{base}/IncomingPhoneNumbers.json",
            f"{base}/Usage/Records/Daily.json",
        ):
            _not_found(sub.get(path), path)


def test_a_record_of_another_account_is_404(
    api: Api, main_sid: str, accounts: dict[str, dict[str, Any]]
) -> None:
    """Even the main account reaches a subaccount's record only under the subaccount's path."""
    europe = accounts["Acme Europe"]["sid"]
    message = api.ok(f"{account_path(europe)}/Messages.json", {"PageSize": 1})["messages"][0]
    assert api.ok(f"{account_path(europe)}/Messages/{message['sid']}.json") == message
    path = f"{account_path(main_sid)}/Messages/{message['sid']}.json"
    _not_found(api.get(path), path)


@pytest.mark.parametrize(
    "suffix",
    [
        "/2010-04-01/Nope.json",
        "/nope",
        "{A}/Messages/SM00000000000000000000000000000000.json",
        "{A}/Calls/CA00000000000000000000000000000000.json",
        "{A}/IncomingPhoneNumbers/PN00000000000000000000000000000000.json",
        "{A}/Usage/Records/Weekly.json",
        "/2010-04-01/Accounts/AC00000000000000000000000000000000.json",
    ],
)
def test_unknown_paths_are_404_json(api: Api, main_sid: str, suffix: str) -> None:
    path = suffix.replace("{A}", account_path(main_sid))
    _not_found(api.get(path), path)


@pytest.mark.parametrize(
    ("method", "resource"),
    [("PUT", "Calls"), ("DELETE", "Messages"), ("PATCH", "Calls"), ("POST", "Usage/Records")],
)
def test_wrong_method_is_405_json(
    client: TestClient, main_sid: str, method: str, resource: str
) -> None:
    """Lists take GET (and POST where Twilio creates: Messages, Calls); nothing else."""
    response = client.request(
        method, f"{account_path(main_sid)}/{resource}.json", auth=(main_sid, AUTH_TOKEN)
    )
    assert response.status_code == 405
    body = decode(response)
    assert body["status"] == 405
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
