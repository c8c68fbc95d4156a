"""The period report over a region's published runs in the store: for each week of the range
the published run of that week's instance (the latest published when a week was uploaded twice),
with the early ends, outcomes and follow-ups recorded in that week (api/services/lifecycle.py)
joined to the history its snapshot carries."""

from __future__ import annotations

import json
from collections.abc import Callable

from api.auth import same_region
from api.services.lifecycle import ended_view
from api.store import InstanceRow, Store
from api.uploads import load_stored
from matcher.report.chain import Week
from models.allocation import Allocation
from models.instance import Instance


def stored_instance(store: Store, row: InstanceRow) -> Instance:
    """The stored instance of `row`, parsed (no cache: the command line's loader)."""
    return load_stored(store.instance_data(row.id), row.name)


def published_weeks(
    store: Store,
    region: str,
    weeks: list[str],
    load: Callable[[InstanceRow], Instance] | None = None,
) -> list[Week]:
    """The region's published weeks among `weeks`, in order, each with its run's allocation."""
    wanted = set(weeks)
    chosen: dict[str, tuple[str, InstanceRow, int]] = {}
    for row in store.list_instances():
        if not same_region(row.region, region) or row.week not in wanted:
            continue
        run = store.published_run_of(row.id)
        if run is None or run.published_at is None:
            continue
        if row.week not in chosen or run.published_at > chosen[row.week][0]:
            chosen[row.week] = (run.published_at, row, run.id)
    out = []
    for week in weeks:
        if week not in chosen:
            continue
        _, row, run_id = chosen[week]
        text = store.allocation(run_id)
        if text is None:
            continue
        inst = load(row) if load else stored_instance(store, row)
        alloc = Allocation.from_dict(json.loads(text))
        outcomes, followups = ended_view(store, inst, row)  # with the week's recorded ends
        source = f"run {run_id} (instance {row.id} {row.name})"
        out.append(Week(week, inst, alloc, source, outcomes, followups))
    return out
