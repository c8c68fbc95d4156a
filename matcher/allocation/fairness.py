"""Fairness floors (rules `fairness.floor`): each municipality and each client group should get at
least floor × its queue share of the placed. Soft: a shortfall variable per unit is penalised by
weights.fairness per client short, and reported."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.pairs.table import PairTable
from models.instance import Instance

SCALE = 1_000_000  # integer scaling of the share coefficients in CP-SAT


@dataclass(frozen=True)
class FairnessUnits:
    """The units under a floor: names, queue share, and which pairs place one of their members."""

    names: list[str]  # "municipality:Kuopio", "group:youth"
    queue: np.ndarray  # queue clients in the unit
    share: np.ndarray  # queue share (0..1)
    member: sp.csr_matrix  # units × pairs, 1 where the pair's client belongs to the unit
    floor: float

    def __len__(self) -> int:
        return len(self.names)

    def coeff(self) -> np.ndarray:
        """Integer floor·share·SCALE per unit, the coefficient of Σx in each floor row."""
        return np.rint(self.floor * self.share * SCALE).astype(np.int64)


def client_units(inst: Instance) -> tuple[list[str], np.ndarray]:
    """Unit names and a clients × units bool membership matrix (municipalities, then groups)."""
    cols = inst.columns
    munis = cols.municipalities.tokens
    by_muni = np.zeros((cols.n_clients, len(munis)), dtype=bool)
    ok = cols.c_muni >= 0
    by_muni[np.flatnonzero(ok), cols.c_muni[ok]] = True
    names = [f"municipality:{m}" for m in munis] + [f"group:{g}" for g in cols.groups.tokens]
    return names, np.hstack([by_muni, cols.c_groups])


def fairness_units(inst: Instance, pairs: PairTable) -> FairnessUnits | None:
    """The floor's units over `pairs`, or None when the floor is off (0)."""
    floor = inst.rules.fairness_floor
    if floor <= 0:
        return None
    names, member_c = client_units(inst)
    queue = inst.columns.c_queue
    count = member_c[queue].sum(axis=0)
    keep = count > 0
    total = max(int(queue.sum()), 1)
    mc = sp.csr_matrix(member_c[:, keep].astype(np.int64))
    member = sp.csr_matrix(mc[pairs.client].T)
    return FairnessUnits(
        names=[n for n, k in zip(names, keep, strict=True) if k],
        queue=count[keep],
        share=count[keep] / total,
        member=member,
        floor=floor,
    )


def shortfall(units: FairnessUnits, chosen: np.ndarray) -> np.ndarray:
    """Clients short of each unit's floor for a chosen-pairs 0/1 vector (0 where met)."""
    placed = units.member @ chosen
    target = units.coeff() / SCALE * chosen.sum()
    return np.maximum(0.0, np.ceil(target - placed - 1e-9))
