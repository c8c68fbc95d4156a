"""The message catalogue: every key in every language with the same format fields."""

from __future__ import annotations

import string

import pytest

from matcher.messages import (
    CATALOGUE,
    LANGS,
    PAGE_SHARED,
    LanguageError,
    current,
    from_accept_language,
    language,
    page_labels,
    say,
)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_every_language_with_the_same_fields(key: str) -> None:
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGS)
    assert all(entry[lang].strip() for lang in LANGS)
    assert _fields(entry["fi"]) == _fields(entry["en"])


def test_language_switches_inside_the_block_only() -> None:
    assert current() == "en"
    with language("fi"):
        assert say("reason.ability", have=2, need=3).startswith("työkyky 2")
    assert say("reason.ability", have=2, need=3) == "work ability 2 is below its minimum 3"


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(LanguageError, match="'sv' is not one of en, fi"):
        with language("sv"):
            pass


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("fi-FI,fi;q=0.9,en;q=0.8", "fi"),
        ("en-GB,en;q=0.9", "en"),
        ("sv;q=1, fi;q=0.5", "fi"),
        ("en;q=0.2, fi;q=0.7", "fi"),
        ("de", None),
        (None, None),
    ],
)
def test_accept_language_picks_the_best_language_we_have(header: str | None, lang: str) -> None:
    assert from_accept_language(header) == lang


def test_the_page_section_has_one_key_per_label_in_both_languages() -> None:
    labels = page_labels()
    assert set(labels) == set(LANGS)
    assert set(labels["fi"]) == set(labels["en"]) and len(labels["fi"]) > 300
    page = {k.removeprefix("page.") for k in CATALOGUE if k.startswith("page.")}
    shared = {k for k in CATALOGUE if k.startswith(PAGE_SHARED)}
    assert not page & shared, "a page.* key shadows a shared engine key"
    assert set(labels["fi"]) == page | shared
    assert labels["fi"]["outcome.job_search"] == CATALOGUE["outcome.job_search"]["fi"]


@pytest.mark.parametrize("lang", LANGS)
def test_one_label_per_placement_type_for_the_engine_and_the_pages(lang: str) -> None:
    from matcher.pairs.words import type_words

    labels = page_labels()[lang]
    assert not [k for k in CATALOGUE if k.startswith("page.type.")]  # no second set
    for key in ("work_trial", "wage_subsidy", "coaching", "participation"):
        with language(lang):
            assert labels[f"type.{key}"] == type_words(key)
