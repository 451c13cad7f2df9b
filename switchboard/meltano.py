"""Running Meltano from Python: the project's environment and one call per command.

Every invocation goes through ``popen`` (``run`` waits for it), which keeps the
plugins' secrets off the disk as far as Meltano lets us. Meltano writes each
plugin's whole config, secrets included, to ``.meltano/run/<plugin>/*.config.json``
and deletes it when the plugin ends, but not when the run is killed (``kill -9``,
OOM, power cut). So, before each command: ``.meltano/run`` is made the owner's only
(mode 700) and the configs a killed run left are deleted; and Meltano runs under
umask 077, so what it and its plugins create (configs, logs, state, the warehouse
with its phone numbers and message bodies) is the owner's only too.

``meltano run`` called directly (a crontab, an orchestrator) skips all this. What
still protects its secrets: ``.meltano/run`` stays mode 700 once any command here has
run (Meltano never changes an existing folder's mode), so no other user can reach the
configs it writes there whatever their own mode; ``umask 077`` in the crontab line
(``UMask=0077`` in a systemd unit) makes them 600 as well; and
``python -m switchboard.meltano`` (this module, before ``meltano run`` in the same
line) deletes what a killed run left, as every command here does. Meltano 4.4 itself
has no setting for the run folder's place or modes, and always writes a plugin's
secrets into its config.json (meltano/meltano#6065, open since 2022).

The run folder is under Meltano's system directory: ``.meltano`` in the project, or
``MELTANO_SYS_DIR_ROOT`` when set (as Meltano reads it). ``borrowing_sys_dir`` makes
one that uses the project's installed plugins with its own run folder and system
database, so that two ``meltano run``s of one project (parallel tests) do not read each
other's half-written catalog files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from switchboard.progress import Progress, follow

ROOT = Path(__file__).resolve().parent.parent

# Quiet, offline-friendly Meltano defaults for every invocation.
MELTANO_ENV = {
    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}
UMASK = 0o077  # files Meltano and its plugins create: owner only
RUN_DIR_MODE = 0o700
STALE_CONFIGS = "*.config.json"  # tap.<uuid>.config.json, target.<uuid>.config.json, ...
SYS_DIR_ENV = "MELTANO_SYS_DIR_ROOT"  # Meltano's own variable for its system directory
OWN_IN_SYS_DIR = {"run", "logs", "meltano.db"}  # what a borrowing system directory keeps


def meltano_executable() -> str:
    candidate = Path(sys.executable).with_name("meltano")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("meltano")
    if not found:
        raise RuntimeError("meltano is not installed: run `make install`")
    return found


def _is_meltano(argv: list[bytes]) -> bool:
    """``meltano …`` or ``python …/bin/meltano …`` (how its script runs)."""
    return any(Path(arg.decode(errors="replace")).name == "meltano" for arg in argv[:2])


def meltano_running_in(project_root: Path, run_in: Path | None = None) -> bool:
    """Whether another Meltano process is working in this project now, with the system
    directory ``run_in`` (default ``.meltano``): its plugins' configs are then live, not
    stale. Read from /proc; elsewhere, any Meltano counts."""
    root, me = project_root.resolve(), os.getpid()
    ours = (run_in or root / ".meltano").resolve()
    proc = Path("/proc")
    if not proc.is_dir():
        ps = subprocess.run(["ps", "-axww", "-o", "args="], capture_output=True, check=False)
        return any(_is_meltano(line.split()) for line in ps.stdout.splitlines())
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if not _is_meltano(argv):
                continue
            cwd = Path(os.readlink(entry / "cwd"))
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if (cwd == root or root in cwd.parents) and _its_sys_dir(environ, cwd, root) == ours:
            return True
    return False


def _its_sys_dir(environ: list[bytes], cwd: Path, root: Path) -> Path:
    """The system directory of a Meltano process with ``environ`` working in ``cwd``,
    inside the project at ``root``."""
    prefix = f"{SYS_DIR_ENV}=".encode()
    value = next((v[len(prefix) :] for v in environ if v.startswith(prefix)), b"")
    return (cwd / value.decode() if value else root / ".meltano").resolve()


def sys_dir(project_root: Path = ROOT, env: dict[str, str] | None = None) -> Path:
    """Meltano's system directory for ``project_root`` under ``env`` (default: ours)."""
    root = (os.environ if env is None else env).get(SYS_DIR_ENV)
    return project_root / root if root else project_root / ".meltano"  # relative: to the project


def borrowing_sys_dir(path: Path, project_root: Path = ROOT) -> Path:
    """A system directory at ``path`` whose plugins are the project's installed ones
    (linked) and whose run folder, logs and system database are its own (the database
    copied, so it knows what the project's does). Pass it as ``MELTANO_SYS_DIR_ROOT``."""
    source = project_root / ".meltano"
    path.mkdir(mode=RUN_DIR_MODE, parents=True, exist_ok=True)
    for entry in source.iterdir():
        target = path / entry.name
        if entry.name == "meltano.db":
            shutil.copyfile(entry, target)
        elif entry.name not in OWN_IN_SYS_DIR and not target.exists():
            target.symlink_to(entry)
    return path


def secure_run_dir(project_root: Path = ROOT, env: dict[str, str] | None = None) -> list[Path]:
    """Make the run folder (``.meltano/run``) mode 700 and delete the plugin configs a
    killed run left there; the paths deleted. While another Meltano runs in the project
    with the same system directory, nothing is deleted (its configs may be in use): the
    next command does it."""
    if not (project_root / "meltano.yml").exists():
        return []  # not a project (yet): `meltano init` makes its own
    run_in = sys_dir(project_root, env)
    run_dir = run_in / "run"
    run_dir.mkdir(mode=RUN_DIR_MODE, parents=True, exist_ok=True)
    run_dir.chmod(RUN_DIR_MODE)
    if meltano_running_in(project_root, run_in):
        return []
    stale = sorted(run_dir.rglob(STALE_CONFIGS))
    for path in stale:
        path.unlink(missing_ok=True)
    if stale:
        print(
            f"switchboard: deleted {len(stale)} plugin config(s) a killed Meltano run left "
            f"in {run_dir}",
            file=sys.stderr,
            flush=True,
        )
    return stale


def _invocation(args: list[str], env: dict[str, str] | None, project_root: Path) -> dict:
    """The run folder secured; the Popen arguments of ``meltano <args>``."""
    full_env = {**os.environ, **MELTANO_ENV, **(env or {})}
    secure_run_dir(project_root, full_env)
    return {
        "args": [meltano_executable(), *args],
        "cwd": project_root,
        "env": full_env,
        "text": True,
        "umask": UMASK,
    }


def popen(
    args: list[str], *, env: dict[str, str] | None = None, project_root: Path = ROOT, **kwargs: Any
) -> subprocess.Popen[str]:
    """Start ``meltano <args>`` in ``project_root`` (e.g. to kill it, or stream its output)."""
    return subprocess.Popen(**_invocation(args, env, project_root), **kwargs)


def run(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    project_root: Path = ROOT,
    capture: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``meltano <args>`` in ``project_root``; output captured or streamed."""
    return subprocess.run(
        **_invocation(args, env, project_root),
        capture_output=capture,
        timeout=timeout,
        check=False,
    )


def run_logged(
    args: list[str], *, log_path: Path, env: dict[str, str] | None = None
) -> tuple[int, Progress]:
    """``meltano <args>`` with its whole output in ``log_path``, and a line of progress shown."""
    process = popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    progress = follow(process.stdout, log_path)
    return process.wait(), progress


if __name__ == "__main__":  # before a direct `meltano run`: python -m switchboard.meltano
    secure_run_dir()
