"""The API's error texts are catalogue messages in the request's language: every raise site of
api/ names an `error.*` key with both languages and the fields its texts need (so a new
English-only text fails here), and the routes answer in Finnish with `?lang=fi` or
Accept-Language (404, 401, 403, 409, 422 and Starlette's own 404)."""

from __future__ import annotations

import ast
import re
import string

import pytest

from matcher.messages import CATALOGUE, LANGS
from tests.factories import ROOT

SAID = {"HttpError", "NotFound", "Conflict", "TooMany", "Said", "FieldProblem", "RuleBroken"}
KEY_AT = {"HttpError": 1, "FieldProblem": 1}  # (status, key) and (field, key); others key first
POSITIONAL = {"RuleBroken": {"errors"}}  # RuleBroken(key, errors): the lines its text joins
KEY = re.compile(r"^error(\.[a-z0-9_]+)+$")
SOURCES = sorted((ROOT / "api").rglob("*.py"))


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def raise_sites() -> list[tuple[str, int, str, ast.Call]]:
    """(file, line, class, call) of every `raise X(…)` of a catalogue error in api/."""
    out = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in SAID:
                    out.append((str(path.relative_to(ROOT)), node.lineno, name, node.exc))
    return out


def test_every_raise_site_names_a_key_with_both_languages_and_its_fields() -> None:
    sites = raise_sites()
    assert len(sites) > 60  # the walk found the routes', services' and store's raise sites
    wrong = []
    for where, line, name, call in sites:
        arg = call.args[KEY_AT.get(name, 0)] if len(call.args) > KEY_AT.get(name, 0) else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            key = arg.value
            if key not in CATALOGUE:
                wrong.append(f"{where}:{line}: {key!r} is not a catalogue key")
                continue
            given = {k.arg for k in call.keywords} | POSITIONAL.get(name, set())
            if None in given:  # **fields: checked where they are made
                continue
            for lang in LANGS:
                missing = fields_of(CATALOGUE[key][lang]) - given
                if missing:
                    wrong.append(f"{where}:{line}: {key} ({lang}) needs {sorted(missing)}")
        elif not isinstance(arg, (ast.Name, ast.Subscript)):
            # a sentence (an f-string or literal text) instead of a key
            wrong.append(f"{where}:{line}: {name}({ast.unparse(arg) if arg else ''}) is no key")
    assert not wrong, "\n".join(wrong)


def test_every_error_key_in_the_code_has_both_languages_with_the_same_fields() -> None:
    used = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if KEY.match(node.value):
                    used.add(node.value)
    assert {"error.run.publish_rejected", "error.end.not_holding_unpublished"} <= used
    assert not used - set(CATALOGUE), sorted(used - set(CATALOGUE))
    for key in sorted(k for k in CATALOGUE if k.startswith("error.")):
        texts = CATALOGUE[key]
        assert set(texts) == set(LANGS), key
        assert fields_of(texts["en"]) == fields_of(texts["fi"]), key


def test_no_route_raises_fastapis_english_http_exception() -> None:
    users = [
        str(p.relative_to(ROOT))
        for p in SOURCES
        if re.search(r"\bHTTPException\(", p.read_text(encoding="utf-8"))
    ]
    assert users == []


@pytest.fixture
def run(api) -> int:
    return api.solved_run(api.upload_week())


def test_the_routes_answer_in_finnish(api, run) -> None:
    fi = {"Accept-Language": "fi-FI,fi;q=0.9"}
    r = api.get("/runs/9999", headers=fi)
    assert (r.status_code, r.json()["detail"]) == (404, "ajoa 9999 ei löydy")
    assert api.get("/runs/9999").json()["detail"] == "run 9999 not found"  # English by default
    r = api.get("/runs/9999?lang=fi", "liaison_a", headers={"Accept-Language": "en"})
    assert r.json()["detail"] == "ajoa 9999 ei löydy"  # ?lang= first
    r = api.get("/me", "none", headers=fi)
    assert r.status_code == 401 and r.json()["detail"].startswith("käyttötunniste puuttuu")
    assert r.headers["www-authenticate"] == "Bearer"
    r = api.get(f"/runs/{run}/summary", "liaison_a", headers=fi)
    assert r.status_code == 403 and "ei roolille liaison" in r.json()["detail"]
    r = api.get("/no/such/route", headers=fi)
    assert (r.status_code, r.json()["detail"]) == (404, "Ei löydy")

    assert api.post(f"/runs/{run}/publish").status_code == 200
    r = api.post(f"/runs/{run}/publish", headers=fi)  # the store's Conflict
    assert (r.status_code, r.json()["detail"]) == (409, f"ajo {run} on jo julkaistu")
    late = {"client_ids": ["c4"], "reason": "muutto", "end_week": "2026-W50"}
    r = api.post(f"/runs/{run}/placements/p2/end?lang=fi", json=late)
    assert r.status_code == 422
    (field,) = r.json()["errors"]
    assert field["loc"][-1] == "end_week"
    assert field["message"].startswith("2026-W50 on tämän viikon 2026-W48 jälkeen")
    r = api.post(f"/runs/{run}/placements/p2/outcome", json={"client_id": "c4", "outcome": "other"})
    assert r.status_code == 404 and "no ended placement of client 'c4'" in r.json()["detail"]


def test_a_refused_accept_says_its_rule_lines_in_finnish(api, run) -> None:
    proposals = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    client, placement = next(
        (p["client_id"], p["placement_id"]) for p in proposals if p["placement_id"] == "p1"
    )
    other = next(c for c in ("c2", "c3", "c1") if c != client)
    pin = {"client_id": other, "placement_id": "p1", "decision": "accept"}
    assert api.post(f"/runs/{run}/decisions", json=pin).status_code == 201  # p1's one seat
    accept = {"client_id": client, "placement_id": "p1", "decision": "accept"}
    r = api.post(f"/runs/{run}/decisions?lang=fi", "liaison_a", json=accept)
    assert r.status_code == 409, r.text
    assert r.json()["errors"] == [
        "seats: paikassa p1 on 1 vapaata paikkaa, ja niistä 1 on kiinnitetty muille asiakkaille"
    ]
    assert r.json()["detail"].startswith("hyväksyntä rikkoo sääntöä: seats: paikassa p1")
    english = api.post(f"/runs/{run}/decisions", "liaison_a", json=accept).json()
    assert english["errors"] == ["seats: p1 has 1 free seat(s), 1 locked for other clients"]
