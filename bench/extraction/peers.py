"""The other extractors, installed from PyPI into their own virtualenvs and pointed at the emulator.

Neither lets its API host be configured; their installed code is never edited
(`../shared/reference/peer-extractors.md`, sections 2.10 and 3.10):

- Airbyte ``source-twilio`` 0.16.0 (Python 3.10 or 3.11) reads ``manifest.yaml``
  from its working directory before its packaged one: the harness writes a copy
  with every Twilio host replaced by the emulator's URL into a run directory.
- singer-io ``tap-twilio`` 0.2.2 keeps its hosts in module constants: a wrapper
  script, written at run time, rewrites them before calling ``tap_twilio.main()``.

Both read the messages and calls of every account from the emulator's first day,
with their default concurrency and windows (Airbyte: 3 workers, one-year slices;
singer-io: serial, 30-day windows, Twilio's default pages of 50).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

AIRBYTE = "airbyte-source-twilio==0.16.0"
SINGER_IO = "tap-twilio==0.2.2"
STREAMS = ("messages", "calls")  # what all three extractors read in the comparison
PRODUCT_HOSTS = ("monitor", "conversations", "studio", "chat", "trunking", "verify")

SINGER_WRAPPER = '''"""singer-io tap-twilio against TWILIO_API_BASE (by bench/extraction)."""
import os
import sys

import tap_twilio
import tap_twilio.client
import tap_twilio.streams

BASE = os.environ["TWILIO_API_BASE"]


def rebase(node):
    for key, value in node.items():
        if key == "api_url":
            node[key] = BASE
        elif isinstance(value, dict):
            rebase(value)


tap_twilio.client.API_URL = BASE
rebase(tap_twilio.streams.STREAMS)
sys.exit(tap_twilio.main())
'''


@dataclass
class Command:
    """How to run one extractor: arguments, working directory, environment."""

    args: list[str]
    cwd: Path
    env: dict[str, str]


def find_python(requested: str | None) -> str:
    """A Python 3.11 or 3.10 for Airbyte (it refuses 3.12+); singer-io runs on it too."""
    candidates = [requested] if requested else []
    candidates += [shutil.which("python3.11"), shutil.which("python3.10")]
    home = Path.home()
    for version in ("3.11", "3.10"):
        candidates += sorted(glob.glob(str(home / f".pyenv/versions/{version}*/bin/python")))
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(
        "bench: no Python 3.10 or 3.11 found for the peer extractors; pass --peer-python"
    )


def ensure_venv(root: Path, name: str, requirement: str, python: str) -> Path:
    """A virtualenv under ``root`` with ``requirement`` installed from PyPI (once)."""
    venv = root / name
    marker = venv / ".installed"
    if marker.exists() and marker.read_text() == requirement:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    print(f"  installing {requirement} into {venv} (once)", flush=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    log = root / f"{name}-pip.log"
    with log.open("w") as out:
        result = subprocess.run(
            [str(venv / "bin/pip"), "install", "--disable-pip-version-check", requirement],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"bench: pip install {requirement} failed; see {log}")
    marker.write_text(requirement)
    return venv


def select(catalog: dict) -> dict:
    """A Singer catalog with ``STREAMS`` selected and every other stream not."""
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in STREAMS
    return catalog


def _private_json(path: Path, data: dict) -> None:
    """A config file holding the emulator's credentials: readable by us only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)


def airbyte(venv: Path, workdir: Path, *, url: str, sid: str, token: str, start: str) -> Command:
    """source-twilio read of messages and calls, with its manifest rebased on ``url``."""
    workdir.mkdir(parents=True, exist_ok=True)
    (manifest,) = venv.glob("lib/python3*/site-packages/source_twilio/manifest.yaml")
    text = manifest.read_text().replace("https://api.twilio.com", url)
    for host in PRODUCT_HOSTS:
        text = text.replace(f"https://{host}.twilio.com", f"{url}/{host}")
    (workdir / "manifest.yaml").write_text(text)
    config = {
        "account_sid": sid,
        "auth_token": token,
        "start_date": f"{start}T00:00:00Z",
        "lookback_window": 0,
    }
    _private_json(workdir / "config.json", config)
    catalog = workdir / "catalog.json"
    if not catalog.exists():
        discovered = subprocess.run(
            [str(venv / "bin/source-twilio"), "discover", "--config", "config.json"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        streams = []
        for line in discovered.stdout.splitlines():
            message = json.loads(line)
            if message.get("type") != "CATALOG":
                continue
            for stream in message["catalog"]["streams"]:
                if stream["name"] in STREAMS:
                    streams.append(
                        {
                            "stream": stream,
                            "sync_mode": "incremental",
                            "destination_sync_mode": "append",
                            "cursor_field": stream.get("default_cursor_field", []),
                        }
                    )
        catalog.write_text(json.dumps({"streams": streams}))
    return Command(
        args=[
            str(venv / "bin/source-twilio"),
            "read",
            "--config",
            "config.json",
            "--catalog",
            "catalog.json",
        ],
        cwd=workdir,
        env=dict(os.environ),
    )


def singer_io(venv: Path, workdir: Path, *, url: str, sid: str, token: str, start: str) -> Command:
    """tap-twilio 0.2.2 sync of messages and calls, through a wrapper that rebases its hosts."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "run_tap.py").write_text(SINGER_WRAPPER)
    config = {
        "account_sid": sid,
        "auth_token": token,
        "start_date": f"{start}T00:00:00Z",
        "user_agent": "switchboard-bench",
    }
    _private_json(workdir / "config.json", config)
    catalog = workdir / "catalog.json"
    if not catalog.exists():
        discovered = subprocess.run(
            [
                str(venv / "bin/python"),
                "-c",
                "import json; from tap_twilio.discover import discover; "
                "print(json.dumps(discover().to_dict()))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        catalog.write_text(json.dumps(select(json.loads(discovered.stdout))))
    return Command(
        args=[
            str(venv / "bin/python"),
            "run_tap.py",
            "--config",
            "config.json",
            "--catalog",
            "catalog.json",
        ],
        cwd=workdir,
        env={**os.environ, "TWILIO_API_BASE": url},
    )
