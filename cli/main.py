"""The `polku` command line: one subcommand per module in `cli/commands/`.

Each command module has `configure(parser)` (its arguments) and `run(args) -> int` (exit code).
Expected failures (bad input, missing files) print a clear message and exit non-zero; the
bare traceback is reserved for `POLKU_DEBUG=1`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMANDS: dict[str, str] = {
    "generate": "Generate a synthetic regional instance",
    "validate": "Validate an instance folder or .zip",
    "solve": "Solve the weekly allocation",
    "check": "Check an allocation against its instance, independently",
    "explain": "Explain an allocation for a client or a placement",
    "shortlist": "Build employer shortlists",
    "next-week": "Build next week's snapshot from a published week and its allocation",
    "simulate": "Simulate a year of weekly allocations under a pacing policy",
    "bench": "Run the solver benchmarks",
    "serve": "Start the API service",
    "token": "Manage API tokens",
    "report": "Period report over a chain of published weeks",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polku", description="Polku: weekly allocation of clients to placements"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        try:
            module = importlib.import_module(f"cli.commands.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cli.commands.{name.replace('-', '_')}":
                raise
            continue
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place that turns surprises into a message
        if os.environ.get("POLKU_DEBUG"):
            raise
        print(f"polku {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
