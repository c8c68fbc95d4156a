"""A throw-away PostgreSQL server for the tests (issue 18): `POLKU_TEST_PG` if set, else
Debian's `postgresql` binaries (`initdb` + `pg_ctl`) started once per session into a temp
folder, listening only on a unix socket there. Without PostgreSQL the tests that need it skip
with the reason; with CI=true they fail instead."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Fail in CI, where PostgreSQL must be there; skip on a developer's machine."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run; .ci/run installs it)")
    pytest.skip(f"{reason}; install postgresql (apt-get install postgresql) or set POLKU_TEST_PG")


def _bin(name: str) -> str | None:
    """A PostgreSQL server program: on the PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: as root, run it as the `postgres` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start_server() -> Iterator[str]:
    """Body of the session fixture: the URL of a database on a fresh server, stopped after."""
    given = os.environ.get("POLKU_TEST_PG")
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        unavailable("SQLAlchemy/psycopg not installed (pip install 'polku[postgres]')")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        unavailable("no PostgreSQL server programs (initdb, pg_ctl) found")
    assert initdb and pg_ctl
    folder = Path(tempfile.mkdtemp(prefix="polku-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            _as_server_user([initdb, "-D", str(data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )
        options = f"-k {folder} -p {port} -c listen_addresses= -c fsync=off"
        subprocess.run(
            _as_server_user(
                [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(url: str) -> str:
    """Empty the server's test database (its public schema dropped and made again); `url`."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url
