"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl on a temporary directory.

Uses the binaries in TWILIO_WEBHOOKS_PG_BIN, on PATH or under /usr/lib/postgresql; as
root, runs them as the ``postgres`` user, since PostgreSQL refuses to run as root. Tests
skip, with the reason, when none of that is available.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twilio_webhooks.testing import free_port


class Unavailable(Exception):
    pass


def _binary(name: str) -> str:
    """TWILIO_WEBHOOKS_PG_BIN, else PATH, else Debian/Ubuntu's versioned directories."""
    directory = os.environ.get("TWILIO_WEBHOOKS_PG_BIN")
    found = str(Path(directory) / name) if directory else shutil.which(name)
    if not found:
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
        found = str(versions[0]) if versions else None
    if not found or not Path(found).exists():
        raise Unavailable(f"PostgreSQL's {name} is not on PATH (set TWILIO_WEBHOOKS_PG_BIN)")
    return found


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Yield a postgresql:// URL to a fresh server; stop it and delete its files after."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable(
                "running as root and there is no 'postgres' user to run PostgreSQL"
            ) from None
        prefix = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="twilio-webhooks-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if owner:
        os.chown(root, owner.pw_uid, owner.pw_gid)
        os.chown(sockets, owner.pw_uid, owner.pw_gid)
    port = free_port()
    run = lambda *args: subprocess.run([*prefix, *args], check=True, capture_output=True)  # noqa: E731
    try:
        run(
            initdb,
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=on"
        run(pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"could not start PostgreSQL: {exc.stderr.decode()[-300:]}") from None
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
