"""Fixtures for end-to-end tests: an emulator process, an isolated Meltano run, and the
published packages as ``make dist`` builds them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard import dist
from switchboard.emulated import EmulatorProcess, running_emulator
from tests.pipeline import Pipeline

NOW = "2026-11-20T12:00:00Z"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with running_emulator(
        days=45, messages_per_day=200, calls_per_day=50, customers=600, now=NOW, log_path=log
    ) as process:
        yield process


@pytest.fixture(scope="module")
def pipeline(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return Pipeline(emulator=emulator, workdir=tmp_path_factory.mktemp("pipeline"))


@pytest.fixture(scope="session")
def built_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``make dist`` builds (every published package's sdist and wheel), checked."""
    out = tmp_path_factory.mktemp("dist")
    dist.check(dist.build(list(dist.PUBLISHED), out))
    return out
