"""Commuting time of a (client, placement) pair from the rules `travel.*`, vectorised over pairs.

Minutes one way = great-circle (haversine) km × road_factor / speed_kmh[mode] × 60 +
overhead_min[mode], rounded to 0.1 minute; the mode is the client's `transport`, or `car` when the
placement offers the transport feature (the formulas are `models.formulas`). The reach helpers
invert this for spatial pruning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.pairs.table import per_instance
from models.columnar import has_bit
from models.formulas import (
    EARTH_RADIUS_KM,
    haversine_rad,
    minutes_for_km,
    mode_arrays,
    round_minutes,
)
from models.rules import TRANSPORT_MODES, Rules

if TYPE_CHECKING:
    from models.instance import Instance

CAR = TRANSPORT_MODES.index("car")


def _radians(inst: Instance) -> tuple[np.ndarray, ...]:
    """Clients' and placements' latitude, longitude (radians) and cos(latitude), computed once."""

    def compute() -> tuple[np.ndarray, ...]:
        cols = inst.columns
        c_phi, p_phi = np.radians(cols.c_lat), np.radians(cols.p_lat)
        return (
            c_phi,
            np.radians(cols.c_lon),
            np.cos(c_phi),
            p_phi,
            np.radians(cols.p_lon),
            np.cos(p_phi),
        )

    return per_instance(inst, "radians", compute)


def offers_transport(inst: Instance) -> np.ndarray:
    """Per placement: does it offer the transport feature (`travel.transport_feature`)?"""
    cols = inst.columns
    code = cols.features.index.get(inst.rules.transport_feature, -1)
    return has_bit(cols.p_features, np.full(cols.n_placements, code, dtype=np.int64))


def _offers_transport(inst: Instance) -> np.ndarray:
    return per_instance(inst, "offers_transport", lambda: offers_transport(inst))


def pair_mode(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """Transport-mode code per pair: the client's, or car where the placement offers transport."""
    cols = inst.columns
    mode = cols.c_transport[client_idx].astype(np.int64)
    return np.where(_offers_transport(inst)[placement_idx], CAR, mode)


def travel_minutes(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """One-way commuting minutes per pair (rounded to 0.1 with numpy.round)."""
    ci = np.asarray(client_idx, dtype=np.int64)
    pi = np.asarray(placement_idx, dtype=np.int64)
    c_phi, c_lam, c_cos, p_phi, p_lam, p_cos = _radians(inst)
    km = haversine_rad(c_phi[ci], c_lam[ci], c_cos[ci], p_phi[pi], p_lam[pi], p_cos[pi])
    return round_minutes(minutes_for_km(inst.rules, km, pair_mode(inst, ci, pi)))


def reach_km(rules: Rules, minutes: np.ndarray, mode: np.ndarray | int) -> np.ndarray:
    """Largest great-circle km whose travel time by `mode` still rounds to ≤ `minutes`.

    A small margin (half the 0.1-minute rounding step, plus float slack) makes this a safe
    outer radius; the exact check runs afterwards. Negative when even the overhead is too long.
    """
    speed, overhead = mode_arrays(rules)
    budget = np.asarray(minutes, dtype=np.float64) + 0.05 - overhead[mode]
    km = budget * speed[mode] / 60.0 / rules.road_factor
    return np.where(budget >= 0, km * (1 + 1e-9) + 1e-6, -1.0)


def unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere ``(n, 3)``; chord distance is monotone in great-circle km."""
    phi, lam = np.radians(lat), np.radians(lon)
    c = np.cos(phi)
    return np.column_stack([c * np.cos(lam), c * np.sin(lam), np.sin(phi)])


def chord_for_km(km: np.ndarray | float) -> np.ndarray:
    """Unit-sphere chord length of a great-circle distance in km (the KD-tree query radius)."""
    theta = np.clip(np.asarray(km, dtype=np.float64) / EARTH_RADIUS_KM, 0.0, np.pi)
    return 2.0 * np.sin(theta / 2.0)
