"""Tests of the instance reader (instances/read.py) and checks (instances/validate.py).

A small valid instance is written with the project's writer, then corrupted one way at a time;
each test asserts the problem names the file, the physical line, the column and the value.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from instances.build import build_instance
from instances.problems import WARNING, InstanceError, Problem
from instances.read import read_instance, read_instance_with_warnings
from instances.validate import validate_instance, validate_instance_with_warnings
from instances.write import write_instance
from tests.instances.cases import client, placement, rows_of, set_cell, valid_instance, write_rows

# ---------------------------------------------------------------- helpers


def drop_column(folder: Path, filename: str, column: str) -> None:
    rows = rows_of(folder / filename)
    i = rows[0].index(column)
    write_rows(folder / filename, [r[:i] + r[i + 1 :] for r in rows])


def errors(path: Path) -> list[Problem]:
    with pytest.raises(InstanceError) as info:
        read_instance(path)
    return info.value.problems


def find(problems: list[Problem], file: str, line: int | None, column: str | None) -> Problem:
    hits = [p for p in problems if (p.file, p.line, p.column) == (file, line, column)]
    assert hits, f"no problem at {file}:{line} {column} in:\n" + "\n".join(map(str, problems))
    return hits[0]


# ---------------------------------------------------------------- the valid instance


def test_valid_instance_reads_with_parsed_cells(folder: Path) -> None:
    inst, warnings = read_instance_with_warnings(folder)
    assert warnings == []
    assert inst.name == "test-2026-W48" and inst.week == "2026-W48"
    assert "training" in inst.rules.types
    c1 = inst.clients.iloc[0]
    assert c1["languages"] == ("fi",) and c1["consents"] == ("work_trial", "coaching", "training")
    assert c1["months_used"] == {"work_trial": 2.0} and c1["abilities"] == {"physical": 3.0}
    assert inst.clients["work_ability"].dtype == np.int64
    assert inst.clients["partial_work_ability"].dtype == bool
    assert np.isnan(inst.clients["weeks_since_activation"].iloc[2])
    assert inst.clients["municipality"].iloc[2] == "Siilinjärvi"
    assert np.isnan(inst.providers["max_subsidised"].iloc[0])
    assert inst.providers["name"].iloc[0] == "Osuuskunta, Kuopio"
    assert inst.pools["budget"].tolist() == [10000.0, 5000.5]
    assert inst.has_decisions_file and len(inst.decisions) == 1
    # the columnar view builds from what was read
    assert inst.columns.n_clients == 3


def test_problem_text_names_file_line_column_value_and_expectation() -> None:
    p = Problem("clients.csv", 14, "work_ability", "9", "is out of range", "a whole number 1..5")
    assert str(p) == (
        "clients.csv:14: column work_ability: value '9' is out of range "
        "(expected a whole number 1..5)"
    )


def test_out_of_range_work_ability_is_reported_exactly(folder: Path) -> None:
    set_cell(folder, "clients.csv", 3, "work_ability", "9")
    p = find(errors(folder), "clients.csv", 3, "work_ability")
    assert str(p) == (
        "clients.csv:3: column work_ability: value '9' is out of range "
        "(expected a whole number 1..5)"
    )


# ---------------------------------------------------------------- files and columns


@pytest.mark.parametrize(
    "name", ["clients.csv", "placements.csv", "providers.csv", "funding.csv", "instance.json"]
)
def test_missing_file(folder: Path, name: str) -> None:
    (folder / name).unlink()
    p = find(errors(folder), name, None, None)
    assert "missing" in p.message


def test_decisions_file_is_optional(folder: Path) -> None:
    (folder / "decisions.csv").unlink()
    inst = read_instance(folder)
    assert not inst.has_decisions_file and inst.decisions.empty


@pytest.mark.parametrize("content", [b"", b"client_id,placement_id,decision\n"])
def test_empty_or_header_only_decisions_are_fine(folder: Path, content: bytes) -> None:
    (folder / "decisions.csv").write_bytes(content)
    inst = read_instance(folder)
    assert inst.has_decisions_file and inst.decisions.empty


def test_file_names_match_case_insensitively_with_a_warning(folder: Path) -> None:
    (folder / "clients.csv").rename(folder / "Clients.CSV")
    inst, warnings = read_instance_with_warnings(folder)
    assert len(inst.clients) == 3
    assert "'Clients.CSV'" in find(warnings, "clients.csv", None, None).message


@pytest.mark.parametrize("name", ["clients.csv", "placements.csv", "providers.csv", "funding.csv"])
def test_empty_file_is_an_error(folder: Path, name: str) -> None:
    (folder / name).write_bytes(b"")
    p = find(errors(folder), name, None, None)
    assert "empty" in p.message and "id" in (p.expected or "")


def test_header_only_clients_is_fine(folder: Path) -> None:
    rows = rows_of(folder / "clients.csv")
    write_rows(folder / "clients.csv", rows[:1])
    (folder / "decisions.csv").write_text("client_id,placement_id,decision\n")
    assert len(read_instance(folder).clients) == 0


def test_missing_required_column(folder: Path) -> None:
    drop_column(folder, "clients.csv", "work_ability")
    problems = errors(folder)
    p = find(problems, "clients.csv", 1, "work_ability")
    assert "required column is missing" in p.message
    # no noise: the rows are not each reported for the absent column
    assert [q for q in problems if q.file == "clients.csv"] == [p]


def test_column_names_are_case_sensitive_with_a_hint(folder: Path) -> None:
    set_cell(folder, "placements.csv", 1, "seats", "Seats")
    p = find(errors(folder), "placements.csv", 1, "seats")
    assert "'Seats'" in p.message


def test_missing_optional_column_is_empty_and_not_written_back(folder: Path) -> None:
    drop_column(folder, "clients.csv", "wishes")
    drop_column(folder, "clients.csv", "abilities")
    inst = read_instance(folder)
    assert inst.clients["wishes"].tolist() == [(), (), ()]
    assert inst.clients["abilities"].tolist() == [{}, {}, {}]
    assert "wishes" not in inst.columns_in_file["clients.csv"]


def test_duplicate_column(folder: Path) -> None:
    set_cell(folder, "providers.csv", 1, "name", "kind")
    p = find(errors(folder), "providers.csv", 1, "kind")
    assert "twice" in p.message


def test_unknown_extra_columns_are_kept_as_text(folder: Path) -> None:
    rows = rows_of(folder / "clients.csv")
    rows[0].insert(2, "note")
    for i, r in enumerate(rows[1:]):
        r.insert(2, f" x{i} ")
    write_rows(folder / "clients.csv", rows)
    inst = read_instance(folder)
    assert inst.clients["note"].tolist() == [" x0 ", " x1 ", " x2 "]
    assert inst.columns_in_file["clients.csv"][:3] == ["id", "municipality", "note"]


# ---------------------------------------------------------------- ids and references


def test_duplicate_id(folder: Path) -> None:
    set_cell(folder, "clients.csv", 4, "id", "c1")
    (folder / "decisions.csv").unlink()
    p = find(errors(folder), "clients.csv", 4, "id")
    assert p.value == "c1" and "first at line 2" in p.message


@pytest.mark.parametrize(
    ("filename", "line", "column", "value"),
    [
        ("placements.csv", 2, "provider_id", "v9"),
        ("placements.csv", 3, "funding_pools", "f9"),
        ("clients.csv", 2, "wishes", "p9"),
        ("clients.csv", 4, "current_placement", "p9"),
        ("decisions.csv", 2, "client_id", "c9"),
        ("decisions.csv", 2, "placement_id", "p9"),
        ("funding.csv", 3, "groups", "nosuch"),
    ],
)
def test_unknown_reference(folder: Path, filename: str, line: int, column: str, value: str) -> None:
    set_cell(folder, filename, line, column, value)
    p = find(errors(folder), filename, line, column)
    assert p.value == value
    assert p.message.startswith(("names no", "is not a client group"))


def test_unknown_item_among_good_ones_is_named(folder: Path) -> None:
    set_cell(folder, "clients.csv", 2, "wishes", "p1;p7;p3")
    p = find(errors(folder), "clients.csv", 2, "wishes")
    assert p.value == "p7" and p.expected == "an id in placements.csv"


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("filename", "line", "column", "value"),
    [
        ("clients.csv", 2, "work_ability", "0"),
        ("clients.csv", 3, "age", "-3"),
        ("clients.csv", 2, "benefit_days", "-1"),
        ("clients.csv", 2, "max_commute_min", "-5"),
        ("clients.csv", 2, "lat", "95.5"),
        ("clients.csv", 2, "lon", "-181"),
        ("clients.csv", 2, "weeks_since_activation", "-2"),
        ("placements.csv", 2, "seats", "-1"),
        ("placements.csv", 2, "min_work_ability", "6"),
        ("placements.csv", 3, "duration_weeks", "-2"),
        ("placements.csv", 3, "weekly_cost", "-10.5"),
        ("placements.csv", 2, "lat", "-91"),
        ("providers.csv", 3, "max_subsidised", "-1"),
        ("funding.csv", 2, "budget", "-5"),
    ],
)
def test_number_out_of_range(
    folder: Path, filename: str, line: int, column: str, value: str
) -> None:
    set_cell(folder, filename, line, column, value)
    p = find(errors(folder), filename, line, column)
    assert p.value == value and p.message == "is out of range" and p.expected


@pytest.mark.parametrize(
    ("filename", "line", "column", "cell", "shown"),
    [
        ("clients.csv", 2, "abilities", "physical:7", "physical:7"),
        ("placements.csv", 2, "demands", "physical:0", "physical:0"),
        ("clients.csv", 3, "months_used", "coaching:-1", "coaching:-1"),
    ],
)
def test_level_out_of_range(
    folder: Path, filename: str, line: int, column: str, cell: str, shown: str
) -> None:
    set_cell(folder, filename, line, column, cell)
    p = find(errors(folder), filename, line, column)
    assert p.value == shown and p.message == "is out of range"


@pytest.mark.parametrize(
    ("filename", "line", "column", "cell", "shown", "message"),
    [
        ("placements.csv", 3, "type", "internship", "internship", "is not a placement type"),
        ("clients.csv", 2, "transport", "bike", "bike", "is not a transport mode"),
        ("providers.csv", 2, "kind", "corporation", "corporation", "is not a provider kind"),
        ("decisions.csv", 2, "decision", "maybe", "maybe", "is not a decision"),
        (
            "clients.csv",
            3,
            "consents",
            "coaching;internship",
            "internship",
            "is not a placement type",
        ),
        ("funding.csv", 3, "types", "internship", "internship", "is not a placement type"),
        (
            "clients.csv",
            2,
            "months_used",
            "work_trial:1;internship:2",
            "internship",
            "is not a placement type",
        ),
    ],
)
def test_unknown_kind(
    folder: Path, filename: str, line: int, column: str, cell: str, shown: str, message: str
) -> None:
    set_cell(folder, filename, line, column, cell)
    p = find(errors(folder), filename, line, column)
    assert p.value == shown and p.message == message
    assert p.expected and p.expected.startswith("one of")


def test_types_declared_in_rules_are_known(folder: Path) -> None:
    p = find(
        errors_after(folder, "placements.csv", 2, "type", "training2"), "placements.csv", 2, "type"
    )
    assert "training" in (p.expected or "")


def errors_after(folder: Path, filename: str, line: int, column: str, value: str) -> list[Problem]:
    set_cell(folder, filename, line, column, value)
    return errors(folder)


@pytest.mark.parametrize(
    ("filename", "line", "column", "cell", "message"),
    [
        ("clients.csv", 2, "age", "abc", "is not a whole number"),
        ("clients.csv", 3, "age", "30.5", "is not a whole number"),
        ("clients.csv", 2, "lat", "62,89", "is not a number"),
        ("clients.csv", 2, "lon", "nan", "is not a number"),
        ("clients.csv", 4, "partial_work_ability", "maybe", "is not true or false"),
        ("clients.csv", 2, "weeks_since_activation", "x", "is not a whole number"),
        ("placements.csv", 3, "seats", "two", "is not a whole number"),
        ("providers.csv", 3, "max_subsidised", "1.5", "is not a whole number"),
    ],
)
def test_wrong_cell_type(
    folder: Path, filename: str, line: int, column: str, cell: str, message: str
) -> None:
    set_cell(folder, filename, line, column, cell)
    p = find(errors(folder), filename, line, column)
    assert p.value == cell and p.message == message and p.expected


def test_bad_kv_entry_is_named(folder: Path) -> None:
    set_cell(folder, "clients.csv", 3, "months_used", "work_trial:2;coaching=1")
    p = find(errors(folder), "clients.csv", 3, "months_used")
    assert p.value == "coaching=1" and p.message == "is not key:number"


def test_missing_required_values(folder: Path) -> None:
    set_cell(folder, "clients.csv", 2, "age", "")
    set_cell(folder, "clients.csv", 3, "languages", " ; ")
    set_cell(folder, "placements.csv", 2, "language", "")
    problems = errors(folder)
    for file, line, column in [
        ("clients.csv", 2, "age"),
        ("clients.csv", 3, "languages"),
        ("placements.csv", 2, "language"),
    ]:
        assert find(problems, file, line, column).message == "missing value"


@pytest.mark.parametrize("word", ["TRUE", "1", "yes", "Kyllä", "true"])
def test_bool_words(folder: Path, word: str) -> None:
    set_cell(folder, "clients.csv", 2, "partial_work_ability", word)
    set_cell(folder, "clients.csv", 3, "partial_work_ability", "")
    set_cell(folder, "clients.csv", 4, "partial_work_ability", "EI")
    assert read_instance(folder).clients["partial_work_ability"].tolist() == [True, False, False]


def test_cells_are_stripped_and_lists_drop_empty_items(folder: Path) -> None:
    set_cell(folder, "clients.csv", 2, "languages", " fi ; en ;; ")
    set_cell(folder, "clients.csv", 2, "transport", " car ")
    set_cell(folder, "clients.csv", 2, "age", " 31 ")
    inst = read_instance(folder)
    assert inst.clients["languages"].iloc[0] == ("fi", "en")
    assert inst.clients["transport"].iloc[0] == "car" and inst.clients["age"].iloc[0] == 31


# ---------------------------------------------------------------- decisions


def test_repeated_decision_is_a_warning(folder: Path) -> None:
    rows = rows_of(folder / "decisions.csv")
    write_rows(folder / "decisions.csv", rows + [rows[1]])
    _, warnings = read_instance_with_warnings(folder)
    p = find(warnings, "decisions.csv", 3, "decision")
    assert "repeats line 2" in p.message and p.severity == WARNING


def test_pair_both_locked_and_forbidden(folder: Path) -> None:
    rows = rows_of(folder / "decisions.csv")
    write_rows(folder / "decisions.csv", rows + [["c1", "p1", "forbid", "", "", ""]])
    p = find(errors(folder), "decisions.csv", 3, "decision")
    assert p.value == "forbid" and "both lock and forbid" in p.message


def test_client_locked_to_two_placements(folder: Path) -> None:
    rows = rows_of(folder / "decisions.csv")
    write_rows(folder / "decisions.csv", rows + [["c1", "p3", "lock", "", "", ""]])
    p = find(errors(folder), "decisions.csv", 3, "placement_id")
    assert p.value == "p3" and "second placement" in p.message and "line 2" in p.message


def test_lock_away_from_current_placement(folder: Path) -> None:
    rows = rows_of(folder / "decisions.csv")
    write_rows(
        folder / "decisions.csv",
        rows + [["c2", "p1", "lock", "", "", ""], ["c2", "p2", "lock", "", "", ""]],
    )
    problems = errors(folder)
    p = find(problems, "decisions.csv", 3, "placement_id")
    assert "current placement p2" in p.message
    # the lock to the current placement itself is fine (a kept acceptance)
    assert not [q for q in problems if q.line == 4 and "current" in q.message]


def test_more_locks_than_seats_is_a_warning(folder: Path) -> None:
    rows = rows_of(folder / "decisions.csv")
    write_rows(folder / "decisions.csv", rows + [["c3", "p1", "lock", "", "", ""]])
    set_cell(folder, "placements.csv", 2, "seats", "1")
    _, warnings = read_instance_with_warnings(folder)
    p = find(warnings, "decisions.csv", 2, "placement_id")
    assert "2 locked clients but 1 free seats" in p.message


# ---------------------------------------------------------------- warnings on legal data


def test_placement_without_pool_is_a_warning(folder: Path) -> None:
    set_cell(folder, "placements.csv", 2, "funding_pools", "")
    inst, warnings = read_instance_with_warnings(folder)
    p = find(warnings, "placements.csv", 2, "funding_pools")
    assert "no pool can pay" in p.message
    set_cell(folder, "placements.csv", 2, "weekly_cost", "0")
    assert read_instance_with_warnings(folder)[1] == []  # free seats need no pool


def test_pool_not_covering_the_type_is_a_warning(folder: Path) -> None:
    set_cell(folder, "placements.csv", 2, "funding_pools", "f2")
    _, warnings = read_instance_with_warnings(folder)
    assert "covers type work_trial" in find(warnings, "placements.csv", 2, "funding_pools").message


def test_need_no_placement_offers_is_a_warning(folder: Path) -> None:
    set_cell(folder, "clients.csv", 3, "needs", "quiet;wheelchiar")
    set_cell(folder, "clients.csv", 4, "needs", "wheelchiar")
    _, warnings = read_instance_with_warnings(folder)
    p = find(warnings, "clients.csv", 3, "needs")
    assert p.value == "wheelchiar" and "needed by 2 clients" in p.message


# ---------------------------------------------------------------- text, separators, layout


def test_utf8_bom_is_accepted_silently(folder: Path) -> None:
    path = folder / "clients.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (folder / "instance.json").write_bytes(
        b"\xef\xbb\xbf" + (folder / "instance.json").read_bytes()
    )
    inst, warnings = read_instance_with_warnings(folder)
    assert warnings == [] and inst.clients["id"].iloc[0] == "c1"


def test_windows_1252_is_read_with_a_warning(folder: Path) -> None:
    path = folder / "clients.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    inst, warnings = read_instance_with_warnings(folder)
    assert inst.clients["municipality"].iloc[2] == "Siilinjärvi"
    p = find(warnings, "clients.csv", 4, None)
    assert "Windows-1252" in p.message


def test_windows_line_endings(folder: Path) -> None:
    for name in ("clients.csv", "placements.csv"):
        path = folder / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    inst, warnings = read_instance_with_warnings(folder)
    assert warnings == []
    assert inst.clients["abilities"].iloc[0] == {"physical": 3.0}
    assert inst.placements["demands"].iloc[0] == {"physical": 2.0}
    set_cell(folder, "clients.csv", 3, "age", "x")
    path = folder / "clients.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert find(errors(folder), "clients.csv", 3, "age").value == "x"


def test_semicolon_separated_file_is_read_with_a_warning(folder: Path) -> None:
    before = read_instance(folder)
    rows = rows_of(folder / "clients.csv")
    lat = rows[0].index("lat")
    for r in rows[1:]:
        r[lat] = r[lat].replace(".", ",")  # Finnish Excel: decimal comma
    write_rows(folder / "clients.csv", rows, sep=";")  # csv quotes cells holding ';'
    assert '"work_trial;coaching;training"' in (folder / "clients.csv").read_text()
    inst, warnings = read_instance_with_warnings(folder)
    assert [w.file for w in warnings] == ["clients.csv"] and "';'-separated" in warnings[0].message
    for column in ("lat", "consents", "months_used", "wishes"):
        assert inst.clients[column].tolist() == before.clients[column].tolist()


def test_semicolon_file_with_unquoted_list_is_an_error_on_its_line(folder: Path) -> None:
    rows = rows_of(folder / "clients.csv")
    text = "\n".join(";".join(r) for r in rows) + "\n"  # no quoting: lists split into cells
    (folder / "clients.csv").write_text(text)
    p = find(errors(folder), "clients.csv", 2, None)
    assert "cells but the header has 20" in p.message and "double quotes" in p.message


def test_row_with_too_many_or_too_few_cells(folder: Path) -> None:
    lines = (folder / "clients.csv").read_text().splitlines()
    lines[1] += ",extra"
    lines[2] = lines[2].rsplit(",", 3)[0]
    (folder / "clients.csv").write_text("\n".join(lines) + "\n")
    problems = errors(folder)
    assert "21 cells" in find(problems, "clients.csv", 2, None).message
    assert "17 cells" in find(problems, "clients.csv", 3, None).message


@pytest.mark.parametrize("in_header", [True, False])
def test_trailing_empty_cells_are_tolerated(folder: Path, in_header: bool) -> None:
    lines = (folder / "providers.csv").read_text().splitlines()
    header = lines[0] + (",," if in_header else "")
    (folder / "providers.csv").write_text(
        "\n".join([header] + [x + ",," for x in lines[1:]]) + "\n"
    )
    inst = read_instance(folder)
    assert inst.providers["id"].tolist() == ["v1", "v2"]
    assert inst.columns_in_file["providers.csv"] == lines[0].split(",")


def test_unnamed_column_with_values_is_an_error(folder: Path) -> None:
    lines = (folder / "providers.csv").read_text().splitlines()
    (folder / "providers.csv").write_text(
        "\n".join([lines[0] + ",", lines[1] + ",x", lines[2] + ","]) + "\n"
    )
    p = find(errors(folder), "providers.csv", 1, "#6")
    assert "no name" in p.message


def test_rows_left_out_do_not_cause_reference_noise(folder: Path) -> None:
    lines = (folder / "providers.csv").read_text().splitlines()
    lines[1] += ",surplus"
    (folder / "providers.csv").write_text("\n".join(lines) + "\n")
    problems = errors(folder)
    assert [(p.file, p.line) for p in problems] == [("providers.csv", 2)]


def test_blank_and_empty_rows_are_skipped_and_lines_stay_physical(folder: Path) -> None:
    lines = (folder / "clients.csv").read_text().splitlines()
    empty = "," * (lines[0].count(","))
    text = "\n".join([lines[0], "", lines[1], empty, lines[2], lines[3], ""]) + "\n"
    (folder / "clients.csv").write_text(text)
    assert len(read_instance(folder).clients) == 3
    set_cell_text = text.replace("c3,Siilinjärvi,62.89", "c3,Siilinjärvi,620.89")
    (folder / "clients.csv").write_text(set_cell_text)
    assert find(errors(folder), "clients.csv", 6, "lat").value == "620.89"


def test_multiline_quoted_cell_keeps_physical_lines(folder: Path) -> None:
    rows = rows_of(folder / "clients.csv")
    rows[0].append("note")
    rows[1].append("first line\nsecond line")
    rows[2].append("")
    rows[3].append("")
    rows[3][rows[0].index("work_ability")] = "7"
    write_rows(folder / "clients.csv", rows)
    p = find(errors(folder), "clients.csv", 5, "work_ability")  # c3 starts on line 5
    assert p.value == "7"


def test_unclosed_quote_is_reported(folder: Path) -> None:
    lines = (folder / "providers.csv").read_text().splitlines()
    lines[1] = lines[1].replace('"Osuuskunta, Kuopio"', '"Osuuskunta, Kuopio')
    (folder / "providers.csv").write_text("\n".join(lines) + "\n")
    p = find(errors(folder), "providers.csv", 2, None)
    assert "unclosed double quote" in p.message


# ---------------------------------------------------------------- instance.json


def set_json(folder: Path, text: str) -> None:
    (folder / "instance.json").write_text(text)


def test_format_version_missing_is_a_warning(folder: Path) -> None:
    set_json(
        folder,
        '{"name": "x", "week": "2026-W48", "rules": {"max_months": {"training": 6},'
        ' "cost_rate": {"training": 1}}}',
    )
    inst, warnings = read_instance_with_warnings(folder)
    assert inst.format_version == 1
    assert find(warnings, "instance.json", None, "format_version")


@pytest.mark.parametrize("version", ["2", '"1"', "0"])
def test_unknown_format_version_is_an_error(folder: Path, version: str) -> None:
    set_json(folder, f'{{"format_version": {version}, "name": "x", "week": "2026-W48"}}')
    p = find(errors(folder), "instance.json", None, "format_version")
    assert p.value == version.strip('"')


def test_rules_and_weights_problems_name_the_key(folder: Path) -> None:
    set_json(
        folder,
        '{"format_version": 1, "name": "x", "week": "2026-W48", '
        '"rules": {"max_months": {"training": 6}, "cost_rate": {"training": 1}, '
        '"age.mni": 18, "travel": {"road_factor": -1}}, "weights": {"wsh": 3}}',
    )
    problems = errors(folder)
    assert "unknown rule" in find(problems, "instance.json", None, "rules.age.mni").message
    assert find(problems, "instance.json", None, "rules.travel.road_factor")
    assert "unknown weight" in find(problems, "instance.json", None, "weights.wsh").message
    # the declared type still counts while other rules are wrong: no noise from placements
    assert not [p for p in problems if p.file == "placements.csv"]


def test_rules_that_are_not_an_object(folder: Path) -> None:
    set_json(
        folder, '{"format_version": 1, "name": "x", "week": "2026-W48", "rules": [], "weights": 3}'
    )
    problems = errors(folder)
    assert find(problems, "instance.json", None, "rules").message == "is an array"
    assert find(problems, "instance.json", None, "weights").message == "is a number"


def test_invalid_json_gives_its_line(folder: Path) -> None:
    set_json(folder, '{"format_version": 1,\n "name": "x",\n}')
    p = find(errors(folder), "instance.json", 3, None)
    assert "not valid JSON" in p.message


def test_other_json_keys_are_kept_in_meta(folder: Path) -> None:
    set_json(
        folder,
        '{"format_version": 1, "name": "x", "week": "2026-W48", "region": "PSA", '
        '"rules": {"max_months": {"training": 6}, "cost_rate": {"training": 1}}}',
    )
    assert read_instance(folder).meta == {"region": "PSA"}


# ---------------------------------------------------------------- paths and zips


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    p = errors(tmp_path / "nowhere")[0]
    assert p.file.endswith("nowhere") and "no such" in p.message


def test_zip_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_text("hello")
    assert "not a zip" in errors(path)[0].message


def zip_folder(folder: Path, target: Path, prefix: str = "", junk: bool = False) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, prefix + f.name)
        if junk:
            zf.writestr("__MACOSX/._clients.csv", b"\x00\x05junk")
            zf.writestr(prefix + ".DS_Store", b"junk")
    return target


@pytest.mark.parametrize(("prefix", "junk"), [("", False), ("export-w48/", True)])
def test_zip_root_or_one_top_folder(folder: Path, tmp_path: Path, prefix: str, junk: bool) -> None:
    path = zip_folder(folder, tmp_path / "x.zip", prefix, junk)
    inst = read_instance(path)
    assert inst.clients["id"].tolist() == ["c1", "c2", "c3"]


def test_zip_problems_name_the_file_inside(folder: Path, tmp_path: Path) -> None:
    set_cell(folder, "clients.csv", 2, "work_ability", "9")
    path = zip_folder(folder, tmp_path / "x.zip", "top/")
    assert find(errors(path), "clients.csv", 2, "work_ability").value == "9"


def test_zip_with_two_instances(folder: Path, tmp_path: Path) -> None:
    path = zip_folder(folder, tmp_path / "x.zip", "a/")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("b/instance.json", "{}")
    assert "several instance folders" in errors(path)[0].message


# ---------------------------------------------------------------- all at once, and the cap


def test_all_problems_are_reported_at_once_in_file_order(folder: Path) -> None:
    set_cell(folder, "clients.csv", 4, "age", "abc")
    set_cell(folder, "clients.csv", 2, "transport", "bike")
    set_cell(folder, "placements.csv", 3, "provider_id", "v9")
    set_cell(folder, "funding.csv", 2, "budget", "-1")
    set_cell(folder, "decisions.csv", 2, "decision", "maybe")
    drop_column(folder, "providers.csv", "kind")
    problems = errors(folder)
    where = [(p.file, p.line, p.column) for p in problems]
    assert where == [
        ("clients.csv", 2, "transport"),
        ("clients.csv", 4, "age"),
        ("placements.csv", 3, "provider_id"),
        ("providers.csv", 1, "kind"),
        ("funding.csv", 2, "budget"),
        ("decisions.csv", 2, "decision"),
    ]


def test_problems_are_capped_with_a_count_of_the_rest(tmp_path: Path) -> None:
    inst = valid_instance()
    many = build_instance(
        clients=[client(i, work_ability=9, wishes=[], needs=[]) for i in range(250)],
        placements=[placement("p1", "work_trial")],
        providers=[dict(id="v1", name="", kind="farm", municipality="")],
        pools=[dict(id="f1", name="", budget=1, types=[], municipalities=[])],
        rules=inst.rules.to_dict(),
    )
    # plus one bad cell per client in another column
    write_instance(many, tmp_path / "many")
    rows = rows_of(tmp_path / "many" / "clients.csv")
    for r in rows[1:]:
        r[rows[0].index("age")] = "x"
    write_rows(tmp_path / "many" / "clients.csv", rows)
    with pytest.raises(InstanceError) as info:
        read_instance(tmp_path / "many")
    exc = info.value
    assert exc.total == 500 and len(exc.problems) == 201
    assert str(exc.problems[-1]) == (
        "… and 300 more problems (clients.csv age: 150, clients.csv work_ability: 150)"
    )
    shown = exc.problems[:-1]
    assert [p.line for p in shown] == sorted(p.line or 0 for p in shown)
    assert shown[0].line == 2 and shown[-1].line == 101


# ---------------------------------------------------------------- validate_instance (API path)


def test_validate_instance_on_built_records_reports_would_be_lines() -> None:
    good = valid_instance()
    assert validate_instance(good) == []
    bad = build_instance(
        clients=[client(1), client(2, work_ability=7, transport="bike")],
        placements=[placement("p1", "work_trial", provider_id="nobody")],
        providers=[dict(id="v1", name="", kind="farm", municipality="")],
        pools=[dict(id="f1", name="", budget=100, types=[], municipalities=[])],
        rules=good.rules.to_dict(),
    )
    errs, warnings = validate_instance_with_warnings(bad)
    assert {(p.file, p.line, p.column, p.value) for p in errs} == {
        ("clients.csv", 3, "work_ability", "7"),
        ("clients.csv", 3, "transport", "bike"),
        ("placements.csv", 2, "provider_id", "nobody"),
    }
    assert all(p.severity == "error" for p in errs)


@pytest.mark.slow
def test_reading_a_large_instance_is_fast(tmp_path: Path) -> None:
    import time

    rng = np.random.default_rng(0)
    n = 100_000
    base = valid_instance()
    write_instance(base, tmp_path / "big")
    rows = rows_of(tmp_path / "big" / "clients.csv")
    header, template = rows[0], rows[1]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    ages = rng.integers(18, 66, n)
    for i in range(n):
        row = list(template)
        row[0] = f"c{i}"
        row[header.index("age")] = str(ages[i])
        row[header.index("lat")] = f"{62 + rng.random():.5f}"
        writer.writerow(row)
    (tmp_path / "big" / "clients.csv").write_text(buf.getvalue())
    (tmp_path / "big" / "decisions.csv").unlink()
    start = time.process_time()
    inst = read_instance(tmp_path / "big")
    seconds = time.process_time() - start
    assert len(inst.clients) == n
    assert seconds < 5, f"{seconds:.1f} s of CPU to read {n} clients"
