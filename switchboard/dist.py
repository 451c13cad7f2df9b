"""Build the packages this repository publishes on PyPI, and check them as PyPI will.

``python -m switchboard.dist`` (what ``make dist`` runs) builds each package's sdist,
then its wheel from that sdist (so a file the sdist forgot fails the build), into
``dist/``, and runs ``twine check --strict`` on them. The release workflow publishes
what this builds; the end-to-end tests install these very files.
"""

from __future__ import annotations

import argparse
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
    for folder in folders:
        subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(out_dir), str(ROOT / folder)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=list(PUBLISHED), help="default: all")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    stale = list(args.out.glob("*.tar.gz")) + list(args.out.glob("*.whl"))
    for path in stale:  # what is in dist/ is exactly what was just built
        path.unlink()
    files = build(args.folders, args.out)
    check(files)
    for path in files:
        print(f"{path.stat().st_size:>9,} B  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
