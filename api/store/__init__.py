"""Storage of the API service: tokens, instances, runs, allocations and decisions.

Callers import from here: the `Store` protocol, its errors, the row classes and `open_store`,
which picks the implementation for a database URL (a SQLite file by default, PostgreSQL for a
`postgresql://` URL: `postgres.py`, needing the `polku[postgres]` extra).
"""

from __future__ import annotations

import re

from api.store.protocol import Conflict, NotFound, Store, StoreError, TooMany
from api.store.rows import (
    FINISHED,
    RESTARTABLE,
    ROLES,
    RUN_STATUSES,
    DecisionRow,
    InstanceRow,
    NewInstance,
    RunRow,
    TokenRow,
    now,
)
from api.store.sqlite import SqliteStore

__all__ = [
    "TooMany",
    "FINISHED",
    "RESTARTABLE",
    "ROLES",
    "RUN_STATUSES",
    "Conflict",
    "DecisionRow",
    "InstanceRow",
    "NewInstance",
    "NotFound",
    "RunRow",
    "SqliteStore",
    "Store",
    "StoreError",
    "TokenRow",
    "now",
    "open_store",
]


def open_store(url: str, lock_timeout: float = 30.0) -> Store:
    """The store for `url`: a file path or `sqlite:///path` → SQLite, `postgresql://…` (or
    `postgres://`, `postgresql+psycopg://`) → PostgreSQL; other schemes are named in the error.
    `lock_timeout`: seconds a statement waits for a lock (another writer) before it fails."""
    if re.match(r"postgres(ql)?(\+psycopg)?://", url):
        from api.store.postgres import PostgresStore  # psycopg only loaded when used

        return PostgresStore(url, lock_timeout)
    if url.startswith("sqlite:///"):
        return SqliteStore(url[len("sqlite:///") :], lock_timeout)
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise StoreError(
            f"database URL scheme {scheme!r} is not supported (use a SQLite path or postgresql://…)"
        )
    return SqliteStore(url, lock_timeout)
