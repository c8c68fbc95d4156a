"""Storage rows as response models (the one place a row becomes what the API answers)."""

from __future__ import annotations

from typing import Any

from api.auth import Principal, may_read_text
from api.decisions import KIND_OF
from api.lifecycle_schemas import EndedOut, EndOut, FollowupOut
from api.schemas import DecisionOut, Progress, RunOut
from api.store import DecisionRow, RunRow, Store


def decision_out(d: DecisionRow, user: Principal) -> DecisionOut:
    """A recorded decision as the API shows it (with its effect: lock or forbid); the reason
    only to those who may read it (`may_read_text`: a liaison gets '' for others' reasons)."""
    return DecisionOut(
        id=d.id,
        run_id=d.run_id,
        client_id=d.client_id,
        placement_id=d.placement_id,
        provider_id=d.provider_id,
        decision=d.decision,  # type: ignore[arg-type]  # rows hold the checked text
        effect=KIND_OF[d.decision],  # type: ignore[arg-type]
        reason=d.reason if may_read_text(user, d.by_token) else "",
        by=d.by_name,
        at=d.at,
    )


def run_out(store: Store, run: RunRow) -> RunOut:
    """A run row with its progress and, while queued, its place in the queue."""
    return RunOut(
        id=run.id,
        instance_id=run.instance_id,
        status=run.status,  # type: ignore[arg-type]
        request=run.request,
        progress=Progress(**{k: v for k, v in run.progress.items() if k in Progress.model_fields})
        if run.progress
        else None,
        queue_position=store.queue_position(run.id) if run.status == "queued" else None,
        error=run.error,
        cancel_requested=run.cancel_requested,
        created_at=run.created_at,
        created_by=run.created_by,
        started_at=run.started_at,
        finished_at=run.finished_at,
        attempts=run.attempts,
        published=run.published,
        published_at=run.published_at,
        published_by=run.published_by,
    )


def end_out(r: dict[str, Any]) -> EndOut:
    """A recorded early end (a store lifecycle row) as the API shows it, with who and when."""
    same = ("id", "run_id", "client_id", "placement_id", "provider_id", "end_week", "reason")
    return EndOut(**{k: r[k] for k in same}, by=r["by_name"], at=r["at"])


def ended_out(
    rec: dict[str, Any],
    followups: list[dict[str, Any]],
    user: Principal,
    authors: dict[tuple[str, str, str, str], int | None],
) -> EndedOut:
    """One ended placement; a liaison does not get the client's groups (they tell benefit days,
    age and partial work ability, which an employer may not see), nor an end reason or outcome
    note another token wrote (`authors`: (field, client, placement, end week) → the writer's
    token, from services.lifecycle.text_authors; text from earlier weeks has none)."""
    key = (str(rec["client_id"]), str(rec["placement_id"]), str(rec["end_week"]))

    def text(field: str) -> str:
        return str(rec[field]) if may_read_text(user, authors.get((field, *key))) else ""

    return EndedOut(
        **{
            k: str(rec[k])
            for k in EndedOut.model_fields
            if k not in ("groups", "weeks", "followups", "end_reason", "note")
        },
        end_reason=text("end_reason"),
        note=text("note"),
        groups=[] if user.role == "liaison" else list(rec["groups"] or ()),
        weeks=int(rec["weeks"]),
        followups=[
            FollowupOut(
                months_after=int(f["months_after"]),
                still_employed=str(f["still_employed"]),
                date=str(f["date"]),
                by=str(f["by"]),
                at=str(f["at"]),
            )
            for f in followups
            if (str(f["client_id"]), str(f["placement_id"]), str(f["end_week"])) == key
        ],
    )
