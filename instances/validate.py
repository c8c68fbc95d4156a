"""Checks of a parsed instance: missing values, ranges, known kinds, unique ids and references.

Works on the parsed frames of an `Instance`, so the reader (CSV folders and zips) and the API
(JSON uploads built with `build_instance`) report the same problems in the same words. Every
check runs over whole columns (numpy/pandas); only the problems found become objects.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from instances.lifecycle_checks import check_history, check_placement_lifecycle
from instances.problems import WARNING, Problem, ProblemLog
from models.instance import Instance
from models.rules import PROVIDER_KINDS, TRANSPORT_MODES, WAGE_SUBSIDY
from models.schema import DECISION_KINDS, FILES

LEVELS = (1, 5)  # work ability, ability and demand levels


@dataclass
class Table:
    """One parsed table with the physical line of each row (header = line 1)."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray
    broken: bool = False  # unreadable as a whole (missing, no header…): nothing refers into it

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def ids(self) -> pd.Series | None:
        """The id column, or None when references into this table cannot be checked."""
        return None if self.broken or not self.has("id") else self.frame["id"]


def default_lines(n: int) -> np.ndarray:
    """Lines rows would have in a written file: row i on line i + 2 (after the header)."""
    return np.arange(2, n + 2, dtype=np.int64)


def validate_instance(
    inst: Instance, lines: Mapping[str, np.ndarray] | None = None
) -> list[Problem]:
    """Every error of `inst` (capped, see problems.MAX_PROBLEMS); empty when it can be solved.

    `lines` gives each file's row → physical line; without it row i is reported at line i + 2.
    """
    return validate_instance_with_warnings(inst, lines)[0]


def validate_instance_with_warnings(
    inst: Instance, lines: Mapping[str, np.ndarray] | None = None
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of `inst`: warnings flag data that is legal but likely a mistake."""
    log = ProblemLog()
    check_instance(inst, log, lines)
    return log.errors, log.warnings


def tables(
    inst: Instance, lines: Mapping[str, np.ndarray] | None = None, broken: Collection[str] = ()
) -> dict[str, Table]:
    """The instance's tables with their line numbers, by file name."""
    lines = lines or {}
    out = {}
    for filename in FILES:
        frame = inst.table(filename)
        rows = lines.get(filename, default_lines(len(frame)))
        out[filename] = Table(filename, frame, rows, filename in broken)
    return out


def check_instance(
    inst: Instance,
    log: ProblemLog,
    lines: Mapping[str, np.ndarray] | None = None,
    types: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    broken: Collection[str] = (),
) -> None:
    """Log every problem of `inst` into `log`. `types`/`groups` override the rules' names (the
    reader passes the names the instance declared when its rules themselves are invalid);
    `broken` names files that could not be read, so references into them are not checked."""
    t = tables(inst, lines, broken)
    types = list(inst.rules.types if types is None else types)
    groups = list(inst.rules.groups if groups is None else groups)
    for table in t.values():
        check_required_cells(table, log)
        check_unique_ids(table, log)
    check_clients(t["clients.csv"], t["placements.csv"], types, log)
    check_placements(t["placements.csv"], t["providers.csv"], t["funding.csv"], types, log)
    check_providers(t["providers.csv"], log)
    check_pools(t["funding.csv"], types, groups, log)
    check_decisions(t["decisions.csv"], t["clients.csv"], t["placements.csv"], log)
    check_placement_lifecycle(t["placements.csv"], inst.week, log)
    check_history(t["outcomes.csv"], t["followups.csv"], inst.rules, log)
    warn_unusable(t, inst, log)


# ---------------------------------------------------------------- generic column checks


def _one_of(names: Sequence[str]) -> str:
    return "one of " + ", ".join(names) if names else "a name declared in the rules"


def _fmt(value: Any) -> str:
    """A number as the writer would print it (9, 62.5), anything else as text."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def check_required_cells(t: Table, log: ProblemLog) -> None:
    """Text and list cells of columns that must not be empty."""
    for col in FILES[t.file]:
        if col.allow_empty or not t.has(col.name) or col.kind not in ("str", "list"):
            continue
        cells = t.frame[col.name]
        if col.kind == "str":
            empty = (cells.to_numpy(dtype=object) == "") | cells.isna().to_numpy()
        else:
            empty = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)) == 0
        what = "a value" if col.kind == "str" else "at least one item, ';'-separated"
        log.rows(t.file, col.name, t.lines[empty], None, "missing value", what)


def check_unique_ids(t: Table, log: ProblemLog) -> None:
    """`id` must be unique within its file (empty ids are reported as missing instead)."""
    if not t.has("id") or t.file == "decisions.csv":
        return
    ids = t.frame["id"].to_numpy(dtype=object)
    codes, _ = pd.factorize(ids)
    _, first = np.unique(codes, return_index=True)
    first_row = first[codes]
    dup = (first_row != np.arange(len(ids))) & (ids != "")
    rows = np.flatnonzero(dup)
    messages = [
        f"is a duplicate id (first at line {t.lines[first_row[r]]})" for r in rows[: log.limit]
    ]
    log.rows(t.file, "id", t.lines[rows], ids[rows], messages, "a unique id")


def check_range(
    t: Table, column: str, low: float | None, high: float | None, expected: str, log: ProblemLog
) -> None:
    """Numeric cells within [low, high] (either bound may be open); NaN cells are skipped
    (empty optional numbers, or cells the reader already reported as unreadable)."""
    if not t.has(column):
        return
    values = t.frame[column].to_numpy(dtype=np.float64)
    bad = np.isinf(values)
    if low is not None:
        bad |= values < low
    if high is not None:
        bad |= values > high
    rows = np.flatnonzero(bad)
    log.rows(
        t.file,
        column,
        t.lines[rows],
        [_fmt(v) for v in values[rows[: log.limit]]],
        "is out of range",
        expected,
    )


def check_member(
    t: Table, column: str, allowed: Sequence[str], message: str, expected: str, log: ProblemLog
) -> None:
    """Text cells must be one of `allowed` (empty cells are left to check_required_cells)."""
    if not t.has(column):
        return
    cells = t.frame[column].to_numpy(dtype=object)
    bad = ~pd.Series(cells).isin(np.asarray(list(allowed), dtype=object)).to_numpy() & (cells != "")
    rows = np.flatnonzero(bad)
    log.rows(t.file, column, t.lines[rows], cells[rows], message, expected)


def _distinct(cells: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """(code of each row, the distinct cell objects): rows sharing one cell object (the reader
    shares a parsed cell between rows with the same text) are exploded once."""
    ids = np.fromiter(map(id, cells), dtype=np.int64, count=len(cells))
    codes, _ = pd.factorize(ids)
    _, first = np.unique(codes, return_index=True)
    values = cells.to_numpy(dtype=object)
    return codes, [values[i] for i in first]


def _expand(codes: np.ndarray, lens_u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, index into the distinct cells' items) for every item of every row, in row order."""
    starts_u = np.cumsum(lens_u) - lens_u
    lens = lens_u[codes]
    row_starts = np.cumsum(lens) - lens
    rows = np.repeat(np.arange(len(codes)), lens)
    index = np.arange(int(lens.sum())) - np.repeat(row_starts - starts_u[codes], lens)
    return rows, index


def explode(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(row, item) arrays of the items of list cells (tuples), in row order."""
    codes, distinct = _distinct(cells)
    lens_u = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    items_u = np.fromiter(chain.from_iterable(distinct), dtype=object, count=int(lens_u.sum()))
    rows, index = _expand(codes, lens_u)
    return rows, items_u[index]


def explode_kv(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, key, value) arrays of the entries of kv cells (dicts), in row order."""
    codes, distinct = _distinct(cells)
    lens_u = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    total = int(lens_u.sum())
    keys_u = np.fromiter(chain.from_iterable(distinct), dtype=object, count=total)
    values_u = np.fromiter(
        chain.from_iterable(map(dict.values, distinct)), dtype=np.float64, count=total
    )
    rows, index = _expand(codes, lens_u)
    return rows, keys_u[index], values_u[index]


def check_items(
    t: Table, column: str, allowed: Sequence[str], message: str, expected: str, log: ProblemLog
) -> None:
    """Every item of a list cell must be one of `allowed`; each bad item is reported."""
    if not t.has(column):
        return
    rows, items = explode(t.frame[column])
    bad = ~pd.Series(items, dtype=object).isin(np.asarray(list(allowed), dtype=object)).to_numpy()
    log.rows(t.file, column, t.lines[rows[bad]], items[bad], message, expected)


def check_kv(
    t: Table,
    column: str,
    keys: Sequence[str] | None,
    low: float,
    high: float | None,
    expected: str,
    log: ProblemLog,
) -> None:
    """kv cells: keys among `keys` (placement types; None = any key) and values within
    [low, high]."""
    if not t.has(column):
        return
    rows, k, v = explode_kv(t.frame[column])
    if keys is not None:
        bad = ~pd.Series(k, dtype=object).isin(list(keys)).to_numpy()
        log.rows(
            t.file, column, t.lines[rows[bad]], k[bad], "is not a placement type", _one_of(keys)
        )
    bad = (v < low) | ~np.isfinite(v)
    if high is not None:
        bad |= v > high
    shown = np.flatnonzero(bad)
    log.rows(
        t.file,
        column,
        t.lines[rows[shown]],
        [f"{k[i]}:{_fmt(v[i])}" for i in shown[: log.limit]],
        "is out of range",
        expected,
    )


# ---------------------------------------------------------------- per file


def check_clients(t: Table, placements: Table, types: list[str], log: ProblemLog) -> None:
    """Ranges, transport modes, consented types, months used, ability levels, wishes and the
    current placement of each client."""
    check_range(t, "lat", -90, 90, "a latitude -90..90", log)
    check_range(t, "lon", -180, 180, "a longitude -180..180", log)
    check_range(t, "age", 0, 120, "an age 0..120", log)
    check_range(t, "benefit_days", 0, None, "a whole number ≥ 0", log)
    check_range(t, "unemployed_months", 0, None, "a whole number ≥ 0", log)
    check_range(t, "work_ability", *LEVELS, "a whole number 1..5", log)
    check_range(t, "max_commute_min", 0, None, "a whole number of minutes ≥ 0", log)
    check_range(t, "weeks_since_activation", 0, None, "a whole number ≥ 0 or empty", log)
    check_member(
        t, "transport", TRANSPORT_MODES, "is not a transport mode", _one_of(TRANSPORT_MODES), log
    )
    check_items(t, "consents", types, "is not a placement type", _one_of(types), log)
    check_kv(t, "months_used", types, 0, None, "type:months with months ≥ 0", log)
    check_kv(t, "abilities", None, *LEVELS, "key:level with a level 1..5", log)
    check_kv(t, "months_by_provider", None, 0, None, "provider:months with months ≥ 0", log)
    placement_ids = placements.ids()
    if placement_ids is not None:
        check_items(
            t, "wishes", placement_ids, "names no placement", "an id in placements.csv", log
        )
        check_member(
            t,
            "current_placement",
            placement_ids,
            "names no placement",
            "an id in placements.csv or empty",
            log,
        )


def check_placements(
    t: Table, providers: Table, pools: Table, types: list[str], log: ProblemLog
) -> None:
    """Types, ranges, demand levels, provider and funding-pool references of each placement."""
    check_member(t, "type", types, "is not a placement type", _one_of(types), log)
    check_range(t, "lat", -90, 90, "a latitude -90..90", log)
    check_range(t, "lon", -180, 180, "a longitude -180..180", log)
    check_range(t, "seats", 0, None, "a whole number of seats ≥ 0", log)
    check_range(t, "min_work_ability", *LEVELS, "a whole number 1..5", log)
    check_range(t, "duration_weeks", 0, None, "a whole number of weeks ≥ 0", log)
    check_range(t, "weekly_cost", 0, None, "euros per week ≥ 0", log)
    check_kv(t, "demands", None, *LEVELS, "key:level with a level 1..5", log)
    provider_ids = providers.ids()
    if provider_ids is not None:
        check_member(
            t, "provider_id", provider_ids, "names no provider", "an id in providers.csv", log
        )
    pool_ids = pools.ids()
    if pool_ids is not None:
        check_items(
            t, "funding_pools", pool_ids, "names no funding pool", "an id in funding.csv", log
        )
    check_no_separator(t, log)


def check_no_separator(t: Table, log: ProblemLog) -> None:
    """Placement and pool ids are list items elsewhere, so they cannot contain ';'."""
    if not t.has("id"):
        return
    ids = t.frame["id"].to_numpy(dtype=object)
    bad = np.fromiter((";" in i for i in ids), dtype=bool, count=len(ids))
    rows = np.flatnonzero(bad)
    log.rows(
        t.file,
        "id",
        t.lines[rows],
        ids[rows],
        "contains ';', which separates list items",
        "an id without ';'",
    )


def check_providers(t: Table, log: ProblemLog) -> None:
    """Provider kinds and subsidy caps."""
    check_member(t, "kind", PROVIDER_KINDS, "is not a provider kind", _one_of(PROVIDER_KINDS), log)
    check_range(t, "max_subsidised", 0, None, "a whole number ≥ 0 or empty", log)


def check_pools(t: Table, types: list[str], groups: list[str], log: ProblemLog) -> None:
    """Budgets, the types and client groups a pool is scoped to."""
    check_range(t, "budget", 0, None, "euros ≥ 0", log)
    check_items(t, "types", types, "is not a placement type", _one_of(types), log)
    check_items(t, "groups", groups, "is not a client group of the rules", _one_of(groups), log)
    check_no_separator(t, log)


def check_decisions(t: Table, clients: Table, placements: Table, log: ProblemLog) -> None:
    """Decision kinds and references; repeated and contradictory decisions; locks that cannot
    all hold (one client locked to two placements, a lock away from a current placement)."""
    check_member(t, "decision", DECISION_KINDS, "is not a decision", _one_of(DECISION_KINDS), log)
    client_ids, placement_ids = clients.ids(), placements.ids()
    if client_ids is not None:
        check_member(t, "client_id", client_ids, "names no client", "an id in clients.csv", log)
    if placement_ids is not None:
        check_member(
            t, "placement_id", placement_ids, "names no placement", "an id in placements.csv", log
        )
    frame = t.frame
    if frame.empty or not all(t.has(c) for c in ("client_id", "placement_id", "decision")):
        return
    client = frame["client_id"].to_numpy(dtype=object)
    placement = frame["placement_id"].to_numpy(dtype=object)
    kind = frame["decision"].to_numpy(dtype=object)

    first_of_pair: dict[tuple[str, str], int] = {}
    lock_of_client: dict[str, int] = {}
    for row in range(len(frame)):
        pair = (client[row], placement[row])
        first = first_of_pair.setdefault(pair, row)
        line = int(t.lines[row])
        if first != row:
            first_line = int(t.lines[first])
            if kind[first] == kind[row]:
                log.add(
                    Problem(
                        t.file,
                        line,
                        "decision",
                        kind[row],
                        f"repeats line {first_line} for the pair ({pair[0]}, {pair[1]}); "
                        "the repetition changes nothing",
                        severity=WARNING,
                    )
                )
            else:
                log.add(
                    Problem(
                        t.file,
                        line,
                        "decision",
                        kind[row],
                        f"contradicts line {first_line}: the pair ({pair[0]}, {pair[1]}) "
                        f"is both {kind[first]} and {kind[row]}",
                        "one decision per pair",
                    )
                )
            continue
        if kind[row] != "lock":
            continue
        other = lock_of_client.setdefault(client[row], row)
        if other != row:
            log.add(
                Problem(
                    t.file,
                    line,
                    "placement_id",
                    placement[row],
                    f"locks client {client[row]} to a second placement (line "
                    f"{int(t.lines[other])} locks them to {placement[other]})",
                    "at most one locked placement per client",
                )
            )

    if clients.has("current_placement") and clients.has("id"):
        involved = clients.frame[clients.frame["id"].isin(client)]
        current = dict(zip(involved["id"], involved["current_placement"], strict=True))
        for row in range(len(frame)):
            now = current.get(client[row], "")
            if kind[row] == "lock" and now and now != placement[row]:
                log.add(
                    Problem(
                        t.file,
                        int(t.lines[row]),
                        "placement_id",
                        placement[row],
                        f"locks client {client[row]}, who stays in their current "
                        f"placement {now} this week",
                        "a lock to the current placement or none",
                    )
                )
        warn_locks_over_seats(t, clients, placements, current, log)


def warn_locks_over_seats(
    t: Table, clients: Table, placements: Table, current: dict[str, str], log: ProblemLog
) -> None:
    """More locked queue clients than free seats cannot all be kept: warn per placement."""
    if not (placements.has("id") and placements.has("seats")):
        return
    client = t.frame["client_id"].to_numpy(dtype=object)
    placement = t.frame["placement_id"].to_numpy(dtype=object)
    is_lock = t.frame["decision"].to_numpy(dtype=object) == "lock"
    counted: dict[str, set[str]] = {}
    first_row: dict[str, int] = {}
    for row in np.flatnonzero(is_lock):
        if current.get(client[row], ""):
            continue  # a client staying in their placement takes no free seat
        counted.setdefault(placement[row], set()).add(client[row])
        first_row.setdefault(placement[row], int(row))
    seats = dict(zip(placements.frame["id"], placements.frame["seats"], strict=True))
    for pid, locked in counted.items():
        free = seats.get(pid)
        if free is not None and not np.isnan(free) and len(locked) > free:
            log.add(
                Problem(
                    t.file,
                    int(t.lines[first_row[pid]]),
                    "placement_id",
                    str(pid),
                    f"has {len(locked)} locked clients but {_fmt(free)} free seats: not "
                    "every lock can hold",
                    severity=WARNING,
                )
            )


def warn_unusable(t: dict[str, Table], inst: Instance, log: ProblemLog) -> None:
    """Warnings for legal data that makes seats or clients unusable: a placement no pool can
    pay for, a need no placement offers, a pool municipality where no client lives."""
    pl, pools, cl = t["placements.csv"], t["funding.csv"], t["clients.csv"]
    if all(pl.has(c) for c in ("type", "seats", "weekly_cost", "duration_weeks", "funding_pools")):
        warn_unfunded(pl, pools, inst, log)
    if cl.has("needs") and pl.has("features"):
        _, offered = explode(pl.frame["features"])
        offered_set = set(offered) | {inst.rules.transport_feature}
        rows, needs = explode(cl.frame["needs"])
        missing = ~pd.Series(needs, dtype=object).isin(offered_set).to_numpy()
        if missing.any():
            found = pd.DataFrame({"row": rows[missing], "need": needs[missing]})
            first = found.groupby("need", sort=False)["row"].agg(["first", "size"])
            first = first.sort_values("first")
            log.rows(
                cl.file,
                "needs",
                cl.lines[first["first"].to_numpy()],
                first.index,
                [
                    f"is offered by no placement (needed by {n} client{'s' if n > 1 else ''})"
                    for n in first["size"]
                ],
                "a feature some placement offers",
                severity=WARNING,
            )
    if pools.has("municipalities") and cl.has("municipality"):
        homes = set(cl.frame["municipality"])
        rows, munis = explode(pools.frame["municipalities"])
        bad = ~pd.Series(munis, dtype=object).isin(homes).to_numpy()
        log.rows(
            pools.file,
            "municipalities",
            pools.lines[rows[bad]],
            munis[bad],
            "is the home of no client",
            "a municipality of clients.csv",
            severity=WARNING,
        )


def warn_unfunded(pl: Table, pools: Table, inst: Instance, log: ProblemLog) -> None:
    """A placement with seats and a cost that none of its pools can pay for is unusable."""
    rules = inst.rules
    pool_types: dict[str, tuple[str, ...]] = {}
    if pools.has("id") and pools.has("types"):
        pool_types = dict(zip(pools.frame["id"], pools.frame["types"], strict=True))
    frame = pl.frame
    ptype = frame["type"].to_numpy(dtype=object)
    seats = frame["seats"].to_numpy(dtype=np.float64)
    cost = frame["weekly_cost"].to_numpy(dtype=np.float64) * frame["duration_weeks"].to_numpy(
        dtype=np.float64
    )
    max_wage_rate = max(rules.wage_subsidy_rate.values(), default=0.0)
    rate = np.fromiter(
        (max_wage_rate if t == WAGE_SUBSIDY else rules.cost_rate.get(t, 1.0) for t in ptype),
        dtype=np.float64,
        count=len(ptype),
    )
    candidates = np.flatnonzero((seats > 0) & (cost * rate > 0))
    funding = frame["funding_pools"].to_numpy(dtype=object)
    rows, messages, values = [], [], []
    for r in candidates:
        listed = funding[r]
        if not listed:
            rows.append(r)
            values.append("")
            messages.append(
                "is empty although the placement has seats and a cost: no pool can pay, "
                "so nobody can be placed there"
            )
        elif all(
            p in pool_types and pool_types[p] and ptype[r] not in pool_types[p] for p in listed
        ):
            rows.append(r)
            values.append(";".join(listed))
            messages.append(f"has no pool that covers type {ptype[r]}: nobody can be placed there")
    log.rows(
        pl.file,
        "funding_pools",
        pl.lines[np.asarray(rows, dtype=np.int64)],
        values,
        messages,
        "a pool that pays for the placement",
        severity=WARNING,
    )
