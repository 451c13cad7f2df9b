"""The Dagster example (orchestrate/dagster/), installed from its pinned requirements and run.

Its requirements are installed from PyPI into a virtualenv of its own under ``output/``
(reused while the requirements and the Python are the same: ~25 s to make, 230 MB), as
docs/production.md says to; the definitions are imported there, must mirror meltano.yml's
jobs and schedules, and the twilio-elt asset is materialized against the emulator: the
marts then reconcile with its truth. A broken step fails the Dagster run and sends the
job runner's Twilio alert, which the emulator's outbox shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from switchboard.emulated import EmulatorProcess, running_emulator
from tests.pipeline import ROOT, Pipeline, assert_reconciles

pytestmark = pytest.mark.e2e
EXAMPLE = ROOT / "orchestrate" / "dagster"
VENV = ROOT / "output" / "dagster-venv"
ON_CALL = "+14155550123"

# Run in Dagster's virtualenv: load the definitions file, then either describe them or
# execute one job in process; the answer is the last line, after the job's own output.
SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("definitions", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
defs = module.defs
if sys.argv[2] == "describe":
    answer = {
        "assets": sorted(a.key.to_user_string() for a in defs.assets),
        "jobs": sorted(j.name for j in defs.jobs),
        "schedules": {
            s.name: [s.cron_schedule, s.job_name, s.execution_timezone, str(s.default_status)]
            for s in defs.schedules
        },
    }
else:
    result = defs.resolve_job_def(sys.argv[2]).execute_in_process(raise_on_error=False)
    events = result.get_asset_materialization_events()
    answer = {
        "success": result.success,
        "materialized": [event.asset_key.to_user_string() for event in events],
    }
print("ANSWER " + json.dumps(answer))
"""


@pytest.fixture(scope="module")
def dagster_python() -> Path:
    """Dagster's virtualenv, made from orchestrate/dagster/requirements.txt with pip."""
    requirements = EXAMPLE / "requirements.txt"
    stamp = hashlib.sha256(requirements.read_bytes() + sys.version.encode()).hexdigest()
    python = VENV / "bin" / "python"
    if not python.exists() or (VENV / "stamp").read_text() != stamp:
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=120)
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert install.returncode == 0, f"the pins do not install:\n{install.stderr[-3000:]}"
        (VENV / "stamp").write_text(stamp)
    return python


def dagster(
    python: Path, what: str, env: dict[str, str], home: Path
) -> tuple[dict, subprocess.CompletedProcess[str]]:
    """Run SCRIPT in Dagster's virtualenv; its answer, and the whole process."""
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    result = subprocess.run(
        [str(python), "-c", SCRIPT, str(EXAMPLE / "definitions.py"), what],
        env={**os.environ, **env, "DAGSTER_HOME": str(home)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    answers = [line for line in result.stdout.splitlines() if line.startswith("ANSWER ")]
    assert answers, (result.stdout + result.stderr)[-4000:]
    return json.loads(answers[-1].removeprefix("ANSWER ")), result


def test_definitions_mirror_meltano_yml(dagster_python: Path, tmp_path: Path) -> None:
    answer, _ = dagster(dagster_python, "describe", {}, tmp_path / "dagster-home")
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    jobs = sorted(job["name"].replace("-", "_") for job in project["jobs"])
    assert answer["assets"] == answer["jobs"] == jobs
    assert answer["schedules"] == {
        s["name"].replace("-", "_"): [
            s["interval"],
            s["job"].replace("-", "_"),
            "UTC",
            "DefaultScheduleStatus.STOPPED",
        ]
        for s in project["schedules"]
    }


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """Little data: the whole job runs twice."""
    with running_emulator(days=3, messages_per_day=60, calls_per_day=15, customers=80) as emu:
        yield emu


def job_env(pipeline: Pipeline, **overrides: str) -> dict[str, str]:
    """The pipeline's settings, the dev environment, our Python, and alerts to the emulator."""
    emulator = pipeline.emulator
    return {
        **pipeline.env(),
        "MELTANO_ENVIRONMENT": "dev",
        "SWITCHBOARD_PYTHON": sys.executable,
        "ALERT_TO": ON_CALL,
        "ALERT_FROM": emulator.get("/_emulator/info")["accounts"][0]["numbers"][0],
        "ALERT_TWILIO_ACCOUNT_SID": emulator.account_sid,
        "ALERT_TWILIO_AUTH_TOKEN": emulator.auth_token,
        "ALERT_TWILIO_BASE_URL": emulator.url,
        "ALERT_STATE_PATH": str(pipeline.workdir / "alerts.json"),
        **overrides,
    }


def outbox(emulator: EmulatorProcess) -> list[dict]:
    return emulator.get("/_emulator/outbox")["outbox"]


def test_elt_asset_materializes_and_the_marts_reconcile(
    dagster_python: Path, pipeline: Pipeline
) -> None:
    answer, result = dagster(
        dagster_python, "twilio_elt", job_env(pipeline), pipeline.workdir / "dagster-home"
    )
    assert answer == {"success": True, "materialized": ["twilio_elt"]}, result.stderr[-4000:]
    # The job runner's output reached Dagster: each step of the Meltano job ran.
    for task in ("tap-twilio target-duckdb", "dbt-duckdb:build", "warehouse-snapshot:publish"):
        assert f"==> twilio-elt: meltano run {task}" in result.stdout
    assert_reconciles(pipeline)
    assert outbox(pipeline.emulator) == []


def test_failed_step_fails_the_run_and_alerts(dagster_python: Path, pipeline: Pipeline) -> None:
    env = job_env(pipeline, TAP_TWILIO_AUTH_TOKEN="a-wrong-token-123456")
    answer, result = dagster(dagster_python, "twilio_elt", env, pipeline.workdir / "dagster-home")
    assert answer == {"success": False, "materialized": []}
    assert "External execution process failed with code 1" in result.stdout + result.stderr
    sent = outbox(pipeline.emulator)
    assert [(e["kind"], e["params"]["To"]) for e in sent] == [("message", ON_CALL)]
    body = sent[0]["params"]["Body"]
    assert body.startswith("[switchboard] twilio-elt (dev) failed at tap-twilio target-duckdb:")
    assert "Twilio rejected the credentials" in body
    assert "a-wrong-token-123456" not in body + result.stdout + result.stderr
