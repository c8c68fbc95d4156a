"""Shared pieces of the API tests (no tests here): a hand-made week, an app over a temporary
database with tokens for every role, and helpers to solve queued runs in-process.

The week "savo-2026-W48" (region "savo"): providers v1, v2 (liaison A) and v3 (liaison B);
placements p1 (v1, work trial, offers quiet + wheelchair), p2 (v2, coaching, 8 weeks), p3
(v1, wage subsidy), p4 (v3, work trial), one seat each; clients c1 (needs quiet), c2, c3 in the
queue, c4 already in p2 since 2026-W42, c5 aged 70 (never eligible). Every queue client but c5
can reach every placement, so three of the four seats are filled.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api import worker
from api.app import create_app
from api.auth import create_token
from api.settings import Settings
from api.store import NewInstance
from instances.build import build_instance
from instances.write import instance_files
from models.instance import Instance

KUOPIO = (62.89, 27.68)
NEAR = (62.91, 27.70)
TYPES = ["work_trial", "wage_subsidy", "coaching", "participation"]
SENSITIVE = {
    "work_ability",
    "abilities",
    "benefit_days",
    "unemployed_months",
    "partial_work_ability",
    "age",
    "months_used",
    "score",
    "scores",
    "priority",
    "needs",
    "lat",
    "lon",
    "weeks_since_activation",
    "cost",
    "pool_id",
}
PROPOSAL_FIELDS = {
    "client_id",
    "municipality",
    "languages",
    "interests",
    "accommodations",
    "travel_min",
    "placement_id",
    "placement_type",
    "provider_id",
    "decision",
}


def week_records() -> dict[str, Any]:
    """The hand-made week as the JSON upload shape."""
    base = dict(
        municipality="Kuopio",
        lat=KUOPIO[0],
        lon=KUOPIO[1],
        age=35,
        benefit_days=400,
        unemployed_months=14,
        work_ability=4,
        partial_work_ability=False,
        languages=["fi"],
        needs=[],
        interests=["it"],
        transport="car",
        max_commute_min=60,
        consents=TYPES,
        wishes=[],
        current_placement="",
        months_used={},
    )
    clients = [
        {
            **base,
            "id": "c1",
            "needs": ["quiet"],
            "interests": ["it", "care"],
            "abilities": {"physical": 2},
            "partial_work_ability": True,
        },
        {**base, "id": "c2", "lat": NEAR[0], "lon": NEAR[1], "benefit_days": 900},
        {**base, "id": "c3", "benefit_days": 200, "languages": ["fi", "en"]},
        {
            **base,
            "id": "c4",
            "current_placement": "p2",
            "months_used": {"coaching": 1.5},
            "placement_start_week": "2026-W42",
        },
        {**base, "id": "c5", "age": 70},
    ]
    seat = dict(
        municipality="Kuopio",
        lat=NEAR[0],
        lon=NEAR[1],
        seats=1,
        min_work_ability=1,
        language="fi",
        features=[],
        sector="it",
        duration_weeks=12,
        weekly_cost=100.0,
        funding_pools=["f1"],
    )
    placements = [
        {
            **seat,
            "id": "p1",
            "type": "work_trial",
            "provider_id": "v1",
            "features": ["quiet", "wheelchair"],
        },
        {**seat, "id": "p2", "type": "coaching", "provider_id": "v2", "duration_weeks": 8},
        {
            **seat,
            "id": "p3",
            "type": "wage_subsidy",
            "provider_id": "v1",
            "duration_weeks": 26,
            "weekly_cost": 1000.0,
        },
        {**seat, "id": "p4", "type": "work_trial", "provider_id": "v3"},
    ]
    providers = [
        {"id": "v1", "name": "Savon Puu Oy", "kind": "company", "municipality": "Kuopio"},
        {"id": "v2", "name": "Työpaja ry", "kind": "association", "municipality": "Kuopio"},
        {"id": "v3", "name": "Kuopion kaupunki", "kind": "municipality", "municipality": "Kuopio"},
    ]
    funding = [
        {"id": "f1", "name": "Määräraha", "budget": 100000.0, "types": [], "municipalities": []}
    ]
    return {
        "instance": {
            "format_version": 1,
            "name": "savo-2026-W48",
            "week": "2026-W48",
            "rules": {},
            "weights": {},
        },
        "clients": clients,
        "placements": placements,
        "providers": providers,
        "funding": funding,
        "decisions": [],
    }


def week_instance() -> Instance:
    """The hand-made week as an Instance (what the JSON upload becomes)."""
    rec = week_records()
    head = rec["instance"]
    return build_instance(
        clients=rec["clients"],
        placements=rec["placements"],
        providers=rec["providers"],
        pools=rec["funding"],
        decisions=rec["decisions"],
        name=head["name"],
        week=head["week"],
    )


def week_zip(inst: Instance | None = None) -> bytes:
    """The week (or `inst`) as a zip of its FORMAT.md folder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in instance_files(inst or week_instance()).items():
            zf.writestr(name, text)
    return buf.getvalue()


@dataclass
class Api:
    """A test client over a fresh database, with a bearer header per role."""

    client: TestClient
    settings: Settings
    headers: dict[str, dict[str, str]]

    @property
    def store(self) -> Any:
        return self.client.app.state.store  # type: ignore[attr-defined]

    def as_(self, who: str) -> dict[str, str]:
        return self.headers[who]

    def get(self, url: str, who: str = "coord", **kw: Any) -> Any:
        headers = {**self.headers[who], **kw.pop("headers", {})}
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, who: str = "coord", **kw: Any) -> Any:
        headers = {**self.headers[who], **kw.pop("headers", {})}
        return self.client.post(url, headers=headers, **kw)

    def solve_queued(self) -> list[int]:
        """Solve every queued run in this process (what a worker process does)."""
        done = []
        while (run_id := worker.run_one(self.store, self.settings)) is not None:
            done.append(run_id)
        return done

    def upload_week(self, records: dict[str, Any] | None = None) -> int:
        r = self.post("/instances", json=records or week_records())
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def solved_run(self, instance_id: int, **request: Any) -> int:
        r = self.post(f"/instances/{instance_id}/runs", json={"time_limit": 5, **request})
        assert r.status_code == 201, r.text
        self.solve_queued()
        run = self.get(f"/runs/{r.json()['id']}").json()
        assert run["status"] == "done", run
        return run["id"]


def make_api(tmp_path: Path, **settings: Any) -> Api:
    settings.setdefault("db", str(tmp_path / "polku.sqlite"))
    conf = Settings(**settings)
    app = create_app(conf, start_worker=False)
    store = app.state.store
    tokens = {
        "admin": create_token(store, "admin", name="Admin"),
        "coord": create_token(store, "coordinator", region="savo", name="Kaisa (coordinator)"),
        "other_coord": create_token(store, "coordinator", region="kainuu", name="Kainuu coord"),
        "liaison_a": create_token(
            store, "liaison", region="savo", providers=["v1", "v2"], name="Liisa (A)"
        ),
        "liaison_b": create_token(
            store, "liaison", region="savo", providers=["v3"], name="Lauri (B)"
        ),
        "liaison_x": create_token(
            store, "liaison", region="savo", providers=["zz"], name="Nobody's liaison"
        ),
    }
    headers = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
    headers["none"] = {}
    return Api(TestClient(app), conf, headers)


def open_api(tmp_path: Path, **settings: Any) -> Iterator[Api]:
    """Body of each test module's `api` fixture: an Api, closed after the test."""
    a = make_api(tmp_path, **settings)
    try:
        yield a
    finally:
        a.client.close()
        a.store.close()  # its connections too (PostgreSQL: none left into the next test)


def body(response: Any) -> Any:
    try:
        return response.json()
    except json.JSONDecodeError:
        return response.text


def new_instance(name: str = "savo-2026-W48") -> NewInstance:
    """A stored-instance row with a dummy zip (store tests need no real week)."""
    return NewInstance(
        name=name,
        week="2026-W48",
        region="savo",
        source="upload",
        created_by="t",
        data=b"zip",
        sha256="x",
        providers=("v1",),
    )
