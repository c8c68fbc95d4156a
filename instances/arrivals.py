"""A year of arrivals on the generator: who arrives when, who leaves, which seats open and close.

Everything is drawn once per seed (`year_population`), so every policy meets the same year. The
choices (README "A simulated year"):

- The year's clients are one generated region of `queue + arrivals_per_week × (weeks − 1)`
  clients: the first `queue` form the queue of week 0, the others arrive in weeks 1..weeks−1.
- Seasonality by municipality: a client of municipality m arrives in week w with weight
  1 + `season_amplitude` · cos(2π (w − peak_m) / 52), peak_m drawn per municipality.
- Dropouts: a waiting client leaves the queue (found work, moved) each week with probability
  `dropout_rate`; `leave` is that week (`weeks` = stays all year).
- Early ends: a share `early_end_share` of clients completes only 20–80 % of a placement's
  duration (`completes` is that fraction, 1.0 for the others); the seat comes free then.
- Placements: `always_open_share` are open all year, the others open at a week in 4..40 or close
  at a week in 12..52 (half each); `opens`/`closes` are [open, close) week indices.
- Appropriations: each pool's annual budget = its generated week budget × `appropriation`.
- `history` is the same region drawn with another seed ("last year"): policies forecast the rest
  of the year from it and from this year's arrivals so far, never from this year's future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from instances.generate import generate_instance
from models.instance import Instance, empty_frame

HISTORY_SEED_OFFSET = 100_003


@dataclass(frozen=True)
class YearSettings:
    """The simulated year's parameters (documented defaults)."""

    weeks: int = 52
    queue: int = 3000
    arrivals_per_week: int | None = None  # default queue / 10
    placements: int | None = None  # default queue / 12 (the generator's week ratio)
    season_amplitude: float = 0.35
    dropout_rate: float = 0.01
    early_end_share: float = 0.12
    always_open_share: float = 0.65
    appropriation: float = 1.5
    start_week: str = "2026-W01"

    def __post_init__(self) -> None:
        if self.weeks < 1 or self.queue < 1:
            raise ValueError(f"weeks and queue must be ≥ 1, got {self.weeks}, {self.queue}")
        if not 0 <= self.dropout_rate < 1 or not 0 <= self.early_end_share <= 1:
            raise ValueError("dropout_rate must be in 0..1 and early_end_share in 0..1")
        if self.appropriation <= 0:
            raise ValueError(f"appropriation must be positive, got {self.appropriation}")

    @property
    def per_week(self) -> int:
        return self.arrivals_per_week if self.arrivals_per_week is not None else self.queue // 10


@dataclass(frozen=True)
class Population:
    """Clients at their arrival state with arrival and leave weeks and completed share."""

    clients: pd.DataFrame
    arrival: np.ndarray
    leave: np.ndarray
    completes: np.ndarray


@dataclass(frozen=True)
class Year:
    """One simulated year: the base instance (clients at arrival, all seats, annual pools)."""

    base: Instance
    arrival: np.ndarray
    leave: np.ndarray
    completes: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    appropriation: np.ndarray
    history: Population
    settings: YearSettings
    region: str
    seed: int

    @property
    def weeks(self) -> int:
        return self.settings.weeks


def _population(
    region: str, s: YearSettings, seed: int, placements: int
) -> tuple[Instance, Population]:
    n = s.queue + s.per_week * (s.weeks - 1)
    inst = generate_instance(region, n, placements=placements, seed=seed, week=s.start_week)
    rng = np.random.default_rng([seed, 16])
    clients = inst.clients.copy()
    clients["current_placement"] = ""  # the year starts with every seat free
    munis = clients["municipality"].astype(str).to_numpy()
    names, code = np.unique(munis, return_inverse=True)
    peak = rng.uniform(0, 52, size=len(names))
    weeks = np.arange(1, s.weeks)
    weight = 1 + s.season_amplitude * np.cos(2 * np.pi * (weeks[None, :] - peak[:, None]) / 52)
    cdf = np.cumsum(weight, axis=1)
    cdf /= cdf[:, -1:]
    arrival = np.zeros(n, dtype=np.int64)
    later = np.arange(n) >= s.queue
    u = rng.random(n)
    for m in range(len(names)):
        rows = np.flatnonzero(later & (code == m))
        arrival[rows] = weeks[np.minimum(np.searchsorted(cdf[m], u[rows]), len(weeks) - 1)]
    stay = rng.geometric(s.dropout_rate, size=n) if s.dropout_rate > 0 else np.full(n, s.weeks)
    leave = np.minimum(arrival + stay, s.weeks)
    completes = np.where(rng.random(n) < s.early_end_share, rng.uniform(0.2, 0.8, n), 1.0)
    return inst, Population(clients, arrival, leave, completes)


def year_population(region: str, settings: YearSettings | None = None, seed: int = 0) -> Year:
    """The year for `region` and `seed` (module doc): deterministic per seed."""
    s = settings or YearSettings()
    m = s.placements if s.placements is not None else max(15, s.queue // 12)
    inst, pop = _population(region, s, seed, m)
    _, hist = _population(region, s, seed + HISTORY_SEED_OFFSET, m)
    hist_clients = hist.clients.copy()
    hist_clients["wishes"] = pd.Series([()] * len(hist_clients), dtype=object)  # other seats
    history = Population(hist_clients, hist.arrival, hist.leave, hist.completes)

    rng = np.random.default_rng([seed, 17])
    n_p = len(inst.placements)
    opens = np.zeros(n_p, dtype=np.int64)
    closes = np.full(n_p, s.weeks, dtype=np.int64)
    varying = rng.random(n_p) >= s.always_open_share
    late = varying & (rng.random(n_p) < 0.5)
    opens[late] = rng.integers(4, min(41, s.weeks) if s.weeks > 4 else 5, size=int(late.sum()))
    early = varying & ~late
    closes[early] = rng.integers(min(12, s.weeks - 1), s.weeks + 1, size=int(early.sum()))
    closes = np.maximum(closes, opens + 1)
    placements = inst.placements.copy()
    placements["seats"] = np.maximum(placements["seats"].to_numpy(dtype=np.int64), 1)

    pools = inst.pools.copy()
    appropriation = np.round(pools["budget"].to_numpy(dtype=np.float64) * s.appropriation, 2)
    base = inst.with_decisions(empty_frame("decisions.csv"))
    base.clients = pop.clients
    base.placements = placements
    base.pools = pools
    base.name = f"{region}-{s.start_week}"
    base.meta = {"region": region}
    return Year(
        base=base,
        arrival=pop.arrival,
        leave=pop.leave,
        completes=pop.completes,
        opens=opens,
        closes=closes,
        appropriation=appropriation,
        history=history,
        settings=s,
        region=region,
        seed=seed,
    )


def grown_clients(clients: pd.DataFrame, arrival: np.ndarray, week: np.ndarray) -> pd.DataFrame:
    """Clients as they stand in `week` (per client) after waiting since `arrival`: +5 benefit
    days and +1 week since activation per week, +12/52 unemployed months per week (floored)."""
    waited = np.maximum(np.asarray(week) - np.asarray(arrival), 0)
    out = clients.copy()
    out["benefit_days"] = out["benefit_days"].to_numpy(dtype=np.int64) + 5 * waited
    out["unemployed_months"] = out["unemployed_months"].to_numpy(dtype=np.int64) + (
        waited * 12 // 52
    )
    if "weeks_since_activation" in out.columns:
        out["weeks_since_activation"] = (
            out["weeks_since_activation"].to_numpy(dtype=np.float64) + waited
        )
    return out.reset_index(drop=True)
