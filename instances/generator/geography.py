"""A region's municipalities as arrays, and points scattered around their centres."""

from __future__ import annotations

import numpy as np

from instances import distributions as d
from instances.generator.state import KM_PER_DEGREE, Geo
from instances.regions import PRESETS, URBAN_CLASSES, Region


def region_arrays(reg: Region) -> Geo:
    munis = reg.municipalities
    urban = np.asarray([URBAN_CLASSES.index(m.kind) for m in munis], dtype=np.int64)
    foreign = np.asarray(
        [
            m.foreign_share if m.foreign_share is not None else d.FOREIGN_SHARE_DEFAULT[u]
            for m, u in zip(munis, urban, strict=True)
        ]
    )
    area_names = list(dict.fromkeys(m.area for m in munis))
    part = np.zeros(len(munis), dtype=np.int64)
    parts = []
    for p, (key, gen, idx) in enumerate(reg.region_parts):
        part[list(idx)] = p
        parts.append((key, gen))
    return Geo(
        names=np.asarray([m.name for m in munis], dtype=object),
        genitive=[m.genitive for m in munis],
        sv_name=[m.sv_name for m in munis],
        lat=np.asarray([m.lat for m in munis]),
        lon=np.asarray([m.lon for m in munis]),
        pop=np.asarray([m.population for m in munis], dtype=float),
        sv=np.asarray([m.sv_share for m in munis]),
        foreign=np.minimum(foreign * d.FOREIGN_OVERREPRESENTATION, 0.5),
        urban=urban,
        area=np.asarray([area_names.index(m.area) for m in munis], dtype=np.int64),
        area_names=area_names,
        part=part,
        parts=parts,
        part_names=[PRESETS[k].name if k in PRESETS else reg.name for k, _ in parts],
    )


def scatter(
    rng: np.random.Generator,
    lat0: np.ndarray,
    lon0: np.ndarray,
    urban: np.ndarray,
    table: dict[int, tuple[float, float, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Points around centres: core gaussian with prob core share, wide gaussian otherwise."""
    n = len(lat0)
    spec = np.asarray([table[c] for c in (d.CITY, d.TOWN, d.RURAL)])[urban]
    core = rng.random(n) < spec[:, 0]
    sigma = np.where(core, spec[:, 1], spec[:, 2])
    dy, dx = rng.standard_normal(n) * sigma, rng.standard_normal(n) * sigma
    return offset(lat0, lon0, dx, dy)


def offset(
    lat0: np.ndarray, lon0: np.ndarray, dx_km: np.ndarray, dy_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    lat = lat0 + dy_km / KM_PER_DEGREE
    lon = lon0 + dx_km / (KM_PER_DEGREE * np.cos(np.radians(lat0)))
    return np.round(lat, 5), np.round(lon, 5)
