"""Travel minutes by the rules `travel.*`: hand-computed distances, modes, the transport feature,
and the pruning radius that inverts them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from instances.build import build_instance
from matcher.pairs.travel import chord_for_km, reach_km, travel_minutes, unit_xyz
from models.formulas import EARTH_RADIUS_KM, haversine_km, minutes_for_km
from models.rules import TRANSPORT_MODES, Rules
from tests import factories

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # 111.19 km along a meridian


def _client(cid: str, transport: str, lat: float = 62.0, lon: float = 27.0) -> dict[str, Any]:
    """A client at (lat, lon) travelling by `transport`, up to 10 hours."""
    return factories.client(
        cid,
        lat=lat,
        lon=lon,
        benefit_days=0,
        unemployed_months=0,
        work_ability=5,
        transport=transport,
        max_commute_min=600,
        consents=["coaching"],
    )


def _placement(
    pid: str, lat: float, lon: float = 27.0, features: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A free coaching seat at (lat, lon) of provider v."""
    return factories.placement(
        pid,
        provider_id="v",
        lat=lat,
        lon=lon,
        features=list(features),
        duration_weeks=4,
        weekly_cost=0.0,
        funding_pools=[],
    )


def _instance(rules: dict | None = None):
    return build_instance(
        clients=[_client("car", "car"), _client("bus", "transit"), _client("walk", "none")],
        placements=[
            _placement("north", 62.5),
            _placement("shuttle", 62.5, features=("transport",)),
        ],
        providers=[dict(id="v", kind="company")],
        pools=[],
        rules=rules,
    )


def test_haversine_along_a_meridian_and_a_parallel():
    assert haversine_km(np.array([62.0]), np.array([27.0]), np.array([62.5]), np.array([27.0]))[
        0
    ] == pytest.approx(0.5 * KM_PER_DEGREE, rel=1e-12)
    # along the equator one degree of longitude is one degree of arc
    assert haversine_km(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([1.0]))[
        0
    ] == pytest.approx(KM_PER_DEGREE, rel=1e-12)


def test_minutes_by_mode_hand_computed():
    inst = _instance()
    km = 0.5 * KM_PER_DEGREE  # 55.597 km
    # car: 55.597 × 1.3 / 60 km/h × 60 + 5 = 77.28 → 77.3
    # transit: 55.597 × 1.3 / 35 × 60 + 15 = 138.90 → 138.9
    # none: 55.597 × 1.3 / 12 × 60 + 0 = 361.38 → 361.4
    minutes = travel_minutes(inst, np.array([0, 1, 2]), np.array([0, 0, 0]))
    assert minutes.tolist() == [77.3, 138.9, 361.4]
    assert round(km * 1.3 / 60 * 60 + 5, 1) == 77.3


def test_transport_feature_means_car_speed_for_everyone():
    inst = _instance()
    minutes = travel_minutes(inst, np.array([0, 1, 2]), np.array([1, 1, 1]))
    assert minutes.tolist() == [77.3, 77.3, 77.3]


def test_rules_change_the_minutes():
    inst = _instance(
        {"travel": {"road_factor": 1.0, "speed_kmh": {"car": 100}, "overhead_min": {"car": 0}}}
    )
    km = 0.5 * KM_PER_DEGREE
    assert travel_minutes(inst, np.array([0]), np.array([0]))[0] == round(km / 100 * 60, 1)
    # the transport feature is data too
    inst = _instance({"travel.transport_feature": "shuttle_bus"})
    assert travel_minutes(inst, np.array([1]), np.array([1]))[0] == 138.9


def test_same_point_costs_only_the_overhead():
    inst = build_instance(
        clients=[_client("bus", "transit", lat=62.5)],
        placements=[_placement("here", 62.5)],
        providers=[dict(id="v", kind="company")],
        pools=[],
    )
    assert travel_minutes(inst, np.array([0]), np.array([0]))[0] == 15.0


@pytest.mark.parametrize("mode", range(len(TRANSPORT_MODES)))
def test_reach_radius_is_a_safe_outer_bound(mode: int):
    rules = Rules.default()
    limits = np.array([0.0, 5.0, 15.0, 30.0, 45.5, 90.0])
    km = reach_km(rules, limits, mode)
    reachable = km >= 0
    # just inside the radius the rounded minutes still equal the limit (not too small)…
    inside = np.round(minutes_for_km(rules, np.maximum(km - 0.005, 0), np.full(len(km), mode)), 1)
    assert np.all(inside[reachable & (limits > 0)] == limits[reachable & (limits > 0)])
    # …and a little further is already beyond it (the radius is not needlessly large)
    beyond = np.round(minutes_for_km(rules, km + 0.01, np.full(len(km), mode)), 1)
    assert np.all(beyond[reachable] > limits[reachable])
    # a limit below the overhead reaches nothing
    overhead = rules.overhead_min[TRANSPORT_MODES[mode]]
    assert np.all(reachable == (limits >= overhead))


def test_chord_is_monotone_in_great_circle_distance():
    rng = np.random.default_rng(1)
    lat1, lon1 = rng.uniform(59, 70, 200), rng.uniform(20, 31, 200)
    lat2, lon2 = rng.uniform(59, 70, 200), rng.uniform(20, 31, 200)
    chord = np.linalg.norm(unit_xyz(lat1, lon1) - unit_xyz(lat2, lon2), axis=1)
    assert np.allclose(
        chord, chord_for_km(haversine_km(lat1, lon1, lat2, lon2)), rtol=1e-9, atol=1e-12
    )
