"""Fixtures for end-to-end tests: an emulator process, an isolated Meltano run, and the
published packages as ``make dist`` builds them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard import dist, meltano
from switchboard.emulated import EmulatorProcess, running_emulator
from tests.pipeline import Pipeline

NOW = "2026-11-20T12:00:00Z"

# The longest files (about 18, 4.5 and 3 minutes on one worker) go first: the workers take
# files in this order, and a long file taken last would run alone at the end.
LONGEST_FIRST = ("test_faults_e2e.py", "test_dashboard_e2e.py", "test_pipeline_e2e.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first; every other file, and the tests in a file, keep their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session", autouse=True)
def meltano_sys_dir_per_worker(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Parallel workers (``make test`` runs ``pytest -n 2``) run Meltano in one project:
    each gets a system directory of its own that borrows the installed plugins, so two
    runs never share ``.meltano/run`` (one reads the catalog the other is writing)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp("meltano-sys-dir") / ".meltano"
        Pipeline.sys_dir = meltano.borrowing_sys_dir(path)


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
