"""The benchmark instance sizes (generated, fixed seeds) and their on-disk cache.

S and M are Pohjois-Savo weeks, L a national one, all with the generator's default number of
placements (≈ clients/12). XL is a national week of 200 000 clients with 2 000 placements: at the
default 16 667 placements the candidate table would hold about 100 million pairs (≈ 480 per
client — commuting areas get denser as the queue grows in a fixed region), beyond the domain's
"10–200 feasible placements per client" and beyond 8 GiB for the pair table alone; 2 000
placements keep XL at ≈ 12 million pairs (≈ 62 per client).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Size:
    """One benchmark size: instance parameters, the time limit T and report checkpoints."""

    key: str
    region: str
    clients: int
    placements: int | None
    seed: int
    time_limit: float
    checkpoints: tuple[float, ...]
    target_gap: float | None = None  # the target: gap to the LP bound …
    target_at: float | None = None  # … reached by this many seconds
    memory_gib: float | None = None  # peak memory target
    target_own_gap: float | None = None  # issue 15: the reported gap (to the engine's own bound)

    @property
    def folder_name(self) -> str:
        extra = f"-p{self.placements}" if self.placements else ""
        return f"{self.key}-{self.region}-{self.clients}{extra}-s{self.seed}"


SIZES: dict[str, Size] = {
    "S": Size("S", "pohjois-savo", 1_000, None, 1, 60.0, (10.0, 30.0, 60.0)),
    "M": Size("M", "pohjois-savo", 10_000, None, 1, 60.0, (10.0, 30.0, 60.0), 0.001, 30.0),
    "L": Size("L", "national", 50_000, None, 1, 120.0, (10.0, 30.0, 60.0, 120.0), 0.005, 120.0),
    "XL": Size(
        "XL",
        "national",
        200_000,
        2_000,
        1,
        300.0,
        (10.0, 30.0, 60.0, 120.0, 300.0),
        0.005,
        300.0,
        8.0,
        0.002,
    ),
}
TINY = Size("T", "pohjois-savo", 300, None, 1, 5.0, (2.0, 5.0))  # the smoke test's size


def size_of(key: str) -> Size:
    """The size named `key` (S, M, L, XL, or T for the smoke test's tiny one)."""
    if key.upper() == "T":
        return TINY
    try:
        return SIZES[key.upper()]
    except KeyError:
        raise ValueError(f"unknown size {key!r}; known: {', '.join(SIZES)}") from None


def ensure_instance(size: Size, cache: Path) -> Path:
    """The instance folder of `size` under `cache`, generated and written on first use."""
    from instances.generate import generate_instance
    from instances.write import write_instance

    folder = cache / size.folder_name
    if not (folder / "instance.json").exists():
        inst = generate_instance(
            size.region, size.clients, placements=size.placements, seed=size.seed
        )
        write_instance(inst, folder)
    return folder
