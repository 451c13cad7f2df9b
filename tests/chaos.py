"""Helpers for the fault matrix: drive the emulator's faults, kill a run, read Twilio directly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Callable

import requests

from switchboard import meltano
from switchboard.emulated import EmulatorProcess
from switchboard.reconcile import money
from tests.pipeline import Pipeline

PIPELINE = ("tap-twilio", "target-duckdb", "dbt-duckdb:build")


class Faults:
    """The emulator's fault plan (``/_emulator/faults``)."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.url = f"{emulator.url}/_emulator/faults"

    def set(self, **plan: object) -> None:
        requests.post(self.url, json=plan, timeout=30).raise_for_status()

    def clear(self) -> None:
        requests.delete(self.url, timeout=30).raise_for_status()

    def report(self) -> dict:
        return requests.get(self.url, timeout=30).json()

    def injected(self) -> dict[str, int]:
        return self.report()["injected"]

    def requests_served(self) -> int:
        return self.report()["requests"]


def run_output(pipeline: Pipeline, *extra: str) -> subprocess.CompletedProcess[str]:
    """``meltano run`` of the whole pipeline, returning its exit code and output."""
    return pipeline.meltano("run", *extra, *PIPELINE)


def tap_lines(result: subprocess.CompletedProcess[str], text: str) -> list[str]:
    """Output lines that contain ``text``."""
    return [line for line in (result.stdout + result.stderr).splitlines() if text in line]


def killed_run(pipeline: Pipeline, until: Callable[[int], bool], *, timeout: float = 300) -> float:
    """Start ``meltano run``, SIGKILL its process tree once ``until(session)``; seconds it ran.

    Meltano, the tap, the target and dbt share the run's new session, so one
    ``killpg`` takes them all down at once, as a power cut or OOM kill would.
    """
    log = (pipeline.workdir / "meltano.log").open("a")
    started = time.monotonic()
    process = subprocess.Popen(
        [meltano.meltano_executable(), "--environment=dev", "run", *PIPELINE],
        cwd=meltano.ROOT,
        env={**os.environ, **meltano.MELTANO_ENV, **pipeline.env()},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        while not until():
            if process.poll() is not None:
                raise AssertionError(f"meltano run ended ({process.returncode}) before the kill")
            if time.monotonic() - started > timeout:
                raise AssertionError("the kill point was never reached")
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
    return time.monotonic() - started


def api_list(emulator: EmulatorProcess, path: str, params: dict, key: str) -> list[dict]:
    """Every record of a list, read directly from the emulator (no faults should be set).

    As any client of Twilio must: 100 records a page (usage records answer 500 above
    it), and a 401 or 404 asked again (Twilio's edge answers some transiently).
    """
    session = requests.Session()
    session.auth = (emulator.account_sid, emulator.auth_token)

    def get(url: str, query: dict | None = None) -> dict:
        for _ in range(3):
            response = session.get(url, params=query, timeout=60)
            if response.status_code not in (401, 404):
                break
        response.raise_for_status()
        return response.json()

    body = get(emulator.url + path, {**params, "PageSize": 100})
    records = list(body[key])
    while body.get("next_page_uri"):
        body = get(emulator.url + body["next_page_uri"])
        records += body[key]
    return records


def usage_differences(pipeline: Pipeline, accounts: list[str], start: str) -> list[str]:
    """Daily usage in staging vs. what the emulator serves now, per (account, category, day)."""
    today = pipeline.emulator.truth()["clock"][:10]
    expected = {}
    for sid in accounts:
        for record in api_list(
            pipeline.emulator,
            f"/2010-04-01/Accounts/{sid}/Usage/Records/Daily.json",
            {"StartDate": start, "EndDate": today, "IncludeSubaccounts": "false"},
            "usage_records",
        ):
            key = (sid, record["category"], record["start_date"])
            expected[key] = (money(record["price"]), record["count"])
    rows = pipeline.query(
        "select account_sid, category, cast(usage_date as varchar), price, usage_count "
        "from staging.stg_twilio__usage_records"
    )
    got = {
        (sid, category, day): (money(price), str(int(count)))
        for sid, category, day, price, count in rows
    }
    out = [f"{key}: emulator {value}, staging {got.get(key)}" for key, value in expected.items()
           if got.get(key) != value]  # fmt: skip
    out += [f"{key}: in staging only" for key in set(got) - set(expected)]
    return out


def day_before(timestamp: str) -> str:
    return (dt.date.fromisoformat(timestamp[:10]) - dt.timedelta(days=1)).isoformat()
