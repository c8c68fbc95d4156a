"""Argument and input handling shared by the solving commands: `--lang` and reading an instance."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.instance import Instance


def add_lang_argument(
    parser: argparse.ArgumentParser, what: str = "the reasons and explanations"
) -> None:
    """`--lang en|fi`: the language of the texts the command writes (English by default)."""
    parser.add_argument(
        "--lang",
        choices=("en", "fi"),
        default="en",
        help=f"language of {what}: en (default) or fi",
    )


def run_in_language(args: argparse.Namespace, body: Callable[[argparse.Namespace], int]) -> int:
    """Run a command's body with the message catalogue set to `--lang`."""
    from matcher.messages import language

    with language(getattr(args, "lang", None)):
        return body(args)


def read_instance_or_report(command: str, path: str) -> Instance | None:
    """Read an instance folder or .zip; on bad input print every problem under the command's name
    and return None (the caller exits 2)."""
    from instances.problems import InstanceError
    from instances.read import read_instance

    try:
        return read_instance(path)
    except InstanceError as exc:
        print(f"polku {command}: {path} is not a valid instance:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None
    except (OSError, ValueError) as exc:
        print(f"polku {command}: {path}: {exc}", file=sys.stderr)
        return None
