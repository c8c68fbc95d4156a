"""The message catalogue: every reason and explanation text and every page label in English and
Finnish, keyed, with the figures as format fields (messages.json); the language is chosen per call
with `language()` so the rule table and the explain modules need no language argument threaded
through them. The pages' labels are the `page.*` keys plus the families both sides show
(`PAGE_SHARED`: outcome categories, placement types); `page_labels()` gives them in the shape the pages' i18n.js fetches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "fi")
DEFAULT_LANG = "en"
CATALOGUE: dict[str, dict[str, str]] = json.loads(
    Path(__file__).with_name("messages.json").read_text(encoding="utf-8")
)
PAGE_PREFIX = "page."
PAGE_SHARED: tuple[str, ...] = ("outcome.", "type.")
_LANG: ContextVar[str] = ContextVar("polku_lang", default=DEFAULT_LANG)


class LanguageError(ValueError):
    """A language the catalogue does not have."""


def check_lang(lang: str) -> str:
    """`lang` itself when the catalogue has it, else LanguageError naming the choices."""
    if lang not in LANGS:
        raise LanguageError(f"language {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def current() -> str:
    """The language texts are made in now."""
    return _LANG.get()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Make texts in `lang` inside the block (None keeps the current language)."""
    token = _LANG.set(check_lang(lang) if lang is not None else _LANG.get())
    try:
        yield _LANG.get()
    finally:
        _LANG.reset(token)


def say(key: str, /, **fields: object) -> str:
    """The message `key` in the current language with its figures filled in."""
    return CATALOGUE[key][_LANG.get()].format(**fields)


def words(key: str) -> str:
    """A fixed word or phrase (a message without fields)."""
    return CATALOGUE[key][_LANG.get()]


def page_labels() -> dict[str, dict[str, str]]:
    """The pages' labels per language ({"en": {key: text}, "fi": …}): every `page.<key>` as
    `<key>`, and the shared families (outcome categories) under their own keys."""
    labels: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for key, entry in CATALOGUE.items():
        if key.startswith(PAGE_PREFIX):
            name = key.removeprefix(PAGE_PREFIX)
        elif key.startswith(PAGE_SHARED):
            name = key
        else:
            continue
        for lang in LANGS:
            labels[lang][name] = entry[lang]
    return labels


def from_accept_language(header: str | None) -> str | None:
    """The first language of an Accept-Language header the catalogue has ('fi-FI,fi;q=0.9' → 'fi')."""
    ranked = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower().split("-")[0]))
    for _, _, tag in sorted(ranked):
        if tag in LANGS:
            return tag
    return None
