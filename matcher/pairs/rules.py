"""The rule table: every feasibility rule as one object — its name, its vectorised mask over
(client, placement) index arrays, a short text, the line the README lists, the detailed reason for
one pair with its figures and, for the rules checked on reachable placements, the sentence that
sums a rule up over a client's reachable placements.

The candidate builder applies the masks in table order, the explanations take their words from
here, and a test checks that the README's "Feasibility and travel" list is this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.messages import say, words
from matcher.pairs import feasibility as fz
from matcher.pairs.costs import pair_cost, placement_pools
from matcher.pairs.table import per_instance
from matcher.pairs.travel import CAR, offers_transport, travel_minutes
from matcher.pairs.words import eur, mode_words, num, type_words

if TYPE_CHECKING:
    from models.instance import Instance

Mask = Callable[["Instance", np.ndarray, np.ndarray], np.ndarray]
MAX_IDS = 5  # placement ids named in one sentence


@dataclass(frozen=True)
class Share:
    """How one rule fails over a client's reachable placements (for `PairRule.summary`)."""

    reachable: int  # placements of an open type within the commute
    failing: int  # of which this rule fails
    example: int  # a placement row where it fails
    lowest_min_ability: int  # lowest min_work_ability over the reachable placements
    offered: np.ndarray  # union of the reachable placements' feature bitmasks
    failing_rows: list[int] = field(default_factory=list)  # placement rows (forbidden only)

    @property
    def universal(self) -> bool:
        return self.failing == self.reachable

    @property
    def text(self) -> str:
        if self.universal:
            return words("share.every")
        return say("share.some", failing=self.failing, reachable=self.reachable)


@dataclass(frozen=True)
class PairRule:
    """One feasibility rule: `mask(inst, ci, pi)` is True where it holds; `reason(inst, c, p,
    travel)` says why it fails for one pair; `summary(inst, c, share)` sums it up over the
    client's reachable placements (None: '<text> at <share>')."""

    name: str
    mask: Mask
    doc: str
    reason: Callable[[Instance, int, int, float | None], str]
    summary: Callable[[Instance, int, Share], list[str]] | None = None
    type_level: bool = False  # depends only on the client and the placement's type

    @property
    def text(self) -> str:
        """The short text, from the message catalogue (`rule.<name>`)."""
        return words(f"rule.{self.name}")

    def sum_up(self, inst: Instance, c: int, share: Share) -> list[str]:
        """The sentences for this rule failing on `share` of client row `c`'s placements."""
        if self.summary is None:
            return [say("rule.at_share", text=self.text, share=share.text)]
        return self.summary(inst, c, share)


# --- figures for the reasons ---------------------------------------------------------------------


def _cell(inst: Instance, frame: str, column: str, row: int) -> Any:
    return getattr(inst, frame)[column].iat[row]


def _languages(inst: Instance, c: int) -> str:
    return ", ".join(_cell(inst, "clients", "languages", c)) or words("languages.none")


def age_reason(inst: Instance, c: int) -> str:
    """'not eligible: age 70 is above the limit 67'."""
    age, rules = int(inst.columns.c_age[c]), inst.rules
    if age > rules.age_max:
        return say("reason.age_above", age=age, limit=rules.age_max)
    return say("reason.age_below", age=age, limit=rules.age_min)


def participation_reason(inst: Instance, c: int) -> str:
    """The participation condition with the client's figures."""
    rules, cols = inst.rules, inst.columns
    return say(
        "reason.participation",
        days=rules.participation_min_benefit_days,
        youth=rules.participation_youth_age,
        have=int(cols.c_benefit_days[c]),
        age=int(cols.c_age[c]),
    )


def months_reason(inst: Instance, c: int, t: int) -> str:
    """'max months used for work trial (12 of 12)'."""
    cols = inst.columns
    key = cols.types.tokens[t]
    return say(
        "reason.months",
        type=type_words(key),
        used=num(cols.c_months_used[c, t]),
        limit=num(inst.rules.max_months[key]),
    )


def organiser_used(inst: Instance, c: int, p: int) -> float:
    """Months client row `c` has used at placement row `p`'s provider (`months_by_provider`)."""
    keys, months = fz.organiser_months(inst)
    v = int(inst.columns.p_provider[p])
    key = c * max(len(inst.columns.provider_id), 1) + v
    pos = int(np.searchsorted(keys, key))
    return float(months[pos]) if v >= 0 and pos < len(keys) and keys[pos] == key else 0.0


def organiser_reason(inst: Instance, c: int, p: int) -> str:
    """'6 months of work trial already used at Puutyö Oy (limit 6 with one organiser)'."""
    cols = inst.columns
    v = int(cols.p_provider[p])
    name = _text(inst.providers["name"].iat[v]) if "name" in inst.providers else ""
    ptype = cols.types.tokens[int(cols.p_type[p])]
    limit = num(inst.rules.organiser_max_months[ptype])
    return say(
        "reason.organiser",
        used=num(organiser_used(inst, c, p)),
        type=type_words(ptype),
        name=name or cols.provider_id[v],
        limit=limit,
    )


def demand_gap(inst: Instance, c: int, p: int) -> str:
    """Each demand level above the client's: 'physical 4, you have 2'."""
    cols = inst.columns
    short = [
        say("demand.gap", key=k, need=num(cols.p_demands[p, i]), have=num(cols.c_abilities[c, i]))
        for i, k in enumerate(cols.ability_keys.tokens)
        if cols.p_demands[p, i] > cols.c_abilities[c, i]
    ]
    return "; ".join(short) or words("demand.none")


def decision_note(inst: Instance, c: int, p: int, kind: str = "forbid") -> str:
    """' (reason: …, by …)' of the first `kind` decision on (c, p), '' when it gives neither."""
    cols = inst.columns
    sel = (cols.d_client == c) & (cols.d_placement == p) & (cols.d_lock == (kind == "lock"))
    rows = np.flatnonzero(sel)
    if not len(rows):
        return ""
    row = inst.decisions.iloc[int(rows[0])]
    reason, by = (_text(row.get(k)) for k in ("reason", "by"))
    parts = [
        say("decision.reason", reason=reason) if reason else "",
        say("decision.by", by=by) if by else "",
    ]
    text = ", ".join(x for x in parts if x)
    return f" ({text})" if text else ""


def _text(value: object) -> str:
    """A cell as text; None and NaN as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def provides_transport(inst: Instance, p: int) -> bool:
    """Does placement row `p` offer the transport feature?"""
    return bool(per_instance(inst, "offers_transport", lambda: offers_transport(inst))[p])


def trip_mode(inst: Instance, c: int, p: int) -> str:
    """How the client gets to placement p: their own mode, or the transport the placement offers."""
    if provides_transport(inst, p) and inst.columns.c_transport[c] != CAR:
        return words("trip.provided")
    return mode_words(str(_cell(inst, "clients", "transport", c)))


def funding_gap(inst: Instance, c: int, p: int) -> str:
    """Why no pool pays pair (c, p): per listed pool, the scope or budget that fails."""
    cols = inst.columns
    cost = float(pair_cost(inst, np.array([c]), np.array([p]))[0])
    ptr, pools = placement_pools(inst)
    listed = pools[ptr[p] : ptr[p + 1]].tolist()
    if not listed:
        raw = ", ".join(inst.placements["funding_pools"].iat[p])
        if raw:
            return say("funding.unlisted", raw=raw, cost=eur(cost))
        return say("funding.none_listed", cost=eur(cost))
    tokens = cols.types.tokens
    t = int(cols.p_type[p])
    muni = str(_cell(inst, "clients", "municipality", c))
    bits = []
    for f in listed:
        why = []
        if t >= 0 and not cols.f_types[f, t]:
            why.append(say("funding.type", type=type_words(tokens[t])))
        m = int(cols.c_muni[c])
        if m < 0 or not cols.f_munis[f, m]:
            why.append(say("funding.municipality", municipality=muni))
        if not cols.f_any_group[f] and not np.any(cols.f_groups[f] & cols.c_groups[c]):
            groups = [cols.groups.tokens[g] for g in np.flatnonzero(cols.f_groups[f])]
            why.append(say("funding.groups", groups=", ".join(groups)))
        if not why and round(cost * 100) > np.floor(cols.f_budget[f] * 100 + 1e-6):
            why.append(say("funding.budget", budget=eur(cols.f_budget[f])))
        bits.append(
            f"{cols.pool_id[f]} {words('funding.and').join(why) or words('funding.cannot')}"
        )
    return say("funding.gap", cost=eur(cost), pools="; ".join(bits))


# --- one reason per rule -------------------------------------------------------------------------


def _queue(inst: Instance, c: int, p: int, travel: float | None) -> str:
    cols = inst.columns
    return say("reason.queue", placement=cols.placement_id[cols.c_current[c]])


def _seats(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return words("reason.seats")


def _age(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return age_reason(inst, c)


def _consent(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return say("reason.consent", type=type_words(str(_cell(inst, "placements", "type", p))))


def _months(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return months_reason(inst, c, int(inst.columns.p_type[p]))


def _organiser(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return organiser_reason(inst, c, p)


def _participation(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return participation_reason(inst, c)


def _ability(inst: Instance, c: int, p: int, travel: float | None) -> str:
    cols = inst.columns
    have, need = int(cols.c_work_ability[c]), int(cols.p_min_work_ability[p])
    return say("reason.ability", have=have, need=need)


def _language(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return say(
        "reason.language",
        language=_cell(inst, "placements", "language", p),
        languages=_languages(inst, c),
    )


def _needs(inst: Instance, c: int, p: int, travel: float | None) -> str:
    offered = set(_cell(inst, "placements", "features", p))
    missing = [n for n in _cell(inst, "clients", "needs", c) if n not in offered]
    return say("reason.needs", missing=", ".join(missing))


def _demands(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return say("reason.demands", gap=demand_gap(inst, c, p))


def _forbidden(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return say("reason.forbidden", note=decision_note(inst, c, p))


def _commute(inst: Instance, c: int, p: int, travel: float | None) -> str:
    if travel is None:
        travel = float(travel_minutes(inst, np.array([c]), np.array([p]))[0])
    limit = num(inst.columns.c_max_commute[c])
    return say("reason.commute", minutes=num(travel), mode=trip_mode(inst, c, p), limit=limit)


def _funding(inst: Instance, c: int, p: int, travel: float | None) -> str:
    return funding_gap(inst, c, p)


# --- sentences over the reachable placements ------------------------------------------------------


def _ability_summary(inst: Instance, c: int, share: Share) -> list[str]:
    w = int(inst.columns.c_work_ability[c])
    if share.universal:
        return [say("summary.ability_all", ability=w, lowest=share.lowest_min_ability)]
    return [say("summary.ability_some", ability=w, share=share.text)]


def _language_summary(inst: Instance, c: int, share: Share) -> list[str]:
    if share.universal:
        return [say("summary.language_all", languages=_languages(inst, c))]
    return [say("summary.language_some", share=share.text, languages=_languages(inst, c))]


def _needs_summary(inst: Instance, c: int, share: Share) -> list[str]:
    needs = list(_cell(inst, "clients", "needs", c))
    vocab = inst.columns.features.index
    missing = [
        x
        for x in needs
        if x in vocab and not (int(share.offered[vocab[x] // 64]) >> (vocab[x] % 64)) & 1
    ]
    if share.universal and missing:
        return [say("summary.needs_missing", missing=", ".join(missing))]
    if share.universal:
        return [say("summary.needs_all", needs=", ".join(needs))]
    return [say("summary.needs_some", share=share.text, needs=", ".join(needs))]


def _organiser_summary(inst: Instance, c: int, share: Share) -> list[str]:
    example = organiser_reason(inst, c, share.example)
    if share.universal:
        return [say("summary.organiser_all", example=example)]
    return [say("summary.organiser_some", share=share.text, example=example)]


def _demands_summary(inst: Instance, c: int, share: Share) -> list[str]:
    pid = inst.columns.placement_id[share.example]
    return [
        say(
            "summary.demands",
            share=share.text,
            placement=pid,
            gap=demand_gap(inst, c, share.example),
        )
    ]


def _forbidden_summary(inst: Instance, c: int, share: Share) -> list[str]:
    ids = inst.columns.placement_id
    lines = [
        say("summary.forbidden", placement=ids[p], note=decision_note(inst, c, p))
        for p in share.failing_rows[:MAX_IDS]
    ]
    if len(share.failing_rows) > MAX_IDS:
        lines.append(say("summary.forbidden_more", count=len(share.failing_rows) - MAX_IDS))
    return lines


def _funding_summary(inst: Instance, c: int, share: Share) -> list[str]:
    example = say(
        "summary.funding_example",
        placement=inst.columns.placement_id[share.example],
        gap=funding_gap(inst, c, share.example),
    )
    if share.universal:
        return [say("summary.funding_all", example=example)]
    return [say("summary.funding_some", share=share.text, example=example)]


# Table order is the order build_pairs applies them (commute after the others: it needs the travel
# minutes; funding last: it yields the pool triples) and the order the README lists them.
PAIR_RULES: tuple[PairRule, ...] = (
    PairRule(
        "queue",
        fz.queue_ok,
        "the client has no `current_placement` (such a client stays there and takes none of the "
        "free seats).",
        _queue,
    ),
    PairRule(
        "seats",
        fz.seats_ok,
        "the placement has seats > 0, or the pair is locked (a lock then takes one of the free "
        "seats).",
        _seats,
    ),
    PairRule(
        "age",
        fz.age_ok,
        "`age.min` ≤ age ≤ `age.max`.",
        _age,
        type_level=True,
    ),
    PairRule(
        "consent",
        fz.consent_ok,
        "the placement's type is in the client's `consents`.",
        _consent,
        type_level=True,
    ),
    PairRule(
        "months",
        fz.months_ok,
        "`months_used` of the type is below `max_months` of the type.",
        _months,
        type_level=True,
    ),
    PairRule(
        "organiser",
        fz.organiser_ok,
        "`months_by_provider` at the placement's provider is below `organiser_max_months` of the "
        "type (a type without an entry has no such limit).",
        _organiser,
        _organiser_summary,
    ),
    PairRule(
        "participation",
        fz.participation_ok,
        "≥ `participation.min_benefit_days` benefit days, or age below `participation.youth_age`.",
        _participation,
        type_level=True,
    ),
    PairRule(
        "ability",
        fz.ability_ok,
        "`work_ability` ≥ `min_work_ability`.",
        _ability,
        _ability_summary,
    ),
    PairRule(
        "language",
        fz.language_ok,
        "the placement's `language` is one of the client's `languages`.",
        _language,
        _language_summary,
    ),
    PairRule(
        "needs",
        fz.needs_ok,
        "every one of the client's `needs` is in the placement's `features`.",
        _needs,
        _needs_summary,
    ),
    PairRule(
        "demands",
        fz.demands_ok,
        "every `demands` level ≤ the client's `abilities` level (a key the client lacks counts as "
        "their `work_ability`).",
        _demands,
        _demands_summary,
    ),
    PairRule(
        "forbidden",
        fz.not_forbidden,
        "the pair has no `forbid` decision.",
        _forbidden,
        _forbidden_summary,
    ),
    PairRule(
        "commute",
        fz.commute_ok,
        "travel minutes (below, rounded to 0.1) ≤ `max_commute_min`.",
        _commute,
    ),
    PairRule(
        "funding",
        fz.funding_ok,
        "the pair costs 0, or one of the placement's `funding_pools` covers it (its `types` "
        "include the type, its `municipalities` the client's, and, if it lists `groups`, the "
        "client is in one; an empty list means all) and its whole budget could pay the cost.",
        _funding,
        _funding_summary,
    ),
)
RULES: dict[str, PairRule] = {rule.name: rule for rule in PAIR_RULES}
# Rules whose answer depends only on the client and the placement's type (prunable per type).
TYPE_RULES: tuple[str, ...] = tuple(rule.name for rule in PAIR_RULES if rule.type_level)
# Pair rules checked once the client, the type and the commute fit ("reachable" placements).
REACH_RULES: tuple[str, ...] = tuple(rule.name for rule in PAIR_RULES if rule.summary is not None)


def rule_text(name: str) -> str:
    """The short text of a rule (the name itself for one the table does not know)."""
    rule = RULES.get(name)
    return rule.text if rule else name


def readme_lines() -> list[str]:
    """The README's numbered list of the rules, from the table."""
    return [f"{i}. **{r.name}**: {r.doc}" for i, r in enumerate(PAIR_RULES, start=1)]


def eligible_types(inst: Instance, client_idx: np.ndarray) -> np.ndarray:
    """``(k, T)`` bool: do the TYPE_RULES hold for client k and type t? (False for a type no
    placement has.) Evaluated with the rule masks on one placement of each type."""
    ci = np.asarray(client_idx, dtype=np.int64)
    cols = inst.columns
    out = np.zeros((len(ci), len(cols.types.tokens)), dtype=bool)
    for t in range(len(cols.types.tokens)):
        of_type = np.flatnonzero(cols.p_type == t)
        if not len(of_type):
            continue
        pi = np.full(len(ci), of_type[0], dtype=np.int64)
        ok = np.ones(len(ci), dtype=bool)
        for name in TYPE_RULES:
            ok &= RULES[name].mask(inst, ci, pi)
        out[:, t] = ok
    return out


def check_pairs(
    inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray
) -> dict[str, np.ndarray]:
    """Every rule's mask for every given pair (not progressive), keyed by rule name."""
    ci = np.asarray(client_idx, dtype=np.int64)
    pi = np.asarray(placement_idx, dtype=np.int64)
    return {rule.name: rule.mask(inst, ci, pi) for rule in PAIR_RULES}


def feasible(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """Per pair: does every rule hold?"""
    out = np.ones(len(np.asarray(client_idx)), dtype=bool)
    for mask in check_pairs(inst, client_idx, placement_idx).values():
        out &= mask
    return out
