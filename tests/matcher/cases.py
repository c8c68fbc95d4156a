"""Shared pieces of the solve and explanation tests (no tests here): a client in Kuopio and a
coaching seat 5.6 km north of it that every client below reaches by car, paid by pool f1."""

from __future__ import annotations

from functools import partial
from typing import Any

from tests import factories

NEAR = (62.94, 27.68)  # 5.6 km north of factories.KUOPIO

_client = partial(factories.client, unemployed_months=14, work_ability=3, max_commute_min=45)
placement = partial(factories.placement, lat=NEAR[0], lon=NEAR[1], funding_pools=["f1"])


def client(cid: str, days: int = 600, **kw: Any) -> dict[str, Any]:
    """A client with `days` benefit days (the priority), 45 minutes' commute by car."""
    return _client(cid, **{"benefit_days": days, **kw})
