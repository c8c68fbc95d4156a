"""Reasons for the unassigned: the placed and the already placed in a line, the funnel age → type
→ commute → pair rules for clients without a feasible pair, competition for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from matcher.allocation.solve import SolveResult
from matcher.explain.competition import competition_reasons
from matcher.explain.outcome import Outcome, outcome_of
from matcher.explain.words import (
    id_list,
    instance_words,
    mode_of,
    place_words,
    placement_id_of,
    plural,
    via,
)
from matcher.messages import language, say, words
from matcher.pairs import feasibility as fz
from matcher.pairs.candidates import spatial_candidates
from matcher.pairs.rules import (
    REACH_RULES,
    RULES,
    Mask,
    Share,
    age_reason,
    months_reason,
    participation_reason,
)
from matcher.pairs.travel import offers_transport, travel_minutes, unit_xyz
from matcher.pairs.words import num, type_words

if TYPE_CHECKING:
    from models.instance import Instance


def reasons_for_unassigned(
    inst: Instance, result: SolveResult, clients: np.ndarray, lang: str | None = None
) -> dict[int, list[str]]:
    """Client row index → reasons the client was not placed, most specific first: the failing rules
    when no pair is feasible, else what holds the feasible pairs (seats, pools, caps, scores); in
    `lang` (None: the current language)."""
    with language(lang):
        return reasons_of(outcome_of(inst, result), clients)


def reasons_of(o: Outcome, clients: np.ndarray) -> dict[int, list[str]]:
    inst = o.inst
    cols = inst.columns
    clients = np.unique(np.asarray(clients, dtype=np.int64))
    out: dict[int, list[str]] = {}
    has_pairs = np.zeros(cols.n_clients, dtype=bool)
    has_pairs[o.pairs.client] = True
    for c in clients[cols.c_current[clients] >= 0].tolist():
        out[c] = [say("unassigned.current", placement=cols.placement_id[cols.c_current[c]])]
    queue = clients[cols.c_current[clients] < 0]
    for c in queue[o.placed_at[queue] >= 0].tolist():
        out[c] = [
            say(
                "unassigned.placed", place=place_words(inst, int(o.pairs.placement[o.placed_at[c]]))
            )
        ]
    left = queue[o.placed_at[queue] < 0]
    out.update(_no_pair_reasons(inst, left[~has_pairs[left]]))
    out.update(competition_reasons(o, left[has_pairs[left]]))
    return out


@dataclass
class _TypeTable:
    """Per client × type present among the placements: consent, months and participation rules."""

    present: np.ndarray  # type codes with at least one placement
    open_places: np.ndarray  # per present type: placements with free seats
    open_seats: np.ndarray  # per present type: free seats
    consent: np.ndarray  # (k, T')
    months: np.ndarray
    participation: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        return self.consent & self.months & self.participation & (self.open_places > 0)[None, :]


def _type_table(inst: Instance, clients: np.ndarray) -> _TypeTable:
    """Evaluate the type-only rules through `matcher.pairs.feasibility`, one placement standing for
    its type."""
    cols = inst.columns
    ptype = cols.p_type
    present, rep = np.unique(ptype[ptype >= 0], return_index=True)
    rep = np.flatnonzero(ptype >= 0)[rep]
    open_pl = cols.p_seats > 0
    n_types = len(cols.types.tokens)
    valid = ptype >= 0
    places = np.bincount(ptype[valid & open_pl], minlength=n_types)[present]
    seats = np.bincount(
        ptype[valid & open_pl], weights=cols.p_seats[valid & open_pl], minlength=n_types
    )
    k, t = len(clients), len(present)
    ci, pi = np.repeat(clients, t), np.tile(rep, k)

    def rule(fn: Mask) -> np.ndarray:
        return fn(inst, ci, pi).reshape(k, t)

    return _TypeTable(
        present=present,
        open_places=places,
        open_seats=seats[present].astype(np.int64),
        consent=rule(fz.consent_ok),
        months=rule(fz.months_ok),
        participation=rule(fz.participation_ok),
    )


def _type_reasons(inst: Instance, c: int, tt: _TypeTable, row: int) -> tuple[list[str], list[str]]:
    """(reasons when no type is open to the client, context lines about blocked types)."""
    tokens = inst.columns.types.tokens
    consents = [str(x) for x in instance_words(inst).consents[c]]
    blocked: list[str] = []
    consented_open = False
    for j, t in enumerate(tt.present.tolist()):
        if tt.consent[row, j] and tt.open_places[j] > 0:
            consented_open = True
            if not tt.months[row, j]:
                blocked.append(months_reason(inst, c, t))
            if not tt.participation[row, j]:
                blocked.append(participation_reason(inst, c))
    lead: list[str] = []
    if not consents:
        lead.append(words("unassigned.no_consent"))
    elif not consented_open:
        with_places = {tokens[t] for t in tt.present.tolist()}
        types = ", ".join(type_words(t) for t in consents)
        if with_places & set(consents):
            lead.append(say("unassigned.consented_full", types=types))
        else:
            lead.append(say("unassigned.consented_none", types=types))
    if not consented_open:
        others = [
            say(
                "unassigned.type_seats",
                type=type_words(tokens[t]),
                seats=plural(int(tt.open_seats[j]), "seat"),
            )
            for j, t in enumerate(tt.present.tolist())
            if tt.open_places[j] > 0 and tokens[t] not in consents
        ]
        if others:
            lead.append(say("unassigned.other_types", types=", ".join(others)))
    return lead, blocked


def _no_pair_reasons(inst: Instance, clients: np.ndarray) -> dict[int, list[str]]:
    """Reasons for queue clients without a single feasible pair: the funnel age → type (consent,
    months, participation) → commute → the pair rules on the reachable placements."""
    cols = inst.columns
    out: dict[int, list[str]] = {}
    if not len(clients):
        return out
    if cols.n_placements == 0:
        return {int(c): [words("unassigned.no_placements")] for c in clients}
    age_fine = fz.age_ok(inst, clients, np.zeros(len(clients), dtype=np.int64))
    for c in clients[~age_fine].tolist():
        out[c] = [age_reason(inst, c)]
    rest = clients[age_fine]
    tt = _type_table(inst, rest)
    allowed = tt.allowed
    context: dict[int, list[str]] = {}
    typed = np.asarray(allowed.any(axis=1))
    for row, c in enumerate(rest.tolist()):
        lead, blocked = _type_reasons(inst, c, tt, row)
        if not typed[row]:
            out[c] = lead + blocked
        else:
            context[c] = blocked
    sel = rest[typed]
    if len(sel):
        eligible_word = {
            c: words("unassigned.eligible_consent")
            if not context[c]
            else words("unassigned.eligible_both")
            for c in sel.tolist()
        }
        out.update(_reach_reasons(inst, sel, allowed[typed], tt, context, eligible_word))
    return out


@dataclass
class _Reach:
    """Reachable pairs (type open to the client, within commute) and their rule masks."""

    client: np.ndarray
    placement: np.ndarray
    travel: np.ndarray
    ok: dict[str, np.ndarray]


def _reachable(inst: Instance, sel: np.ndarray, allowed: np.ndarray, tt: _TypeTable) -> _Reach:
    cols = inst.columns
    local = np.full(cols.n_clients, -1, dtype=np.int64)
    local[sel] = np.arange(len(sel))
    tpos = np.full(len(cols.types.tokens), -1, dtype=np.int64)
    tpos[tt.present] = np.arange(len(tt.present))
    open_pl = np.flatnonzero((cols.p_seats > 0) & (cols.p_type >= 0))
    parts: list[tuple[np.ndarray, ...]] = []
    for ci, pi in spatial_candidates(inst, sel, open_pl):
        keep = allowed[local[ci], tpos[cols.p_type[pi]]]
        ci, pi = ci[keep], pi[keep]
        travel = travel_minutes(inst, ci, pi)
        near = fz.commute_ok(inst, ci, pi, travel)
        ci, pi, travel = ci[near], pi[near], travel[near]
        parts.append((ci, pi, travel, *(RULES[name].mask(inst, ci, pi) for name in REACH_RULES)))
    if not parts:
        e = np.zeros(0, dtype=np.int64)
        return _Reach(e, e, np.zeros(0), {name: np.zeros(0, dtype=bool) for name in REACH_RULES})
    cat = [np.concatenate(x) for x in zip(*parts, strict=True)]
    return _Reach(cat[0], cat[1], cat[2], {name: cat[3 + i] for i, name in enumerate(REACH_RULES)})


def _nearest_open(
    inst: Instance, sel: np.ndarray, allowed: np.ndarray, tt: _TypeTable
) -> tuple[np.ndarray, np.ndarray]:
    """Per client of `sel`: the open placement of an allowed type with the shortest commute, and
    its minutes (one KD-tree per type and transport-feature flag: inside one, nearest is
    quickest)."""
    cols = inst.columns
    best_p = np.full(len(sel), -1, dtype=np.int64)
    best_t = np.full(len(sel), np.inf)
    transport = offers_transport(inst)
    xyz = unit_xyz(cols.c_lat[sel], cols.c_lon[sel])
    for j, t in enumerate(tt.present.tolist()):
        rows = np.flatnonzero(allowed[:, j])
        if not len(rows):
            continue
        for flag in (False, True):
            cand = np.flatnonzero((cols.p_type == t) & (cols.p_seats > 0) & (transport == flag))
            if not len(cand):
                continue
            tree = cKDTree(unit_xyz(cols.p_lat[cand], cols.p_lon[cand]))
            _, hit = tree.query(xyz[rows], k=1)
            p = cand[np.asarray(hit, dtype=np.int64)]
            minutes = travel_minutes(inst, sel[rows], p)
            better = minutes < best_t[rows]
            best_t[rows[better]] = minutes[better]
            best_p[rows[better]] = p[better]
    return best_p, best_t


def _reach_reasons(
    inst: Instance,
    sel: np.ndarray,
    allowed: np.ndarray,
    tt: _TypeTable,
    context: dict[int, list[str]],
    eligible_word: dict[int, str],
) -> dict[int, list[str]]:
    """Reasons for clients with an open type but no feasible pair: commute, then the pair rules."""
    cols = inst.columns
    reach = _reachable(inst, sel, allowed, tt)
    k = len(sel)
    local = np.full(cols.n_clients, -1, dtype=np.int64)
    local[sel] = np.arange(k)
    cl = local[reach.client]
    n_reach = np.bincount(cl, minlength=k)
    fails = (
        np.column_stack([~reach.ok[name] for name in REACH_RULES])
        if len(cl)
        else np.zeros((0, len(REACH_RULES)), bool)
    )
    n_rules = len(REACH_RULES)
    fail_count = np.zeros((k, n_rules), dtype=np.int64)
    for r in range(n_rules):
        fail_count[:, r] = np.bincount(cl[fails[:, r]], minlength=k)
    nfail = fails.sum(axis=1)
    sole = nfail == 1
    sole_rule = np.argmax(fails, axis=1)
    sole_count = np.bincount(cl[sole] * n_rules + sole_rule[sole], minlength=k * n_rules).reshape(
        k, n_rules
    )
    min_ability = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(min_ability, cl, cols.p_min_work_ability[reach.placement])
    union = np.zeros((k, cols.p_features.shape[1]), dtype=np.uint64)
    np.bitwise_or.at(union, cl, cols.p_features[reach.placement])
    # one example pair per (client, rule), and the closest single-obstacle pair per client
    example = np.full((k, n_rules), -1, dtype=np.int64)
    for r in range(n_rules):
        rows = np.flatnonzero(fails[:, r])
        _, first = np.unique(cl[rows], return_index=True)
        example[cl[rows[first]], r] = rows[first]
    sole_rows = np.flatnonzero(sole)
    closest = np.full(k, -1, dtype=np.int64)
    if len(sole_rows):
        order = sole_rows[np.lexsort((reach.travel[sole_rows], cl[sole_rows]))]
        _, first = np.unique(cl[order], return_index=True)
        closest[cl[order[first]]] = order[first]
    forbidden_rows = (
        np.flatnonzero(fails[:, REACH_RULES.index("forbidden")])
        if len(cl)
        else np.zeros(0, np.int64)
    )
    forbidden_of: dict[int, list[int]] = {}
    for row in forbidden_rows.tolist():
        forbidden_of.setdefault(int(cl[row]), []).append(row)
    feasible_rows = np.flatnonzero(nfail == 0)
    feasible_of: dict[int, list[int]] = {}
    for row in feasible_rows.tolist():
        feasible_of.setdefault(int(cl[row]), []).append(row)
    far = np.flatnonzero(n_reach == 0)
    nearest: dict[int, tuple[int, float]] = {}
    if len(far):
        nearest_p, nearest_t = _nearest_open(inst, sel[far], allowed[far], tt)
        nearest = {
            int(i): (int(nearest_p[j]), float(nearest_t[j])) for j, i in enumerate(far.tolist())
        }

    out: dict[int, list[str]] = {}
    for i, c in enumerate(sel.tolist()):
        limit = say("unassigned.limit", limit=num(cols.c_max_commute[c]), mode=mode_of(inst, c))
        if n_reach[i] == 0:
            p, minutes = nearest.get(i, (-1, np.inf))
            where = (
                say(
                    "unassigned.nearest",
                    place=place_words(inst, p),
                    minutes=num(minutes),
                    via=via(inst, c, p),
                )
                if p >= 0
                else ""
            )
            out[c] = [
                say("unassigned.too_far", eligible=eligible_word[c], limit=limit, nearest=where)
            ] + context[c]
            continue
        if i in feasible_of:
            names = [placement_id_of(inst, int(reach.placement[r])) for r in feasible_of[i]]
            out[c] = [say("unassigned.not_given", placements=id_list(names))]
            continue
        items: list[tuple[tuple[int, ...], list[str]]] = []
        n = int(n_reach[i])
        for r, name in enumerate(REACH_RULES):
            nf = int(fail_count[i, r])
            if not nf:
                continue
            s = int(sole_count[i, r])
            key = (s == 0, nf != n, -s, -nf, r)
            example_row = int(example[i, r])
            items.append(
                (
                    key,
                    RULES[name].sum_up(
                        inst,
                        c,
                        Share(
                            reachable=n,
                            failing=nf,
                            example=int(reach.placement[example_row]) if example_row >= 0 else -1,
                            lowest_min_ability=int(min_ability[i]),
                            offered=union[i],
                            failing_rows=[int(reach.placement[r]) for r in forbidden_of.get(i, [])]
                            if name == "forbidden"
                            else [],
                        ),
                    ),
                )
            )
        lines = [line for _, msgs in sorted(items, key=lambda x: x[0]) for line in msgs]
        j = int(closest[i])
        if j >= 0:
            rule = REACH_RULES[int(sole_rule[j])]
            p = int(reach.placement[j])
            line = say(
                "unassigned.closest",
                place=place_words(inst, p),
                minutes=num(reach.travel[j]),
                reason=RULES[rule].reason(inst, c, p, float(reach.travel[j])),
            )
            if n > 1 and rule != "forbidden":
                lines.append(line)
        out[c] = lines + context[c]
    return out
