"""A throw-away PostgreSQL server for the tests (issue 18): `POLKU_TEST_PG` if set (a database
the tests may empty and whose other sessions they may end), else Debian's `postgresql` binaries
(`initdb` + `pg_ctl`) started once per session into a temp folder, listening only on a unix
socket there. Without PostgreSQL the tests that need it skip with the reason; with CI=true
they fail instead.

Nothing may wait forever (a CI run once hung 8 minutes on a leaked transaction): the server
ends a session idle inside a transaction and fails a statement that waits for a lock or runs
too long (SERVER_TIMEOUTS), and each reset first ends every other session of the database."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# lock wait, one statement, a session idle inside a transaction: errors, not hangs
SERVER_TIMEOUTS = {
    "lock_timeout": "30s",
    "statement_timeout": "60s",
    "idle_in_transaction_session_timeout": "60s",
}


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
        timeouts = " ".join(f"-c {k}={v}" for k, v in SERVER_TIMEOUTS.items())
        options = f"-k {folder} -p {port} -c listen_addresses= -c fsync=off {timeouts}"
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


def _engine(url: str) -> Any:
    import sqlalchemy

    return sqlalchemy.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=sqlalchemy.pool.NullPool,
        connect_args={"options": "-c lock_timeout=10s -c statement_timeout=60s"},
    )


def end_other_sessions(conn: Any, database: str | None = None) -> int:
    """End every session of `database` (default: this one) but this connection's own, so a
    connection a test leaked (inside a transaction, or holding a run's lock) cannot block."""
    cur = conn.exec_driver_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = COALESCE(%s, current_database()) AND pid <> pg_backend_pid()",
        (database,),
    )
    return len(cur.fetchall())


def fresh_database(url: str) -> str:
    """Empty the server's test database (other sessions ended, its public schema dropped and
    made again); `url`."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            end_other_sessions(conn)
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()
    return url


def new_database(url: str, name: str) -> str:
    """A fresh database `name` on the server of `url` (dropped first if a run left it): for a
    module whose server outlives single tests, apart from the per-test database."""
    engine = _engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            end_other_sessions(conn, name)
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
