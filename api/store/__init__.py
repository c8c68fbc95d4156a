"""Storage of the API service: tokens, instances, runs, allocations and decisions.

Callers import from here: the `Store` protocol, its errors, the row classes and `open_store`,
which picks the implementation for a database URL (SQLite today; a PostgreSQL store plugs in
beside `sqlite.py` and gets its branch in `open_store`).
"""

from __future__ import annotations

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


def open_store(url: str) -> Store:
    """The store for `url`: a file path or `sqlite:///path` → SQLite; other schemes are named
    in the error (a PostgreSQL store would be added here)."""
    if url.startswith("sqlite:///"):
        return SqliteStore(url[len("sqlite:///") :])
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise StoreError(f"database URL scheme {scheme!r} is not supported yet (use a SQLite path)")
    return SqliteStore(url)
