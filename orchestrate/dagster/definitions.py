"""Dagster definitions for this Meltano project, through dagster-meltano.

Every job in meltano.yml becomes a Dagster job, and every schedule a Dagster
schedule. Run with:

    pip install dagster-meltano==1.5.5 dagster-webserver
    MELTANO_PROJECT_ROOT=$PWD dagster dev -f orchestrate/dagster/definitions.py

Dagster runs `meltano run <job>` itself, so failures surface in Dagster (use its run
failure sensors to notify); `python -m switchboard.jobs` is the alerting runner for
cron and Airflow.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import Definitions, JobDefinition, ScheduleDefinition
from dagster_meltano import load_jobs_from_meltano_project

PROJECT_ROOT = os.environ.get("MELTANO_PROJECT_ROOT", str(Path(__file__).resolve().parents[2]))

_loaded = load_jobs_from_meltano_project(PROJECT_ROOT)

defs = Definitions(
    jobs=[item for item in _loaded if isinstance(item, JobDefinition)],
    schedules=[item for item in _loaded if isinstance(item, ScheduleDefinition)],
)
