"""Backend-independent rules of the run life cycle that a store checks inside its transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

STOPPED = "the server stopped while this run was solving"  # the error of an interrupted run


def publish_conflict(
    run_id: int, allocation: str | None, later: Sequence[tuple[str, str, str]]
) -> tuple[str, dict[str, Any]] | None:
    """Why run `run_id` cannot be published (a catalogue key and its fields), or None: a proposal of its allocation.json rejected
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
        return "error.run.publish_rejected", {"n": len(rejected), "run": run_id, "pairs": pairs}
    missing = sorted(p for p, d in latest.items() if d == "accept" and p not in proposed)
    if missing:
        pairs = ", ".join(f"({c}, {p})" for c, p in missing[:5])
        return "error.run.publish_pinned", {"n": len(missing), "run": run_id, "pairs": pairs}
    return None
