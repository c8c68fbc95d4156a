"""Alembic's entry point: runs the revisions on the connection `Store.migrate` hands over (in
its transaction, under its lock), on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # offline SQL scripts and the bare `alembic` command are not used
    raise RuntimeError("Polku's schema is migrated by the store: polku serve, or Store.migrate()")
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
