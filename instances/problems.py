"""Problems found in an instance: where (file, line, column), what value, what was expected.

A reader or validator collects every problem in a `ProblemLog` (capped, counting the rest) so a
coordinator can fix a whole export in one go; `InstanceError` carries the errors to the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_PROBLEMS = 200
ERROR = "error"
WARNING = "warning"
# Order in which problems are listed: the files of an instance folder, then anything else.
FILE_ORDER = (
    "instance.json",
    "clients.csv",
    "placements.csv",
    "providers.csv",
    "funding.csv",
    "decisions.csv",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in an instance, located as precisely as known.

    `line` is the physical line in the file (the CSV header is line 1; for a record spanning
    several lines, the line where it starts); None when the problem concerns the whole file.
    `column` is a CSV column, or a dotted key for instance.json. `value` is the offending cell
    text (or token of a list cell) as read.
    """

    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    message: str = ""
    expected: str | None = None
    severity: str = ERROR

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.column:
            label = "key" if self.file.endswith(".json") else "column"
            parts.append(f"{label} {self.column}")
        text = self.message
        if self.value is not None:
            text = f"value {self.value!r} {text}"
        if self.expected:
            text = f"{text} (expected {self.expected})"
        parts.append(text)
        return ": ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain fields plus the formatted text, for JSON answers of the API."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "expected": self.expected,
            "severity": self.severity,
            "text": str(self),
        }


class InstanceError(ValueError):
    """An instance that cannot be used; `problems` lists every error found (capped, see
    MAX_PROBLEMS, with a final "… and N more" entry) and `total` counts them all."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__("\n".join(str(p) for p in self.problems))


def _file_rank(name: str) -> int:
    return FILE_ORDER.index(name) if name in FILE_ORDER else len(FILE_ORDER)


class ProblemLog:
    """Collects errors and warnings; keeps the first `limit` of each (by file and line) and
    counts the rest, so a file with 300 000 bad rows costs no more than one with 300."""

    def __init__(self, limit: int = MAX_PROBLEMS):
        self.limit = limit
        self._items: dict[str, list[Problem]] = {ERROR: [], WARNING: []}
        self._counts: dict[str, int] = {ERROR: 0, WARNING: 0}
        self._where: dict[str, Counter[tuple[str, str]]] = {ERROR: Counter(), WARNING: Counter()}

    def add(self, problem: Problem) -> None:
        self._counts[problem.severity] += 1
        self._where[problem.severity][(problem.file, problem.column or "")] += 1
        items = self._items[problem.severity]
        # Trim to bound memory: a problem outside the first `limit` of a subset can never be
        # among the first `limit` of the whole.
        items.append(problem)
        if len(items) > 4 * self.limit:
            self._items[problem.severity] = self._sorted(items)[: self.limit]

    def error(self, file: str, message: str, **where: Any) -> None:
        self.add(Problem(file, message=message, **where))

    def warning(self, file: str, message: str, **where: Any) -> None:
        self.add(Problem(file, message=message, severity=WARNING, **where))

    def rows(
        self,
        file: str,
        column: str | None,
        lines: np.ndarray,
        values: Iterable[Any] | None,
        message: str | Sequence[str],
        expected: str | None = None,
        severity: str = ERROR,
    ) -> None:
        """Log one problem per bad row: `lines` are their line numbers, `values` their cells,
        `message` one text for all or one per row.

        `lines` must be increasing (row order); only the first `limit` become Problem objects,
        the rest are counted.
        """
        n = len(lines)
        if n == 0:
            return
        shown = min(n, self.limit)
        vals = list(values)[:shown] if values is not None else [None] * shown
        texts = [message] * shown if isinstance(message, str) else list(message)[:shown]
        for line, value, text in zip(lines[:shown], vals, texts, strict=True):
            self.add(
                Problem(
                    file,
                    line=int(line),
                    column=column,
                    value=None if value is None else str(value),
                    message=text,
                    expected=expected,
                    severity=severity,
                )
            )
        self._counts[severity] += n - shown
        self._where[severity][(file, column or "")] += n - shown

    def _sorted(self, items: list[Problem]) -> list[Problem]:
        return sorted(items, key=lambda p: (_file_rank(p.file), p.line or 0))

    def count(self, severity: str = ERROR) -> int:
        return self._counts[severity]

    def listed(self, severity: str = ERROR) -> list[Problem]:
        """The first `limit` problems of this severity in file and line order, then a final
        "… and N more" entry when some were left out."""
        items = self._sorted(self._items[severity])[: self.limit]
        more = self._counts[severity] - len(items)
        if more > 0:
            noun = "problem" if severity == ERROR else "warning"
            left = self._where[severity] - Counter((p.file, p.column or "") for p in items)
            where = ", ".join(
                f"{file}{' ' + column if column else ''}: {n}"
                for (file, column), n in left.most_common(5)
            )
            items.append(
                Problem(
                    "",
                    message=f"… and {more} more {noun}{'s' if more > 1 else ''}"
                    f" ({where}{', …' if len(left) > 5 else ''})",
                    severity=severity,
                )
            )
        return items

    @property
    def errors(self) -> list[Problem]:
        return self.listed(ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return self.listed(WARNING)

    def raise_if_errors(self) -> None:
        """Raise InstanceError with every error logged so far, if there is any."""
        if self._counts[ERROR]:
            raise InstanceError(self.errors, self._counts[ERROR])
