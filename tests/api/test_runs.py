"""Run routes: queue, solve (in-process here; worker processes in test_api_e2e), progress,
allocation JSON and CSV, summary, unassigned, one client's explanation, cancel, interrupted
runs and restart, publish and the immutability after it, next week."""

from __future__ import annotations

import csv
import io

import pytest


def test_run_lifecycle_and_reading_the_result(api):
    iid = api.upload_week()
    r = api.post(f"/instances/{iid}/runs", json={"time_limit": 5, "weights": {"travel": 3}})
    assert r.status_code == 201
    run = r.json()
    assert run["status"] == "queued" and run["queue_position"] == 1
    assert run["request"]["weights"]["travel"] == 3 and run["request"]["weights"]["wish"] == 120
    assert api.solve_queued() == [run["id"]]
    done = api.get(f"/runs/{run['id']}").json()
    assert done["status"] == "done" and done["attempts"] == 1
    progress = done["progress"]
    assert progress["phase"] == "done" and progress["objective"] > 0
    assert progress["bound"] >= progress["objective"] and progress["elapsed"] >= 0

    alloc = api.get(f"/runs/{run['id']}/allocation").json()
    assert alloc["format_version"] == 1 and alloc["instance"] == "savo-2026-W48"
    placed = {a["client_id"] for a in alloc["assignments"]}
    assert placed == {"c1", "c2", "c3"}  # c4 holds p2, c5 is too old
    assert {u["client_id"] for u in alloc["unassigned"]} == {"c5"}
    assert alloc["unassigned"][0]["reasons"]
    # c1 needs quiet: only p1 offers it
    assert next(a for a in alloc["assignments"] if a["client_id"] == "c1")["placement_id"] == "p1"

    text = api.get(f"/runs/{run['id']}/allocation", params={"format": "csv"})
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert {r["client_id"] for r in rows} == placed
    first = rows[0]
    components = [k for k in first if k.startswith("score_")]
    assert int(first["score"]) == sum(int(first[k]) for k in components)
    assert {"provider_id", "type", "pool_id", "cost", "travel_min"} <= set(first)
    assert api.get(f"/runs/{run['id']}/allocation", params={"format": "xml"}).status_code == 422

    summary = api.get(f"/runs/{run['id']}/summary").json()
    assert summary["assigned"] == 3 and summary["unassigned"] == 1
    assert summary["summary"]["queue"] == 4 and summary["summary"]["placed"] == 3
    left = api.get(f"/runs/{run['id']}/unassigned").json()["unassigned"]
    assert [u["client_id"] for u in left] == ["c5"]

    c1 = api.get(f"/runs/{run['id']}/clients/c1").json()
    assert c1["state"] == "assigned" and c1["assignment"]["placement_id"] == "p1"
    assert c1["explanation"]["client_id"] == "c1"
    c5 = api.get(f"/runs/{run['id']}/clients/c5").json()
    assert c5["state"] == "unassigned" and c5["reasons"] and c5["assignment"] is None
    assert api.get(f"/runs/{run['id']}/clients/c4").json()["state"] == "in_current_placement"
    assert api.get(f"/runs/{run['id']}/clients/nobody").status_code == 404
    assert [r["id"] for r in api.get(f"/instances/{iid}/runs").json()] == [run["id"]]


def test_bad_run_requests(api):
    iid = api.upload_week()
    url = f"/instances/{iid}/runs"
    r = api.post(url, json={"time_limit": 5, "weights": {"travle": 1}})
    assert r.status_code == 422 and "travle" in r.json()["detail"]
    assert r.json()["problems"][0]["column"] == "weights.travle"
    assert api.post(url, json={"weights": {"travel": -1}}).status_code == 422
    assert api.post(url, json={"weights": {"travel": "far"}}).status_code == 422
    assert api.post(url, json={"time_limit": "soon"}).status_code == 422
    assert api.post(url, json={"time_limit": -1}).status_code == 422
    assert api.post(url, json={"time_limit": 10**9}).status_code == 422
    assert api.post(url, json={"mode": "fast"}).status_code == 422
    # strict types: a boolean is not a number of seconds, a string is not a seed
    assert api.post(url, json={"time_limit": True}).status_code == 422
    assert api.post(url, json={"seed": "3"}).status_code == 422
    # weights beyond ±max_weight would overflow the integer scores into a wrong "optimal" run
    r = api.post(url, json={"weights": {"travel": 1e308}})
    assert r.status_code == 422 and "weights.travel" in r.json()["detail"]
    assert api.post(url, json={"weights": {"placed": -1e7}}).status_code == 422
    assert (
        api.post(url, json={"weights": {"pathway_stage": {"coaching": 10**12}}}).status_code == 422
    )
    r = api.post(url, json={"time_limt": 5})
    assert r.status_code == 422 and "time_limt" in r.json()["detail"]
    assert api.post(url, json=[1]).status_code == 422
    r = api.post(url, content=b'{"time_limit": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["detail"]
    assert api.get("/runs/12345").status_code == 404
    assert api.store.list_runs() == []


def test_queue_cancel_and_restart(api):
    iid = api.upload_week()
    first = api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).json()
    second = api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).json()
    assert second["queue_position"] == 2
    r = api.post(f"/runs/{first['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api.get(f"/runs/{second['id']}").json()["queue_position"] == 1
    assert api.post(f"/runs/{first['id']}/cancel").status_code == 409
    assert api.get(f"/runs/{first['id']}/allocation").status_code == 409
    # a cancelled run can be queued again under the same id
    assert api.post(f"/runs/{first['id']}/restart").json()["status"] == "queued"
    assert sorted(api.solve_queued()) == [first["id"], second["id"]]
    assert api.post(f"/runs/{first['id']}/restart").status_code == 409  # done


def test_running_run_is_interrupted_by_a_restart_and_can_be_restarted(api, open_db):
    iid = api.upload_week()
    run = api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).json()
    worker = open_db(api.settings.db)  # the worker process's own store
    claimed = worker.claim_next_run("claim-1", 4242)
    assert claimed.id == run["id"] and api.get(f"/runs/{run['id']}").json()["status"] == "running"
    # a running run's cancel is a request the supervisor carries out
    assert api.post(f"/runs/{run['id']}/cancel").json()["cancel_requested"] is True
    assert [r.id for r in api.store.runs_to_cancel(4242)] == [run["id"]]
    # the server stops (its worker with it); at the next start-up the run is interrupted
    worker.close()
    assert api.store.interrupt_running() == 1
    got = api.get(f"/runs/{run['id']}").json()
    assert got["status"] == "interrupted" and "stopped" in got["error"]
    # the old worker's late result is ignored (its claim is gone)
    assert not api.store.finish_run(run["id"], "claim-1", "done", "{}", None)
    assert api.post(f"/runs/{run['id']}/restart").json()["status"] == "queued"
    api.solve_queued()
    got = api.get(f"/runs/{run['id']}").json()
    assert got["status"] == "done" and got["attempts"] == 2


def test_failed_run_records_the_error(api):
    iid = api.upload_week()
    run = api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).json()
    with api.store._tx() as conn:  # simulate a request the solver rejects
        conn.execute(
            "UPDATE runs SET request = ? WHERE id = ?",
            ('{"time_limit": 2, "weights": {}, "mode": "nonsense"}', run["id"]),
        )
    api.solve_queued()
    got = api.get(f"/runs/{run['id']}").json()
    assert got["status"] == "failed" and "nonsense" in got["error"]
    assert api.get(f"/runs/{run['id']}/allocation").status_code == 409


def test_publish_closes_the_week(api):
    iid = api.upload_week()
    run_id = api.solved_run(iid)
    queued = api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).json()
    assert api.post(f"/runs/{queued['id']}/publish").status_code == 409  # not done
    r = api.post(f"/runs/{run_id}/publish")
    assert r.status_code == 200 and r.json()["published"] and r.json()["published_by"]
    assert api.get(f"/instances/{iid}").json()["published_run"] == run_id
    assert api.post(f"/runs/{run_id}/publish").status_code == 409
    assert api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).status_code == 409
    decision = {"client_id": "c1", "placement_id": "p1", "decision": "accept"}
    assert api.post(f"/runs/{run_id}/decisions", json=decision).status_code == 409
    assert api.post(f"/runs/{run_id}/decisions", "liaison_a", json=decision).status_code == 409
    api.post(f"/runs/{queued['id']}/cancel")
    assert api.post(f"/runs/{queued['id']}/restart").status_code == 409
    # what was published still reads the same
    assert api.get(f"/runs/{run_id}/allocation").status_code == 200


def test_next_week_from_a_published_run(api):
    iid = api.upload_week()
    run_id = api.solved_run(iid)
    assert api.post(f"/runs/{run_id}/next-week").status_code == 409  # not published
    alloc = api.get(f"/runs/{run_id}/allocation").json()
    placed = {a["client_id"]: a["placement_id"] for a in alloc["assignments"]}
    api.post(f"/runs/{run_id}/publish")
    r = api.post(f"/runs/{run_id}/next-week")
    assert r.status_code == 201, r.text
    nxt = r.json()
    assert nxt["created"] and nxt["week"] == "2026-W49" and nxt["name"] == "savo-2026-W49"
    assert nxt["id"] != iid
    # placed clients hold their seats: the queue is c5 only, and p2's holder c4 stays
    assert nxt["counts"]["queue"] == 1 and nxt["counts"]["seats"] == 1
    again = api.post(f"/runs/{run_id}/next-week")
    assert (
        again.status_code == 200 and again.json()["id"] == nxt["id"] and not again.json()["created"]
    )
    info = api.get(f"/instances/{nxt['id']}").json()
    assert info["source"] == "next-week" and info["parent_run_id"] == run_id
    assert info["region"] == "savo"
    # the next week runs: nobody placed last week is proposed again
    new_run = api.solved_run(nxt["id"], time_limit=2)
    new_alloc = api.get(f"/runs/{new_run}/allocation").json()
    assert not {a["client_id"] for a in new_alloc["assignments"]} & set(placed)
    # the coordinator adds the new queue to a fresh next week only while it has no runs
    r = api.post(f"/instances/{nxt['id']}/clients", json={"clients": []})
    assert r.status_code == 409


def test_unexpected_errors_are_500_with_an_id_not_a_traceback(api, monkeypatch):
    from fastapi.testclient import TestClient

    iid = api.upload_week()

    def broken(run_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api.store, "get_run", broken)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    r = client.get("/runs/1", headers=api.as_("coord"))
    assert r.status_code == 500
    assert "internal error (id " in r.json()["detail"] and "disk" not in r.text
    assert client.get(f"/instances/{iid}", headers=api.as_("coord")).status_code == 200


def test_summary_gives_the_period_view_of_a_week_with_period_budgets(api):
    from tests.api.support import week_records

    plain = api.solved_run(api.upload_week())
    assert api.get(f"/runs/{plain}/summary").json()["period"] is None

    records = week_records()
    records["funding"][0].update(
        period_budget=400000.0, period_spent=150000.0, period_end_week="2026-W52"
    )
    records["instance"]["period"] = {
        "start_week": "2026-W01",
        "end_week": "2026-W52",
        "policy": "dual",
        "prices": {"f1": 0.02},
        "curve": [{"week": "2026-W47", "spent": 150000.0, "plan": 353846.15}],
    }
    run = api.solved_run(api.upload_week(records))
    summary = api.get(f"/runs/{run}/summary").json()
    period = summary["period"]
    used = summary["pools"][0]["used"]
    assert period["policy"] == "dual" and period["period_budget"] == 400000.0
    pool = period["pools"][0]
    assert pool["price_per_eur"] == 0.02 and pool["spent_before"] == 150000.0
    assert pool["left_after"] == pytest.approx(250000.0 - used)
    assert [c["week"] for c in period["curve"]] == ["2026-W47", "2026-W48"]
    assert period["curve"][-1]["spent"] == pytest.approx(150000.0 + used)
    assert period["plan"] == pytest.approx(400000.0 * 48 / 52, abs=0.01)
