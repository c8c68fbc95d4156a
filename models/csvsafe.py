"""Cells safe for spreadsheets (OWASP's CSV injection rule): a text cell that starts with
= + - @ tab or carriage return is written with a leading apostrophe, so Excel or LibreOffice
shows it as text instead of running it as a formula; reading removes that apostrophe again.
A text that itself starts with apostrophes before such a character gets one more, so every
text round-trips exactly."""

from __future__ import annotations

from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` as a spreadsheet-safe cell."""
    return "'" + text if text.lstrip("'").startswith(TRIGGERS) else text


def restore(text: str) -> str:
    """The text a `neutralise`d cell stood for."""
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(TRIGGERS) else text


def neutralise_all(texts: Iterable[str]) -> list[str]:
    """`neutralise` over many cells, each distinct text once (ids and reasons repeat)."""
    seen: dict[str, str] = {}
    return [seen.setdefault(t, neutralise(t)) if t not in seen else seen[t] for t in texts]


def restore_all(texts: Iterable[str]) -> list[str]:
    """`restore` over many cells."""
    return [restore(t) if t[:1] == "'" else t for t in texts]
