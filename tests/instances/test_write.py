"""Round trips of the instance writer (instances/write.py) through the reader.

write → read → write must give identical files; a hand-written folder with its own column
order, unknown columns and without optional columns must come back byte for byte; a failing
write must leave nothing half-written.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from instances.read import read_instance
from instances.write import frame_to_csv, write_instance
from tests.instances.cases import valid_instance


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def zip_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in sorted(zf.namelist())}


def test_write_read_write_gives_identical_files(tmp_path: Path) -> None:
    first = write_instance(valid_instance(), tmp_path / "a")
    second = write_instance(read_instance(first), tmp_path / "b")
    assert files_of(first) == files_of(second)
    assert set(files_of(first)) == {
        "instance.json",
        "clients.csv",
        "placements.csv",
        "providers.csv",
        "funding.csv",
        "decisions.csv",
    }


HAND_WRITTEN = {
    "instance.json": (
        '{\n  "format_version": 1,\n  "name": "käsin",\n  "week": "2026-W49",\n'
        '  "rules": {\n    "age.max": 64\n  },\n  "weights": {\n    "wish": 200\n  },\n'
        '  "region": "Pohjois-Savo"\n}\n'
    ),
    # own column order, an unknown column (kept, with its odd spacing), no optional columns
    "clients.csv": (
        "municipality,id,note,lat,lon,age,benefit_days,unemployed_months,work_ability,"
        "partial_work_ability,languages,needs,interests,transport,max_commute_min,consents,"
        "current_placement,months_used\n"
        'Kuopio,c1," a, b ",62.89,27.68,30,600,14,3,true,fi;sv,,retail,car,60,'
        "work_trial;coaching,,work_trial:1.5\n"
        "Iisalmi,c2,,63.5,27.1,55,10,1,5,false,fi,quiet,,none,30,coaching,p1,\n"
    ),
    "placements.csv": (
        "id,type,provider_id,municipality,lat,lon,seats,min_work_ability,language,features,"
        "sector,duration_weeks,weekly_cost,funding_pools,extra\n"
        "p1,coaching,v1,Kuopio,62.9,27.7,3,1,fi,quiet;transport,retail,8,120.25,f1,x\n"
    ),
    "providers.csv": "kind,id,name,municipality,max_subsidised\nfarm,v1,Tila,Kuopio,\n",
    "funding.csv": "id,name,budget,types,municipalities\nf1,Kunta,25000,coaching,Kuopio;Iisalmi\n",
}


def test_hand_written_folder_comes_back_byte_for_byte(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in HAND_WRITTEN.items():
        (src / name).write_text(text, encoding="utf-8")
    inst = read_instance(src)
    assert not inst.has_decisions_file
    out = write_instance(inst, tmp_path / "out")
    assert {k: v.decode("utf-8") for k, v in files_of(out).items()} == HAND_WRITTEN


def test_unknown_column_text_is_kept_exactly(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in HAND_WRITTEN.items():
        (src / name).write_text(text, encoding="utf-8")
    inst = read_instance(src)
    assert inst.clients["note"].tolist() == [" a, b ", ""]  # unknown cells are not stripped
    assert inst.placements["extra"].tolist() == ["x"]
    assert inst.columns_in_file["providers.csv"] == [
        "kind",
        "id",
        "name",
        "municipality",
        "max_subsidised",
    ]


def test_zip_round_trip(tmp_path: Path) -> None:
    first = write_instance(valid_instance(), tmp_path / "a.zip")
    inst = read_instance(first)
    second = write_instance(inst, tmp_path / "b.zip")
    assert zip_files(first) == zip_files(second)
    folder = write_instance(inst, tmp_path / "c")
    assert zip_files(first) == files_of(folder)


def test_failed_write_leaves_no_partial_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = valid_instance()
    calls = {"n": 0}
    original = Path.write_text

    def failing_write_text(self: Path, *args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    with pytest.raises(OSError, match="disk full"):
        write_instance(inst, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor a temporary one

    monkeypatch.setattr(Path, "write_text", original)
    existing = write_instance(inst, tmp_path / "old")
    before = files_of(existing)
    calls["n"] = 0
    monkeypatch.setattr(Path, "write_text", failing_write_text)
    with pytest.raises(OSError):
        write_instance(valid_instance(), existing)
    assert files_of(existing) == before
    assert [p.name for p in tmp_path.iterdir()] == ["old"]


def test_failed_zip_write_keeps_the_old_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_instance(valid_instance(), tmp_path / "x.zip")
    before = path.read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError):
        write_instance(valid_instance(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.zip"]


def test_empty_decisions_file_is_written_back_with_its_header(tmp_path: Path) -> None:
    folder = write_instance(valid_instance(), tmp_path / "a")
    (folder / "decisions.csv").write_bytes(b"")
    inst = read_instance(folder)
    out = write_instance(inst, tmp_path / "b")
    assert (out / "decisions.csv").read_text() == "client_id,placement_id,decision,reason,by,at\n"


def test_values_in_a_column_the_file_lacked_are_not_dropped(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in HAND_WRITTEN.items():
        (src / name).write_text(text, encoding="utf-8")
    inst = read_instance(src)
    assert "wishes" not in inst.columns_in_file["clients.csv"]
    inst.clients.at[0, "wishes"] = ("p1",)
    out = write_instance(inst, tmp_path / "out")
    header, first = (out / "clients.csv").read_text().splitlines()[:2]
    assert header.endswith(",months_used,wishes") and first.endswith(",p1")
    assert read_instance(out).clients["wishes"].tolist() == [("p1",), ()]
    # an optional column that is still empty stays out
    assert "abilities" not in header


def test_extra_columns_of_any_dtype_write_the_same_text_without_warnings() -> None:
    frame = valid_instance().placements.iloc[:3].reset_index(drop=True)
    frame["period_share"] = [0.5, float("nan"), 1.0]  # float with a gap (the period columns)
    frame["period_weeks"] = pd.Series([2, None, 4], dtype="Int64")  # nullable int
    frame["note"] = pd.Series(["a", None, "=b"], dtype=object)
    frame["flag"] = [True, False, True]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pandas4Warning and FutureWarning alike
        text = frame_to_csv(frame, "placements.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["period_share"] for r in rows] == ["0.5", "", "1.0"]  # the bytes fillna gave
    assert [r["period_weeks"] for r in rows] == ["2", "", "4"]
    assert [r["note"] for r in rows] == ["a", "", "'=b"]
    assert [r["flag"] for r in rows] == ["True", "False", "True"]
