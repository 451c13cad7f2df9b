"""A throwaway PostgreSQL server on a temporary directory and a free port, for tests.

Uses the machine's PostgreSQL server binaries (``initdb``, ``pg_ctl``): from PATH,
else Debian's ``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as
root, so as root the server runs as an unprivileged user (``postgres`` or ``nobody``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from switchboard.emulated import free_port

USER = "switchboard"
DATABASE = "warehouse"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.database}"


def find_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` live, or None if PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _command(args: list[str], user: pwd.struct_passwd | None) -> subprocess.CompletedProcess:
    def demote() -> None:
        if user is not None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    return subprocess.run(
        args,
        preexec_fn=demote,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@contextlib.contextmanager
def temporary_postgres() -> Iterator[PostgresServer]:
    """Start a server with trust auth on 127.0.0.1, yield it, stop it and delete its data."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    user = _run_as()
    tmp = Path(tempfile.mkdtemp(prefix="switchboard-pg-"))
    data = tmp / "data"
    port = free_port()
    if user is not None:
        os.chown(tmp, user.pw_uid, user.pw_gid)
    try:
        _command(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
             "--encoding=UTF8", "--locale=C"],
            user,
        )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off"
        _command(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
             str(tmp / "server.log"), "-w", "start"],
            user,
        )  # fmt: skip
        try:
            _command(
                [
                    str(bin_dir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    USER,
                    DATABASE,
                ],
                user,
            )
            yield PostgresServer(host="127.0.0.1", port=port, user=USER, database=DATABASE)
        finally:
            _command([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
