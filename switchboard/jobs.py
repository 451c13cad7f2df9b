"""Run a Meltano job step by step, and alert through Twilio when a step fails.

``python -m switchboard.jobs twilio-elt --environment prod`` (what ``make run``
does) runs each task of the job from meltano.yml with ``meltano run``, streams
its output, and on the first failure sends an alert naming the job, the step and
a one-line cause, then exits with the step's own exit code.

Each job's first task (``dbt-duckdb:lock``) takes the warehouse's writer lock; as
the tasks run one ``meltano run`` each, the lock is held for this process
(``SWITCHBOARD_LOCK_OWNER``) until the whole job ends: the live path cannot slip
in between two steps (``switchboard.warehouse_lock``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from dotenv import dotenv_values

from switchboard import meltano
from switchboard.alerts import Alerter, alerter_from_env, redact
from switchboard.warehouse_lock import OWNER_ENV, WHAT_ENV

ROOT = Path(__file__).resolve().parent.parent
# Meltano's console lines: "<time> [<level>] <plugin> <message>"
LINE = re.compile(r"^\S+\s+\[(?P<level>\w+)\s*\]\s+(?P<source>\S+)\s+(?P<message>.*)$")
NOISE = ("Block run completed", "Run completed", "Run invocation could not be completed")


def job_tasks(job: str, project: Path = ROOT) -> list[str]:
    """The tasks of a job in meltano.yml, e.g. ['tap-twilio target-duckdb', 'dbt-duckdb:build']."""
    config = yaml.safe_load((project / "meltano.yml").read_text())
    for entry in config.get("jobs", []):
        if entry["name"] == job:
            tasks = entry["tasks"]
            return [tasks] if isinstance(tasks, str) else list(tasks)
    raise SystemExit(f"switchboard: no job named {job!r} in meltano.yml")


def one_line_cause(lines: Iterable[str]) -> str:
    """The most telling line of a failed step's output.

    Our plugins report errors as one ``<plugin>: <what to fix>`` line; dbt names
    the failing model; failing that, the last error Meltano logged.
    """
    parsed = []
    for raw in lines:
        match = LINE.match(raw.strip())
        if match:
            parsed.append((match["level"], match["source"], match["message"].strip()))
        elif raw.strip():
            parsed.append(("", "", raw.strip()))
    for _, source, message in reversed(parsed):
        if source and message.startswith(f"{source}: "):
            return message
    for index in range(len(parsed) - 1, -1, -1):
        _, source, message = parsed[index]
        if re.search(r"\b(Error|Failure) in (model|test|seed|snapshot)\b", message):
            detail = next((m for _, _, m in parsed[index + 1 : index + 4] if m), "")
            return f"{source}: {message} {detail}".strip()
    for level, source, message in reversed(parsed):
        if level == "error" and not message.startswith(NOISE):
            return f"{source}: {message}".strip()
    return parsed[-1][2] if parsed else "no output"


def run_step(task: str, environment: str, env: Mapping[str, str]) -> tuple[int, list[str]]:
    """``meltano run <task>``, streamed to our stdout; (exit code, last lines of output)."""
    tail: deque[str] = deque(maxlen=400)
    process = meltano.popen(
        [f"--environment={environment}", "run", *task.split()],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        tail.append(line)
    return process.wait(), list(tail)


def run_job(
    job: str,
    environment: str,
    *,
    alerter: Alerter | None,
    env: Mapping[str, str] | None = None,
) -> int:
    # The warehouse lock a task takes is held until this process ends, named after the job.
    env = {**(env or {}), OWNER_ENV: str(os.getpid()), WHAT_ENV: f"{job} ({environment})"}
    for task in job_tasks(job):
        print(f"==> {job}: meltano run {task}", flush=True)
        code, tail = run_step(task, environment, env)
        if code != 0:
            cause = redact(one_line_cause(tail), {**os.environ, **env})
            print(f"switchboard: {job} failed at {task!r}: {cause}", file=sys.stderr, flush=True)
            if alerter is not None:
                alerter.failed(f"{job} ({environment})", task, cause)
            return code
    if alerter is not None:
        alerter.succeeded(f"{job} ({environment})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job", help="a job in meltano.yml, e.g. twilio-elt")
    parser.add_argument("--environment", default="dev", help="Meltano environment")
    args = parser.parse_args(argv)
    # Settings come from the environment first, then .env, as they do for Meltano.
    env = {**dotenv_values(ROOT / ".env"), **os.environ}
    try:
        alerter = alerter_from_env(
            {k: v for k, v in env.items() if v is not None}, args.environment
        )
    except ValueError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return 2
    if alerter is None:
        print("switchboard: ALERT_TO is not set: failures will not be alerted", file=sys.stderr)
    return run_job(args.job, args.environment, alerter=alerter)


if __name__ == "__main__":
    sys.exit(main())
