"""The candidate pair table: costs and wage-subsidy rates, pool scoping, cost-0 pairs, pairs.csv,
and KD-tree pruning against a plain-Python all-pairs computation."""

from __future__ import annotations

import csv
import math
import random
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher.pairs.candidates as candidates
from instances.build import build_instance
from matcher.pairs.candidates import CandidateError, build_pairs
from matcher.pairs.costs import pair_cost, pair_rate
from matcher.pairs.table import PairTable, write_pairs_csv
from models.instance import Instance
from tests import factories

TYPES = ["work_trial", "wage_subsidy", "coaching", "participation"]


client = partial(factories.client, work_ability=5)
_placement = partial(
    factories.placement, provider_id="co", lon=27.70, weekly_cost=1000.0, funding_pools=["all"]
)


def placement(pid: str, ptype: str = "wage_subsidy", **kw: Any) -> dict[str, Any]:
    """A wage-subsidy seat 1 km east of the client, 1 000 € a week, paid by pool "all"."""
    return _placement(pid, **{"type": ptype, **kw})


PROVIDERS = [
    dict(id="co", name="Oy", kind="company"),
    dict(id="as", name="Ry", kind="association"),
    dict(id="fo", name="Säätiö", kind="foundation"),
    dict(id="mu", name="Kunta", kind="municipality"),
]
ALL_POOL = dict(id="all", name="Any", budget=1e7)


def make(
    clients: list[dict[str, Any]],
    placements: list[dict[str, Any]],
    pools: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> Instance:
    return build_instance(
        clients=clients,
        placements=placements,
        providers=PROVIDERS,
        pools=pools if pools is not None else [ALL_POOL],
        **kw,
    )


# ---------------------------------------------------------------- cost


def test_wage_subsidy_rates_highest_applicable():
    inst = make(
        [
            client("plain", unemployed_months=24),
            client("partial", partial_work_ability=True, unemployed_months=6),
            client("long", unemployed_months=12),
            client("short", unemployed_months=11),
            client("both", partial_work_ability=True, unemployed_months=30),
        ],
        [
            placement("company", provider_id="co"),
            placement("assoc", provider_id="as"),
            placement("found", provider_id="fo"),
            placement("muni", provider_id="mu"),
        ],
    )
    ci = np.array([0, 1, 2, 3, 4, 2, 0, 4, 1])
    pi = np.array([0, 0, 1, 1, 2, 2, 3, 0, 1])
    # plain@company 0.5, partial@company 0.7, long@assoc 1.0, short@assoc 0.5, both@found 1.0,
    # long@found 1.0, plain@municipality 0.5 (not third sector), both@company 0.7, partial@assoc 0.7
    assert pair_rate(inst, ci, pi).tolist() == [0.5, 0.7, 1.0, 0.5, 1.0, 1.0, 0.5, 0.7, 0.7]
    assert pair_cost(inst, ci, pi).tolist() == [
        5000,
        7000,
        10000,
        5000,
        10000,
        10000,
        5000,
        7000,
        7000,
    ]


def test_highest_rate_wins_whatever_its_name():
    rates = {
        "wage_subsidy.rate": {
            "default": 0.4,
            "partial_work_ability": 0.9,
            "third_sector_long_term": 0.6,
        }
    }
    inst = make(
        [
            client("both", partial_work_ability=True, unemployed_months=30),
            client("long", unemployed_months=30),
        ],
        [placement("assoc", provider_id="as")],
        rules=rates,
    )
    assert pair_rate(inst, np.array([0, 1]), np.array([0, 0])).tolist() == [0.9, 0.6]


def test_other_types_use_cost_rate_and_duration():
    inst = make(
        [
            client(
                "a", partial_work_ability=True, unemployed_months=30, consents=[*TYPES, "training"]
            )
        ],
        [
            placement("c", "coaching", weekly_cost=300.0, duration_weeks=12, provider_id="as"),
            placement("w", "work_trial", weekly_cost=45.0, duration_weeks=8),
            placement("t", "training", weekly_cost=200.0, duration_weeks=5),
        ],
        rules={"cost_rate": {"coaching": 0.8, "training": 0.5}, "max_months": {"training": 6}},
    )
    assert pair_cost(inst, np.array([0, 0, 0]), np.array([0, 1, 2])).tolist() == [
        300 * 0.8 * 12,
        45 * 1.0 * 8,
        200 * 0.5 * 5,
    ]
    pairs = build_pairs(inst)
    assert pairs.cost.tolist() == [2880.0, 360.0, 500.0]


# ---------------------------------------------------------------- pools


def _triples(inst: Instance, pairs: PairTable) -> list[tuple[str, str, str]]:
    cols = inst.columns
    pool_ids = list(cols.pool_id) + [""]
    return [
        (cols.client_id[c], cols.placement_id[p], pool_ids[f])
        for c, p, f in zip(pairs.client, pairs.placement, pairs.pool, strict=True)
    ]


def test_pools_scope_by_type_municipality_and_group():
    pools = [
        dict(id="ws", budget=1e6, types=["wage_subsidy"]),
        dict(id="coach", budget=1e6, types=["coaching"]),
        dict(id="pori", budget=1e6, municipalities=["Pori", "Ulvila"]),
        dict(id="kuopio", budget=1e6, municipalities=["Kuopio"]),
        dict(id="young", budget=1e6, groups=["youth"]),
        dict(id="senior_or_long", budget=1e6, groups=["senior", "long_term"]),
        dict(id="unlisted", budget=1e6),  # covers everything but is not in funding_pools
    ]
    listed = ["ws", "coach", "pori", "kuopio", "young", "senior_or_long", "ws"]
    inst = make(
        [
            client("kuopio40", age=40, unemployed_months=6),
            client("pori20", municipality="Pori", age=20, unemployed_months=6),
            client("kuopio58", age=58, unemployed_months=6),
        ],
        [placement("p", funding_pools=listed)],
        pools,
    )
    assert _triples(inst, build_pairs(inst)) == [
        ("kuopio40", "p", "ws"),
        ("kuopio40", "p", "kuopio"),
        ("pori20", "p", "ws"),
        ("pori20", "p", "pori"),
        ("pori20", "p", "young"),
        ("kuopio58", "p", "ws"),
        ("kuopio58", "p", "kuopio"),
        ("kuopio58", "p", "senior_or_long"),
    ]


def test_pools_that_cannot_pay_are_left_out():
    pools = [
        dict(id="small", budget=4999.99),
        dict(id="exact", budget=5000.0),
        dict(id="big", budget=1e6),
    ]
    inst = make([client("a")], [placement("p", funding_pools=["small", "exact", "big"])], pools)
    pairs = build_pairs(inst)
    assert _triples(inst, pairs) == [("a", "p", "exact"), ("a", "p", "big")]
    assert pairs.cost.tolist() == [5000.0, 5000.0]
    assert len(set(pairs.score.tolist())) == 1  # the score does not depend on the pool


def test_cost_zero_pair_takes_one_pool_or_none():
    pools = [
        dict(id="pori", budget=1e6, municipalities=["Pori"]),
        dict(id="any1", budget=0.0),
        dict(id="any2", budget=1e6),
    ]
    inst = make(
        [client("a")],
        [
            placement("nopool", "work_trial", weekly_cost=0.0, funding_pools=[]),
            placement("uncovered", "work_trial", weekly_cost=0.0, funding_pools=["pori"]),
            placement(
                "first", "work_trial", weekly_cost=0.0, funding_pools=["pori", "any1", "any2"]
            ),
        ],
        pools,
    )
    pairs = build_pairs(inst)
    assert _triples(inst, pairs) == [
        ("a", "nopool", ""),
        ("a", "uncovered", ""),
        ("a", "first", "any1"),
    ]
    assert pairs.pool.tolist() == [-1, -1, 1]
    assert pairs.cost.tolist() == [0.0, 0.0, 0.0]


def test_paid_pair_without_a_covering_pool_is_not_offered():
    inst = make(
        [client("a")],
        [placement("p", funding_pools=["pori"])],
        [dict(id="pori", budget=1e6, municipalities=["Pori"])],
    )
    assert len(build_pairs(inst)) == 0


# ---------------------------------------------------------------- table and file


def test_rows_sorted_and_queue_only():
    inst = make(
        [client("b"), client("a", current_placement="p2"), client("c")],
        [placement("p2", lat=62.95), placement("p1")],
    )
    pairs = build_pairs(inst)
    assert pairs.client.tolist() == [0, 0, 2, 2]
    assert pairs.placement.tolist() == [0, 1, 0, 1]
    sub = pairs.take(np.array([1, 3]))
    assert sub.placement.tolist() == [1, 1] and len(sub) == 2
    assert sub.components["travel"].tolist() == pairs.components["travel"][[1, 3]].tolist()


def test_max_commute_cap_lowers_every_limit():
    inst = make([client("a", max_commute_min=60)], [placement("near"), placement("far", lat=63.20)])
    assert build_pairs(inst).placement.tolist() == [0, 1]  # far: 34.5 km → 49.8 min
    assert build_pairs(inst, max_commute_cap=45).placement.tolist() == [0]


def test_write_pairs_csv(tmp_path: Path):
    inst = make(
        [client("c1")],
        [
            placement("p1", weekly_cost=123.45, duration_weeks=3, funding_pools=["all", "extra"]),
            placement("p0", "work_trial", weekly_cost=0.0, funding_pools=[]),
        ],
        [ALL_POOL, dict(id="extra", budget=1e6)],
    )
    pairs = build_pairs(inst)
    path = tmp_path / "out" / "pairs.csv"
    write_pairs_csv(inst, pairs, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "client_id,placement_id,pool_id,score,cost,travel_min"
    t = pairs.travel_min[0]
    s = pairs.score
    # 123.45 × 0.5 × 3 = 185.175 (float noise 185.17500000000001 never shows)
    assert lines[1:] == [
        f"c1,p1,all,{s[0]},185.175,{t:g}",
        f"c1,p1,extra,{s[1]},185.175,{t:g}",
        f"c1,p0,,{s[2]},0,{pairs.travel_min[2]:g}",
    ]
    assert sorted(p.name for p in path.parent.iterdir()) == ["pairs.csv"]  # no temp file left
    write_pairs_csv(inst, PairTable.empty(), path)
    assert (
        path.read_text(encoding="utf-8") == "client_id,placement_id,pool_id,score,cost,travel_min\n"
    )


def test_pairs_csv_quotes_awkward_ids(tmp_path: Path):
    inst = make(
        [client('Virtanen, "Ville"')],
        [placement("p,1", funding_pools=["a;b"])],
        [dict(id="a;b", name="Pool", budget=1e6)],
    )
    pairs = build_pairs(inst)
    path = tmp_path / "pairs.csv"
    write_pairs_csv(inst, pairs, path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][:3] == ['Virtanen, "Ville"', "p,1", "a;b"]
    assert float(rows[1][4]) == pairs.cost[0] and int(rows[1][3]) == pairs.score[0]


def test_unknown_transport_is_a_clear_error():
    inst = make([client("a", transport="bike")], [placement("p")])
    with pytest.raises(CandidateError, match=r"clients.csv row 2 \(id a\): transport 'bike'"):
        build_pairs(inst)


# ---------------------------------------------------------------- KD-tree against brute force


def random_instance(seed: int, n_clients: int = 300, n_placements: int = 60) -> Instance:
    rnd = random.Random(seed)
    munis = ["Kuopio", "Siilinjärvi", "Varkaus", "Iisalmi"]
    langs = ["fi", "sv", "en"]
    feats = ["wheelchair", "quiet", "transport"]
    keys = ["physical", "social", "cognitive"]
    pools = [
        dict(id="all", budget=5e5),
        dict(id="ws", budget=3e4, types=["wage_subsidy"]),
        dict(id="north", budget=2e5, municipalities=["Iisalmi", "Siilinjärvi"]),
        dict(id="youth", budget=1e5, groups=["youth", "senior"], types=["coaching", "work_trial"]),
        dict(id="tiny", budget=500.0),
    ]
    placements = []
    for j in range(n_placements):
        placements.append(
            dict(
                id=f"p{j}",
                type=rnd.choice(TYPES),
                provider_id=rnd.choice(["co", "as", "fo", "mu"]),
                municipality=rnd.choice(munis),
                lat=rnd.uniform(62.3, 63.6),
                lon=rnd.uniform(26.5, 28.8),
                seats=rnd.choice([0, 1, 1, 2, 3]),
                min_work_ability=rnd.randint(1, 3),
                language=rnd.choice(["fi", "fi", "fi", "sv", "en"]),
                features=rnd.sample(feats, rnd.randint(0, 3)),
                sector=rnd.choice(["wood", "care", "it"]),
                duration_weeks=rnd.randint(2, 30),
                weekly_cost=rnd.choice([0.0, 0.0, 40.0, 300.0, 1800.0]),
                funding_pools=rnd.sample([p["id"] for p in pools] + ["all"], rnd.randint(0, 3)),
                demands={k: rnd.randint(1, 5) for k in rnd.sample(keys, rnd.choice([0, 0, 1, 2]))},
            )
        )
    clients = []
    for i in range(n_clients):
        clients.append(
            dict(
                id=f"c{i}",
                municipality=rnd.choice(munis),
                lat=rnd.uniform(62.3, 63.6),
                lon=rnd.uniform(26.5, 28.8),
                age=rnd.randint(14, 70),
                benefit_days=rnd.randint(0, 1500),
                unemployed_months=rnd.randint(0, 40),
                work_ability=rnd.randint(1, 5),
                partial_work_ability=rnd.random() < 0.3,
                languages=rnd.sample(langs, rnd.randint(1, 2)),
                needs=rnd.sample(["wheelchair", "quiet"], rnd.choice([0, 0, 0, 1, 2])),
                interests=rnd.sample(["wood", "care", "it"], rnd.randint(0, 2)),
                transport=rnd.choice(["car", "car", "transit", "none"]),
                max_commute_min=rnd.randint(5, 120),
                consents=rnd.sample(TYPES, rnd.randint(2, 4)),
                current_placement=rnd.choice([""] * 9 + ["p0"]),
                months_used={t: rnd.randint(0, 24) for t in rnd.sample(TYPES, rnd.randint(0, 2))},
                abilities={k: rnd.randint(1, 5) for k in rnd.sample(keys, rnd.randint(0, 3))},
            )
        )
    decisions = []
    for _ in range(40):
        decisions.append(
            dict(
                client_id=f"c{rnd.randrange(n_clients)}",
                placement_id=f"p{rnd.randrange(n_placements)}",
                decision=rnd.choice(["lock", "forbid"]),
            )
        )
    return build_instance(
        clients=clients,
        placements=placements,
        providers=PROVIDERS,
        pools=pools,
        decisions=decisions,
    )


def brute_force(inst: Instance) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Every feasible triple by plain Python over all pairs, straight from FORMAT.md."""
    r = inst.rules
    kinds = {v.id: v.kind for v in inst.provider_records()}
    pools = {f.id: f for f in inst.pool_records()}
    forbid = {
        (d.client_id, d.placement_id) for d in inst.decision_records() if d.decision == "forbid"
    }
    lock = {(d.client_id, d.placement_id) for d in inst.decision_records() if d.decision == "lock"}

    def in_group(c: Any, name: str) -> bool:
        checks = {
            "age_lt": lambda v: c.age < v,
            "age_ge": lambda v: c.age >= v,
            "benefit_days_ge": lambda v: c.benefit_days >= v,
            "unemployed_months_ge": lambda v: c.unemployed_months >= v,
            "partial_work_ability": lambda v: c.partial_work_ability == v,
            "language": lambda v: v in c.languages,
            "municipality_in": lambda v: c.municipality in v,
        }
        return all(checks[k](v) for k, v in r.groups[name].items())

    out = {}
    for c in inst.client_records():
        if c.current_placement:
            continue
        for p in inst.placement_records():
            if p.seats <= 0 and (c.id, p.id) not in lock:
                continue
            if not r.age_min <= c.age <= r.age_max or p.type not in c.consents:
                continue
            if c.months_used.get(p.type, 0) >= r.max_months[p.type]:
                continue
            if p.type == "participation" and not (
                c.benefit_days >= r.participation_min_benefit_days
                or c.age < r.participation_youth_age
            ):
                continue
            if c.work_ability < p.min_work_ability or not set(c.needs) <= set(p.features):
                continue
            if p.language not in c.languages or (c.id, p.id) in forbid:
                continue
            if any(c.abilities.get(k, c.work_ability) < v for k, v in p.demands.items()):
                continue
            p1, p2 = math.radians(c.lat), math.radians(p.lat)
            h = (
                math.sin((p2 - p1) / 2) ** 2
                + math.cos(p1) * math.cos(p2) * math.sin(math.radians(p.lon - c.lon) / 2) ** 2
            )
            km = 2 * 6371.0 * math.asin(math.sqrt(h))
            mode = "car" if r.transport_feature in p.features else c.transport
            minutes = float(
                np.round(km * r.road_factor / r.speed_kmh[mode] * 60 + r.overhead_min[mode], 1)
            )
            if minutes > c.max_commute_min:
                continue
            if p.type == "wage_subsidy":
                rate = r.wage_subsidy_rate["default"]
                if c.partial_work_ability:
                    rate = max(rate, r.wage_subsidy_rate["partial_work_ability"])
                if (
                    kinds[p.provider_id] in ("association", "foundation")
                    and c.unemployed_months >= 12
                ):
                    rate = max(rate, r.wage_subsidy_rate["third_sector_long_term"])
            else:
                rate = r.cost_rate[p.type]
            cost = p.weekly_cost * rate * p.duration_weeks
            covering = [
                f
                for f in dict.fromkeys(p.funding_pools)
                if (not pools[f].types or p.type in pools[f].types)
                and (not pools[f].municipalities or c.municipality in pools[f].municipalities)
                and (not pools[f].groups or any(in_group(c, g) for g in pools[f].groups))
            ]
            if cost == 0:
                chosen = covering[:1] or [""]
            else:
                chosen = [
                    f
                    for f in covering
                    if round(cost * 100) <= math.floor(pools[f].budget * 100 + 1e-6)
                ]
            for f in chosen:
                out[(c.id, p.id, f)] = (cost, minutes)
    return out


def table_dict(inst: Instance, pairs: PairTable) -> dict[tuple[str, str, str], tuple[float, float]]:
    return {
        t: (float(cost), float(m))
        for t, cost, m in zip(_triples(inst, pairs), pairs.cost, pairs.travel_min, strict=True)
    }


@pytest.mark.oracle
@pytest.mark.parametrize("seed", [0, 1])
def test_kd_tree_pruning_matches_brute_force(seed: int):
    inst = random_instance(seed)
    expected = brute_force(inst)
    pairs = build_pairs(inst)
    got = table_dict(inst, pairs)
    assert len(got) == len(pairs)  # no duplicate triples
    assert set(got) == set(expected)
    for key, (cost, minutes) in expected.items():
        assert got[key][0] == pytest.approx(cost, rel=1e-12)
        assert got[key][1] == minutes
    assert len(expected) > 200  # the instance is not trivially empty
    assert {f for _, _, f in expected} >= {"", "all", "ws", "north", "youth"}


def _rows(pairs: PairTable) -> list[tuple]:
    return sorted(
        zip(
            pairs.client.tolist(),
            pairs.placement.tolist(),
            pairs.pool.tolist(),
            pairs.cost.tolist(),
            pairs.travel_min.tolist(),
            pairs.score.tolist(),
            strict=True,
        )
    )


def _assert_grouped(pairs: PairTable) -> None:
    """Each client's rows are together, placements ascending, pools in funding_pools order."""
    starts = np.flatnonzero(np.diff(pairs.client)) + 1
    assert len(np.unique(pairs.client)) == len(starts) + (len(pairs) > 0)
    for rows in np.split(np.arange(len(pairs)), starts):
        assert np.all(np.diff(pairs.placement[rows]) >= 0)


def test_small_chunks_give_the_same_table(monkeypatch: pytest.MonkeyPatch):
    inst = random_instance(2)
    whole = build_pairs(inst)
    monkeypatch.setattr(candidates, "CHUNK_CANDIDATES", 50)
    monkeypatch.setattr(candidates, "MAX_BUCKETS", 3)
    chunked = build_pairs(inst)
    assert _rows(whole) == _rows(chunked)
    _assert_grouped(whole)
    _assert_grouped(chunked)
    # within a pair the pools keep the placement's funding_pools order in both
    for table in (whole, chunked):
        key = table.client * 1000 + table.placement
        for k in np.unique(key):
            rows = np.flatnonzero(key == k)
            listed = list(inst.placements["funding_pools"].iloc[int(table.placement[rows[0]])])
            ids = [inst.columns.pool_id[f] for f in table.pool[rows] if f >= 0]
            assert ids == sorted(ids, key=listed.index)
