"""Decisions as the engine sees them: the instance's decisions.csv plus the recorded history.

A liaison's accept becomes a `lock`, a reject a `forbid`. The effective decision of a pair is
the latest one taken (the history after decisions.csv, in the order recorded); a client keeps
only their latest lock (an older lock of the same client on another placement is dropped, so
the locks can always hold together). The run's instance is the stored instance with these
decisions and the run's weights.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from typing import Any

import pandas as pd

from api.store import DecisionRow
from instances.build import frame_from_records
from models.instance import Instance
from models.weights import Weights, WeightsError

KIND_OF = {"accept": "lock", "reject": "forbid"}
STATE_OF = {"lock": "accepted", "forbid": "rejected"}


_RECORDS: weakref.WeakKeyDictionary[Instance, list[dict[str, Any]]] = weakref.WeakKeyDictionary()


def instance_records(inst: Instance) -> list[dict[str, Any]]:
    """The instance's own decisions.csv as records, made once per parsed instance (a stored
    instance never changes; turning the frame into records took ~3 ms on every read)."""
    records = _RECORDS.get(inst)
    if records is None:
        records = [
            {
                "client_id": rec.client_id,
                "placement_id": rec.placement_id,
                "decision": rec.decision,
                "reason": rec.reason or "",
                "by": rec.by or "",
                "at": rec.at or "",
            }
            for rec in inst.decision_records()
        ]
        _RECORDS[inst] = records
    return records


def effective_records(inst: Instance, history: Iterable[DecisionRow]) -> list[dict[str, Any]]:
    """decisions.csv records in force after `history` (latest per pair, one lock per client)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}

    def put(record: dict[str, Any]) -> None:
        key = (record["client_id"], record["placement_id"])
        latest.pop(key, None)
        latest[key] = record

    for rec in instance_records(inst):
        put(dict(rec))  # a copy: the cached records stay as they are
    for row in history:
        put(
            {
                "client_id": row.client_id,
                "placement_id": row.placement_id,
                "decision": KIND_OF[row.decision],
                "reason": row.reason,
                "by": row.by_name,
                "at": row.at,
            }
        )
    last_lock: dict[str, tuple[str, str]] = {}
    for key, latest_rec in latest.items():
        if latest_rec["decision"] == "lock":
            last_lock[latest_rec["client_id"]] = key
    return [
        rec
        for key, rec in latest.items()
        if rec["decision"] != "lock" or last_lock[rec["client_id"]] == key
    ]


def decisions_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return frame_from_records("decisions.csv", records)


def pair_states(inst: Instance, history: Iterable[DecisionRow]) -> dict[tuple[str, str], str]:
    """'accepted' or 'rejected' for every pair with a decision in force."""
    return {
        (r["client_id"], r["placement_id"]): STATE_OF[r["decision"]]
        for r in effective_records(inst, history)
    }


def run_instance(
    base: Instance, weights: dict[str, Any], history: Iterable[DecisionRow]
) -> Instance:
    """The instance a run solves: the stored one, with the decisions in force and its weights."""
    with_decisions = base.with_decisions(decisions_frame(effective_records(base, history)))
    return with_decisions.with_weights(Weights.from_dict(weights))


def merged_weights(
    base: Instance, requested: dict[str, Any], max_weight: float = 1e6
) -> dict[str, Any]:
    """The instance's weights with the request's on top, validated (WeightsError names keys)."""
    merged = {**base.weights.to_dict(), **requested}
    if isinstance(requested.get("pathway_stage"), dict):
        merged["pathway_stage"] = {**base.weights.pathway_stage, **requested["pathway_stage"]}
    weights = Weights.from_dict(merged).to_dict()
    check_weight_range(weights, max_weight)
    return weights


def check_weight_range(weights: dict[str, Any], max_weight: float) -> None:
    """WeightsError naming each weight outside ±max_weight (or not finite): a weight of 1e308
    overflows the solver's integer scores and would give a wrong 'optimal' allocation."""
    problems = []
    for key, value in weights.items():
        values = value.items() if isinstance(value, dict) else [("", value)]
        for sub, v in values:
            name = f"weights.{key}.{sub}" if sub else f"weights.{key}"
            if not math.isfinite(float(v)) or abs(float(v)) > max_weight:
                problems.append(f"{name}: {v!r} is outside the allowed range ±{max_weight:g}")
    if problems:
        raise WeightsError(problems)
