"""Split a national queue into parts by region (employment area when only one region is present)
and pack the parts onto workers.

A client's part follows the home municipality: the preset region it belongs to
(`instances.regions`), or the municipality itself when it is in no preset. Placements are not
split: every part sees every open placement, so seats, pools and provider caps that clients of
several parts can reach become the coupling rows the master prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from instances.regions import PRESETS, normalise
from matcher.pairs.travel import unit_xyz
from models.instance import Instance

SPLITS = ("region", "area")


@dataclass(frozen=True)
class Part:
    """One part of a national run: its name and the queue clients' row indices."""

    name: str
    clients: np.ndarray


def _lookup(by: str) -> dict[str, str]:
    """Normalised municipality name → its region key (or employment area) in the presets."""
    out: dict[str, str] = {}
    for key, region in PRESETS.items():
        for m in region.municipalities:
            out[normalise(m.name)] = key if by == "region" else f"{key}/{m.area}"
    return out


def _keys(inst: Instance, by: str) -> np.ndarray:
    """Per client: its part key (region or area; the municipality when in no preset)."""
    lookup = _lookup(by)
    munis = inst.clients["municipality"].astype(str).to_numpy()
    names = {m: lookup.get(normalise(m), m) for m in np.unique(munis).tolist()}
    return np.array([names[m] for m in munis.tolist()], dtype=object)


def split_clients(inst: Instance, by: str = "region", max_clients: int | None = None) -> list[Part]:
    """The queue clients in parts by `by` ("region", or "area" for employment areas); a queue in
    one region only is split by area; a part above `max_clients` is cut into spatially compact
    blocks (`cut_large`). Parts come largest first."""
    if by not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {by!r}")
    queue = np.flatnonzero(inst.columns.c_queue)
    keys = _keys(inst, by)[queue]
    if by == "region" and len(set(keys.tolist())) < 2:
        keys = _keys(inst, "area")[queue]
    names, inverse = np.unique(keys.astype(str), return_inverse=True)
    parts = [Part(str(name), queue[inverse == k]) for k, name in enumerate(names.tolist())]
    if max_clients is not None:
        parts = [block for p in parts for block in cut_large(inst, p, max_clients)]
    return sorted(parts, key=lambda p: (-len(p.clients), p.name))


def cut_large(inst: Instance, part: Part, max_clients: int) -> list[Part]:
    """`part` itself, or when it has more than `max_clients` clients, blocks of near-equal size
    in the leaf order of a KD-tree over the homes (neighbours stay together), named part#k. A
    block's clients compete for the same seats as its neighbours': those rows become coupling
    rows, which keeps a dense city's part within one worker's memory."""
    if max_clients < 1:
        raise ValueError(f"max_clients must be at least 1, got {max_clients}")
    n = len(part.clients)
    if n <= max_clients:
        return [part]
    cols = inst.columns
    order = cKDTree(unit_xyz(cols.c_lat[part.clients], cols.c_lon[part.clients])).indices
    blocks = np.array_split(part.clients[order], -(-n // max_clients))
    return [Part(f"{part.name}#{k + 1}", np.sort(b)) for k, b in enumerate(blocks)]


def pack(sizes: list[int], workers: int) -> list[list[int]]:
    """Part indices per worker, largest part first onto the least loaded worker (LPT)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    load = [0] * workers
    out: list[list[int]] = [[] for _ in range(workers)]
    for k in sorted(range(len(sizes)), key=lambda k: -sizes[k]):
        w = min(range(workers), key=lambda w: load[w])
        out[w].append(k)
        load[w] += sizes[k]
    return [w for w in out if w]
