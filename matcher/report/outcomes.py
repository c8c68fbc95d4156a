"""The period report's outcome tables: what became of the clients whose placement ended in the
period (on time or early) — per provider, placement type, municipality and group the ended, the
early, the recorded and per outcome category the count and the share of the recorded — and the
follow-ups ("still employed?") per month after the end; from the outcomes.csv and followups.csv
history the weeks carry (models/outcomes.py's outcome_summary)."""

from __future__ import annotations

import pandas as pd

from matcher.messages import CATALOGUE, words
from matcher.report.chain import Week
from matcher.report.figures import Table
from models.outcomes import KEY, SUMMARY_BY, frame, outcome_summary


def chain_history(weeks: list[Week], asked: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcomes and follow-ups of the placements that ended in `asked`: every week's history
    joined, a later week's row of the same key (with its outcome recorded since) winning."""
    if not weeks:
        return frame("outcomes.csv"), frame("followups.csv")
    histories = [w.history() for w in weeks]
    outcomes = pd.concat([h[0] for h in histories], ignore_index=True)
    followups = pd.concat([h[1] for h in histories], ignore_index=True)
    if not len(outcomes):
        return frame("outcomes.csv"), frame("followups.csv")
    key = list(KEY)
    outcomes = outcomes.drop_duplicates(subset=key, keep="last")
    outcomes = outcomes[outcomes["end_week"].astype(str).isin(set(asked))].reset_index(drop=True)
    if len(followups):
        followups = followups.drop_duplicates(subset=[*key, "months_after"], keep="last")
        ended = set(map(tuple, outcomes[key].astype(str).to_numpy()))
        keep = [tuple(k) in ended for k in followups[key].astype(str).to_numpy()]
        followups = followups[keep].reset_index(drop=True)
    return outcomes, followups


def outcome_tables(weeks: list[Week], asked: list[str]) -> tuple[Table, Table]:
    """The outcome table (overall, then per provider, type, municipality and group) and the
    follow-up table (per month after the end) over the placements that ended in `asked`."""
    categories = list(weeks[-1].instance.rules.outcome_categories) if weeks else []
    outcomes, followups = chain_history(weeks, asked)
    summary = outcome_summary(outcomes, categories, followups)
    columns = ["by", "unit", "ended", "early", "recorded"]
    for c in categories:
        columns += [f"n:{c}", f"share:{c}"]
    table = Table("outcomes", tuple(columns))

    def add(by: str, unit: str, block: dict) -> None:
        key = f"report.by.{by}"
        name = words(key) if key in CATALOGUE else by
        row: list = [name, unit, block["ended"], block["early"], block["recorded"]]
        for c in categories:
            row += [block["counts"][c], block["shares"][c]]
        table.rows.append(row)
        table.unit_kinds.append(by)

    if len(outcomes):
        add("all", "", summary["overall"])
        for by in SUMMARY_BY:
            for unit, block in summary[f"by_{by}"].items():
                add(by, unit, block)
    follow = Table("followups", ("months_after", "yes", "no", "unknown", "still_employed_share"))
    for months, answers in summary["followups"].items():
        follow.rows.append(
            [
                int(months),
                answers["yes"],
                answers["no"],
                answers["unknown"],
                answers["still_employed_share"],
            ]
        )
    return table, follow
