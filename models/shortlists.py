"""Employer shortlists: shortlists.json (README "Shortlists") as typed records.

One list per placement with free seats or locks: the ranked candidates an employer interviews,
the locked clients who already fill seats, and what the list reserves against each pool.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

SHORTLISTS_FORMAT_VERSION = 1


class ShortlistsError(ValueError):
    """shortlists.json that does not follow the format; the message names the field."""


@dataclass
class ShortlistEntry:
    """One candidate on a list: the pool the pick is charged to, rank, score, cost and why."""

    client_id: str
    pool_id: str
    rank: int
    score: dict[str, int] = field(default_factory=dict)
    cost: float = 0.0
    travel_min: float = 0.0
    why: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """The candidate's score: the sum of its components."""
        return int(sum(self.score.values()))


@dataclass
class Shortlist:
    """One placement's list: `seats` to pick for (free seats left after the locks), the locked
    clients (with the pool each is charged to), the candidates by rank, the reservation per pool."""

    placement_id: str
    provider_id: str
    seats: int
    locked: list[str] = field(default_factory=list)
    candidates: list[ShortlistEntry] = field(default_factory=list)
    reserved: dict[str, float] = field(default_factory=dict)
    lock_pools: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def candidate(self, client_id: str) -> ShortlistEntry | None:
        """The entry of `client_id` on this list, if any."""
        return next((c for c in self.candidates if c.client_id == client_id), None)


@dataclass
class Unlisted:
    """A queue client on no list (and not locked anywhere), with the reasons."""

    client_id: str
    reasons: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PoolReservation:
    """A pool's budget and the sum of the lists' worst-case reservations against it."""

    pool_id: str
    budget: float
    reserved: float


@dataclass
class Shortlists:
    """shortlists.json: the lists, the unlisted with reasons, pool reservations, solver figures."""

    instance: str
    status: str
    objective: float
    bound: float | None
    solve_seconds: float
    per_seat: int
    max_lists: int
    guarantee: str = ""
    cover_bonus: int = 0
    lists: list[Shortlist] = field(default_factory=list)
    unlisted: list[Unlisted] = field(default_factory=list)
    pools: list[PoolReservation] = field(default_factory=list)
    format_version: int = SHORTLISTS_FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """(bound − objective) / |bound| (None when no bound is known)."""
        if self.bound is None or not _number(self.objective):
            return None
        if self.bound == self.objective:
            return 0.0
        return max(0.0, (self.bound - self.objective) / max(abs(self.bound), 1e-9))

    def list_of(self, placement_id: str) -> Shortlist | None:
        """The list of `placement_id`, if the file has one."""
        return next((s for s in self.lists if s.placement_id == placement_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of shortlists.json (extras flattened into their records)."""

        def flat(record: Any) -> dict[str, Any]:
            d = asdict(record)
            extra = d.pop("extra", {}) or {}
            return {**d, **extra}

        lists = []
        for s in self.lists:
            d = flat(s)
            d["candidates"] = [flat(c) for c in s.candidates]
            lists.append(d)
        gap = self.gap
        out: dict[str, Any] = {
            "format_version": self.format_version,
            "instance": self.instance,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": None if gap is None else round(gap, 6),
            "solve_seconds": round(self.solve_seconds, 3),
            "per_seat": self.per_seat,
            "max_lists": self.max_lists,
            "cover_bonus": self.cover_bonus,
            "guarantee": self.guarantee,
            "lists": lists,
            "unlisted": [flat(u) for u in self.unlisted],
            "pools": [asdict(p) for p in self.pools],
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, raw: Any) -> Shortlists:
        """Parse shortlists.json; unknown keys are kept in `extra`; a bad shape raises
        ShortlistsError naming the record and field."""
        if not isinstance(raw, dict):
            raise ShortlistsError("shortlists: expected a JSON object")
        where = "shortlists"
        try:
            lists = []
            for i, s in enumerate(_list(raw, "lists")):
                where = f"lists[{i}]"
                lists.append(_shortlist(s, where))
            unlisted = []
            for i, u in enumerate(_list(raw, "unlisted")):
                where = f"unlisted[{i}]"
                _need(u, ("client_id",), where)
                unlisted.append(
                    Unlisted(
                        client_id=str(u["client_id"]),
                        reasons=[str(r) for r in u.get("reasons") or []],
                        extra={k: v for k, v in u.items() if k not in ("client_id", "reasons")},
                    )
                )
            pools = []
            for i, p in enumerate(_list(raw, "pools")):
                where = f"pools[{i}]"
                _need(p, ("pool_id", "budget", "reserved"), where)
                pools.append(
                    PoolReservation(str(p["pool_id"]), float(p["budget"]), float(p["reserved"]))
                )
            where = "shortlists"
            _need(raw, ("per_seat", "max_lists"), where)
            top = {
                "format_version",
                "instance",
                "status",
                "objective",
                "bound",
                "gap",
                "solve_seconds",
                "per_seat",
                "max_lists",
                "cover_bonus",
                "guarantee",
                "lists",
                "unlisted",
                "pools",
            }
            return cls(
                instance=str(raw.get("instance", "")),
                status=str(raw.get("status", "UNKNOWN")),
                objective=raw.get("objective", 0),
                bound=raw.get("bound"),
                solve_seconds=float(raw.get("solve_seconds") or 0.0),
                per_seat=_int(raw["per_seat"], "per_seat"),
                max_lists=_int(raw["max_lists"], "max_lists"),
                guarantee=str(raw.get("guarantee", "")),
                cover_bonus=_int(raw.get("cover_bonus", 0), "cover_bonus"),
                lists=lists,
                unlisted=unlisted,
                pools=pools,
                format_version=_int(
                    raw.get("format_version", SHORTLISTS_FORMAT_VERSION), "format_version"
                ),
                extra={k: v for k, v in raw.items() if k not in top},
            )
        except ShortlistsError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ShortlistsError(f"{where}: {exc}") from exc


def _shortlist(s: Any, where: str) -> Shortlist:
    _need(s, ("placement_id", "seats"), where)
    candidates = []
    known = {"client_id", "pool_id", "rank", "score", "cost", "travel_min", "why"}
    for j, c in enumerate(_list(s, "candidates", where)):
        at = f"{where}.candidates[{j}]"
        _need(c, ("client_id", "rank"), at)
        score = c.get("score") or {}
        if not isinstance(score, dict):
            raise ShortlistsError(f"{at}.score: expected an object of components")
        candidates.append(
            ShortlistEntry(
                client_id=str(c["client_id"]),
                pool_id="" if c.get("pool_id") is None else str(c["pool_id"]),
                rank=_int(c["rank"], f"{at}.rank"),
                score={str(k): _int(v, f"{at}.score.{k}") for k, v in score.items()},
                cost=float(c.get("cost", 0.0)),
                travel_min=float(c.get("travel_min", 0.0)),
                why=[str(w) for w in c.get("why") or []],
                extra={k: v for k, v in c.items() if k not in known},
            )
        )
    reserved = s.get("reserved") or {}
    lock_pools = s.get("lock_pools") or {}
    if not isinstance(reserved, dict) or not isinstance(lock_pools, dict):
        raise ShortlistsError(f"{where}: reserved and lock_pools must be objects")
    top = {"placement_id", "provider_id", "seats", "locked", "candidates", "reserved", "lock_pools"}
    return Shortlist(
        placement_id=str(s["placement_id"]),
        provider_id=str(s.get("provider_id", "")),
        seats=_int(s["seats"], f"{where}.seats"),
        locked=[str(c) for c in s.get("locked") or []],
        candidates=candidates,
        reserved={str(k): float(v) for k, v in reserved.items()},
        lock_pools={str(k): "" if v is None else str(v) for k, v in lock_pools.items()},
        extra={k: v for k, v in s.items() if k not in top},
    )


def _list(raw: dict[str, Any], key: str, where: str = "shortlists") -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        raise ShortlistsError(f"{where}.{key}: expected a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ShortlistsError(f"{where}.{key}[{i}]: expected an object")
    return value


def _need(record: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in record]
    if missing:
        raise ShortlistsError(f"{where}: missing {', '.join(missing)}")


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ShortlistsError(f"{where}: expected a whole number, got {value!r}")
    if int(value) != value:
        raise ShortlistsError(f"{where}: expected a whole number, got {value!r}")
    return int(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
