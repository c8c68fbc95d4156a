"""`polku check INSTANCE ALLOC`: re-check an allocation against its instance, independently.

Prints one line per violation and a summary; exit 0 when clean, 1 on any violation, 2 when an
input cannot be read. The artefact kind is recognised from the JSON's shape (see `ARTEFACTS`),
which is where a checker for shortlists.json will plug in.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.instance import Instance

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2


class InputError(Exception):
    """An input file that cannot be read or parsed; the message names the file."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instance", help="instance folder or .zip")
    parser.add_argument("allocation", help="allocation.json written by `polku solve`")
    parser.add_argument(
        "--max-lines",
        type=int,
        default=0,
        help="print at most this many violation lines (0 = all); the summary always counts all",
    )


def run(args: argparse.Namespace) -> int:
    """Read both inputs, run the checker for the artefact's kind, print, return the exit code."""
    try:
        raw = load_json(Path(args.allocation))
        kind = artefact_kind(raw)
        inst = load_instance(Path(args.instance))
        checker = ARTEFACTS[kind]
        return checker(inst, raw, Path(args.allocation), args.max_lines)
    except InputError as exc:
        print(f"polku check: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def load_json(path: Path) -> Any:
    """Parse a JSON file; a missing file or malformed JSON becomes an InputError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def load_instance(path: Path) -> Instance:
    """Read the instance with the project's reader; its errors become InputError."""
    from instances.read import read_instance  # lazy: the reader pulls in pandas parsing

    try:
        return read_instance(path)
    except (OSError, ValueError) as exc:
        message = str(exc)
        raise InputError(message if str(path) in message else f"{path}: {message}") from exc


def artefact_kind(raw: Any) -> str:
    """Which artefact a parsed JSON file is: "allocation" (has assignments) or "shortlists"."""
    if isinstance(raw, dict) and "assignments" in raw:
        return "allocation"
    if isinstance(raw, dict) and ("shortlists" in raw or ("lists" in raw and "per_seat" in raw)):
        return "shortlists"
    raise InputError(
        "expected allocation.json (an object with 'assignments') or shortlists.json (with 'lists')"
    )


def report(
    violations: Sequence[Any], counts: str, max_lines: int, *, counts_on_failure: bool
) -> int:
    """Print up to `max_lines` violation lines (all when ≤ 0) and the OK/FAILED summary; the exit code."""
    shown = violations if max_lines <= 0 else violations[:max_lines]
    for v in shown:
        print(v.line())
    if len(shown) < len(violations):
        print(f"… {len(violations) - len(shown)} more violation lines not shown")
    if not violations:
        print(f"OK: {counts}, 0 violations")
        return EXIT_OK
    by_rule = Counter(v.rule for v in violations)
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
    found = f"{counts}, " if counts_on_failure else ""
    print(f"FAILED: {found}{len(violations)} violations ({rules})")
    return EXIT_VIOLATIONS


def check_allocation_file(inst: Instance, raw: Any, path: Path, max_lines: int) -> int:
    """Check allocation.json, print violations and the summary; 0 clean, 1 violations."""
    from matcher.check.allocation import check_allocation
    from models.allocation import Allocation, AllocationError

    try:
        alloc = Allocation.from_dict(raw)
    except AllocationError as exc:
        raise InputError(f"{path}: {exc}") from exc
    violations = check_allocation(inst, alloc)
    over = {v.pool_id for v in violations if v.rule == "budget"}
    n_pools = len(inst.pools)
    within = f"{n_pools} pools" if not over else f"{n_pools - len(over)} of {n_pools} pools"
    counts = (
        f"{len(alloc.assignments)} assignments, {len(alloc.unassigned)} unassigned, "
        f"{within} within budget"
    )
    return report(violations, counts, max_lines, counts_on_failure=True)


def check_shortlists_file(inst: Instance, raw: Any, path: Path, max_lines: int) -> int:
    """Check shortlists.json (matcher/shortlist_check.py), print violations and the summary."""
    from matcher.check.shortlists import check_shortlists
    from models.shortlists import Shortlists, ShortlistsError

    try:
        lists = Shortlists.from_dict(raw)
    except ShortlistsError as exc:
        raise InputError(f"{path}: {exc}") from exc
    violations = check_shortlists(inst, lists)
    n_cand = sum(len(s.candidates) for s in lists.lists)
    counts = (
        f"{len(lists.lists)} lists, {n_cand} candidates, {len(lists.unlisted)} unlisted, "
        f"budgets and caps hold for every combination of picks"
    )
    return report(violations, counts, max_lines, counts_on_failure=False)


# One checker per artefact kind; a new kind (shortlists.json) adds a function and an entry here.
ARTEFACTS: dict[str, Callable[[Instance, Any, Path, int], int]] = {
    "allocation": check_allocation_file,
    "shortlists": check_shortlists_file,
}
