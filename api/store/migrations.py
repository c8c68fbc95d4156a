"""The schema's migrations (issue 18): Alembic revisions in `api/store/alembic/versions`, run by
`Store.migrate` at open on SQLite and PostgreSQL alike, inside the store's one transaction.

A database made before Alembic carries the numbered `schema_version` table instead (versions
1–5, the same schema as revisions 0001–0005): it is stamped with the matching revision first,
then upgraded in place (revision 0006 drops the old table)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy import event, inspect, text

from api.store.protocol import StoreError

HEAD = "0006"
# schema_version of a database made before Alembic → the revision with the same schema
LEGACY = {1: "0001", 2: "0002", 3: "0003", 4: "0004", 5: "0005"}


def _config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    cfg.attributes["connection"] = connection
    return cfg


def current(connection: Any) -> int:
    """The revision in force as a number (0: no schema yet)."""
    return int(MigrationContext.configure(connection).get_current_revision() or 0)


def _adopt_legacy(connection: Any) -> None:
    """Stamp a pre-Alembic database with the revision its `schema_version` stands for."""
    tables = set(inspect(connection).get_table_names())
    if "schema_version" not in tables or "alembic_version" in tables:
        return
    version = connection.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0
    if version not in LEGACY:
        raise StoreError(
            f"the database's schema_version {version} is not one this Polku knows "
            f"({', '.join(map(str, LEGACY))}); is it from a newer version?"
        )
    command.stamp(_config(connection), LEGACY[version])


def upgrade(connection: Any, target: str = "head") -> int:
    """Bring the schema on `connection` (an open transaction) to `target`; the revision now."""
    _adopt_legacy(connection)
    try:
        command.upgrade(_config(connection), target)
    except CommandError as exc:  # e.g. a revision this Polku does not have
        raise StoreError(
            f"the database schema cannot be upgraded: {exc} (a newer Polku's?)"
        ) from exc
    return current(connection)


def downgrade(connection: Any, target: str) -> int:
    """Take the schema back to revision `target` ("base": nothing); the revision now."""
    command.downgrade(_config(connection), target)
    return current(connection)


@contextlib.contextmanager
def sqlite_transaction(path: str, lock_timeout: float) -> Iterator[Any]:
    """A SQLAlchemy connection to the SQLite file inside one `BEGIN IMMEDIATE` transaction (one
    migrating process at a time; SQLite's DDL is transactional), committed at the end."""
    engine = sqlalchemy.create_engine(
        sqlalchemy.engine.URL.create("sqlite", database=path),
        poolclass=sqlalchemy.pool.NullPool,
        connect_args={"timeout": lock_timeout},
    )

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver's own BEGIN would come too late

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()
