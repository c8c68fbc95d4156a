"""Wording helpers of the explanations: ids, places, pools and providers of one instance in plain
words (cached per instance, since pandas cell access is slow in loops), decisions and score diffs.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.messages import CATALOGUE, current, say, words
from matcher.pairs.costs import placement_pools
from matcher.pairs.rules import MAX_IDS, provides_transport
from matcher.pairs.table import COMPONENT_NAMES, PairTable
from matcher.pairs.travel import CAR
from matcher.pairs.words import mode_words, type_adjective, type_words

if TYPE_CHECKING:
    from models.instance import Instance


class ExplainError(ValueError):
    """A client or placement id the instance does not have (the CLI exits 2 on it)."""


ENVY_EXAMPLES = 5  # justified-envy examples in allocation.json


def id_list(ids: list[str], total: int | None = None) -> str:
    shown = ", ".join(ids[:MAX_IDS])
    more = (total if total is not None else len(ids)) - min(len(ids), MAX_IDS)
    if more <= 0:
        return shown
    return say("ids.more_one" if more == 1 else "ids.more", shown=shown, more=more)


def plural(n: int, key: str) -> str:
    """'1 seat', '3 seats' from the catalogue's `count.<key>.one` / `.many`."""
    return say(f"count.{key}.{'one' if n == 1 else 'many'}", n=n)


@dataclass
class _Words:
    """Plain-Python lookups for the words of one instance (pandas cell access is slow in loops)."""

    client_id: list[str]
    placement_id: list[str]
    ptype: list[str]
    pmuni: list[str]
    transport: list[str]
    consents: list[tuple[str, ...]]
    languages: list[tuple[str, ...]]
    needs: list[tuple[str, ...]]
    pools: dict[tuple[int, str], str]
    providers: dict[tuple[int, str], str]
    pool_ptr: list[int]
    pool_list: list[int]
    provides: list[bool] | None = None  # per placement: offers the transport feature
    locks: set[tuple[int, int]] | None = None
    decisions: list[dict[str, str]] | None = None


_WORDS: weakref.WeakKeyDictionary[Instance, _Words] = weakref.WeakKeyDictionary()


def instance_words(inst: Instance) -> _Words:
    w = _WORDS.get(inst)
    if w is None:
        pl = inst.placements
        ptr, plist = placement_pools(inst)
        w = _Words(
            client_id=[str(x) for x in inst.columns.client_id],
            placement_id=[str(x) for x in inst.columns.placement_id],
            ptype=[str(x) for x in pl["type"]],
            pmuni=[str(x) for x in pl["municipality"]],
            transport=[str(x) for x in inst.clients["transport"]],
            consents=[tuple(x) for x in inst.clients["consents"]],
            languages=[tuple(x) for x in inst.clients["languages"]],
            needs=[tuple(x) for x in inst.clients["needs"]],
            pools={},
            providers={},
            pool_ptr=ptr.tolist(),
            pool_list=plist.tolist(),
        )
        _WORDS[inst] = w
    return w


def _ptype(inst: Instance, p: int) -> str:
    return instance_words(inst).ptype[p]


def place_words(inst: Instance, p: int) -> str:
    """'coaching p12 at Siilinjärvi'."""
    w = instance_words(inst)
    return say(
        "place", type=type_words(w.ptype[p]), placement=w.placement_id[p], municipality=w.pmuni[p]
    )


def pool_words(inst: Instance, f: int) -> str:
    """'the wage-subsidy pool “Palkkatuki” (ts)', or by its scope when it has no name:
    'the wage-subsidy pool for Kuopio (ts)'."""
    cache, key = instance_words(inst).pools, (f, current())
    if key not in cache:
        row = inst.pools.iloc[f]
        types = tuple(row["types"] or ())
        munis = tuple(row["municipalities"] or ())
        adjectives = words("pool.types_join").join(type_adjective(t) for t in types)
        kind = say("pool.kind", types=adjectives) if types else words("pool.plain")
        name = _text(row.get("name"))
        if name:
            cache[key] = say("pool.named", kind=kind, name=name, id=row["id"])
        elif munis:
            cache[key] = say("pool.for", kind=kind, municipalities=", ".join(munis), id=row["id"])
        else:
            cache[key] = say("pool.bare", kind=kind, id=row["id"])
    return cache[key]


def provider_words(inst: Instance, v: int) -> str:
    cache, key = instance_words(inst).providers, (v, current())
    if key not in cache:
        row = inst.providers.iloc[v]
        name = _text(row.get("name"))
        cache[key] = (
            say("provider.named", name=name, id=row["id"])
            if name
            else say("provider.bare", id=row["id"])
        )
    return cache[key]


def client_id_of(inst: Instance, c: int) -> str:
    return instance_words(inst).client_id[c]


def placement_id_of(inst: Instance, p: int) -> str:
    return instance_words(inst).placement_id[p]


def mode_of(inst: Instance, c: int) -> str:
    t = instance_words(inst).transport[c]
    return mode_words(t)


def _text(value: Any) -> str:
    """A cell as text; None and NaN as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def component_diff(a: dict[str, int], b: dict[str, int], top: int = 3) -> str:
    """The largest component differences of b against a: 'wish +120, travel −14'."""
    diffs = [(name, b.get(name, 0) - a.get(name, 0)) for name in COMPONENT_NAMES]
    diffs = sorted((d for d in diffs if d[1]), key=lambda d: -abs(d[1]))[:top]
    return ", ".join(f"{component_words(name)} {signed(d)}" for name, d in diffs)


def components_of(pairs: PairTable, j: int) -> dict[str, int]:
    return {
        name: int(pairs.components[name][j]) for name in COMPONENT_NAMES if name in pairs.components
    }


def signed(x: int) -> str:
    return f"{x:+d}".replace("-", "−")


def decisions_of(
    inst: Instance, c: int | None = None, p: int | None = None
) -> list[dict[str, Any]]:
    """Decisions naming client row `c` and/or placement row `p`, as plain dicts."""
    cols = inst.columns
    sel = np.ones(len(cols.d_lock), dtype=bool)
    if c is not None:
        sel &= cols.d_client == c
    if p is not None:
        sel &= cols.d_placement == p
    w = instance_words(inst)
    if w.decisions is None:
        keys = ("client_id", "placement_id", "decision", "reason", "by", "at")
        w.decisions = [
            {k: _text(row.get(k)) for k in keys} for row in inst.decisions.to_dict("records")
        ]
    out = [dict(w.decisions[d]) for d in np.flatnonzero(sel).tolist()]
    return out


def is_locked(inst: Instance, c: int, p: int) -> bool:
    """Does a `lock` decision name client row `c` and placement row `p`?"""
    w = instance_words(inst)
    if w.locks is None:
        cols = inst.columns
        sel = cols.d_lock & (cols.d_client >= 0) & (cols.d_placement >= 0)
        w.locks = set(zip(cols.d_client[sel].tolist(), cols.d_placement[sel].tolist(), strict=True))
    return (c, p) in w.locks


def via(inst: Instance, c: int, p: int) -> str:
    provided = provides_transport(inst, p) and inst.columns.c_transport[c] != CAR
    return words("via.provided") if provided else ""


def component_text(comps: dict[str, int]) -> str:
    return ", ".join(f"{component_words(k)} {signed(v)}" for k, v in comps.items() if v)


def component_words(name: str) -> str:
    """A score component in words ('wish'; 'toive' in Finnish); an unknown one as named."""
    return words(f"component.{name}") if f"component.{name}" in CATALOGUE else name
