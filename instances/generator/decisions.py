"""A few locks and forbids on feasible pairs; feasibility of the generator's own arrays with the
engine's formulas (`models.formulas`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from instances import distributions as d
from instances.build import typed_frame
from instances.generator.clients import neighbours
from instances.generator.frames import client_id_text, placement_id_text
from instances.generator.state import ClientArrays, PlacementArrays, PoolArrays, parse_week
from models.formulas import LONG_TERM_MONTHS, pair_cost, travel_minutes, wage_subsidy_rate
from models.rules import THIRD_SECTOR_KINDS, Rules


def _covering(
    C: ClientArrays, P: PlacementArrays, F: PoolArrays, ci: np.ndarray, pj: np.ndarray
) -> np.ndarray:
    """``(len, K)`` bool: does the k-th pool of the placement cover this client and type?"""
    assert P.pools is not None and C.groups is not None
    f = P.pools[pj]
    valid = f >= 0
    fc = np.where(valid, f, 0)
    ok = valid & ((F.types[fc] >> P.ptype[pj][:, None]) & 1).astype(bool)
    ok &= F.munis[fc, C.muni[ci][:, None]]
    in_group = (F.group_mask[fc] & C.groups[ci][:, None, :]).any(axis=2)
    return ok & (F.any_group[fc] | in_group)


def _feasible(
    C: ClientArrays, P: PlacementArrays, F: PoolArrays, rules: Rules, ci: np.ndarray, pj: np.ndarray
) -> np.ndarray:
    """FORMAT.md's feasibility of (client, placement) pairs, decisions aside."""
    t = P.ptype[pj]
    ok = (C.age[ci] >= rules.age_min) & (C.age[ci] <= rules.age_max)
    ok &= ((C.consents[ci] >> t) & 1).astype(bool)
    max_months = np.asarray([rules.max_months[x] for x in d.TYPES])
    ok &= C.used[ci, t] < max_months[t]
    organiser = np.asarray([rules.organiser_max_months.get(x, np.inf) for x in d.TYPES])
    history = C.by_provider or [{}] * len(C.age)
    at = np.fromiter(
        (history[i].get(v, 0.0) for i, v in zip(ci.tolist(), P.provider[pj].tolist(), strict=True)),
        dtype=np.float64,
        count=len(ci),
    )
    ok &= at < organiser[t]
    young = C.age[ci] < rules.participation_youth_age
    ok &= (t != d.PARTICIPATION) | young | (C.days[ci] >= rules.participation_min_benefit_days)
    ok &= C.wa[ci] >= P.min_wa[pj]
    ok &= (C.needs[ci] & ~P.features[pj]) == 0
    ok &= ((C.languages[ci] >> P.language[pj]) & 1).astype(bool)
    levels = np.where(C.has_profile[ci][:, None], C.abilities[ci], C.wa[ci][:, None])
    ok &= (levels >= P.demand[pj]).all(axis=1)
    mode = np.where((P.features[pj] >> d.TRANSPORT_BIT) & 1, d.CAR, C.transport[ci])
    minutes = travel_minutes(rules, C.lat[ci], C.lon[ci], P.lat[pj], P.lon[pj], mode)
    ok &= minutes <= C.commute[ci]
    return ok & _covering(C, P, F, ci, pj).any(axis=1)


def _pair_cost(C: ClientArrays, P: PlacementArrays, rules: Rules, i: int, j: int) -> float:
    """FORMAT.md pair cost of client i at placement j (the formulas of `models.formulas`)."""
    tname = d.TYPES[P.ptype[j]]
    if tname != "wage_subsidy":
        rate = np.array([rules.type_rate(tname)])
    else:
        third = d.KINDS[P.v_kind[P.provider[j]]] in THIRD_SECTOR_KINDS
        long_term = C.months[i] >= LONG_TERM_MONTHS
        rate = wage_subsidy_rate(
            rules.wage_subsidy_rate, C.partial[[i]], np.array([third and long_term])
        )
    return float(pair_cost(P.week_cost()[[j]], rate, P.duration[[j]])[0])


def make_decisions(
    C: ClientArrays,
    P: PlacementArrays,
    F: PoolArrays,
    tree: cKDTree,
    lat_ref: float,
    rng: np.random.Generator,
    rules: Rules,
    week: str,
) -> pd.DataFrame:
    """A few locks (feasible, same municipality, free seat, within budget and caps; ≤ 1 per
    client) and forbids (feasible pairs an employer turned down), never on the same pair."""
    n = len(C.age)
    queue = np.flatnonzero(C.current < 0)
    n_lock = min(d.MAX_LOCKS, max(1, round(n * d.LOCKS_PER_CLIENT)))
    n_forbid = min(d.MAX_FORBIDS, max(1, round(n * d.FORBIDS_PER_CLIENT)))
    year, num = parse_week(week)
    at = (date.fromisocalendar(year, num, 1) - timedelta(days=3)).isoformat()
    rows: list[dict[str, Any]] = []
    seats_left = P.seats.astype(float).copy()
    cap_left = P.v_cap.copy()
    pool_left = F.budget * d.LOCK_BUDGET_SHARE
    locked: set[tuple[int, int]] = set()

    cand = rng.permutation(queue)[: n_lock * 10]
    if len(cand):
        assert P.pools is not None  # the placements step fills the pool codes
        nb = neighbours(tree, C, cand, lat_ref, 30)
        ci, pj = np.repeat(cand, nb.shape[1]), nb.ravel()
        ok = _feasible(C, P, F, rules, ci, pj) & (P.muni[pj] == C.muni[ci]) & (P.seats[pj] >= 1)
        cover = _covering(C, P, F, ci, pj)
        ok, cover = ok.reshape(nb.shape), cover.reshape(*nb.shape, -1)
        for r, i in enumerate(cand):
            if len(locked) >= n_lock:
                break
            for col in np.flatnonzero(ok[r]):
                j = int(nb[r, col])
                v = int(P.provider[j])
                capped = P.ptype[j] == d.WAGE_SUBSIDY and not np.isnan(cap_left[v])
                if seats_left[j] < 1 or (capped and cap_left[v] < 1):
                    continue
                cost = _pair_cost(C, P, rules, int(i), j)
                pools = [int(f) for f in P.pools[j][cover[r, col]] if pool_left[f] >= cost]
                if not pools:
                    continue
                seats_left[j] -= 1
                pool_left[pools[0]] -= cost
                if capped:
                    cap_left[v] -= 1
                locked.add((int(i), j))
                rows.append(
                    {
                        "client_id": int(i),
                        "placement_id": j,
                        "decision": "lock",
                        "reason": "agreed with the client at the weekly team meeting",
                        "by": "weekly-team",
                        "at": at,
                    }
                )
                break

    cand = rng.permutation(queue)[: n_forbid * 10]
    forbidden = 0
    if len(cand):
        nb = neighbours(tree, C, cand, lat_ref, 30)
        ci, pj = np.repeat(cand, nb.shape[1]), nb.ravel()
        ok = _feasible(C, P, F, rules, ci, pj).reshape(nb.shape)
        pick = np.argmax(ok * rng.random(nb.shape), axis=1)
        for r, i in enumerate(cand):
            if forbidden >= n_forbid:
                break
            j = int(nb[r, pick[r]])
            if not ok[r, pick[r]] or (int(i), j) in locked:
                continue
            forbidden += 1
            rows.append(
                {
                    "client_id": int(i),
                    "placement_id": j,
                    "decision": "forbid",
                    "reason": "employer declined after the interview",
                    "by": "employer-liaison",
                    "at": at,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["client_id", "placement_id", "decision", "reason", "by", "at"]
    )
    frame["client_id"] = [client_id_text(i, n) for i in frame["client_id"]]
    frame["placement_id"] = [placement_id_text(j, len(P.ptype)) for j in frame["placement_id"]]
    return typed_frame(frame.astype(object), "decisions.csv")
