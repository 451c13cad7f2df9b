"""Build the packages this repository publishes on PyPI, and check them as PyPI will.

``python -m switchboard.dist`` (what ``make dist`` runs) builds each package's sdist,
then its wheel from that sdist (so a file the sdist forgot fails the build), into
``dist/``, and runs ``twine check --strict`` on them. The release workflow publishes
what this builds; the end-to-end tests install these very files.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folder -> distribution name. analyze/ is not published: it reads the marts of this
# repository's dbt project, which ships only with the repository.
PUBLISHED = {
    "tap-twilio": "switchboard-tap-twilio",
    "target-duckdb": "switchboard-target-duckdb",
    "twilio-emulator": "twilio-emulator",
    "webhooks": "twilio-webhooks",
}


def build(folders: Sequence[str], out_dir: Path) -> list[Path]:
    """Each folder's sdist and wheel in ``out_dir``; the files built, sdists first."""
    unknown = sorted(set(folders) - set(PUBLISHED))
    if unknown:
        raise SystemExit(f"switchboard.dist: not a published package: {', '.join(unknown)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    # uv (a dependency of Meltano) makes build's isolated environments in a fraction of the time.
    build_command = [sys.executable, "-m", "build", "--outdir", str(out_dir)]
    if importlib.util.find_spec("uv"):
        build_command += ["--installer", "uv"]
    for folder in folders:
        result = subprocess.run(
            [*build_command, str(ROOT / folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:  # build's own account of what went wrong
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"switchboard.dist: building {folder} failed")
    return sorted(out_dir.glob("*.tar.gz")) + sorted(out_dir.glob("*.whl"))


def wheel(out_dir: Path, folder: str) -> Path:
    """The wheel ``build`` wrote for ``folder`` (one version per build)."""
    stem = PUBLISHED[folder].replace("-", "_")
    (found,) = out_dir.glob(f"{stem}-*-py3-none-any.whl")
    return found


def check(files: Sequence[Path]) -> None:
    """``twine check --strict``: metadata complete, README renders on PyPI."""
    command = [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)]
    subprocess.run(command, check=True)


def release_folder(tag: str) -> tuple[str, str]:
    """The folder and version a release tag names: ``tap-twilio-v0.2.0`` -> (tap-twilio, 0.2.0)."""
    folder, _, version = tag.rpartition("-v")
    if folder not in PUBLISHED or not version:
        tags = ", ".join(f"{f}-v<version>" for f in PUBLISHED)
        raise SystemExit(f"switchboard.dist: {tag!r} is not a release tag ({tags})")
    return folder, version


def built_version(out_dir: Path, folder: str) -> str:
    return wheel(out_dir, folder).name.split("-")[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", help=f"default: all ({', '.join(PUBLISHED)})")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--release-tag",
        help="build only the package this tag names, and fail unless it has the tag's version",
    )
    args = parser.parse_args(argv)
    folders = args.folders or list(PUBLISHED)
    if args.release_tag:
        folder, version = release_folder(args.release_tag)
        folders = [folder]
    stale = list(args.out.glob("*.tar.gz")) + list(args.out.glob("*.whl"))
    for path in stale:  # what is in dist/ is exactly what was just built
        path.unlink()
    files = build(folders, args.out)
    if args.release_tag and built_version(args.out, folder) != version:
        found = built_version(args.out, folder)
        raise SystemExit(f"switchboard.dist: {args.release_tag} but {folder} is version {found}")
    check(files)
    for path in files:
        print(f"{path.stat().st_size:>9,} B  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
