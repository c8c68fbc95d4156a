"""Spreadsheet-safe cells: formulas neutralised on write, every text restored on read."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from models.csvsafe import TRIGGERS, neutralise, restore


def test_triggers_get_an_apostrophe():
    for t in TRIGGERS:
        assert neutralise(t + "x") == "'" + t + "x"
    assert neutralise("'=x") == "''=x"
    assert neutralise("abc") == "abc" and neutralise("") == "" and neutralise("'a") == "'a"


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "a", " "]), max_size=6))
def test_every_text_round_trips(text):
    safe = neutralise(text)
    assert restore(safe) == text
    assert not safe.startswith(TRIGGERS)
