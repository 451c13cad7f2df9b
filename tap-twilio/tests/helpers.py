"""Run the tap in-process and collect what it writes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter, defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tap_twilio.client import TwilioClient
from tap_twilio.tap import TapTwilio
from tap_twilio.undated import Fold


@dataclass
class SyncResult:
    tap: TapTwilio
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict] = field(default_factory=list)
    schemas: Counter[str] = field(default_factory=Counter)  # SCHEMA messages per stream
    # (sids written before this state, state), in output order: what a loader had
    # committed when it forwarded that state.
    checkpoints: list[tuple[set[str], dict]] = field(default_factory=list)

    @property
    def final_state(self) -> dict:
        return self.states[-1] if self.states else {}

    def bookmark(self, stream: str, account_sid: str) -> str | None:
        for partition in self.final_state["bookmarks"][stream]["partitions"]:
            if partition["context"] == {"account_sid": account_sid}:
                return partition.get("replication_key_value")
        return None


def run_tap(config: dict, state: dict | None = None, streams: set[str] | None = None) -> SyncResult:
    """A full sync (no record limit), optionally of selected streams only."""
    tap = TapTwilio(config=config, state=state or {})
    if streams is not None:
        for name, stream in tap.streams.items():
            stream.selected = name in streams
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap.sync_all()
    result = SyncResult(tap=tap)
    written: set[str] = set()
    for line in buffer.getvalue().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
            written.add(message["record"].get("sid", ""))
        elif message["type"] == "SCHEMA":
            result.schemas[message["stream"]] += 1
        elif message["type"] == "STATE":
            result.states.append(message["value"])
            result.checkpoints.append((set(written), message["value"]))
    return result


def run_tap_logged(
    config: dict, state: dict | None = None, streams: set[str] | None = None
) -> tuple[SyncResult, list[tuple[str, dict[str, str]]]]:
    """``run_tap``, plus every GET the tap made: (path, query parameters), in order."""
    requests: list[tuple[str, dict[str, str]]] = []
    original = TwilioClient.get

    def logged_get(
        self: TwilioClient, path_or_url: str, params: dict | None = None, shape: Any = None
    ) -> dict:
        parts = urlsplit(path_or_url)
        query = dict(parse_qsl(parts.query))
        query.update({k: str(v) for k, v in (params or {}).items()})
        requests.append((parts.path, query))
        return original(self, path_or_url, params, shape)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TwilioClient, "get", logged_get)
        result = run_tap(config, state, streams)
    return result, requests


def run_cli(config: dict, workdir: Path) -> subprocess.CompletedProcess[str]:
    """``tap-twilio --config <config>`` in a child process, as a user or Meltano runs it."""
    path = workdir / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-m", "tap_twilio", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def days_by_windows(patch: pytest.MonkeyPatch) -> None:
    """Read every day through day windows, even on a run whose sweep of undated records
    reads the whole list (``undated.Fold`` off): for tests of the windows themselves."""
    patch.setattr(Fold, "days", classmethod(lambda cls, *_: None))
