"""The instance files of a folder or a .zip: names matched, macOS debris skipped."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instances.problems import ProblemLog
from models.schema import FILES

INSTANCE_JSON = "instance.json"
INSTANCE_FILES = (INSTANCE_JSON, *FILES)
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on unpacking a zip (a zip bomb is refused before it is read, and a member whose
    header lies about its size is stopped at the limit while it is read)."""

    max_members: int = 10_000  # entries in the central directory
    max_member_bytes: int = 2**31  # unpacked size of one instance file
    max_total_bytes: int = 2**31  # unpacked size of the instance files together
    max_ratio: float = 1000.0  # unpacked / packed size of one instance file


class ZipLimitError(ValueError):
    """A zip over one of its `ZipLimits`; the message names the limit and the member."""


def load_files(
    path: Path, log: ProblemLog, limits: ZipLimits | None = None, label: str | None = None
) -> dict[str, bytes]:
    """The instance files (by canonical name) of a folder or zip; logs what is wrong with
    the container itself (missing path, a file that is no zip, several instances in a zip).
    A zip is unpacked within `limits`; problems name the container `label` (default: the
    path; an upload passes its own name so no server path reaches the user)."""
    where = label or str(path)
    if not path.exists():
        log.error(where, "no such folder or file", expected="an instance folder or a .zip")
        return {}
    if path.is_dir():
        names = {p.name: p for p in path.iterdir() if p.is_file()}
        files: dict[str, bytes] = {}
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
        log.error(where, f"{what}", expected="an instance folder or a .zip of one")
        return {}
    limits = limits or ZipLimits()
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_members:
                raise ZipLimitError(
                    f"holds {len(infos)} entries, more than the limit of {limits.max_members}"
                )
            members = {i.filename: i for i in infos if not i.is_dir() and _real_member(i.filename)}
            prefix = zip_prefix(list(members), where, log)
            if prefix is None:
                return {}
            inside = {
                m[len(prefix) :]: m
                for m in members
                if m.startswith(prefix) and "/" not in m[len(prefix) :]
            }
            chosen = {
                canon: members[inside[found]] for canon, found in match_names(inside, log).items()
            }
            check_declared(chosen, limits)
            files = {}
            budget = limits.max_total_bytes
            for canon, info in chosen.items():
                files[canon] = read_member(zf, info, limits, budget)
                budget -= len(files[canon])
            return files
    except ZipLimitError as exc:
        log.error(where, str(exc), expected="a smaller instance (or raise the server's limits)")
        return {}
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:  # a damaged member
        log.error(where, f"cannot be read as a zip ({exc})", expected="an intact .zip")
        return {}


def check_declared(chosen: Mapping[str, zipfile.ZipInfo], limits: ZipLimits) -> None:
    """Refuse before unpacking anything when the sizes the zip declares pass a limit."""
    total = 0
    for canon, info in chosen.items():
        if info.file_size > limits.max_member_bytes:
            raise ZipLimitError(
                f"{canon} unpacks to {info.file_size} bytes, more than the limit of "
                f"{limits.max_member_bytes} per file"
            )
        if info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ZipLimitError(
                f"{canon} unpacks to {info.file_size} bytes from {info.compress_size} "
                f"(over {limits.max_ratio:g} times its packed size: a zip bomb?)"
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise ZipLimitError(
            f"unpacks to {total} bytes, more than the limit of {limits.max_total_bytes}"
        )


def read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, budget: int
) -> bytes:
    """One member, read in chunks and stopped as soon as it passes its limits (its header may
    understate the size)."""
    cap = min(limits.max_member_bytes, budget, int(limits.max_ratio * max(info.compress_size, 1)))
    parts: list[bytes] = []
    size = 0
    with zf.open(info) as member:
        while chunk := member.read(_READ_CHUNK):
            size += len(chunk)
            if size > cap:
                raise ZipLimitError(
                    f"{info.filename} unpacks to more than {cap} bytes (more than its header "
                    "says, or over the limits per file, in total or on the packing ratio)"
                )
            parts.append(chunk)
    return b"".join(parts)


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
