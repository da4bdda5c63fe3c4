"""A throwaway Postgres cluster on loopback, for the tests and the benchmarks.

Debian's server binaries (``make postgres``), ``initdb`` into a temporary folder, password
authentication, a free port; stopped and removed on exit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binaries() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if not candidates:
        message = "no Postgres server binaries: run `make postgres` (Debian's postgresql-15)"
        raise RuntimeError(message)
    return candidates[0].parent


def _as_postgres_user(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; Debian's package brings a `postgres` user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server(password: str) -> Iterator[str]:
    """Start a cluster; yield the superuser's URL to its ``postgres`` database."""
    binaries = _binaries()
    root = Path(tempfile.mkdtemp(prefix="glucolake-pg-"))
    data = root / "data"
    password_file = root / "pw"
    password_file.write_text(password)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(password_file, "postgres")
    port = free_port()
    initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"]
    subprocess.run(
        _as_postgres_user([*initdb, "--auth=scram-sha-256", f"--pwfile={password_file}"]),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        _as_postgres_user([*pg_ctl, "-l", str(root / "log"), "-w", "-o", options, "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres_user([*pg_ctl, "-m", "fast", "stop"]), check=False, capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)
