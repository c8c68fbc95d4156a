"""Shared pieces of the reader, validator and writer tests (no tests here): a small valid
instance with every kind of cell, and helpers that rewrite one CSV cell of a written copy."""

from __future__ import annotations

import csv
import io
from functools import partial
from pathlib import Path
from typing import Any

from instances.build import build_instance
from models.instance import Instance
from tests import factories

_client = partial(
    factories.client,
    age=30,
    unemployed_months=14,
    work_ability=3,
    needs=["quiet"],
    interests=["retail"],
    consents=["work_trial", "coaching", "training"],
    wishes=["p1"],
    months_used={"work_trial": 2},
    weeks_since_activation=10,
    abilities={"physical": 3},
)
_placement = partial(
    factories.placement,
    lat=62.9,
    lon=27.7,
    seats=2,
    min_work_ability=2,
    features=["quiet"],
    sector="retail",
    duration_weeks=12,
    weekly_cost=50.0,
    funding_pools=["f1"],
    demands={"physical": 2},
)


def client(i: int, **changes: Any) -> dict[str, Any]:
    """Client c{i} of the valid instance."""
    return _client(f"c{i}", **changes)


def placement(pid: str, ptype: str, **changes: Any) -> dict[str, Any]:
    """A placement of type `ptype` of the valid instance."""
    return _placement(pid, **{"type": ptype, **changes})


def valid_instance() -> Instance:
    """3 clients (c2 already placed in p2), 3 placements (one of a rules-declared type
    `training`), 2 providers, 2 pools, 1 decision. Lines: c1 on 2, c2 on 3, c3 on 4; p1 on 2…"""
    return build_instance(
        clients=[
            client(1),
            client(2, current_placement="p2", wishes=[]),
            client(3, weeks_since_activation=None, municipality="Siilinjärvi"),
        ],
        placements=[
            placement("p1", "work_trial"),
            placement(
                "p2", "coaching", seats=1, weekly_cost=100.5, features=["quiet", "ramp"], demands={}
            ),
            placement("p3", "training", provider_id="v2", funding_pools=["f1", "f2"]),
        ],
        providers=[
            dict(
                id="v1",
                name="Osuuskunta, Kuopio",
                kind="association",
                municipality="Kuopio",
                max_subsidised=None,
            ),
            dict(
                id="v2", name="Koulutus Oy", kind="company", municipality="Kuopio", max_subsidised=2
            ),
        ],
        pools=[
            dict(
                id="f1",
                name="TE",
                budget=10000,
                types=[],
                municipalities=["Kuopio"],
                groups=["long_term"],
            ),
            dict(
                id="f2", name="ESR", budget=5000.5, types=["training"], municipalities=[], groups=[]
            ),
        ],
        decisions=[
            dict(
                client_id="c1",
                placement_id="p1",
                decision="lock",
                reason="ok",
                by="anna",
                at="2026-11-20",
            )
        ],
        rules={"max_months": {"training": 6}, "cost_rate": {"training": 1.0}},
        name="test-2026-W48",
        week="2026-W48",
    )


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path: Path, rows: list[list[str]], sep: str = ",") -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(folder: Path, filename: str, line: int, column: str, value: str) -> None:
    """Overwrite one cell: `line` is the physical line (header = 1)."""
    rows = rows_of(folder / filename)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder / filename, rows)
