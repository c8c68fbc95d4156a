"""Hand-made years for the pacing tests."""

from __future__ import annotations

import numpy as np

from instances.arrivals import Population, Year, YearSettings
from instances.build import build_instance


def tiny_year(
    clients: list[dict],
    placement_row: dict,
    budget: float,
    arrival: list[int],
    leave: list[int],
    history: list[tuple[dict, int]],
    weeks: int,
) -> Year:
    """A hand-made year: one placement open all year paid by one pool with `budget` for the
    year, these clients arriving and leaving, last year's clients with their arrival weeks."""
    inst = build_instance(
        clients=clients,
        placements=[placement_row],
        providers=[{"id": "v1", "name": "V", "kind": "company", "municipality": "Kuopio"}],
        pools=[{"id": "f1", "name": "F", "budget": budget, "types": [], "municipalities": []}],
        name="tiny-2026-W01",
        week="2026-W01",
    )
    hist = build_instance(
        clients=[c for c, _ in history], placements=[], providers=[], pools=[], week="2026-W01"
    ).clients
    n, h = len(clients), len(history)
    return Year(
        base=inst,
        arrival=np.array(arrival),
        leave=np.array(leave),
        completes=np.ones(n),
        opens=np.array([0]),
        closes=np.array([weeks]),
        appropriation=np.array([budget]),
        history=Population(hist, np.array([w for _, w in history]), np.full(h, weeks), np.ones(h)),
        settings=YearSettings(weeks=weeks, queue=1),
        region="tiny",
        seed=0,
    )
