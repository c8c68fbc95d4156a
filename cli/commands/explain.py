"""`polku explain ALLOC --instance INSTANCE (--client ID | --placement ID) [--json]`: explain one
client's or one placement's outcome in an allocation.

allocation.json names its instance only by name, so the instance folder or .zip is given with
`--instance`. Pairs are re-derived from the instance (no solving). Exit 0 on success, 2 when an
input cannot be read or the id is not in the instance.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.commands.common import add_lang_argument, read_instance_or_report, run_in_language

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("allocation", help="allocation.json written by `polku solve`")
    parser.add_argument(
        "--instance", required=True, help="the instance folder or .zip it was solved from"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--client", metavar="ID", help="explain this client's outcome")
    which.add_argument(
        "--placement",
        metavar="ID",
        help="explain who was proposed at this placement and who was close",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the explanation as JSON instead of text"
    )
    add_lang_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Explain in the chosen language, reasons and explanations in `--lang`."""
    return run_in_language(args, _run)


def _run(args: argparse.Namespace) -> int:
    """Read both inputs, explain the client or placement, print text (or JSON)."""
    from matcher.explain.formatting import format_client, format_placement
    from matcher.explain.views import explain_client, explain_placement
    from matcher.explain.words import ExplainError
    from models.allocation import Allocation, AllocationError

    path = Path(args.allocation)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return _fail(f"{path}: cannot read ({exc.strerror or exc})")
    except json.JSONDecodeError as exc:
        return _fail(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    try:
        alloc = Allocation.from_dict(raw)
    except AllocationError as exc:
        return _fail(f"{path}: {exc}")
    inst = read_instance_or_report("explain", args.instance)
    if inst is None:
        return EXIT_BAD_INPUT
    if alloc.instance and alloc.instance != inst.name:
        print(
            f"polku explain: warning: {path} was made for instance {alloc.instance!r}, "
            f"explaining it against {inst.name!r}",
            file=sys.stderr,
        )
    try:
        if args.client is not None:
            expl = explain_client(inst, alloc, args.client)
            text = format_client(expl)
        else:
            expl = explain_placement(inst, alloc, args.placement)
            text = format_placement(expl)
    except ExplainError as exc:
        return _fail(str(exc))
    print(json.dumps(expl, ensure_ascii=False, indent=1) if args.json else text)
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"polku explain: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
