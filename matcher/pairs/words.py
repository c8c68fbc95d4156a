"""Plain words for figures, placement types and transport modes, shared by the rule table and the
explanations (so a rule's reason and an explanation name things the same way); the words come
from the message catalogue in the current language."""

from __future__ import annotations

from matcher.messages import CATALOGUE, words


def type_words(key: str) -> str:
    """A placement type in words; a type declared in the rules is shown by its key."""
    return words(f"type.{key}") if f"type.{key}" in CATALOGUE else key


def type_adjective(key: str) -> str:
    """A placement type as the first part of a compound ('work-trial pool')."""
    return words(f"type_adj.{key}") if f"type_adj.{key}" in CATALOGUE else key


def mode_words(key: str) -> str:
    """A transport mode in words ('by public transport')."""
    return words(f"mode.{key}") if f"mode.{key}" in CATALOGUE else key


def num(x: float) -> str:
    """At most one decimal: 52.0 → '52', 45.25 → '45.2'."""
    s = f"{float(x):.1f}"
    return s[:-2] if s.endswith(".0") else s


def eur(x: float) -> str:
    """Euros in whole units with a space as thousands separator: 98 012 €."""
    return f"{float(x):,.0f} €".replace(",", " ")
