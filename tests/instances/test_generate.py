"""Tests of the synthetic generator (`instances.generate`), its presets, the CLI and the example."""

from __future__ import annotations

import math
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from instances import distributions as d
from instances.examples.make_small import OUT as SMALL_DIR
from instances.examples.make_small import build_small
from instances.generate import default_placements, generate_instance
from instances.generator.funding import full_seat_costs
from instances.generator.state import parse_week
from instances.read import read_instance, read_instance_with_warnings
from instances.regions import (
    PRESETS,
    UnknownRegionError,
    canonical_region,
    region_names,
    resolve_region,
)
from instances.write import instance_files, write_instance
from matcher.pairs.candidates import build_pairs
from models.formulas import haversine_km, travel_minutes
from models.instance import Instance
from models.rules import TRANSPORT_MODES


@pytest.fixture(scope="module")
def ps5000() -> Instance:
    """A 5 000-client Pohjois-Savo instance shared by the distribution checks."""
    return generate_instance("pohjois-savo", 5000, seed=11)


# ----------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_files_and_other_seed_differs() -> None:
    a = instance_files(generate_instance("satakunta", 400, seed=5))
    b = instance_files(generate_instance("satakunta", 400, seed=5))
    c = instance_files(generate_instance("satakunta", 400, seed=6))
    assert a == b
    assert a["clients.csv"] != c["clients.csv"]
    assert a["placements.csv"] != c["placements.csv"]


def test_synthetic_region_is_deterministic_per_seed() -> None:
    one = resolve_region("synthetic", np.random.default_rng(3))
    two = resolve_region("synthetic", np.random.default_rng(3))
    other = resolve_region("synthetic", np.random.default_rng(4))
    assert one == two and one != other
    names = [m.name for m in one.municipalities]
    assert len(names) == len(set(names)) >= 16
    kinds = {m.kind for m in one.municipalities}
    assert kinds == {"city", "town", "rural"}


# ----------------------------------------------------------------------------- presets valid
@pytest.mark.parametrize("region", region_names())
def test_every_region_round_trips_through_the_reader_without_problems(
    region: str, tmp_path: Path
) -> None:
    inst = generate_instance(region, 1000, seed=2)
    path = write_instance(inst, tmp_path / region)
    back, warnings = read_instance_with_warnings(path)
    assert warnings == []
    assert instance_files(back) == instance_files(inst)
    assert len(back.clients) == 1000 and len(back.placements) == default_placements(1000)
    assert set(back.placements["type"]) == set(d.TYPES)


def test_zip_output_reads_back(tmp_path: Path) -> None:
    inst = generate_instance("pohjanmaa", 300, seed=1)
    path = write_instance(inst, tmp_path / "p.zip")
    assert zipfile.is_zipfile(path)
    assert len(read_instance(path).clients) == 300


def test_structural_invariants(ps5000: Instance) -> None:
    cl, pl, pv, fp, dc = (
        ps5000.clients,
        ps5000.placements,
        ps5000.providers,
        ps5000.pools,
        ps5000.decisions,
    )
    for frame in (cl, pl, pv, fp):
        assert frame["id"].is_unique
    pids, pools = set(pl["id"]), set(fp["id"])
    assert set(pl["provider_id"]) <= set(pv["id"])
    assert all(f in pools for cell in pl["funding_pools"] for f in cell)
    assert all(len(cell) >= 1 for cell in pl["funding_pools"])
    assert all(w in pids for cell in cl["wishes"] for w in cell)
    assert set(cl.loc[cl["current_placement"] != "", "current_placement"]) <= pids
    assert cl["age"].between(16, 67).all() and cl["work_ability"].between(1, 5).all()
    assert pl["min_work_ability"].between(1, 5).all() and (pl["seats"] >= 0).all()
    assert set(cl["transport"]) <= set(TRANSPORT_MODES)
    assert set(pv["kind"]) == set(d.KINDS)
    assert set(dc["client_id"]) <= set(cl["id"]) and set(dc["placement_id"]) <= pids
    munis = {m.name for m in PRESETS["pohjois-savo"].municipalities}
    assert set(cl["municipality"]) <= munis and set(pl["municipality"]) <= munis


def test_tiny_and_bad_sizes() -> None:
    inst = generate_instance("pohjois-savo", 1, placements=1, seed=0)
    assert len(inst.clients) == 1 and len(inst.placements) == 1
    assert default_placements(10) == d.MIN_PLACEMENTS and default_placements(12_000) == 1000
    with pytest.raises(ValueError, match="clients"):
        generate_instance("pohjois-savo", 0)
    with pytest.raises(ValueError, match="ISO week"):
        generate_instance("pohjois-savo", 10, week="2026-48")
    with pytest.raises(ValueError, match="no ISO week 54"):
        parse_week("2026-W54")


def test_name_and_week() -> None:
    inst = generate_instance("Pohjois-Savo", 20, seed=0, week="2027-W02")
    assert inst.name == "pohjois-savo-2027-W02" and inst.week == "2027-W02"
    assert generate_instance("uusimaa", 20, name="demo").name == "demo"
    assert inst.rules.to_dict() == {}


# ----------------------------------------------------------------------------- region names
@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("pohjois-savo", "pohjois-savo"),
        ("Pohjois-Savo", "pohjois-savo"),
        ("pohjoissavo", "pohjois-savo"),
        ("POHJOIS SAVO", "pohjois-savo"),
        ("Varsinais-Suomi", "varsinais-suomi"),
        ("Österbotten", "pohjanmaa"),
        ("Nyland", "uusimaa"),
        ("SYNTHETIC", "synthetic"),
        ("National", "national"),
    ],
)
def test_region_names_ignore_case_diacritics_and_hyphens(typed: str, key: str) -> None:
    assert canonical_region(typed) == key


def test_unknown_region_lists_the_presets() -> None:
    with pytest.raises(UnknownRegionError) as err:
        canonical_region("Lappi")
    for key in PRESETS:
        assert key in str(err.value)


def test_presets_have_real_data() -> None:
    assert len(PRESETS) >= 6
    for region in PRESETS.values():
        names = [m.name for m in region.municipalities]
        assert len(names) == len(set(names)) >= 14
        for m in region.municipalities:
            assert 59.7 < m.lat < 64.0 and 21.0 < m.lon < 29.0, m.name
            assert 500 < m.population < 700_000 and 0 <= m.sv_share <= 1
    ps = {m.name: m for m in PRESETS["pohjois-savo"].municipalities}
    assert ps["Kuopio"].kind == "city" and ps["Tervo"].kind == "rural" and "Siilinjärvi" in ps
    pohjanmaa = PRESETS["pohjanmaa"].municipalities
    swedish = sum(m.population * m.sv_share for m in pohjanmaa) / sum(
        m.population for m in pohjanmaa
    )
    assert swedish > 0.45
    national = resolve_region("national")
    assert len(national.municipalities) == sum(len(r.municipalities) for r in PRESETS.values())


# ----------------------------------------------------------------------------- distributions
def test_queue_shares_match_the_documented_targets(ps5000: Instance) -> None:
    shares = d.queue_shares(ps5000.clients)
    for key, target in d.EXPECTED_SHARES.items():
        assert abs(shares[key] - target) <= max(0.03, 0.2 * target), (key, shares[key], target)


def test_distribution_shapes(ps5000: Instance) -> None:
    cl = ps5000.clients
    days = cl["benefit_days"].to_numpy()
    assert days.max() > 2500 and np.median(days) < 450  # heavy right tail
    months = cl["unemployed_months"].to_numpy()
    assert np.corrcoef(days, months)[0, 1] > 0.8
    assert (months <= (cl["age"].to_numpy() - 16) * 12).all()
    wa = cl["work_ability"].to_numpy()
    partial = cl["partial_work_ability"].to_numpy(dtype=bool)
    assert partial[wa <= 2].mean() > 0.5 > 0.1 > partial[wa >= 4].mean()
    counts = cl["interests"].map(len)
    assert counts.max() == 3 and 1.3 < counts.mean() < 2.0
    urban = cl["municipality"] == "Kuopio"
    car = cl["transport"] == "car"
    assert car[~urban].mean() > car[urban].mean() + 0.1  # the car rules the countryside
    assert (cl.loc[cl["age"] < 18, "transport"] != "car").all()
    assert cl["max_commute_min"].between(15, 90).all() and (cl["max_commute_min"] % 5 == 0).all()
    used = cl["months_used"]
    at_max = used.map(lambda u: u.get("work_trial", 0) >= 12)
    assert 0.005 < at_max.mean() < 0.1  # some clients at max months, so eligibility binds
    youth_or_long = (cl["age"] < 25) | (cl["benefit_days"] >= 500)
    consents_pa = cl["consents"].map(lambda c: "participation" in c)
    assert consents_pa[youth_or_long].mean() > 2 * consents_pa[~youth_or_long].mean()
    wsa = cl["weeks_since_activation"]
    assert 0.1 < wsa.isna().mean() < 0.2 and (wsa.dropna() >= 0).all()
    assert 0.25 < (cl["abilities"].map(len) > 0).mean() < 0.35


def test_languages_follow_the_swedish_share() -> None:
    inst = generate_instance("pohjanmaa", 3000, seed=4)
    cl, pl = inst.clients, inst.placements
    sv = cl["languages"].map(lambda x: "sv" in x)
    assert sv[cl["municipality"] == "Närpiö"].mean() > 0.7
    assert sv[cl["municipality"] == "Laihia"].mean() < 0.15
    assert (pl["language"] == "sv").mean() > 0.3
    assert (generate_instance("pohjois-savo", 500, seed=4).placements["language"] != "sv").all()


def test_wishes_and_current_placements(ps5000: Instance) -> None:
    cl, pl = ps5000.clients, ps5000.placements
    ptype = dict(zip(pl["id"], pl["type"], strict=True))
    wishing = cl[cl["wishes"].map(len) > 0]
    assert wishing["wishes"].map(len).between(1, 5).all()
    for wishes, consents in zip(wishing["wishes"], wishing["consents"], strict=True):
        assert len(set(wishes)) == len(wishes)
        assert all(ptype[w] in consents for w in wishes)
    current = cl[cl["current_placement"] != ""]
    assert len(current) > 50
    for pid, consents, used in zip(
        current["current_placement"], current["consents"], current["months_used"], strict=True
    ):
        assert ptype[pid] in consents and used.get(ptype[pid], 0) >= 1
    assert (current["wishes"].map(len) == 0).all() and (
        current["weeks_since_activation"] == 0
    ).all()


# ----------------------------------------------------------------------------- placements
def test_placement_types_costs_and_durations(ps5000: Instance) -> None:
    pl = ps5000.placements
    assert set(pl["type"]) == set(d.TYPES)
    by = pl.groupby("type")
    charged = pl["weekly_cost"] * pl["days_per_week"].fillna(5) / 5  # a pair's € a week
    assert set(by.get_group("work_trial")["weekly_cost"]) == {45.0}  # 9 €/day, a full week
    assert set(charged[pl["type"] == "work_trial"]) == {36.0, 45.0}
    assert by.get_group("wage_subsidy")["weekly_cost"].between(380, 800).all()
    assert by.get_group("coaching")["weekly_cost"].between(150, 400).all()
    assert charged[pl["type"] == "participation"].between(40, 150).all()
    assert by.get_group("work_trial")["duration_weeks"].max() <= 26
    assert by.get_group("wage_subsidy")["duration_weeks"].between(26, 52).all()
    assert by.get_group("participation")["duration_weeks"].between(13, 52).all()
    seats = pl["seats"]
    assert 0.03 < (seats == 0).mean() < 0.12 and seats.between(1, 5).mean() > 0.75
    assert 0.2 < (pl["demands"].map(len) > 0).mean() < 0.4


def test_provider_kinds_fit_the_types(ps5000: Instance) -> None:
    pl = ps5000.placements.merge(
        ps5000.providers, left_on="provider_id", right_on="id", suffixes=("", "_v")
    )
    coaching = pl[pl["type"] == "coaching"]["kind"]
    assert coaching.isin(
        ["foundation", "social_enterprise", "association", "municipality", "farm"]
    ).all()
    assert not (pl[pl["type"] == "coaching"]["kind"] == "company").any()
    ws = pl[pl["type"] == "wage_subsidy"]["kind"]
    assert ws.isin(["company", "association"]).mean() > 0.7
    assert (pl[pl["kind"] == "farm"]["sector"] != "").all()
    assert (pl["municipality"] == pl["municipality_v"]).all()
    caps = ps5000.providers["max_subsidised"].dropna()
    assert len(caps) > 0 and (caps >= 1).all()


def test_farms_are_in_the_countryside(ps5000: Instance) -> None:
    pl = ps5000.placements
    kind = pl["provider_id"].map(
        dict(zip(ps5000.providers["id"], ps5000.providers["kind"], strict=True))
    )
    centre = {m.name: (m.lat, m.lon) for m in PRESETS["pohjois-savo"].municipalities}
    farms = pl[kind == "farm"]
    assert len(farms) > 10
    lat0 = farms["municipality"].map(lambda m: centre[m][0]).to_numpy()
    lon0 = farms["municipality"].map(lambda m: centre[m][1]).to_numpy()
    km = haversine_km(lat0, lon0, farms["lat"].to_numpy(), farms["lon"].to_numpy())
    assert (km >= 3.9).all()
    participation = pl["type"] == "participation"
    farm_share_kuopio = (kind[participation & (pl["municipality"] == "Kuopio")] == "farm").mean()
    farm_share_rural = (kind[participation & (pl["municipality"] != "Kuopio")] == "farm").mean()
    assert farm_share_rural > farm_share_kuopio


def test_clients_reach_a_reasonable_number_of_placements(ps5000: Instance) -> None:
    cl, pl, rules = ps5000.clients, ps5000.placements, ps5000.rules
    idx = np.random.default_rng(0).choice(len(cl), 600, replace=False)
    ci, pj = np.repeat(idx, len(pl)), np.tile(np.arange(len(pl)), len(idx))
    mode = np.asarray([TRANSPORT_MODES.index(t) for t in cl["transport"]])[ci]
    offers = pl["features"].map(lambda f: rules.transport_feature in f).to_numpy()[pj]
    mode = np.where(offers, TRANSPORT_MODES.index("car"), mode)
    minutes = travel_minutes(
        rules,
        cl["lat"].to_numpy()[ci],
        cl["lon"].to_numpy()[ci],
        pl["lat"].to_numpy()[pj],
        pl["lon"].to_numpy()[pj],
        mode,
    )
    within = minutes <= cl["max_commute_min"].to_numpy()[ci]
    consented = np.fromiter(
        (
            t in c
            for t, c in zip(pl["type"].to_numpy()[pj], cl["consents"].to_numpy()[ci], strict=True)
        ),
        bool,
        len(ci),
    )
    per_client = (within & consented).reshape(len(idx), len(pl)).sum(axis=1)
    assert 10 <= per_client.mean() <= 200
    assert (per_client == 0).mean() < 0.15


# ----------------------------------------------------------------------------- funding
def test_budgets_bind_at_60_to_90_percent(ps5000: Instance) -> None:
    full = full_seat_costs(ps5000)
    pools = ps5000.pools
    assert 0.6 <= pools["budget"].sum() / full.sum() <= 0.9
    assert pools["budget"].sum() < full_seat_costs(ps5000, default_rate=True).sum()
    primary = {pid: 0.0 for pid in pools["id"]}
    for cost, cell in zip(full, ps5000.placements["funding_pools"], strict=True):
        primary[cell[0]] += cost
    for pid, budget, types in zip(pools["id"], pools["budget"], pools["types"], strict=True):
        if primary[pid] > 20_000:
            assert 0.55 <= budget / primary[pid] <= 0.85, pid
        assert len(types) >= 1
    groups = pools["groups"].map(len) > 0
    assert groups.sum() >= 2 and {"youth"} <= {g for cell in pools["groups"] for g in cell}


def test_every_placement_lists_a_pool_covering_its_type_and_municipality(ps5000: Instance) -> None:
    pools = ps5000.pools.set_index("id")
    for ptype, muni, cell in zip(
        ps5000.placements["type"],
        ps5000.placements["municipality"],
        ps5000.placements["funding_pools"],
        strict=True,
    ):
        first = pools.loc[cell[0]]
        assert ptype in first["types"] and not first["groups"]
        assert not first["municipalities"] or muni in first["municipalities"]


# ----------------------------------------------------------------------------- decisions
def test_decisions_are_sane(ps5000: Instance) -> None:
    cl = ps5000.clients.set_index("id")
    pl = ps5000.placements.set_index("id")
    dc = ps5000.decisions
    locks, forbids = dc[dc["decision"] == "lock"], dc[dc["decision"] == "forbid"]
    assert len(locks) >= 5 and len(forbids) >= 5
    assert locks["client_id"].is_unique
    pairs_l = set(zip(locks["client_id"], locks["placement_id"], strict=True))
    pairs_f = set(zip(forbids["client_id"], forbids["placement_id"], strict=True))
    assert not pairs_l & pairs_f
    for c, p in pairs_l:
        assert cl.at[c, "municipality"] == pl.at[p, "municipality"]
        assert pl.at[p, "type"] in cl.at[c, "consents"]
        assert (
            cl.at[c, "current_placement"] == ""
            and cl.at[c, "work_ability"] >= pl.at[p, "min_work_ability"]
        )
    per_placement = locks["placement_id"].value_counts()
    assert (per_placement <= pl.loc[per_placement.index, "seats"]).all()


# ----------------------------------------------------------------------------- CLI
def test_cli_writes_and_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sat"
    assert (
        main(
            [
                "generate",
                "--region",
                "Satakunta",
                "--clients",
                "250",
                "--seed",
                "3",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and "250 clients" in printed[0] and "satakunta-2026-W48" in printed[0]
    assert len(pd.read_csv(out / "clients.csv")) == 250
    assert (
        main(
            [
                "generate",
                "--region",
                "uusimaa",
                "--clients",
                "50",
                "--placements",
                "20",
                "--zip",
                "--week",
                "2026-W01",
                "--name",
                "u",
                "--out",
                str(tmp_path / "u"),
            ]
        )
        == 0
    )
    inst = read_instance(tmp_path / "u.zip")
    assert (inst.name, inst.week, len(inst.placements)) == ("u", "2026-W01", 20)


def test_cli_unknown_region_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["generate", "--region", "Lappi", "--clients", "10", "--out", str(tmp_path / "x")])
        == 2
    )
    err = capsys.readouterr().err
    assert "Lappi" in err and "pohjois-savo" in err and "synthetic" in err
    assert not (tmp_path / "x").exists()


# ----------------------------------------------------------------------------- the example
def test_small_example_is_what_the_script_writes() -> None:
    files = instance_files(build_small())
    for name, text in files.items():
        assert (SMALL_DIR / name).read_text(encoding="utf-8") == text, name
    inst, warnings = read_instance_with_warnings(SMALL_DIR)
    assert warnings == [] and len(inst.clients) == 40 and len(inst.placements) == 15


def test_small_example_binds_the_documented_rules() -> None:
    inst = read_instance(SMALL_DIR)
    cl, pl, rules = inst.clients.set_index("id"), inst.placements.set_index("id"), inst.rules

    def minutes(c: str, p: str) -> float:
        mode = TRANSPORT_MODES.index(
            "car" if "transport" in pl.at[p, "features"] else cl.at[c, "transport"]
        )
        return float(
            travel_minutes(
                rules,
                np.array([cl.at[c, "lat"]]),
                np.array([cl.at[c, "lon"]]),
                np.array([pl.at[p, "lat"]]),
                np.array([pl.at[p, "lon"]]),
                np.array([mode]),
            )[0]
        )

    assert all(minutes("c36", p) > cl.at["c36", "max_commute_min"] for p in pl.index)  # too far
    assert cl.at["c11", "consents"] == ()  # no consent
    assert (
        cl.at["c13", "months_used"]["work_trial"] == rules.max_months["work_trial"]
    )  # at max months
    assert all(
        lang not in cl.at["c09", "languages"] for lang in pl["language"]
    )  # language mismatch
    wheelchair = [
        p
        for p in pl.index
        if "wheelchair" in pl.at[p, "features"] and pl.at[p, "type"] in cl.at["c12", "consents"]
    ]
    assert all(
        minutes("c12", p) > cl.at["c12", "max_commute_min"] for p in wheelchair
    )  # need not met
    v03_ws = pl[(pl["provider_id"] == "v03") & (pl["type"] == "wage_subsidy")]["seats"].sum()
    cap = inst.providers.set_index("id").at["v03", "max_subsidised"]
    assert cap < v03_ws  # provider cap binds
    ktt = inst.pools.set_index("id").at["ktt-2026", "budget"]
    assert (
        ktt < full_seat_costs(inst)[(pl["type"] == "participation").to_numpy()].sum()
    )  # budget binds
    dc = inst.decisions
    assert set(zip(dc["client_id"], dc["decision"], strict=True)) == {
        ("c27", "lock"),
        ("c16", "forbid"),
    }
    assert cl.at["c40", "current_placement"] == "p14" and pl.at["p14", "seats"] == 0
    assert cl.at["c15", "benefit_days"] < rules.participation_min_benefit_days
    assert math.isnan(cl.at["c06", "weeks_since_activation"])


# ----------------------------------------------------------------------------- speed
@pytest.mark.slow
def test_100k_clients_generate_and_write_in_under_30_seconds(tmp_path: Path) -> None:
    start = time.perf_counter()
    inst = generate_instance("pohjois-savo", 100_000, seed=1)
    write_instance(inst, tmp_path / "ps100k")
    assert time.perf_counter() - start < 30


def test_some_clients_carry_months_at_an_organiser(ps5000: Instance) -> None:
    from matcher.pairs.rules import check_pairs

    history = ps5000.clients["months_by_provider"]
    with_history = history.map(bool)
    assert 0.02 < with_history.mean() < 0.3
    providers = set(ps5000.providers["id"])
    used = ps5000.clients["months_used"]
    for cell, months in zip(history[with_history], used[with_history], strict=True):
        (vid, m), *_ = cell.items()
        assert vid in providers and m == months["work_trial"]  # the work-trial months, at one
    # the organiser limit binds somewhere, and never on a generated lock
    cols = ps5000.columns
    locks = np.flatnonzero(cols.d_lock)
    assert check_pairs(ps5000, cols.d_client[locks], cols.d_placement[locks])["organiser"].all()
    at_limit = [max(c.values()) >= 6 for c in history[with_history]]
    assert any(at_limit)


def test_start_weeks_and_days_a_week_follow_the_documented_rates(ps5000: Instance) -> None:
    pl = ps5000.placements
    days = pl["days_per_week"]
    by_type = {t: set(days[pl["type"] == t].dropna()) for t in d.TYPES}
    assert by_type == {"work_trial": {4.0}, "wage_subsidy": set(), "coaching": set(),
                       "participation": {2.0, 3.0, 4.0}}  # fmt: skip
    assert days[pl["type"] == "participation"].notna().all()  # by law 1–4 days, never full
    assert 0.2 < days[pl["type"] == "work_trial"].notna().mean() < 0.4  # 30 % at 4 days
    later = pl["start_week"] != ""
    assert 0.07 < later.mean() < 0.13  # 10 % start 1–4 weeks ahead
    assert set(pl.loc[later, "start_week"]) <= {f"2026-W{w}" for w in (49, 50, 51, 52)}


def test_a_seat_of_fewer_than_five_days_a_week_offers_part_time(ps5000: Instance) -> None:
    # `part_time` is a need a client may have and a feature a placement offers (every need must
    # be among the features): a 2–4 day seat is part-time work, so it must say so, or a client
    # needing part time is refused it as "it does not offer part_time"
    pl = ps5000.placements
    short = pl["days_per_week"].notna().to_numpy()
    offers = np.array(["part_time" in (f or ()) for f in pl["features"]])
    assert short.sum() > 100 and offers[short].all()
    assert 0 < offers[~short].mean() < 1  # full-week seats may arrange part time, some do


def test_generated_lifecycle_columns_read_back_and_are_charged_pro_rata(tmp_path: Path) -> None:
    inst = generate_instance("pohjois-savo", 1500, seed=4)
    again = generate_instance("pohjois-savo", 1500, seed=4)
    pd.testing.assert_frame_equal(inst.placements, again.placements)  # deterministic per seed
    write_instance(inst, tmp_path / "w")
    back = read_instance(tmp_path / "w")
    for col in ("start_week", "days_per_week"):
        pd.testing.assert_series_equal(
            back.placements[col].reset_index(drop=True),
            inst.placements[col].reset_index(drop=True),
            check_dtype=False,
        )
    pairs = build_pairs(back)
    pl = back.placements
    part = pl["days_per_week"].notna().to_numpy()[pairs.placement] & (pairs.cost > 0)
    assert part.sum() > 50
    j = pairs.placement[part]
    rate = pairs.cost[part] / (pl["weekly_cost"].to_numpy()[j] * pl["duration_weeks"].to_numpy()[j])
    days = pl["days_per_week"].to_numpy()[j]
    type_rate = np.asarray([back.rules.cost_rate.get(t, 1.0) for t in pl["type"].to_numpy()[j]])
    np.testing.assert_allclose(rate, type_rate * days / 5)  # work trials, participation
