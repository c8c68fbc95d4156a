"""The instance files of a folder or a .zip: names matched, macOS debris skipped."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from instances.problems import ProblemLog
from models.schema import FILES

INSTANCE_JSON = "instance.json"
INSTANCE_FILES = (INSTANCE_JSON, *FILES)


def load_files(path: Path, log: ProblemLog) -> dict[str, bytes]:
    """The instance files (by canonical name) of a folder or zip; logs what is wrong with
    the container itself (missing path, a file that is no zip, several instances in a zip)."""
    if not path.exists():
        log.error(str(path), "no such folder or file", expected="an instance folder or a .zip")
        return {}
    if path.is_dir():
        names = {p.name: p for p in path.iterdir() if p.is_file()}
        files = {}
        for canon, found in match_names(names, log).items():
            try:
                files[canon] = names[found].read_bytes()
            except OSError as exc:
                log.error(canon, f"cannot be read ({exc.strerror or exc})")
        return files
    if not zipfile.is_zipfile(path):
        what = (
            "is not a zip file"
            if path.suffix.lower() == ".zip"
            else "is neither a folder nor a zip"
        )
        log.error(str(path), f"{what}", expected="an instance folder or a .zip of one")
        return {}
    try:
        with zipfile.ZipFile(path) as zf:
            members = {
                i.filename: i for i in zf.infolist() if not i.is_dir() and _real_member(i.filename)
            }
            prefix = zip_prefix(list(members), str(path), log)
            if prefix is None:
                return {}
            inside = {
                m[len(prefix) :]: m
                for m in members
                if m.startswith(prefix) and "/" not in m[len(prefix) :]
            }
            return {
                canon: zf.read(inside[found]) for canon, found in match_names(inside, log).items()
            }
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a damaged member
        log.error(str(path), f"cannot be read as a zip ({exc})", expected="an intact .zip")
        return {}


def _real_member(name: str) -> bool:
    """Skip macOS resource forks and folder metadata that zip tools add."""
    base = name.rsplit("/", 1)[-1]
    return not (name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store")


def zip_prefix(members: list[str], zip_name: str, log: ProblemLog) -> str | None:
    """'' when the instance files are at the zip's root, 'top/' when inside one top folder."""
    lowered = {m.lower() for m in members}
    if any(f.lower() in lowered for f in INSTANCE_FILES):
        return ""
    tops = sorted(
        {
            m.split("/", 1)[0] + "/"
            for m in members
            if "/" in m and m.split("/", 1)[1].lower() in INSTANCE_FILES
        }
    )
    if len(tops) == 1:
        return tops[0]
    if not tops:
        log.error(
            zip_name,
            "holds no instance files (instance.json, clients.csv, …)",
            expected="the files at the zip's root or inside one top folder",
        )
    else:
        log.error(
            zip_name,
            f"holds several instance folders ({', '.join(tops)})",
            expected="one instance per zip",
        )
    return None


def match_names(names: Mapping[str, Any], log: ProblemLog) -> dict[str, str]:
    """Canonical instance file name → the name found, exact first, else case-insensitive."""
    lower: dict[str, str] = {}
    for name in names:
        lower.setdefault(name.lower(), name)
    out = {}
    for canon in INSTANCE_FILES:
        if canon in names:
            out[canon] = canon
        elif canon in lower:
            out[canon] = lower[canon]
            log.warning(canon, f"read from {lower[canon]!r}; the name should be lower case")
    return out
