"""A done run's answers computed once, in the worker right after the run finishes: the summary,
the proposals per provider, the unassigned and every client's explanation in each language,
stored in the run's views (api/store/run_views.py) so the read routes serve stored bytes.

The routes compute the same answers with the same functions when a view is not stored (yet):
the summary and proposals are stored at once, the explanations in chunks as they are made.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Iterator
from typing import Any

from api.store import Store
from models.allocation import Allocation
from models.instance import Instance
from models.period import PeriodError, period_summary, read_period

log = logging.getLogger("polku.precompute")
SUMMARY = "summary"
ALL_PROPOSALS = "proposals-all"  # every provider's (provider views are "proposals/<id>")
SUMMARY_KEYS = (
    "instance",
    "status",
    "objective",
    "bound",
    "gap",
    "solve_seconds",
    "pools",
    "fairness",
    "summary",
)
CHUNK = 500  # explanations stored per transaction (each chunk is served as soon as it is in)


def proposals_name(provider_id: str) -> str:
    return f"proposals/{provider_id}"


def unassigned_name(lang: str) -> str:
    return f"unassigned/{lang}"


def client_name(lang: str, client_id: str) -> str:
    return f"client/{lang}/{client_id}"


def json_default(value: Any) -> Any:
    """json.dumps' `default` for numpy scalars and arrays (made plain Python)."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def pack(obj: Any) -> bytes:
    """A view as stored: compact UTF-8 JSON, zlib-compressed (explanations shrink ~6×)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=json_default)
    return zlib.compress(text.encode(), 6)


def unpack(data: bytes) -> bytes:
    """A stored view's JSON bytes, ready to send."""
    return zlib.decompress(data)


def summary_of(inst: Instance, alloc: dict[str, Any], run_id: int) -> dict[str, Any]:
    """The run's headline figures (GET /runs/{id}/summary)."""
    out = {k: alloc.get(k) for k in SUMMARY_KEYS}
    out.update(
        {
            "run_id": run_id,
            "assigned": len(alloc.get("assignments", [])),
            "unassigned": len(alloc.get("unassigned", [])),
            "period": _period_view(inst, alloc),
        }
    )
    return out


def _period_view(inst: Instance, alloc: dict[str, Any]) -> dict[str, Any] | None:
    """The run's period view (models.period) when its week has period budgets, else None."""
    try:
        period = read_period(inst)
    except PeriodError as exc:
        return {"error": str(exc)}
    if period is None:
        return None
    used = {p["pool_id"]: float(p.get("used", 0.0)) for p in alloc.get("pools") or []}
    return period_summary(period, inst.week, used)


def proposals_by_provider(inst: Instance, alloc: dict[str, Any]) -> dict[str, list[dict]]:
    """The run's assignments as a liaison may see them (schemas.Proposal, decision `pending`;
    the route fills in the decisions in force), grouped by provider in allocation order; each
    carries its assignment's index `at` so lists of several providers merge in that order."""
    p = inst.placements
    placements = {
        pid: (prov, ptype, set(feats or ()))
        for pid, prov, ptype, feats in zip(
            p["id"].astype(str),
            p["provider_id"].astype(str),
            p["type"].astype(str),
            p["features"],
            strict=True,
        )
    }
    c = inst.clients
    clients = {
        cid: (str(muni), list(langs or ()), list(ints or ()), list(needs or ()))
        for cid, muni, langs, ints, needs in zip(
            c["id"].astype(str),
            c["municipality"],
            c["languages"],
            c["interests"],
            c["needs"],
            strict=True,
        )
    }
    out: dict[str, list[dict]] = {}
    for at, a in enumerate(alloc.get("assignments", [])):
        pid, cid = str(a["placement_id"]), str(a["client_id"])
        if pid not in placements or cid not in clients:
            continue
        provider, ptype, features = placements[pid]
        municipality, languages, interests, needs = clients[cid]
        out.setdefault(provider, []).append(
            {
                "client_id": cid,
                "municipality": municipality,
                "languages": languages,
                "interests": interests,
                "accommodations": [n for n in needs if n in features],
                "travel_min": float(a.get("travel_min", 0.0)),
                "placement_id": pid,
                "placement_type": ptype,
                "provider_id": provider,
                "decision": "pending",
                "at": at,
            }
        )
    return out


class ClientAnswers:
    """GET /runs/{id}/clients/{cid} without its decisions (read at request time): the state,
    the assignment and the reasons from allocation.json beside the computed explanation."""

    def __init__(self, inst: Instance, alloc: dict[str, Any]):
        self.assigned = {str(a["client_id"]): a for a in alloc.get("assignments", [])}
        self.left = {str(u["client_id"]): u for u in alloc.get("unassigned", [])}
        current = inst.clients["current_placement"].fillna("").astype(str)
        self.current = dict(zip(inst.clients["id"].astype(str), current, strict=True))

    def answer(self, run_id: int, client_id: str, explanation: dict, lang: str) -> dict:
        assignment = self.assigned.get(client_id)
        left = self.left.get(client_id)
        state = (
            "assigned"
            if assignment
            else "in_current_placement"
            if self.current.get(client_id)
            else "unassigned"
        )
        if not left:
            reasons: list[str] = []
        elif lang != "en":
            reasons = list(explanation.get("reasons", []))
        else:
            reasons = list(left["reasons"])
        return {
            "run_id": run_id,
            "client_id": client_id,
            "state": state,
            "assignment": assignment,
            "reasons": reasons,
            "explanation": explanation,
        }


def unassigned_of(inst: Instance, alloc: dict[str, Any], lang: str) -> list[dict]:
    """The unassigned with their reasons in `lang` (stored in English; recomputed otherwise)."""
    left = alloc.get("unassigned", [])
    if lang == "en" or not left:
        return list(left)
    from matcher.explain.views import unassigned_reasons

    ids = [str(u["client_id"]) for u in left]
    texts = unassigned_reasons(inst, Allocation.from_dict(alloc), ids, lang)
    return [{**u, "reasons": texts[i]} for i, u in zip(ids, left, strict=True)]


def views_of(inst: Instance, alloc: dict[str, Any], run_id: int) -> Iterator[dict[str, bytes]]:
    """Every view of a done run over the instance it solved, in the order they are stored: the
    summary, proposals and unassigned first, then explanations a chunk at a time."""
    from matcher.explain.views import explain_clients
    from matcher.messages import LANGS

    first = {SUMMARY: pack(summary_of(inst, alloc, run_id))}
    by_provider = proposals_by_provider(inst, alloc)
    for provider in inst.providers["id"].astype(str):  # an empty list for a provider without any
        first[proposals_name(provider)] = pack(by_provider.get(provider, []))
    first[ALL_PROPOSALS] = pack(
        sorted((r for rows in by_provider.values() for r in rows), key=lambda r: r["at"])
    )
    for lang in LANGS:
        first[unassigned_name(lang)] = pack(
            {"run_id": run_id, "unassigned": unassigned_of(inst, alloc, lang)}
        )
    yield first
    answers = ClientAnswers(inst, alloc)
    ids = inst.clients["id"].astype(str).tolist()
    parsed = Allocation.from_dict(alloc)
    for lang in LANGS:
        chunk: dict[str, bytes] = {}
        for cid, explanation in explain_clients(inst, parsed, ids, lang):
            chunk[client_name(lang, cid)] = pack(answers.answer(run_id, cid, explanation, lang))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = {}
        if chunk:
            yield chunk


def store_views(store: Store, run_id: int, inst: Instance, alloc: dict[str, Any]) -> int:
    """Compute and store a finished run's views; the number stored (0 when the run was restarted
    meanwhile). A failure is logged, not raised: the routes compute what is missing."""
    run = store.get_run(run_id)
    if run is None or run.status != "done" or not run.finished_at:
        return 0
    started, stored = time.monotonic(), 0
    try:
        for views in views_of(inst, alloc, run_id):
            if not store.put_run_views(run_id, run.finished_at, views):
                return stored
            stored += len(views)
    except Exception as exc:  # an optimisation only: the run stays done and readable
        log.error("run %s: precomputing its answers stopped: %s", run_id, exc)
        return stored
    log.info("run %s: %d answers precomputed in %.1f s", run_id, stored, time.monotonic() - started)
    return stored
