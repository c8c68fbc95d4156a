"""Tests of employer shortlists (matcher/shortlist.py, shortlist_explain.py, models/shortlists.py,
`polku shortlist`): hand-made instances with known optimal lists (the budget guarantee binding,
L > 1 mattering, a lock), picks and changes of form, and a property test that brute-forces every
combination of picks on random small instances.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from cli.commands import check as check_cmd
from cli.commands import shortlist as shortlist_cmd
from instances.write import write_instance
from matcher.check.shortlists import check_shortlists
from matcher.shortlists.picks import check_pick
from matcher.shortlists.solve import (
    GUARANTEE,
    ShortlistError,
    ShortlistOptions,
    shortlist,
    to_shortlists,
)
from models.instance import Instance
from models.shortlists import Shortlists
from tests.factories import KUOPIO
from tests.matcher.shortlists.cases import (
    client,
    every_pick_combination_holds,
    ids,
    make,
    placement,
    small_instances,
)


def run(inst: Instance, **kw: Any) -> Shortlists:
    options = ShortlistOptions(**{"time_limit": 10.0, "workers": 8, **kw})
    return to_shortlists(inst, shortlist(inst, options))


# --- known optimal lists ------------------------------------------------------------------------


def test_budget_guarantee_binds() -> None:
    # Every seat costs 100 € × 10 weeks = 1 000 €; the pool has 2 500 €. p1 has 2 seats, p2 one.
    # Funding p1's two seats (2 000 €) buys its whole list: 6 candidates; p2 would need another
    # 1 000 € for even one candidate. Giving p2 a full list (1 000 €) leaves room for only one
    # candidate on p1 (1 000 € more): 4 candidates. So the best lists are p1's six, p2 empty.
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(8)]
    inst = make(clients, [placement("p1", seats=2), placement("p2", seats=1)], budget=2500.0)
    lists = run(inst)
    assert lists.status == "OPTIMAL"
    assert ids(lists, "p1") == ["c7", "c6", "c5", "c4", "c3", "c2"]  # the six most urgent
    assert ids(lists, "p2") == []
    assert lists.list_of("p1").reserved == {"f": 2000.0}
    assert lists.pools[0].reserved == 2000.0
    assert {u.client_id for u in lists.unlisted} == {"c0", "c1"}
    assert check_shortlists(inst, lists) == []


def test_reservation_is_the_s_costliest_per_pool() -> None:
    # Two pools on one 1-seat placement: a candidate charged to each pool reserves a whole seat in
    # each (either could be picked), so with 1 500 € per pool there is room for one seat per pool.
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(4)]
    pools = [
        {"id": "a", "name": "A", "budget": 1500.0, "types": [], "municipalities": []},
        {"id": "b", "name": "B", "budget": 1500.0, "types": [], "municipalities": []},
    ]
    inst = make(clients, [placement("p1", funding_pools=["a", "b"])], pools=pools)
    lists = run(inst)
    sl = lists.list_of("p1")
    assert len(sl.candidates) == 3
    assert sum(sl.reserved.values()) == pytest.approx(1000.0 * len(sl.reserved))
    assert check_shortlists(inst, lists) == []


def test_max_lists_lets_a_client_on_several_lists() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(3)]
    inst = make(clients, [placement("p1"), placement("p2")])
    one = run(inst, max_lists=1)
    assert sorted(ids(one, "p1") + ids(one, "p2")) == ["c0", "c1", "c2"]  # each client once
    assert ids(one, "p1") and ids(one, "p2")  # the cover bonus gives both seats a candidate
    two = run(inst, max_lists=2)
    assert ids(two, "p1") == ids(two, "p2") == ["c2", "c1", "c0"]
    assert two.objective > one.objective
    assert check_shortlists(inst, two) == []


def test_a_client_on_two_lists_is_reserved_twice() -> None:
    # L = 2 and 1 500 €: one 1 000 € seat can be funded, not two, even though a client picked by
    # both employers could take only one seat (the conservative choice of the guarantee).
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(3)]
    inst = make(clients, [placement("p1"), placement("p2")], budget=1500.0)
    lists = run(inst, max_lists=2)
    assert sorted(len(ids(lists, p)) for p in ("p1", "p2")) == [0, 3]
    assert lists.pools[0].reserved == 1000.0
    assert check_shortlists(inst, lists) == []


def test_a_lock_fills_a_seat_and_leaves_every_list() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(6)]
    lock = [{"client_id": "c5", "placement_id": "p1", "decision": "lock", "reason": "picked"}]
    inst = make(clients, [placement("p1", seats=2), placement("p2")], budget=3000.0, decisions=lock)
    lists = run(inst)
    sl = lists.list_of("p1")
    assert sl.locked == ["c5"] and sl.seats == 1 and sl.lock_pools == {"c5": "f"}
    assert all("c5" not in ids(lists, p) for p in ("p1", "p2"))
    # 3 000 €: the lock's 1 000 € + one seat per list; the five others fill 3 + 2 slots.
    assert len(ids(lists, "p1")) + len(ids(lists, "p2")) == 5
    assert sl.reserved == {"f": 2000.0}
    assert check_shortlists(inst, lists) == []


def test_a_forbidden_pair_is_never_listed() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(3)]
    forbid = [{"client_id": "c2", "placement_id": "p1", "decision": "forbid", "reason": "declined"}]
    inst = make(clients, [placement("p1")], decisions=forbid)
    lists = run(inst)
    assert ids(lists, "p1") == ["c1", "c0"]
    reasons = {u.client_id: u.reasons for u in lists.unlisted}
    assert any("forbid" in r or "rejected" in r for r in reasons["c2"])


def test_locks_over_a_cap_are_refused() -> None:
    providers = [
        {
            "id": "v1",
            "name": "Yhdistys",
            "kind": "association",
            "municipality": "Kuopio",
            "max_subsidised": 0,
        }
    ]
    lock = [{"client_id": "c0", "placement_id": "p1", "decision": "lock"}]
    inst = make(
        [client("c0")], [placement("p1", type="wage_subsidy")], decisions=lock, providers=providers
    )
    with pytest.raises(ShortlistError, match="max_subsidised"):
        shortlist(inst, ShortlistOptions(time_limit=5))


def test_caps_count_the_seats_that_could_be_filled() -> None:
    # A provider capped at 1 wage-subsidy hire with two 1-seat posts: only one list may have
    # candidates (each list could fill its seat), but that list is full.
    providers = [
        {
            "id": "v1",
            "name": "Yhdistys",
            "kind": "company",
            "municipality": "Kuopio",
            "max_subsidised": 1,
        }
    ]
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(4)]
    ws = [placement("p1", type="wage_subsidy"), placement("p2", type="wage_subsidy")]
    lists = run(make(clients, ws, providers=providers))
    assert sorted(len(ids(lists, p)) for p in ("p1", "p2")) == [0, 3]


# --- explanations and format ----------------------------------------------------------------------


def test_every_candidate_says_why_and_every_unlisted_client_why_not() -> None:
    far = client("far", lat=KUOPIO[0] + 2.0, transport="transit", max_commute_min=30)
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(5)] + [far]
    inst = make(clients, [placement("p1")])
    lists = run(inst)
    for c in lists.list_of("p1").candidates:
        assert c.why and c.why[0].startswith(f"rank {c.rank} of 3")
    reasons = {u.client_id: u.reasons for u in lists.unlisted}
    assert set(reasons) == {"c0", "c1", "far"}
    assert any("full" in r for r in reasons["c0"])
    assert any("min" in r for r in reasons["far"])  # the commute, matcher.explain.unassigned


def test_shortlists_json_round_trips() -> None:
    inst = make([client(f"c{i}") for i in range(4)], [placement("p1", seats=2)])
    raw = run(inst).to_dict()
    assert raw["format_version"] == 1 and raw["guarantee"] == GUARANTEE
    again = Shortlists.from_dict(json.loads(json.dumps(raw))).to_dict()
    assert again == raw


# --- picks and changes of form ------------------------------------------------------------------


def pick_instance(budget: float = 3000.0) -> Instance:
    providers = [
        {"id": "v1", "name": "Paja", "kind": "company", "municipality": "Kuopio"},
        {"id": "v2", "name": "Muu", "kind": "company", "municipality": "Kuopio"},
    ]
    places = [
        placement("p1", type="wage_subsidy", weekly=200.0),  # 200 × 0.5 × 10 = 1 000 €
        placement("p2", type="work_trial", weekly=100.0, seats=1),  # 1 000 €
        placement("p3", provider_id="v2"),
        placement("p4", type="work_trial", weekly=200.0),  # 2 000 €
    ]
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(6)]
    clients.append(client("nt", consents=["wage_subsidy", "coaching"]))  # no work trials
    return make(clients, places, budget=budget, providers=providers)


def test_a_pick_from_the_list_always_fits() -> None:
    inst = pick_instance()
    lists = run(inst)
    sl = lists.list_of("p1")
    assert sl.candidates
    for c in sl.candidates:
        assert check_pick(inst, lists, "p1", c.client_id) == []
    elsewhere = next(
        c for c in ("c0", "c1", "c2", "c3", "c4", "c5", "nt") if c not in ids(lists, "p1")
    )
    assert check_pick(inst, lists, "p1", elsewhere)[0].startswith("list:")
    assert check_pick(inst, lists, "p9", elsewhere)[0].startswith("list:")


def test_a_change_of_form_is_rechecked() -> None:
    inst = pick_instance()
    lists = run(inst)
    first = ids(lists, "p1")[0]
    errors = check_pick(inst, lists, "p1", first, switch_to="p3")
    assert errors and errors[0].startswith("same_provider:")
    # p4 costs 2 000 €, more than is left of the 3 000 € pool: the budget rule names the pool.
    errors = check_pick(inst, lists, "p1", first, switch_to="p4")
    assert any(e.startswith("budget: pool f") for e in errors)


def test_a_change_of_form_that_fits_is_allowed_and_one_that_breaks_consent_is_not() -> None:
    inst = pick_instance(budget=10_000.0)
    lists = run(inst, per_seat=3)
    # Find who is on p1's list and whether "nt" (no work-trial consent) is one of them.
    on_p1 = [c.client_id for c in lists.list_of("p1").candidates]
    mover = next(c for c in on_p1 if c != "nt")
    assert check_pick(inst, lists, "p1", mover, switch_to="p2") == []
    lists_nt = _with_candidate(lists, "p1", "nt")
    errors = check_pick(inst, lists_nt, "p1", "nt", switch_to="p2")
    assert errors and errors[0].startswith("consent:")


def test_picks_recorded_as_locks_use_up_the_seats() -> None:
    inst = pick_instance(budget=10_000.0)
    lists = run(inst)
    first, second = [c.client_id for c in lists.list_of("p1").candidates][:2]
    lock = [{"client_id": first, "placement_id": "p1", "decision": "lock", "reason": "picked"}]
    after = inst.with_decisions(make([], [], decisions=lock).decisions)
    errors = check_pick(after, lists, "p1", second)
    assert errors and errors[0].startswith("seats:")
    assert check_pick(after, lists, "p1", first)[0].startswith("lock:")


def _with_candidate(lists: Shortlists, pid: str, cid: str) -> Shortlists:
    """The lists with `cid` moved onto the list of `pid` (what a file from another run may say)."""
    raw = lists.to_dict()
    entry = None
    for sl in raw["lists"]:
        for c in sl["candidates"]:
            if c["client_id"] == cid:
                entry = dict(c)
        sl["candidates"] = [c for c in sl["candidates"] if c["client_id"] != cid]
    for sl in raw["lists"]:
        if sl["placement_id"] == pid:
            sl["candidates"].append(
                entry or {"client_id": cid, "pool_id": "f", "rank": 99, "cost": 0.0}
            )
    return Shortlists.from_dict(raw)


# --- the command --------------------------------------------------------------------------------


def test_polku_shortlist_writes_a_file_polku_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inst = make([client(f"c{i}", days=600 + 10 * i) for i in range(5)], [placement("p1", seats=2)])
    folder = write_instance(inst, tmp_path / "inst")
    out = tmp_path / "shortlists.json"
    args = argparse.Namespace(
        instance=str(folder),
        per_seat=2,
        max_lists=1,
        time_limit=5.0,
        workers=8,
        seed=0,
        cover_bonus=None,
        out=str(out),
        no_explain=False,
        quiet=True,
    )
    assert shortlist_cmd.run(args) == 0
    raw = json.loads(out.read_text())
    assert raw["per_seat"] == 2 and len(raw["lists"][0]["candidates"]) == 4
    check = argparse.Namespace(instance=str(folder), allocation=str(out), max_lines=0)
    assert check_cmd.run(check) == 0
    assert "OK: 1 lists" in capsys.readouterr().out
    raw["lists"][0]["candidates"].append(dict(raw["lists"][0]["candidates"][0]))
    out.write_text(json.dumps(raw))
    assert check_cmd.run(check) == 1


# --- property: every combination of picks keeps budgets and caps ---------------------------------


@pytest.mark.oracle
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_random_lists_keep_every_rule_for_every_pick_combination(
    case: tuple[Instance, int, int],
) -> None:
    inst, per_seat, max_lists = case
    lists = run(inst, per_seat=per_seat, max_lists=max_lists, time_limit=3.0)
    assert check_shortlists(inst, lists) == []  # every candidate feasible, lengths, lists, …
    on = Counter(c.client_id for sl in lists.lists for c in sl.candidates)
    assert all(n <= max_lists for n in on.values())
    assert all(len(sl.candidates) <= per_seat * sl.seats for sl in lists.lists)
    assert every_pick_combination_holds(inst, lists)
