"""Picks and declines on an employer shortlist: each pick a lock after the engine's rule check
(`matcher.shortlists.picks.check_pick`, with every decision in force and the earlier picks of
the same request applied), a decline a forbid with its reason. All picks of a request stand or
none does.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import Principal, visible_providers
from api.decisions import run_instance
from api.lookups import placements_by_id
from api.schemas import PickRequest
from api.store import Conflict, DecisionRow, InstanceRow, NotFound, RunRow, Store, now
from models.instance import Instance
from models.shortlists import Shortlist, Shortlists


class RuleBroken(Conflict):
    """A pick or accept that would break a rule (HTTP 409): the catalogue key of the sentence
    and `errors`, each naming its rule ('ability: …')."""

    def __init__(self, key: str, errors: list[str]):
        super().__init__(key, errors="; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PickOutcome:
    """What a pick or decline recorded, and who on the list is free again."""

    decisions: list[DecisionRow]
    released: list[str]


def own_list(
    lists: Shortlists, user: Principal, row: InstanceRow, run: RunRow, pid: str
) -> Shortlist:
    """The list of placement `pid` if the caller may answer it; 404 otherwise."""
    own = lists.list_of(pid)
    if own is None or own.provider_id not in visible_providers(user, row):
        raise NotFound("error.shortlists.none_for_placement", placement=repr(pid), run=run.id)
    return own


def pending(run: RunRow, client_id: str, placement_id: str, provider: str) -> DecisionRow:
    """A lock not yet stored, to check the next pick of the same request against it."""
    return DecisionRow(
        id=0,
        instance_id=run.instance_id,
        run_id=run.id,
        client_id=client_id,
        placement_id=placement_id,
        provider_id=provider,
        decision="accept",
        reason="",
        by_name="",
        by_token=None,
        at=now(),
    )


def check_picks(
    store: Store,
    base: Instance,
    run: RunRow,
    row: InstanceRow,
    lists: Shortlists,
    body: PickRequest,
) -> tuple[str, list[str]]:
    """Check every pick in order, each with the decisions in force and the earlier picks: the
    target's provider and the rule-naming errors of the first pick that fails ([] if none)."""
    from matcher.shortlists.picks import check_pick

    placements = placements_by_id(base)
    target = body.switch_to or body.placement_id
    if target not in placements.index:
        raise NotFound("error.placement.not_found", id=repr(target))
    provider = str(placements.loc[target, "provider_id"])
    history = list(store.decisions(row.id))
    for cid in body.client_ids:
        inst = run_instance(base, run.request["weights"], history)
        errors = check_pick(inst, lists, body.placement_id, cid, body.switch_to)
        if errors:
            return provider, errors
        history.append(pending(run, cid, target, provider))
    return provider, []


def decline(
    store: Store, user: Principal, run: RunRow, own: Shortlist, body: PickRequest
) -> PickOutcome:
    """A decline by the employer or the client: a forbid with the reason."""
    cid = body.client_id or ""
    if own.candidate(cid) is None:
        raise NotFound(
            "error.shortlists.not_on_list", client=repr(cid), placement=body.placement_id
        )
    who = "the client" if body.by_client else "the employer"
    d = store.add_decision(
        run.id,
        cid,
        body.placement_id,
        own.provider_id,
        "reject",
        f"declined by {who}: {body.reason.strip()}",
        user.name,
        user.token_id,
    )
    return PickOutcome([d], [])


def pick(
    store: Store,
    base: Instance,
    user: Principal,
    run: RunRow,
    row: InstanceRow,
    lists: Shortlists,
    own: Shortlist,
    body: PickRequest,
) -> PickOutcome:
    """Lock every picked client (on `switch_to` if given) once all pass the rule check."""
    for cid in body.client_ids:
        if own.candidate(cid) is None:
            raise NotFound(
                "error.shortlists.not_on_list", client=repr(cid), placement=body.placement_id
            )
    if run.published or store.published_run_of(row.id) is not None:
        raise Conflict("error.picks.published", run=run.id)
    provider, errors = check_picks(store, base, run, row, lists, body)
    if errors:
        raise RuleBroken("error.picks.breaks_rule", errors)
    target = body.switch_to or body.placement_id
    reason = body.reason.strip() or (
        f"picked from the list of {body.placement_id}"
        if target != body.placement_id
        else "picked from the list"
    )
    made = [
        store.add_decision(
            run.id, cid, target, provider, "accept", reason, user.name, user.token_id
        )
        for cid in body.client_ids
    ]
    released = [e.client_id for e in own.candidates if e.client_id not in body.client_ids]
    return PickOutcome(made, released)
