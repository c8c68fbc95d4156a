"""Plain words for figures, placement types and transport modes, shared by the rule table and the
explanations (so a rule's reason and an explanation name things the same way)."""

from __future__ import annotations

TYPE_WORDS: dict[str, str] = {
    "work_trial": "work trial",
    "wage_subsidy": "wage-subsidy post",
    "coaching": "coaching",
    "participation": "participation",
}
TYPE_ADJECTIVES: dict[str, str] = {
    "work_trial": "work-trial",
    "wage_subsidy": "wage-subsidy",
    "coaching": "coaching",
    "participation": "participation",
}
MODE_WORDS: dict[str, str] = {
    "car": "by car",
    "transit": "by public transport",
    "none": "on foot/bike",
}


def type_words(key: str) -> str:
    """A placement type in words; a type declared in the rules is shown by its key."""
    return TYPE_WORDS.get(key, key)


def mode_words(key: str) -> str:
    """A transport mode in words ('by public transport')."""
    return MODE_WORDS.get(key, key)


def num(x: float) -> str:
    """At most one decimal: 52.0 → '52', 45.25 → '45.2'."""
    s = f"{float(x):.1f}"
    return s[:-2] if s.endswith(".0") else s


def eur(x: float) -> str:
    """Euros in whole units with a space as thousands separator: 98 012 €."""
    return f"{float(x):,.0f} €".replace(",", " ")
