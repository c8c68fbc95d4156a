"""Plain-text formatters for the client and placement views (the terminal output of
`polku explain`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcher.explain.words import component_words, plural, signed
from matcher.messages import language, say, words
from matcher.pairs.rules import (
    rule_text,
)
from matcher.pairs.words import eur, mode_words, num, type_words

if TYPE_CHECKING:
    pass


def format_client(expl: dict, lang: str | None = None) -> str:
    """A client's explanation as text in `lang` (en, fi; None: the current language)."""
    with language(lang):
        return _format_client(expl)


def _format_client(expl: dict) -> str:
    """explain_client's dict as plain text for the terminal."""
    f = expl["facts"]
    lines = [
        say(
            "fmt.client",
            client=expl["client_id"],
            municipality=f["municipality"],
            age=f["age"],
            ability=f["work_ability"],
            partial=words("fmt.partial") if f["partial_work_ability"] else "",
        ),
        say(
            "fmt.priority",
            priority=f["priority"],
            days=f["benefit_days"],
            months=f["unemployed_months"],
            groups=say("fmt.groups", groups=", ".join(f["groups"])) if f["groups"] else "",
        ),
        say(
            "fmt.travels",
            mode=mode_words(f["transport"]),
            limit=f["max_commute_min"],
            languages=", ".join(f["languages"]) or "-",
            needs=say("fmt.needs", needs=", ".join(f["needs"])) if f["needs"] else "",
        ),
        say(
            "fmt.consents",
            types=", ".join(type_words(t) for t in f["consents"]) or words("fmt.nothing"),
        ),
    ]
    if f["wishes"]:
        lines.append(say("fmt.wishes", wishes=", ".join(f["wishes"])))
    if f["months_used"]:
        used = ", ".join(f"{type_words(k)} {num(v)}" for k, v in f["months_used"].items())
        lines.append(say("fmt.months_used", months=used))
    lines.append("")
    outcome = expl["outcome"]
    if outcome == "assigned":
        a = expl["assignment"]
        lines.append(say("fmt.assigned", place=a["placement"], provider=a["provider"]))
        lines.append(
            say(
                "fmt.trip",
                minutes=num(a["travel_min"]),
                mode=a["mode"],
                cost=eur(a["cost"]),
                pool=say("fmt.from_pool", pool=a["pool_id"]) if a["pool_id"] else "",
                wish=say("fmt.wish", rank=a["wish_rank"]) if a["wish_rank"] else "",
            )
        )
        parts = ", ".join(
            f"{component_words(k)} {signed(v)}"
            for k, v in a["score"].items()
            if v or k == "priority"
        )
        lines.append(say("fmt.score", total=a["total"], parts=parts))
        _section(
            lines,
            words("fmt.next_best"),
            [
                say(
                    "fmt.alternative",
                    placement=alt["placement_id"],
                    score=alt["score"],
                    diff=signed(alt["score_diff"]),
                    why=alt["why_not"],
                )
                for alt in expl.get("alternatives", [])
            ],
        )
    else:
        lines.append(_outcome_words(outcome))
        for reason in expl.get("reasons", []):
            lines.append(f"  - {reason}")
        if expl.get("stored_reasons"):
            lines.append(say("fmt.stored", reasons="; ".join(expl["stored_reasons"])))
    _section(
        lines,
        say("fmt.feasible", count=expl.get("feasible_count", 0)),
        [
            say(
                "fmt.feasible_row",
                mark="*" if e["chosen"] else " ",
                place=e["placement"],
                score=e["score"],
                minutes=num(e["travel_min"]),
                why=words("fmt.chosen") if e["chosen"] else e.get("why_not", ""),
            )
            for e in expl.get("feasible", [])
        ],
    )
    _section(
        lines,
        words("fmt.near"),
        [
            f"  {e['placement']} ({num(e['travel_min'])} min): " + "; ".join(e["fails"])
            for e in expl.get("near_misses", [])
        ],
    )
    _section(
        lines,
        words("fmt.envy"),
        [
            say(
                "fmt.envy_row",
                placement=e["placement_id"],
                holder=e["holder_id"],
                priority=e["holder_priority"],
                why="; ".join(e["why"]),
            )
            for e in expl.get("envy", [])
        ],
    )
    if expl.get("decisions"):
        lines.append("")
        lines.append(words("fmt.decisions"))
        for d in expl["decisions"]:
            lines.append(
                f"  {d['decision']} {d['placement_id']}"
                + (f" — {d['reason']}" if d["reason"] else "")
                + (f" ({d['by']}{', ' + d['at'] if d['at'] else ''})" if d["by"] else "")
            )
    for w in expl.get("warnings", []):
        lines.append(say("fmt.warning", warning=w))
    return "\n".join(lines)


OUTCOME_WORDS: dict[str, str] = {
    "unassigned": "fmt.not_assigned",
    "in current placement": "fmt.in_current",
}


def _outcome_words(outcome: str) -> str:
    """The outcome line ('NOT ASSIGNED'); an outcome the catalogue lacks in capitals."""
    key = OUTCOME_WORDS.get(outcome)
    return words(key) if key else outcome.upper()


def format_placement(expl: dict, lang: str | None = None) -> str:
    """A placement's explanation as text in `lang` (en, fi; None: the current language)."""
    with language(lang):
        return _format_placement(expl)


def _format_placement(expl: dict) -> str:
    """explain_placement's dict as plain text for the terminal."""
    f = expl["facts"]
    features = say("fmt.offers", features=", ".join(f["features"])) if f["features"] else ""
    lines = [
        say("fmt.placement", place=expl["placement"], provider=f["provider"]),
        say(
            "fmt.placement_facts",
            seats=plural(f["seats"], "seat"),
            ability=f["min_work_ability"],
            language=f["language"],
            features=features,
        ),
        say(
            "fmt.duration",
            weeks=f["duration_weeks"],
            cost=eur(f["weekly_cost"]),
            pools=", ".join(f["funding_pools"]) or "-",
            sector=say("fmt.sector", sector=f["sector"]) if f["sector"] else "",
        ),
        "",
    ]
    if expl["proposed"]:
        lines.append(words("fmt.proposed"))
        for d in expl["proposed"]:
            lines.append(
                say(
                    "fmt.proposed_row",
                    client=d["client_id"],
                    total=d["total"],
                    priority=d["priority"],
                    minutes=num(d["travel_min"]),
                    cost=eur(d["cost"]),
                    pool=say("fmt.from", pool=d["pool_id"]) if d["pool_id"] else "",
                    locked=words("fmt.locked") if d.get("locked") else "",
                )
            )
    else:
        lines.append(words("fmt.nobody"))
    if expl["free_seats"]:
        lines.append(say("fmt.left_free", seats=plural(expl["free_seats"], "seat")))
    lines.append("")
    lines.append(
        say("fmt.feasible_clients", count=expl["feasible_clients"], close=expl["close_count"])
    )
    for d in expl["close"]:
        there = d["score_there"]
        lines.append(
            say(
                "fmt.close_row",
                client=d["client_id"],
                score=d["score"],
                priority=d["priority"],
                went=_outcome_went(d["went_to"]),
                there=say("fmt.scores_there", score=there) if there is not None else "",
                why=d["why_not_here"],
            )
        )
    q = expl["queue"]
    lines.append("")
    lines.append(say("fmt.queue", clients=q["clients"], feasible=q["feasible"]))
    for rule, n in q["failing"].items():
        lines.append(f"  {n}: {rule_text(rule)}")
    if expl.get("decisions"):
        lines.append("")
        lines.append(words("fmt.decisions"))
        for d in expl["decisions"]:
            lines.append(
                f"  {d['decision']} {d['client_id']}" + (f" — {d['reason']}" if d["reason"] else "")
            )
    for w in expl.get("warnings", []):
        lines.append(say("fmt.warning", warning=w))
    return "\n".join(lines)


def _outcome_went(went: str) -> str:
    """Where a close client went: a placement id, or 'unassigned' in words."""
    return words("fmt.unassigned") if went == "unassigned" else went


def _section(lines: list[str], title: str, entries: list[str]) -> None:
    """Append a blank line, `title` and `entries` to `lines` when there are entries."""
    if entries:
        lines.extend(["", title, *entries])
