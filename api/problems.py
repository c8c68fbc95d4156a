"""Errors whose text is a message of the catalogue: a key (`error.*` in matcher/messages.json)
and its fields, never a sentence, so api/errors.py answers in the request's language (`?lang=`,
else Accept-Language, else English) and str() is the English text (logs, the command line).

`Said` is the base: the store's NotFound/Conflict/TooMany are Said errors (HTTP 404/409/429),
`HttpError` is a route's own HTTP error with its status, and `FieldProblem` a request field the
rules refuse (422 naming the field). tests/api/test_error_texts.py walks every raise site of
api/ so that a new English-only text fails."""

from __future__ import annotations

from typing import Any

from matcher.messages import CATALOGUE, DEFAULT_LANG, language, say


def text(key: str, lang: str, fields: dict[str, Any]) -> str:
    """Message `key` in `lang` with `fields` filled in."""
    if key not in CATALOGUE:
        raise KeyError(f"the message catalogue has no {key!r}")
    with language(lang):
        return say(key, **fields)


class Said(Exception):
    """An error told by a catalogue key and its fields; `text(lang)` in any language."""

    def __init__(self, key: str, /, **fields: Any):
        self.key = key
        self.fields = fields
        super().__init__(text(key, DEFAULT_LANG, fields))

    def text(self, lang: str) -> str:
        return text(self.key, lang, self.fields)


class HttpError(Said):
    """A route's own HTTP error: status, catalogue key, fields (and headers, as a 401's
    WWW-Authenticate)."""

    def __init__(
        self, status: int, key: str, /, headers: dict[str, str] | None = None, **fields: Any
    ):
        super().__init__(key, **fields)
        self.status = status
        self.headers = headers


class FieldProblem(Said):
    """A request field whose value the rules refuse; HTTP 422 with the field named."""

    def __init__(self, field: str, key: str, /, **fields: Any):
        super().__init__(key, **fields)
        self.field = field
