"""Large zip uploads parsed in a short-lived child process, so the server's memory stays flat.

A week of a few thousand clients parses in the server's thread pool in a fraction of a second.
A zip that declares more than `Settings.parse_in_child_bytes` unpacked (a national queue, or
a 256 MiB CSV) is unpacked, parsed, validated and re-written as the canonical zip in a child
process instead: pandas' frames of a million clients take gigabytes, and that memory is given
back to the system when the child ends (a Python process keeps what it once allocated). The
server receives only the canonical zip and its headline figures.
"""

from __future__ import annotations

import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instances.problems import Problem
from instances.read.archives import ZipLimits


@dataclass(frozen=True)
class Prepared:
    """An upload made ready to store: the canonical zip and what the store keeps beside it."""

    name: str
    week: str
    region: str
    data: bytes
    sha256: str
    providers: tuple[str, ...]
    counts: dict[str, int]
    warnings: list[Problem]


def goes_to_child(path: Path, small: int, cap: int) -> bool:
    """Is the upload at `path` a zip declaring more than `small` bytes unpacked but no more
    than `cap`? (Above the cap the server's reader refuses it from the declared sizes, before
    reading a byte, so no child is needed.)"""
    return small < declared_size(path) <= cap


def declared_size(path: Path) -> int:
    """The unpacked size a zip declares for its members (0 when it is no readable zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def prepare_zip(path: str, limits: ZipLimits, default_name: str) -> tuple[str, Any]:
    """In the child: the zip at `path` unpacked within `limits`, parsed and re-written;
    ("ok", Prepared) or ("error", (problems, warnings, detail)) — an UploadError's parts, as
    an exception with its own constructor does not cross the process boundary intact."""
    from api.worker import exit_with_server

    exit_with_server()
    from api.uploads import (
        UploadError,
        counts_of,
        files_from_zip,
        instance_zip,
        load_stored,
        parse_files,
        provider_ids,
        region_of,
        sha256,
    )

    try:
        inst, warnings = parse_files(files_from_zip(Path(path), limits), default_name)
        data, name = instance_zip(inst), inst.name
        del inst
        stored = load_stored(data, name)
    except UploadError as exc:
        return "error", (exc.problems, exc.warnings, exc.detail)
    return "ok", Prepared(
        name=stored.name,
        week=stored.week,
        region=region_of(stored),
        data=data,
        sha256=sha256(data),
        providers=provider_ids(stored),
        counts=counts_of(stored),
        warnings=warnings,
    )


async def prepare_in_child(path: Path, limits: ZipLimits, default_name: str) -> Prepared:
    """`prepare_zip` in a fresh child process (forked from the worker's fork server, which has
    the engine imported); UploadError as in the server. Starting, waiting for and ending the
    child happen in a worker thread, never on the event loop."""
    from fastapi.concurrency import run_in_threadpool

    from api.uploads import UploadError

    kind, value = await run_in_threadpool(_run_child, str(path), limits, default_name)
    if kind == "error":
        problems, warnings, detail = value
        raise UploadError(problems, warnings, detail)
    assert isinstance(value, Prepared)
    return value


def _run_child(path: str, limits: ZipLimits, default_name: str) -> tuple[str, Any]:
    from api.worker import worker_context

    with ProcessPoolExecutor(1, mp_context=worker_context(), max_tasks_per_child=1) as pool:
        return pool.submit(prepare_zip, path, limits, default_name).result()
