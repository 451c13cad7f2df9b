"""No auth token or API secret ever appears in the repository, a log, or any output of a run.

The pipeline runs for real with known secrets (random per run), then every byte it
printed or left behind is searched for them: Meltano's and the plugins' output,
Meltano's run directory, dbt's logs and artifacts, the state, the warehouse file
and the emulator's log. A run killed with SIGKILL mid-extraction, which Meltano
cannot clean up after, is searched the same way once the next command has started.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest
import yaml

from switchboard import meltano, pgserver
from switchboard.emulated import EmulatorProcess, running_emulator
from tests.chaos import Faults
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


def _sys_dir(pipeline: Pipeline) -> Path:
    """Where the pipeline's Meltano keeps its run folder and logs (its own under xdist)."""
    return meltano.sys_dir(ROOT, pipeline.env())


def test_a_borrowing_sys_dir_shares_the_plugins_not_the_run_folder(tmp_path: Path) -> None:
    """What parallel test workers run Meltano with: the project's installed plugins
    (linked, never copied or reinstalled), a copy of its system database, and a run
    folder and logs of their own; Meltano's variable, relative to the project, names it."""
    project = tmp_path / "project"
    (project / ".meltano" / "extractors" / "tap-twilio" / "venv").mkdir(parents=True)
    (project / ".meltano" / "run" / "tap-twilio").mkdir(parents=True)
    (project / ".meltano" / "logs").mkdir()
    (project / ".meltano" / "meltano.db").write_bytes(b"system db")
    (project / "meltano.yml").write_text("project_id: test\n")

    own = meltano.borrowing_sys_dir(tmp_path / "worker" / ".meltano", project)
    assert (own / "extractors").resolve() == (project / ".meltano" / "extractors").resolve()
    assert (own / "meltano.db").read_bytes() == b"system db"
    assert not (own / "meltano.db").is_symlink()
    assert not (own / "run").exists()
    assert not (own / "logs").exists()
    assert meltano.secure_run_dir(project, {meltano.SYS_DIR_ENV: str(own)}) == []
    assert (own / "run").stat().st_mode & 0o777 == 0o700
    assert not (own / "run").is_symlink()

    assert meltano.sys_dir(project, {}) == project / ".meltano"
    assert meltano.sys_dir(project, {meltano.SYS_DIR_ENV: str(own)}) == own
    assert meltano.sys_dir(project, {meltano.SYS_DIR_ENV: "elsewhere"}) == project / "elsewhere"


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
        pipeline.workdir, _sys_dir(pipeline) / "run", _sys_dir(pipeline) / "logs", since=started
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


def _write_config(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{"auth_token": "{secret}"}}')
    path.chmod(0o644)


def test_stale_plugin_configs_are_deleted_and_the_run_dir_made_private(tmp_path: Path) -> None:
    """What a killed run leaves in .meltano/run: deleted before the next command; kept
    while another Meltano works in the same project with the same system directory (its
    configs are live), not for one with a system directory of its own."""
    (tmp_path / "meltano.yml").write_text("project_id: test\n")
    run_dir = tmp_path / ".meltano" / "run"
    run_dir.mkdir(parents=True)
    run_dir.chmod(0o755)
    tap = run_dir / "tap-twilio" / "tap.0f0e.config.json"
    target = run_dir / "target-duckdb" / "target.0f0f.config.json"
    for path in (tap, target):
        _write_config(path, "s3cr3t")
    catalog = run_dir / "tap-twilio" / "tap.properties.json"
    catalog.write_text("{}")

    script = tmp_path / "bin" / "meltano"  # a stand-in Meltano, at work in the project
    script.parent.mkdir()
    script.write_text("import time\ntime.sleep(60)\n")
    env = {k: v for k, v in os.environ.items() if k != meltano.SYS_DIR_ENV}
    other = subprocess.Popen(
        [sys.executable, str(script), "run"], cwd=tmp_path / ".meltano", env=env
    )
    try:
        deadline = time.monotonic() + 10
        while not meltano.meltano_running_in(tmp_path):
            assert time.monotonic() < deadline, "the stand-in Meltano was never seen"
            time.sleep(0.05)
        assert meltano.secure_run_dir(tmp_path) == []
        assert tap.exists()
        assert target.exists()
        own = tmp_path / "worker" / ".meltano"  # e.g. a parallel test worker's
        stale = own / "run" / "tap-twilio" / "tap.0f10.config.json"
        _write_config(stale, "s3cr3t")
        assert meltano.secure_run_dir(tmp_path, {meltano.SYS_DIR_ENV: str(own)}) == [stale]
    finally:
        other.kill()
        other.wait()

    assert meltano.secure_run_dir(tmp_path) == [tap, target]
    assert not tap.exists()
    assert not target.exists()
    assert catalog.exists()  # not a config: no secret, kept
    assert run_dir.stat().st_mode & 0o777 == 0o700
    assert meltano.secure_run_dir(tmp_path / "not-a-project") == []
    assert not (tmp_path / "not-a-project").exists()


def _everything_written(since: float, *roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file() and "venv" not in path.parts and path.stat().st_mtime >= since:
                    yield path


def _kill_mid_extraction(pipeline: Pipeline, env: dict[str, str], log: Path) -> list[Path]:
    """``meltano run`` through the project's runner, SIGKILLed (the whole process tree at
    once) while tap-twilio reads; the plugin configs the kill left behind."""
    faults = Faults(pipeline.emulator)
    faults.set(latency_ms=40)  # every request 40 ms slower: the kill lands mid-extraction
    run_dir = _sys_dir(pipeline) / "run"
    before = faults.requests_served()
    tasks = ["tap-twilio-webhooks", "target-duckdb", "tap-twilio", "target-duckdb"]
    with log.open("w") as out:
        process = meltano.popen(
            ["--environment=dev", "run", *tasks],
            env={**pipeline.env(), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 300
            while faults.requests_served() < before + 25:
                assert process.poll() is None, (
                    f"meltano run ended first:\n{log.read_text()[-3000:]}"
                )
                assert time.monotonic() < deadline, "tap-twilio never got going"
                time.sleep(0.02)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            faults.clear()
    return sorted(run_dir.rglob("*.config.json"))


@pytest.fixture
def webhook_store_server() -> Iterator[pgserver.PostgresServer]:
    """A PostgreSQL server for the webhook store (trust auth: any password is accepted)."""
    if pgserver.find_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    with pgserver.temporary_postgres() as server:
        yield server


def test_a_killed_run_leaves_no_secret_behind(
    pipeline: Pipeline, webhook_store_server: pgserver.PostgresServer, tmp_path: Path
) -> None:
    """SIGKILL mid-extraction: the configs Meltano could not delete are readable by the
    owner only, in a folder only the owner can enter, and the next command deletes them.
    Then every output, log and file the run and the next command wrote is searched for
    each secret: auth token, API key secret, hash key and the webhook store's password."""
    store_password = secrets.token_hex(16)
    hash_key = secrets.token_hex(16)
    emulator, server = pipeline.emulator, webhook_store_server
    store_url = (
        f"postgresql://{server.user}:{store_password}@{server.host}:{server.port}/{server.database}"
    )
    env = {
        "TAP_TWILIO_API_KEY_SID": emulator.api_key_sid,  # used; the auth token is set too
        "TAP_TWILIO_API_KEY_SECRET": emulator.api_key_secret,
        "TAP_TWILIO_HASH_KEY": hash_key,
        "TAP_TWILIO_PRIVACY_PHONE_NUMBERS": "hash",
        "TAP_TWILIO_WEBHOOKS_STORE_URL": store_url,
        # The killed run's job stays "running" in Meltano's database: keep it out of
        # the project's, so other tests' runs are not refused.
        "MELTANO_DATABASE_URI": f"sqlite:///{pipeline.workdir / 'meltano-killed.db'}",
    }
    started = time.time() - 1
    killed_log = tmp_path / "killed-run.log"
    left = _kill_mid_extraction(pipeline, env, killed_log)
    assert any(p.parent.name == "tap-twilio" for p in left), (
        f"the kill should have left tap-twilio's config: {left}"
    )
    assert (_sys_dir(pipeline) / "run").stat().st_mode & 0o777 == 0o700
    assert {oct(p.stat().st_mode & 0o777) for p in left} == {"0o600"}

    after = pipeline.meltano("run", "tap-twilio-webhooks", "target-duckdb", env=env)
    assert after.returncode == 0, (after.stdout + after.stderr)[-3000:]
    assert not [p for p in left if p.exists()], "the next command kept the stale configs"

    texts = {
        "killed run output": killed_log.read_bytes(),
        "next run output": (after.stdout + after.stderr).encode(),
        "emulator log": emulator.log_path.read_bytes(),  # type: ignore[attr-defined]
    }
    for path in _everything_written(
        started,
        pipeline.workdir,
        ROOT / ".meltano",
        _sys_dir(pipeline),
        ROOT / "output",
        platformdirs.user_log_path("meltano"),
    ):
        texts[str(path)] = path.read_bytes()
    logs = platformdirs.user_log_path("meltano") / "elt"  # Meltano 4 keeps run logs there
    assert any(where.startswith(str(logs)) for where in texts), "Meltano's run logs are searched"
    token = _needles(emulator.auth_token, emulator.account_sid)
    key = _needles(emulator.api_key_secret, emulator.api_key_sid)
    needles = {
        **{f"auth token ({kind})": needle for kind, needle in token.items()},
        **{f"API key secret ({kind})": needle for kind, needle in key.items()},
        "hash key": hash_key.encode(),
        "store password": store_password.encode(),
    }
    assert _scan(texts, needles) == []
    print(
        f"killed run: {len(left)} configs left (mode 600, folder 700), deleted by the next "
        f"command; {len(texts)} outputs and files searched, no secret found"
    )
