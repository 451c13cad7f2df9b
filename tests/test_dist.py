"""The packages PyPI gets, as ``make dist`` builds them.

Their pages render there (``twine check --strict``, in the ``built_packages`` fixture)
with no link that only works inside this repository, their metadata is complete, the
release workflow publishes exactly what ``make dist`` builds, and the tap's tests run
from its sdist outside the repository, against the emulator's wheel.
"""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from switchboard import dist

ROOT = Path(__file__).resolve().parents[1]
REPO_URL = "https://github.com/switchboard-data/switchboard"
# Markdown links and images, and HTML src/href attributes.
LINK_TARGETS = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)|(?:src|href)=\"([^\"]+)\"")
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@pytest.mark.parametrize("folder", list(dist.PUBLISHED))
def test_readme_links_work_on_pypi(folder: str) -> None:
    """A relative link (``hub/...``, ``../twilio-emulator``) is a dead link on PyPI."""
    text = (ROOT / folder / "README.md").read_text()
    targets = [a or b for a, b in LINK_TARGETS.findall(text)]
    assert targets, "the pattern finds links"
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#", "mailto:"))]
    assert relative == []


def wheel_metadata(path: Path) -> email.message.Message:
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.BytesParser().parsebytes(archive.read(name))


@pytest.mark.parametrize(("folder", "name"), list(dist.PUBLISHED.items()))
def test_wheel_metadata_is_complete(built_packages: Path, folder: str, name: str) -> None:
    metadata = wheel_metadata(dist.wheel(built_packages, folder))
    assert metadata["Name"] == name
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "LICENSE" in metadata.get_all("License-File", [])
    assert metadata["Description-Content-Type"] == "text/markdown"
    classifiers = metadata.get_all("Classifier", [])
    assert {f"Programming Language :: Python :: {v}" for v in PYTHONS} <= set(classifiers)
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert metadata["Requires-Python"] == ">=3.10"
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL", []))
    assert urls["Homepage"] == REPO_URL
    assert urls["Source"] == f"{REPO_URL}/tree/main/{folder}"


def test_only_the_published_packages_can_be_uploaded() -> None:
    """analyze/ and the project itself need this repository: PyPI refuses them."""
    for pyproject in (ROOT / "pyproject.toml", ROOT / "analyze" / "pyproject.toml"):
        assert '"Private :: Do Not Upload"' in pyproject.read_text(), pyproject
    for folder in dist.PUBLISHED:
        assert "Private ::" not in (ROOT / folder / "pyproject.toml").read_text(), folder


def test_release_workflow_publishes_what_make_dist_builds() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers["push"]["tags"]) == {f"{folder}-v*" for folder in dist.PUBLISHED}
    build = workflow["jobs"]["build"]["steps"]
    commands = [step.get("run", "") for step in build]
    assert any(c.startswith("make dist ") and "RELEASE_TAG=" in c for c in commands)
    assert not any(re.search(r"\b(twine|python -m build|pip wheel)\b", c) for c in commands)
    uploaded = [s for s in build if s.get("uses", "").startswith("actions/upload-artifact")]
    assert [s["with"]["path"] for s in uploaded] == ["dist/"]
    publish = workflow["jobs"]["publish"]["steps"]
    assert [s["uses"].split("@")[0] for s in publish] == [
        "actions/download-artifact",
        "pypa/gh-action-pypi-publish",
    ]
    assert not (ROOT / ".github" / "workflows" / "release-tap.yml").exists()


def test_release_tag_must_name_a_package_and_its_version(tmp_path: Path) -> None:
    assert dist.release_folder("twilio-emulator-v1.2.3") == ("twilio-emulator", "1.2.3")
    with pytest.raises(SystemExit, match="not a release tag"):
        dist.release_folder("analyze-v0.1.0")
    with pytest.raises(SystemExit, match=r"target-duckdb-v9\.9\.9 but target-duckdb is version"):
        dist.main(["--release-tag", "target-duckdb-v9.9.9", "--out", str(tmp_path)])


@pytest.mark.e2e
def test_tap_tests_run_from_its_sdist_outside_the_repo(
    tmp_path: Path, built_packages: Path
) -> None:
    """The tap's sdist, unpacked far from the repository, with its ``test`` extra and the
    emulator installed from their wheels: its standard, auth, connectivity and packaging
    tests pass against the emulator package, not the repository's source."""
    (sdist,) = built_packages.glob("switchboard_tap_twilio-*.tar.gz")
    with tarfile.open(sdist) as archive:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp_path, **safe)  # noqa: S202  (our own archive)
    (source,) = tmp_path.glob("switchboard_tap_twilio-*")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    tap_wheel = dist.wheel(built_packages, "tap-twilio")
    emulator_wheel = dist.wheel(built_packages, "twilio-emulator")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", f"{tap_wheel}[test]", str(emulator_wheel)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    where = subprocess.run(
        [python, "-c", "import twilio_emulator; print(twilio_emulator.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=source,
    )
    assert where.stdout.startswith(str(venv)), where.stdout
    tests = ["test_core.py", "test_auth.py", "test_connectivity.py", "test_packaging.py"]
    result = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(f"tests/{t}" for t in tests)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=source,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\b\d{3,} passed\b", summary), summary
