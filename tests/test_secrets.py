"""No auth token or API secret ever appears in the repository, a log, or any output of a run.

The pipeline runs for real with known secrets (random per run), then every byte it
printed or left behind is searched for them: Meltano's and the plugins' output,
Meltano's run directory, dbt's logs and artifacts, the state, the warehouse file
and the emulator's log.
"""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from switchboard.emulated import EmulatorProcess, running_emulator
from tests.pipeline import ROOT, Pipeline

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(days=5, messages_per_day=80, calls_per_day=20, log_path=log) as emu:
        emu.log_path = log  # type: ignore[attr-defined]
        yield emu


def _needles(secret: str, username: str) -> dict[str, bytes]:
    """The secret as it could leak: raw, or inside an HTTP Basic header."""
    basic = base64.b64encode(f"{username}:{secret}".encode())
    return {"secret": secret.encode(), "basic auth header": basic}


def _files(*roots: Path, since: float) -> Iterator[Path]:
    for root in roots:
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file() and "venv" not in path.parts and path.stat().st_mtime >= since:
                    yield path


def _scan(texts: dict[str, bytes], needles: dict[str, bytes]) -> list[str]:
    return [
        f"{kind} found in {where}"
        for where, data in texts.items()
        for kind, needle in needles.items()
        if needle in data
    ]


def _run_and_collect(pipeline: Pipeline, env: dict[str, str]) -> dict[str, bytes]:
    started = time.time() - 1
    result = pipeline.meltano("run", "tap-twilio", "target-duckdb", "dbt-duckdb:build", env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    texts = {"meltano stdout": result.stdout.encode(), "meltano stderr": result.stderr.encode()}
    for path in _files(
        pipeline.workdir, ROOT / ".meltano" / "run", ROOT / ".meltano" / "logs", since=started
    ):
        texts[str(path)] = path.read_bytes()
    texts["emulator log"] = pipeline.emulator.log_path.read_bytes()  # type: ignore[attr-defined]
    return texts


def test_auth_token_never_leaks(pipeline: Pipeline) -> None:
    texts = _run_and_collect(pipeline, {})
    assert len(texts) > 5, "the run should have left logs, state and a warehouse to search"
    needles = _needles(pipeline.emulator.auth_token, pipeline.emulator.account_sid)
    assert _scan(texts, needles) == []


def test_api_key_secret_never_leaks(pipeline: Pipeline) -> None:
    key_env = {
        "TAP_TWILIO_AUTH_TOKEN": "",
        "TAP_TWILIO_API_KEY_SID": pipeline.emulator.api_key_sid,
        "TAP_TWILIO_API_KEY_SECRET": pipeline.emulator.api_key_secret,
    }
    texts = _run_and_collect(pipeline, key_env)
    needles = _needles(pipeline.emulator.api_key_secret, pipeline.emulator.api_key_sid)
    assert _scan(texts, needles) == []


def test_meltano_redacts_secrets_in_its_own_config_listing(pipeline: Pipeline) -> None:
    result = pipeline.meltano("config", "print", "tap-twilio")
    assert result.returncode == 0, result.stderr[-2000:]
    assert pipeline.emulator.auth_token not in result.stdout + result.stderr


def test_repository_holds_no_secret() -> None:
    """Sensitive settings are declared sensitive and never given a value in meltano.yml."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    plugins = [p for kind in project["plugins"].values() for p in kind]
    sensitive = {
        (p["name"], s["name"]) for p in plugins for s in p.get("settings", []) if s.get("sensitive")
    }
    assert {("tap-twilio", "auth_token"), ("tap-twilio", "api_key_secret")} <= sensitive
    configs = [(p["name"], p.get("config", {})) for p in plugins]
    for environment in project.get("environments", []):
        for kind in environment.get("config", {}).get("plugins", {}).values():
            configs += [(p["name"], p.get("config", {})) for p in kind]
    for plugin, config in configs:
        for setting in config:
            assert (plugin, setting) not in sensitive, f"{plugin}.{setting} is set in meltano.yml"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".env" not in tracked
    assert ".env.example" in tracked


def test_the_scan_can_fail() -> None:
    """Guard against a vacuous scan: a planted secret, raw or in a Basic header, is found."""
    needles = _needles("s3cr3t-token-value", "AC123")
    header = b"Authorization: Basic " + base64.b64encode(b"AC123:s3cr3t-token-value")
    found = _scan({"log": b"... s3cr3t-token-value ...", "trace": header}, needles)
    assert found == ["secret found in log", "basic auth header found in trace"]
