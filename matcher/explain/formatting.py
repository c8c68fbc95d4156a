"""Plain-text formatters for the client and placement views (the terminal output of
`polku explain`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcher.explain.words import plural, signed
from matcher.pairs.rules import (
    rule_text,
)
from matcher.pairs.words import MODE_WORDS, eur, num, type_words

if TYPE_CHECKING:
    pass


def format_client(expl: dict) -> str:
    """explain_client's dict as plain text for the terminal."""
    f = expl["facts"]
    lines = [
        f"Client {expl['client_id']} ({f['municipality']}, age {f['age']}, "
        f"work ability {f['work_ability']}"
        + (", partial work ability" if f["partial_work_ability"] else "")
        + ")",
        f"  priority {f['priority']} · {f['benefit_days']} benefit days · "
        f"{f['unemployed_months']} months unemployed"
        + (f" · groups: {', '.join(f['groups'])}" if f["groups"] else ""),
        f"  travels {MODE_WORDS.get(f['transport'], f['transport'])}, "
        f"at most {f['max_commute_min']} min · "
        f"languages {', '.join(f['languages']) or '-'}"
        + (f" · needs {', '.join(f['needs'])}" if f["needs"] else ""),
        "  consents to: " + (", ".join(type_words(t) for t in f["consents"]) or "nothing"),
    ]
    if f["wishes"]:
        lines.append("  wishes: " + ", ".join(f["wishes"]))
    if f["months_used"]:
        lines.append(
            "  months used: "
            + ", ".join(f"{type_words(k)} {num(v)}" for k, v in f["months_used"].items())
        )
    lines.append("")
    outcome = expl["outcome"]
    if outcome == "assigned":
        a = expl["assignment"]
        lines.append(f"ASSIGNED to {a['placement']} ({a['provider']})")
        lines.append(
            f"  {num(a['travel_min'])} min {a['mode']} · cost {eur(a['cost'])}"
            + (f" from pool {a['pool_id']}" if a["pool_id"] else "")
            + (f" · wish #{a['wish_rank']}" if a["wish_rank"] else "")
        )
        lines.append(
            f"  score {a['total']} = "
            + ", ".join(f"{k} {signed(v)}" for k, v in a["score"].items() if v or k == "priority")
        )
        _section(
            lines,
            "Next-best placements:",
            [
                f"  {alt['placement_id']}: score {alt['score']} "
                f"({signed(alt['score_diff'])}) — {alt['why_not']}"
                for alt in expl.get("alternatives", [])
            ],
        )
    else:
        lines.append("NOT ASSIGNED" if outcome == "unassigned" else outcome.upper())
        for reason in expl.get("reasons", []):
            lines.append(f"  - {reason}")
        if expl.get("stored_reasons"):
            lines.append("  (the allocation file gave: " + "; ".join(expl["stored_reasons"]) + ")")
    _section(
        lines,
        f"Feasible placements ({expl.get('feasible_count', 0)}), best first:",
        [
            f" {'*' if e['chosen'] else ' '}{e['placement']}: score {e['score']}, "
            f"{num(e['travel_min'])} min — {'chosen' if e['chosen'] else e.get('why_not', '')}"
            for e in expl.get("feasible", [])
        ],
    )
    _section(
        lines,
        "Closest placements that do not fit:",
        [
            f"  {e['placement']} ({num(e['travel_min'])} min): " + "; ".join(e["fails"])
            for e in expl.get("near_misses", [])
        ],
    )
    _section(
        lines,
        "Placements you were feasible for that went to a client with lower priority:",
        [
            f"  {e['placement_id']} → {e['holder_id']} (priority {e['holder_priority']}): "
            + "; ".join(e["why"])
            for e in expl.get("envy", [])
        ],
    )
    if expl.get("decisions"):
        lines.append("")
        lines.append("Decisions:")
        for d in expl["decisions"]:
            lines.append(
                f"  {d['decision']} {d['placement_id']}"
                + (f" — {d['reason']}" if d["reason"] else "")
                + (f" ({d['by']}{', ' + d['at'] if d['at'] else ''})" if d["by"] else "")
            )
    for w in expl.get("warnings", []):
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def format_placement(expl: dict) -> str:
    """explain_placement's dict as plain text for the terminal."""
    f = expl["facts"]
    lines = [
        f"Placement {expl['placement']} — {f['provider']}",
        f"  {plural(f['seats'], 'seat')} this week · min work ability {f['min_work_ability']} · "
        f"language {f['language']}"
        + (f" · offers {', '.join(f['features'])}" if f["features"] else ""),
        f"  {f['duration_weeks']} weeks · {eur(f['weekly_cost'])}/week · "
        f"pools: {', '.join(f['funding_pools']) or '-'}"
        + (f" · sector {f['sector']}" if f["sector"] else ""),
        "",
    ]
    if expl["proposed"]:
        lines.append("Proposed:")
        for d in expl["proposed"]:
            lines.append(
                f"  {d['client_id']}: score {d['total']} (priority {d['priority']}), "
                f"{num(d['travel_min'])} min, "
                f"{eur(d['cost'])}"
                + (f" from {d['pool_id']}" if d["pool_id"] else "")
                + (" — locked by decision" if d.get("locked") else "")
            )
    else:
        lines.append("Nobody proposed.")
    if expl["free_seats"]:
        lines.append(f"{plural(expl['free_seats'], 'seat')} left free.")
    lines.append("")
    lines.append(
        f"Feasible clients: {expl['feasible_clients']}; not chosen here: {expl['close_count']}"
    )
    for d in expl["close"]:
        lines.append(
            f"  {d['client_id']}: score {d['score']} (priority {d['priority']}) → {d['went_to']}"
            + (f" (scores {d['score_there']} there)" if d["score_there"] is not None else "")
            + f" — {d['why_not_here']}"
        )
    q = expl["queue"]
    lines.append("")
    lines.append(f"Queue: {q['clients']} clients, {q['feasible']} feasible here.")
    for rule, n in q["failing"].items():
        lines.append(f"  {n}: {rule_text(rule)}")
    if expl.get("decisions"):
        lines.append("")
        lines.append("Decisions:")
        for d in expl["decisions"]:
            lines.append(
                f"  {d['decision']} {d['client_id']}" + (f" — {d['reason']}" if d["reason"] else "")
            )
    for w in expl.get("warnings", []):
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def _section(lines: list[str], title: str, entries: list[str]) -> None:
    """Append a blank line, `title` and `entries` to `lines` when there are entries."""
    if entries:
        lines.extend(["", title, *entries])
