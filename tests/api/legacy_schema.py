"""The schema as the service wrote it before Alembic (main up to issue 18: numbered SQL scripts
and a `schema_version` table), kept verbatim so the tests can make such a database and check
that today's store upgrades it in place. Not used by the service."""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS: tuple[str, ...] = (
    # version 1: the whole schema
    """
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'liaison')),
        region TEXT,
        providers TEXT NOT NULL DEFAULT '[]',
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE instances (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        week TEXT NOT NULL,
        region TEXT NOT NULL,
        source TEXT NOT NULL,
        parent_instance_id INTEGER REFERENCES instances(id),
        parent_run_id INTEGER,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        providers TEXT NOT NULL,
        counts TEXT NOT NULL
    );
    CREATE TABLE instance_files (
        instance_id INTEGER PRIMARY KEY REFERENCES instances(id),
        data BLOB NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        status TEXT NOT NULL,
        request TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        progress TEXT,
        error TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        claim TEXT,
        worker_pid INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        decisions_upto INTEGER,
        published_at TEXT,
        published_by TEXT
    );
    CREATE INDEX runs_by_status ON runs (status, id);
    CREATE INDEX runs_by_instance ON runs (instance_id, id);
    CREATE TABLE allocations (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        data TEXT NOT NULL
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        client_id TEXT NOT NULL,
        placement_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
        reason TEXT NOT NULL DEFAULT '',
        by_name TEXT NOT NULL,
        by_token INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX decisions_by_instance ON decisions (instance_id, id);
    """,
    # version 2: a shortlist run's shortlists.json (issue 8), beside allocations
    """
    CREATE TABLE shortlists (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        data TEXT NOT NULL
    );
    """,
    # version 3: token expiry (issue 14); tokens made before it have none (NULL)
    """
    ALTER TABLE tokens ADD COLUMN expires_at TEXT;
    """,
    # version 4: the placement lifecycle (issue 17): early ends, outcomes and follow-ups of
    # ended placements, each with who and when; the latest row of a key counts, history is kept
    """
    CREATE TABLE placement_ends (
        id INTEGER PRIMARY KEY,
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        client_id TEXT NOT NULL,
        placement_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        end_week TEXT NOT NULL,
        reason TEXT NOT NULL,
        by_name TEXT NOT NULL,
        by_token INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX placement_ends_by_instance ON placement_ends (instance_id, id);
    CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY,
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        client_id TEXT NOT NULL,
        placement_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        end_week TEXT NOT NULL,
        outcome TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        by_name TEXT NOT NULL,
        by_token INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX outcomes_by_instance ON outcomes (instance_id, id);
    CREATE TABLE followups (
        id INTEGER PRIMARY KEY,
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        client_id TEXT NOT NULL,
        placement_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        end_week TEXT NOT NULL,
        months_after INTEGER NOT NULL,
        still_employed TEXT NOT NULL CHECK (still_employed IN ('yes', 'no', 'unknown')),
        followup_date TEXT NOT NULL,
        by_name TEXT NOT NULL,
        by_token INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX followups_by_instance ON followups (instance_id, id);
    """,
    # version 5: a done run's precomputed answers (api/store/run_views.py), served as stored
    """
    CREATE TABLE run_views (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        name TEXT NOT NULL,
        stamp TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, name)
    );
    """,
)


def legacy_sqlite(path: Path) -> None:
    """A database file exactly as main's `SqliteStore.migrate` made it (versions 1–5)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    for version, script in enumerate(MIGRATIONS, start=1):
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    conn.execute("COMMIT")
    conn.close()
