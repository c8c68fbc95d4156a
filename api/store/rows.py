"""What the store reads and writes: the row dataclasses, the run statuses and roles, the clock."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

RUN_STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
RESTARTABLE = ("interrupted", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled", "interrupted")
ROLES = ("admin", "coordinator", "liaison")


def now() -> str:
    """The current UTC time as ISO 8601 with a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    role: str
    region: str | None
    providers: tuple[str, ...]
    created_at: str
    revoked_at: str | None
    expires_at: str | None = None


@dataclass(frozen=True)
class InstanceRow:
    id: int
    name: str
    week: str
    region: str
    source: str
    parent_instance_id: int | None
    parent_run_id: int | None
    created_at: str
    created_by: str
    updated_at: str | None
    sha256: str
    size: int
    providers: tuple[str, ...]
    counts: dict[str, Any]


@dataclass(frozen=True)
class RunRow:
    id: int
    instance_id: int
    status: str
    request: dict[str, Any]
    created_at: str
    created_by: str
    started_at: str | None
    finished_at: str | None
    progress: dict[str, Any] | None
    error: str | None
    cancel_requested: bool
    claim: str | None
    worker_pid: int | None
    attempts: int
    decisions_upto: int | None
    published_at: str | None
    published_by: str | None

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass(frozen=True)
class DecisionRow:
    id: int
    instance_id: int
    run_id: int
    client_id: str
    placement_id: str
    provider_id: str
    decision: str
    reason: str
    by_name: str
    by_token: int | None
    at: str


@dataclass(frozen=True)
class NewInstance:
    """What the store needs to add an instance: its zip and the figures read from it."""

    name: str
    week: str
    region: str
    source: str
    created_by: str
    data: bytes
    sha256: str
    providers: tuple[str, ...]
    counts: dict[str, Any] = field(default_factory=dict)
    parent_instance_id: int | None = None
    parent_run_id: int | None = None


def token_row(row: Mapping[str, Any]) -> TokenRow:
    """A TokenRow from a database row (column name → value)."""
    return TokenRow(
        row["id"],
        row["name"],
        row["role"],
        row["region"],
        tuple(json.loads(row["providers"])),
        row["created_at"],
        row["revoked_at"],
        row["expires_at"],
    )


def instance_row(row: Mapping[str, Any]) -> InstanceRow:
    """An InstanceRow from a database row; JSON columns decoded."""
    return InstanceRow(
        id=row["id"],
        name=row["name"],
        week=row["week"],
        region=row["region"],
        source=row["source"],
        parent_instance_id=row["parent_instance_id"],
        parent_run_id=row["parent_run_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        sha256=row["sha256"],
        size=row["size"],
        providers=tuple(json.loads(row["providers"])),
        counts=json.loads(row["counts"]),
    )


def run_row(row: Mapping[str, Any]) -> RunRow:
    """A RunRow from a database row; JSON columns decoded."""
    return RunRow(
        id=row["id"],
        instance_id=row["instance_id"],
        status=row["status"],
        request=json.loads(row["request"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        progress=json.loads(row["progress"]) if row["progress"] else None,
        error=row["error"],
        cancel_requested=bool(row["cancel_requested"]),
        claim=row["claim"],
        worker_pid=row["worker_pid"],
        attempts=row["attempts"],
        decisions_upto=row["decisions_upto"],
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


def decision_row(row: Mapping[str, Any]) -> DecisionRow:
    """A DecisionRow from a database row."""
    return DecisionRow(**{k: row[k] for k in row.keys()})  # sqlite3.Row has no __iter__ of keys


# The columns each row converter above reads, in the order of its fields.
RUN_COLUMNS = (
    "id, instance_id, status, request, created_at, created_by, started_at, finished_at, progress, "
    "error, cancel_requested, claim, worker_pid, attempts, decisions_upto, published_at, published_by"
)
INSTANCE_COLUMNS = (
    "id, name, week, region, source, parent_instance_id, parent_run_id, created_at, created_by, "
    "updated_at, sha256, size, providers, counts"
)
DECISION_COLUMNS = (
    "id, instance_id, run_id, client_id, placement_id, provider_id, decision, reason, by_name, "
    "by_token, at"
)
