"""BulkExport v1: jobs on the emulator's clock, the Days they leave, the files behind them."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.support import API, Live, decode, make_config, start
from tests.test_callbacks import capture_server
from twilio_emulator.callbacks import signature

EXPORTS = "/bulkexports/v1/Exports"
TODAY = dt.date(2026, 11, 20)
OLD = (TODAY - dt.timedelta(days=5)).isoformat()
OLDER = (TODAY - dt.timedelta(days=7)).isoformat()
# Twilio's Day resource: the fields a file's records lack beside the list API's.
MESSAGE_GONE = {"price_unit", "api_version", "error_message", "uri", "subresource_uris"}


@pytest.fixture
def live() -> Live:
    return start(
        make_config(
            days=10,
            messages_per_day=120,
            calls_per_day=30,
            customers=100,
            bulk_export_job_seconds=60,
        )
    )


def create_job(live: Live, start_day: str, end_day: str, **extra: str) -> dict:
    response = live.client.post(
        f"{EXPORTS}/Messages/Jobs",
        data={"StartDay": start_day, "EndDay": end_day, "FriendlyName": "backfill", **extra},
        auth=live.api.auth,
    )
    assert response.status_code == 201, response.text
    return decode(response)


def statuses(job: dict) -> dict[str, list[str]]:
    return {group["status"]: group["days"] for group in job["details"]}


def fetch_day(live: Live, day: str) -> httpx.Response:
    """A Day, its 307 not followed (following it would send Twilio's credentials on)."""
    return live.client.get(
        f"{EXPORTS}/Messages/Days/{day}", auth=live.api.auth, follow_redirects=False
    )


def file_records(live: Live, day: str) -> list[dict]:
    response = fetch_day(live, day)
    assert response.status_code == 307, response.text
    link = response.headers["location"]
    assert decode(response)["redirect_to"] == link
    download = live.client.get(link)  # no Twilio credentials: a presigned link
    assert download.status_code == 200, download.text
    lines = gzip.decompress(download.content).splitlines()
    return [json.loads(line) for line in lines]


def test_a_job_progresses_with_the_clock_and_leaves_one_file_per_day(live: Live) -> None:
    job = create_job(live, OLDER, OLD)
    assert statuses(job) == {"Running": [OLDER], "Submitted": [OLDER[:8] + "14", OLD]}
    assert job["job_queue_position"] == "1"
    assert fetch_day(live, OLD).status_code == 404  # not ready
    live.advance(advance_seconds=60)
    job = live.api.ok(f"{EXPORTS}/Jobs/{job['job_sid']}")
    assert statuses(job)["Completed"] == [OLDER]
    live.advance(advance_seconds=120)
    job = live.api.ok(f"{EXPORTS}/Jobs/{job['job_sid']}")
    assert list(statuses(job)) == ["Completed"]
    assert job["job_queue_position"] == "0"
    days = live.api.ok(f"{EXPORTS}/Messages/Days")["days"]
    assert [d["day"] for d in days] == [OLD, OLDER[:8] + "14", OLDER]  # newest first
    assert all(d["size"] > 0 and d["friendly_name"] == "backfill" for d in days)


def test_a_files_records_are_the_list_apis_less_the_fields_twilio_documents(live: Live) -> None:
    create_job(live, OLD, OLD)
    live.advance(advance_seconds=60)
    records = file_records(live, OLD)
    assert records
    account = live.main_sid
    for record in records[:20]:
        listed = live.api.ok(f"{API}/Accounts/{account}/Messages/{record['sid']}.json")
        assert set(listed) - set(record) == MESSAGE_GONE
        for name in set(record) - {"date_created", "date_sent", "date_updated"}:
            assert record[name] == json.loads(json.dumps(listed[name], default=str)) or (
                str(record[name]) == str(listed[name])
            ), name
        created = dt.datetime.fromisoformat(record["date_created"].replace("Z", "+00:00"))
        assert created.date().isoformat() == OLD  # created that day (bulk_export_day=created)


def test_jobs_twilio_refuses_and_the_days_limit(live: Live) -> None:
    recent = (TODAY - dt.timedelta(days=1)).isoformat()
    response = live.client.post(
        f"{EXPORTS}/Messages/Jobs",
        data={"StartDay": OLD, "EndDay": recent, "FriendlyName": "x"},
        auth=live.api.auth,
    )
    assert response.status_code == 400
    assert "2 days" in response.json()["message"]
    missing = live.client.post(
        f"{EXPORTS}/Messages/Jobs", data={"StartDay": OLD, "EndDay": OLD}, auth=live.api.auth
    )
    assert missing.status_code == 400
    assert "FriendlyName" in missing.json()["message"]


def test_list_and_delete_jobs(live: Live) -> None:
    first = create_job(live, OLDER, OLDER)
    second = create_job(live, OLD, OLD)
    listed = live.api.ok(f"{EXPORTS}/Messages/Jobs")["jobs"]
    assert [j["job_sid"] for j in listed] == [second["job_sid"], first["job_sid"]]
    assert (
        live.client.delete(f"{EXPORTS}/Jobs/{second['job_sid']}", auth=live.api.auth).status_code
        == 204
    )
    assert [j["job_sid"] for j in live.api.ok(f"{EXPORTS}/Messages/Jobs")["jobs"]] == [
        first["job_sid"]
    ]
    live.advance(advance_seconds=600)
    assert fetch_day(live, OLD).status_code == 404  # never exported


def test_an_expired_link_is_s3s_403_and_a_removed_file_is_gone(live: Live) -> None:
    create_job(live, OLD, OLD)
    live.advance(advance_seconds=60)
    link = fetch_day(live, OLD).headers["location"]
    expires = int(dict(parse_qsl(urlsplit(link).query))["Expires"])
    live.advance(advance_seconds=expires - live.emulator.clock.now())
    expired = live.client.get(link)
    assert expired.status_code == 403
    assert "Request has expired" in expired.text
    assert fetch_day(live, OLD).status_code == 404  # seven days on


def test_a_download_with_twilio_credentials_is_refused_as_s3_does(live: Live) -> None:
    create_job(live, OLD, OLD)
    live.advance(advance_seconds=60)
    link = fetch_day(live, OLD).headers["location"]
    assert live.client.get(link, auth=live.api.auth).status_code == 400
    assert live.client.get(link.replace("Signature=", "Signature=0")).status_code == 403


def test_faults_expired_link_and_failed_job(live: Live) -> None:
    live.client.post("/_emulator/faults", json={"rates": {"failed-job": 1.0}})
    job = create_job(live, OLD, OLD)
    live.advance(advance_seconds=60)
    assert statuses(live.api.ok(f"{EXPORTS}/Jobs/{job['job_sid']}")) == {"Failed": [OLD]}
    assert fetch_day(live, OLD).status_code == 404
    live.client.post("/_emulator/faults", json={"rates": {}})
    create_job(live, OLD, OLD)
    live.advance(advance_seconds=60)
    link = fetch_day(live, OLD).headers["location"]
    live.client.post("/_emulator/faults", json={"rates": {"expired-link": 1.0}})
    assert live.client.get(link).status_code == 403
    assert fetch_day(live, OLD).status_code == 307  # API untouched


def test_the_configuration_turns_the_daily_export_on(live: Live) -> None:
    path = f"{EXPORTS}/Calls/Configuration"
    assert live.api.ok(path)["enabled"] is False
    response = live.client.post(path, data={"Enabled": "true"}, auth=live.api.auth)
    assert response.status_code == 200
    assert response.json()["enabled"] is True
    live.advance(advance="1d")
    days = live.api.ok(f"{EXPORTS}/Calls/Days")["days"]
    assert [d["day"] for d in days] == [TODAY.isoformat()]
    assert days[0]["friendly_name"] == "Daily export"


def test_the_completion_webhook_is_signed_with_the_accounts_token(live: Live) -> None:
    with capture_server() as capture:
        job = create_job(live, OLD, OLD, WebhookUrl=capture.url, WebhookMethod="POST")
        live.advance(advance_seconds=60)
        live.emulator.wait_webhooks(10)
        (request,) = capture.requests
    params = dict(parse_qsl(request["body"].decode()))
    assert params["JobSid"] == job["job_sid"]
    assert params["Status"] == "Completed"
    token = live.emulator.world.main.auth_token
    assert request["headers"]["X-Twilio-Signature"] == signature(token, capture.url, params)
