"""Columnar (numpy) view of an instance, keyed by integer row index, for the engine.

Set-valued cells (languages, needs, features, interests, consents, pool scopes) become packed
bitmasks: an ``(n, words)`` uint64 array over a vocabulary, so "every need is met" is
``not (needs & ~features).any()`` for millions of pairs at once. A vocabulary can hold any
number of tokens (64 per word).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.lifecycle import charged_weeks
from models.rules import PROVIDER_KINDS, TRANSPORT_MODES

if TYPE_CHECKING:
    from models.instance import Instance


@dataclass(frozen=True)
class Vocab:
    """An ordered set of tokens with their integer codes."""

    tokens: tuple[str, ...]

    @property
    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    @property
    def words(self) -> int:
        return max(1, (len(self.tokens) + 63) // 64)

    def code(self, values: pd.Series | np.ndarray | list, missing: int = -1) -> np.ndarray:
        """Integer code of each value (`missing` for tokens not in the vocabulary or empty)."""
        idx = self.index
        return np.fromiter((idx.get(v, missing) for v in values), dtype=np.int32, count=len(values))

    def mask(self, cells: pd.Series) -> np.ndarray:
        """Bitmask ``(n, words)`` of list cells (tuples of tokens); unknown tokens are ignored."""
        n = len(cells)
        out = np.zeros((n, self.words), dtype=np.uint64)
        exploded = pd.Series(list(cells), dtype=object).explode()
        exploded = exploded[exploded.notna()]
        if exploded.empty:
            return out
        codes = self.code(exploded.to_numpy())
        rows = exploded.index.to_numpy()
        keep = codes >= 0
        rows, codes = rows[keep], codes[keep]
        bits = np.left_shift(np.uint64(1), (codes % 64).astype(np.uint64))
        np.bitwise_or.at(out, (rows, codes // 64), bits)
        return out

    def bits(self, tokens: list[str] | tuple[str, ...]) -> np.ndarray:
        """Bitmask ``(words,)`` of one set of tokens."""
        return self.mask(pd.Series([tuple(tokens)], dtype=object))[0]


def subset(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: is every bit of `a` set in `b`? (both ``(k, words)``)."""
    return ~np.any(a & ~b, axis=1)


def has_bit(masks: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Row-wise: is bit `code[i]` set in `masks[i]`? (negative codes give False)."""
    ok = code >= 0
    c = np.where(ok, code, 0)
    word = masks[np.arange(len(c)), c // 64]
    return ok & ((word >> (c % 64).astype(np.uint64)) & np.uint64(1)).astype(bool)


def _vocab(*series: pd.Series, lists: bool = True, first: tuple[str, ...] = ()) -> Vocab:
    seen: dict[str, None] = dict.fromkeys(first)
    for s in series:
        values = s.explode() if lists else s
        for v in values.dropna().unique():
            if v != "":
                seen.setdefault(str(v), None)
    return Vocab(tuple(seen))


def _kv_matrix(cells: pd.Series, vocab: Vocab, fill: np.ndarray) -> np.ndarray:
    """``(n, len(vocab))`` float matrix of kv cells, `fill[i]` where row i lacks a key."""
    out = np.repeat(fill.astype(float)[:, None], len(vocab.tokens), axis=1)
    idx = vocab.index
    for row, cell in enumerate(cells):
        if cell:
            for key, value in cell.items():
                out[row, idx[key]] = value
    return out


def _kv_keys(*series: pd.Series) -> Vocab:
    seen: dict[str, None] = {}
    for s in series:
        for cell in s:
            if cell:
                for k in cell:
                    seen.setdefault(k, None)
    return Vocab(tuple(seen))


@dataclass(frozen=True, eq=False)
class Columns:
    """Numpy arrays of every field the engine reads (prefix c_ client, p_ placement,
    v_ provider, f_ funding pool, d_ decision)."""

    types: Vocab
    municipalities: Vocab
    languages: Vocab
    features: Vocab
    sectors: Vocab
    ability_keys: Vocab
    groups: Vocab

    client_id: np.ndarray
    c_muni: np.ndarray
    c_lat: np.ndarray
    c_lon: np.ndarray
    c_age: np.ndarray
    c_benefit_days: np.ndarray
    c_unemployed_months: np.ndarray
    c_work_ability: np.ndarray
    c_partial: np.ndarray
    c_languages: np.ndarray
    c_needs: np.ndarray
    c_interests: np.ndarray
    c_transport: np.ndarray
    c_max_commute: np.ndarray
    c_consents: np.ndarray
    c_wish_ptr: np.ndarray
    c_wish_placement: np.ndarray
    c_current: np.ndarray
    c_months_used: np.ndarray
    c_weeks_since_activation: np.ndarray
    c_abilities: np.ndarray
    c_groups: np.ndarray

    placement_id: np.ndarray
    p_type: np.ndarray
    p_provider: np.ndarray
    p_muni: np.ndarray
    p_lat: np.ndarray
    p_lon: np.ndarray
    p_seats: np.ndarray
    p_min_work_ability: np.ndarray
    p_language: np.ndarray
    p_features: np.ndarray
    p_sector: np.ndarray
    p_duration: np.ndarray
    p_charged_weeks: np.ndarray  # weeks of cost: duration pro rata days a week (models.lifecycle)
    p_weekly_cost: np.ndarray
    p_pool_ptr: np.ndarray
    p_pool_idx: np.ndarray
    p_demands: np.ndarray

    provider_id: np.ndarray
    v_kind: np.ndarray
    v_max_subsidised: np.ndarray

    pool_id: np.ndarray
    f_budget: np.ndarray
    f_types: np.ndarray
    f_munis: np.ndarray
    f_groups: np.ndarray
    f_any_group: np.ndarray

    d_client: np.ndarray
    d_placement: np.ndarray
    d_lock: np.ndarray

    @property
    def n_clients(self) -> int:
        return len(self.client_id)

    @property
    def n_placements(self) -> int:
        return len(self.placement_id)

    @property
    def c_queue(self) -> np.ndarray:
        """Clients to allocate this week: those without a current placement."""
        return self.c_current < 0


def client_groups(clients: pd.DataFrame, groups: dict[str, dict]) -> np.ndarray:
    """``(n, G)`` bool: is client i in group g (every condition of the group holds)?"""
    n = len(clients)
    out = np.ones((n, len(groups)), dtype=bool)
    age = clients["age"].to_numpy(dtype=np.int64)
    for g, (_, conds) in enumerate(groups.items()):
        ok = np.ones(n, dtype=bool)
        for cond, value in conds.items():
            if cond == "age_lt":
                ok &= age < value
            elif cond == "age_ge":
                ok &= age >= value
            elif cond == "benefit_days_ge":
                ok &= clients["benefit_days"].to_numpy(dtype=np.int64) >= value
            elif cond == "unemployed_months_ge":
                ok &= clients["unemployed_months"].to_numpy(dtype=np.int64) >= value
            elif cond == "partial_work_ability":
                ok &= clients["partial_work_ability"].to_numpy(dtype=bool) == bool(value)
            elif cond == "language":
                ok &= np.fromiter((value in cell for cell in clients["languages"]), bool, n)
            elif cond == "municipality_in":
                ok &= clients["municipality"].isin(list(value)).to_numpy()
        out[:, g] = ok
    return out


def build_columns(inst: Instance) -> Columns:
    """Build the numpy view of `inst` (validated instance: every reference resolves)."""
    cl, pl, pv, fp, dc = inst.clients, inst.placements, inst.providers, inst.pools, inst.decisions
    rules = inst.rules
    types = Vocab(tuple(rules.types))
    munis = _vocab(cl["municipality"], pl["municipality"], pv["municipality"], lists=False)
    munis = _vocab(fp["municipalities"], first=munis.tokens)
    languages = _vocab(cl["languages"], pl["language"].apply(lambda s: (s,)))
    features = _vocab(cl["needs"], pl["features"], first=(rules.transport_feature,))
    sectors = _vocab(cl["interests"], pl["sector"].apply(lambda s: (s,) if s else ()))
    ability_keys = _kv_keys(
        cl.get("abilities", pd.Series(dtype=object)), pl.get("demands", pd.Series(dtype=object))
    )
    groups = Vocab(tuple(rules.groups))

    n = len(cl)
    placement_index = {p: i for i, p in enumerate(pl["id"])}
    pool_index = {f: i for i, f in enumerate(fp["id"])}
    provider_index = {v: i for i, v in enumerate(pv["id"])}
    client_index = {c: i for i, c in enumerate(cl["id"])}

    wishes = cl["wishes"] if "wishes" in cl else pd.Series([()] * n, dtype=object)
    wish_len = np.fromiter((len(w) for w in wishes), dtype=np.int64, count=n)
    wish_ptr = np.concatenate([[0], np.cumsum(wish_len)])
    wish_flat = [placement_index.get(p, -1) for w in wishes for p in w]

    months = np.zeros((n, len(types.tokens)))
    tindex = types.index
    for row, cell in enumerate(cl["months_used"]):
        if cell:
            for t, v in cell.items():
                if t in tindex:
                    months[row, tindex[t]] = v

    work_ability = cl["work_ability"].to_numpy(dtype=np.int64)
    abilities_cells = cl["abilities"] if "abilities" in cl else pd.Series([{}] * n, dtype=object)
    demands_cells = pl["demands"] if "demands" in pl else pd.Series([{}] * len(pl), dtype=object)
    wsa = (
        cl["weeks_since_activation"] if "weeks_since_activation" in cl else pd.Series([np.nan] * n)
    )

    pool_len = np.fromiter((len(x) for x in pl["funding_pools"]), dtype=np.int64, count=len(pl))
    pool_ptr = np.concatenate([[0], np.cumsum(pool_len)])
    pool_flat = [pool_index.get(f, -1) for x in pl["funding_pools"] for f in x]

    def scope(cells: pd.Series, vocab: Vocab) -> np.ndarray:
        """Bool matrix of pool scopes; an empty list means every token."""
        out = np.zeros((len(cells), len(vocab.tokens)), dtype=bool)
        idx = vocab.index
        for row, cell in enumerate(cells):
            if not cell:
                out[row, :] = True
            else:
                for token in cell:
                    if token in idx:
                        out[row, idx[token]] = True
        return out

    pool_groups = fp["groups"] if "groups" in fp else pd.Series([()] * len(fp), dtype=object)
    f_groups = np.zeros((len(fp), len(groups.tokens)), dtype=bool)
    gindex = groups.index
    for row, cell in enumerate(pool_groups):
        for g in cell or ():
            if g in gindex:
                f_groups[row, gindex[g]] = True

    max_sub = pd.to_numeric(pv["max_subsidised"], errors="coerce").to_numpy(dtype=float)
    return Columns(
        types=types,
        municipalities=munis,
        languages=languages,
        features=features,
        sectors=sectors,
        ability_keys=ability_keys,
        groups=groups,
        client_id=cl["id"].to_numpy(dtype=object),
        c_muni=munis.code(cl["municipality"].to_numpy()),
        c_lat=cl["lat"].to_numpy(dtype=np.float64),
        c_lon=cl["lon"].to_numpy(dtype=np.float64),
        c_age=cl["age"].to_numpy(dtype=np.int64),
        c_benefit_days=cl["benefit_days"].to_numpy(dtype=np.int64),
        c_unemployed_months=cl["unemployed_months"].to_numpy(dtype=np.int64),
        c_work_ability=work_ability,
        c_partial=cl["partial_work_ability"].to_numpy(dtype=bool),
        c_languages=languages.mask(cl["languages"]),
        c_needs=features.mask(cl["needs"]),
        c_interests=sectors.mask(cl["interests"]),
        c_transport=Vocab(TRANSPORT_MODES).code(cl["transport"].to_numpy()).astype(np.int8),
        c_max_commute=cl["max_commute_min"].to_numpy(dtype=np.float64),
        c_consents=types.mask(cl["consents"]),
        c_wish_ptr=wish_ptr,
        c_wish_placement=np.asarray(wish_flat, dtype=np.int64),
        c_current=np.fromiter(
            (placement_index.get(p, -1) if p else -1 for p in cl["current_placement"]), np.int64, n
        ),
        c_months_used=months,
        c_weeks_since_activation=pd.to_numeric(wsa, errors="coerce").to_numpy(dtype=float),
        c_abilities=_kv_matrix(abilities_cells, ability_keys, work_ability),
        c_groups=client_groups(cl, rules.groups),
        placement_id=pl["id"].to_numpy(dtype=object),
        p_type=types.code(pl["type"].to_numpy()),
        p_provider=np.fromiter(
            (provider_index.get(v, -1) for v in pl["provider_id"]), np.int64, len(pl)
        ),
        p_muni=munis.code(pl["municipality"].to_numpy()),
        p_lat=pl["lat"].to_numpy(dtype=np.float64),
        p_lon=pl["lon"].to_numpy(dtype=np.float64),
        p_seats=pl["seats"].to_numpy(dtype=np.int64),
        p_min_work_ability=pl["min_work_ability"].to_numpy(dtype=np.int64),
        p_language=languages.code(pl["language"].to_numpy()),
        p_features=features.mask(pl["features"]),
        p_sector=sectors.code(pl["sector"].to_numpy()),
        p_duration=pl["duration_weeks"].to_numpy(dtype=np.int64),
        p_charged_weeks=charged_weeks(pl, inst.week, rules),
        p_weekly_cost=pl["weekly_cost"].to_numpy(dtype=np.float64),
        p_pool_ptr=pool_ptr,
        p_pool_idx=np.asarray(pool_flat, dtype=np.int64),
        p_demands=_kv_matrix(demands_cells, ability_keys, np.zeros(len(pl))),
        provider_id=pv["id"].to_numpy(dtype=object),
        v_kind=Vocab(PROVIDER_KINDS).code(pv["kind"].to_numpy()),
        v_max_subsidised=np.where(np.isnan(max_sub), -1, max_sub).astype(np.int64),
        pool_id=fp["id"].to_numpy(dtype=object),
        f_budget=fp["budget"].to_numpy(dtype=np.float64),
        f_types=scope(fp["types"], types),
        f_munis=scope(fp["municipalities"], munis),
        f_groups=f_groups,
        f_any_group=np.fromiter((not cell for cell in pool_groups), bool, len(fp)),
        d_client=np.fromiter((client_index.get(c, -1) for c in dc["client_id"]), np.int64, len(dc)),
        d_placement=np.fromiter(
            (placement_index.get(p, -1) for p in dc["placement_id"]), np.int64, len(dc)
        ),
        d_lock=(dc["decision"].to_numpy(dtype=object) == "lock"),
    )
