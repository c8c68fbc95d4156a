"""The result of a run: allocation.json of FORMAT.md as typed records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ALLOCATION_FORMAT_VERSION = 1


class AllocationError(ValueError):
    """allocation.json that does not follow FORMAT.md."""


@dataclass
class Assignment:
    """One proposed (client, placement, pool) with its cost, commute and score components."""

    client_id: str
    placement_id: str
    pool_id: str
    cost: float
    travel_min: float
    score: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(sum(self.score.values()))


@dataclass
class Unassigned:
    """A queue client left out this week and the reasons, most specific first."""

    client_id: str
    reasons: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PoolUse:
    pool_id: str
    budget: float
    used: float


@dataclass
class Allocation:
    """allocation.json: assignments, the unassigned with reasons, pool use, solver figures."""

    instance: str
    status: str
    objective: float
    bound: float | None
    solve_seconds: float
    assignments: list[Assignment] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    pools: list[PoolUse] = field(default_factory=list)
    fairness: dict[str, Any] = field(default_factory=dict)
    format_version: int = ALLOCATION_FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (None when no bound is known)."""
        if self.bound is None:
            return None
        denom = max(abs(self.bound), 1e-9)
        return max(0.0, (self.bound - self.objective) / denom)

    def to_dict(self) -> dict[str, Any]:
        def flat(record: Any) -> dict[str, Any]:
            d = asdict(record)
            extra = d.pop("extra", {}) or {}
            return {**d, **extra}

        out: dict[str, Any] = {
            "format_version": self.format_version,
            "instance": self.instance,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "solve_seconds": round(self.solve_seconds, 3),
            "assignments": [flat(a) for a in self.assignments],
            "unassigned": [flat(u) for u in self.unassigned],
            "pools": [asdict(p) for p in self.pools],
            "fairness": self.fairness,
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Allocation:
        """Parse allocation.json; unknown keys are kept in `extra`; bad shape → AllocationError."""
        if not isinstance(raw, dict):
            raise AllocationError("allocation: expected a JSON object")
        try:
            assignments = []
            for i, a in enumerate(raw.get("assignments", [])):
                known = {"client_id", "placement_id", "pool_id", "cost", "travel_min", "score"}
                missing = {"client_id", "placement_id", "pool_id"} - set(a)
                if missing:
                    raise AllocationError(f"assignments[{i}]: missing {', '.join(sorted(missing))}")
                assignments.append(
                    Assignment(
                        client_id=str(a["client_id"]),
                        placement_id=str(a["placement_id"]),
                        pool_id=str(a["pool_id"]) if a["pool_id"] is not None else "",
                        cost=float(a.get("cost", 0.0)),
                        travel_min=float(a.get("travel_min", 0.0)),
                        score={k: int(v) for k, v in (a.get("score") or {}).items()},
                        extra={k: v for k, v in a.items() if k not in known},
                    )
                )
            unassigned = [
                Unassigned(
                    client_id=str(u["client_id"]),
                    reasons=list(u.get("reasons", [])),
                    extra={k: v for k, v in u.items() if k not in ("client_id", "reasons")},
                )
                for u in raw.get("unassigned", [])
            ]
            pools = [
                PoolUse(str(p["pool_id"]), float(p["budget"]), float(p["used"]))
                for p in raw.get("pools", [])
            ]
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, AllocationError):
                raise
            raise AllocationError(f"allocation: {exc}") from exc
        top = {
            "format_version",
            "instance",
            "status",
            "objective",
            "bound",
            "solve_seconds",
            "assignments",
            "unassigned",
            "pools",
            "fairness",
        }
        return cls(
            instance=str(raw.get("instance", "")),
            status=str(raw.get("status", "UNKNOWN")),
            objective=raw.get("objective", 0),
            bound=raw.get("bound"),
            solve_seconds=float(raw.get("solve_seconds", 0.0)),
            assignments=assignments,
            unassigned=unassigned,
            pools=pools,
            fairness=raw.get("fairness") or {},
            format_version=int(raw.get("format_version", ALLOCATION_FORMAT_VERSION)),
            extra={k: v for k, v in raw.items() if k not in top},
        )
