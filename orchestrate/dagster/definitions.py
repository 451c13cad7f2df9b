"""Dagster definitions for this Meltano project: one asset per job in meltano.yml, one
schedule per schedule there.

Each asset runs its job with the project's job runner, ``python -m switchboard.jobs <job>
--environment <env>`` in the project's virtualenv (what ``make run`` and the crontab in
docs/production.md run), through Dagster Pipes: Dagster shows the job's output, a failed
step fails the run, and the runner sends the same Twilio alert as everywhere else (the
``ALERT_*`` settings, from Dagster's environment or the project's ``.env``). Run with:

    python -m venv .venv-dagster
    .venv-dagster/bin/pip install -r orchestrate/dagster/requirements.txt
    MELTANO_ENVIRONMENT=prod .venv-dagster/bin/dagster dev -f orchestrate/dagster/definitions.py

Schedules start stopped: turn on, in Dagster, those of the warehouse you use.

Not dagster-meltano: its latest release (1.5.5) needs dagster-shell, whose releases stop
at dagster 1.9; beside a current dagster, pip picks dagster-shell 0.11.14, which imports
``dagster.core`` (gone), and dagster-meltano requires Python < 3.13.
"""

# No `from __future__ import annotations`: Dagster reads the context's type hint at runtime.
import os
from pathlib import Path

import yaml
from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    Definitions,
    MaterializeResult,
    PipesSubprocessClient,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

PROJECT_ROOT = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parents[2])
# The project's virtualenv (make install), where Meltano and switchboard live.
PYTHON = os.environ.get("SWITCHBOARD_PYTHON") or str(PROJECT_ROOT / ".venv" / "bin" / "python")
ENVIRONMENT = os.environ.get("MELTANO_ENVIRONMENT", "prod")


def dagster_name(meltano_name: str) -> str:
    """Dagster names are Python identifiers: twilio-elt -> twilio_elt."""
    return meltano_name.replace("-", "_")


def job_asset(job: str, tasks: list[str]) -> AssetsDefinition:
    """The asset a Meltano job materializes: its tasks, run by the alerting job runner."""

    @asset(
        name=dagster_name(job),
        group_name="meltano",
        description=f"meltano job {job}: " + ", then ".join(tasks),
        kinds={"meltano"},
    )
    def run_job(context: AssetExecutionContext) -> MaterializeResult:
        command = [PYTHON, "-m", "switchboard.jobs", job, "--environment", ENVIRONMENT]
        client = PipesSubprocessClient(cwd=str(PROJECT_ROOT))
        return client.run(context=context, command=command).get_materialize_result()

    return run_job


def load(project_root: Path = PROJECT_ROOT) -> Definitions:
    """The assets, jobs and schedules of the project's meltano.yml."""
    project = yaml.safe_load((project_root / "meltano.yml").read_text())
    tasks = {
        entry["name"]: entry["tasks"] if isinstance(entry["tasks"], list) else [entry["tasks"]]
        for entry in project.get("jobs", [])
    }
    assets = [job_asset(job, job_tasks) for job, job_tasks in tasks.items()]
    jobs = {name: define_asset_job(dagster_name(name), [dagster_name(name)]) for name in tasks}
    schedules = [
        ScheduleDefinition(
            name=dagster_name(entry["name"]),
            cron_schedule=entry["interval"],
            job=jobs[entry["job"]],
            execution_timezone="UTC",  # as Meltano reads its intervals
        )
        for entry in project.get("schedules", [])
        if entry.get("job") in jobs and entry.get("interval") != "@once"
    ]
    return Definitions(assets=assets, jobs=list(jobs.values()), schedules=schedules)


defs = load()
