"""Progress of a long solve, shared by every solver path (CP-SAT, HiGHS, LNS, shortlists):
one report per improvement with objective, bound and gap, and a recorder that keeps them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One progress report: objective and bound so far, relative gap, seconds since start."""

    elapsed: float
    objective: float | None
    bound: float | None
    phase: str

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)

    def as_dict(self) -> dict[str, float | str | None]:
        return {
            "elapsed": round(self.elapsed, 2),
            "objective": self.objective,
            "bound": self.bound,
            "gap": None if self.gap is None else round(self.gap, 6),
            "phase": self.phase,
        }


ProgressFn = Callable[[Progress], None]


def recorder(on_progress: ProgressFn | None = None) -> tuple[list[Progress], ProgressFn]:
    """A progress history and the function that appends to it and passes each step on."""
    history: list[Progress] = []

    def report(p: Progress) -> None:
        history.append(p)
        if on_progress:
            on_progress(p)

    return history, report


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(bound − objective) / |bound|, 0 when equal; None when either is unknown."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    if bound == objective:
        return 0.0
    return max(0.0, (bound - objective) / max(abs(bound), 1e-9))
