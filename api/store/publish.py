"""Backend-independent rules of the run life cycle that a store checks inside its transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

STOPPED = "the server stopped while this run was solving"  # the error of an interrupted run


def publish_conflict(
    run_id: int, allocation: str | None, later: Sequence[tuple[str, str, str]]
) -> str | None:
    """Why run `run_id` cannot be published, or None: a proposal of its allocation.json rejected
    after it ran, or a pair pinned (accepted) after it ran that it lacks. `later` holds the
    (client, placement, decision) rows recorded after the run, oldest first."""
    proposed = (
        {(a["client_id"], a["placement_id"]) for a in json.loads(allocation)["assignments"]}
        if allocation
        else set()
    )
    latest = {(c, p): d for c, p, d in later}
    rejected = sorted(p for p, d in latest.items() if d == "reject" and p in proposed)
    if rejected:
        pairs = ", ".join(f"({c}, {p})" for c, p in rejected[:5])
        return (
            f"{len(rejected)} proposal(s) of run {run_id} were rejected after "
            f"it ran ({pairs}); re-run before publishing"
        )
    missing = sorted(p for p, d in latest.items() if d == "accept" and p not in proposed)
    if missing:
        pairs = ", ".join(f"({c}, {p})" for c, p in missing[:5])
        return (
            f"{len(missing)} pair(s) were pinned after run {run_id} ran and are "
            f"not in it ({pairs}); re-run before publishing"
        )
    return None
