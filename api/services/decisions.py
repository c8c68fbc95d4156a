"""Accepting (→ lock) or rejecting (→ forbid) a proposal: who may, what must hold, the record.

Raises the store's `NotFound` (404: what the caller may not see answers as if it did not exist)
and `Conflict` (409) so the router stays a thin layer over this module.
"""

from __future__ import annotations

from typing import Any

from api.auth import Principal, visible_providers
from api.lookups import clients_by_id, placements_by_id
from api.schemas import DecisionRequest
from api.services.accept import accept_errors
from api.services.picks import RuleBroken
from api.store import Conflict, DecisionRow, InstanceRow, NotFound, RunRow, Store
from models.instance import Instance


def check_decision(
    store: Store,
    inst: Instance,
    alloc: dict[str, Any],
    user: Principal,
    run: RunRow,
    row: InstanceRow,
    body: DecisionRequest,
) -> str:
    """Who may take this decision; returns the placement's provider. Liaisons answer their own
    proposals only (else 404); coordinators may pin or forbid any pair of the instance."""
    placements = placements_by_id(inst)
    if body.placement_id not in placements.index:
        raise NotFound("error.placement.not_found", id=repr(body.placement_id))
    provider = str(placements.loc[body.placement_id, "provider_id"])
    if provider not in visible_providers(user, row):
        raise NotFound("error.placement.not_found", id=repr(body.placement_id))
    if run.status != "done":
        raise Conflict("error.decision.run_not_done", id=run.id, status=run.status)
    proposed = any(
        a["client_id"] == body.client_id and a["placement_id"] == body.placement_id
        for a in alloc.get("assignments", [])
    )
    if user.role == "liaison" and not proposed:
        raise NotFound(
            "error.decision.no_proposal",
            client=body.client_id,
            placement=body.placement_id,
            run=run.id,
        )
    clients = clients_by_id(inst)
    if body.client_id not in clients.index:
        raise NotFound("error.client.not_found", id=repr(body.client_id))
    if body.decision == "accept":
        current = str(clients.loc[body.client_id, "current_placement"] or "")
        if current and current != body.placement_id:
            raise Conflict("error.decision.stays", client=body.client_id, current=current)
        # keeping a client in their current placement is no new seat: nothing to re-check
        errors = (
            []
            if current == body.placement_id
            else accept_errors(
                inst,
                run.request.get("weights", {}),
                list(store.decisions(row.id)),
                body.client_id,
                body.placement_id,
                detailed=user.role != "liaison",
            )
        )
        if errors:
            raise RuleBroken("error.decision.breaks_rule", errors)
    return provider


def record_decision(
    store: Store,
    inst: Instance,
    alloc: dict[str, Any],
    user: Principal,
    run: RunRow,
    row: InstanceRow,
    body: DecisionRequest,
) -> DecisionRow:
    """Check the decision, then store it with who took it."""
    provider = check_decision(store, inst, alloc, user, run, row, body)
    return store.add_decision(
        run.id,
        body.client_id,
        body.placement_id,
        provider,
        body.decision,
        body.reason.strip(),
        user.name,
        user.token_id,
    )
