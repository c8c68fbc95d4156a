"""JSON bodies parsed only within bounds: nesting depth and the number of objects and lists
are counted on the raw bytes (vectorised, before `json.loads`), so a deeply nested body cannot
reach Python's recursion limit and a body of millions of `{}` cannot take gigabytes."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from api.problems import HttpError

CHUNK = 8 * 1024 * 1024
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("{"), ord("[")]] = 1
_CLOSE = np.zeros(256, dtype=np.int8)
_CLOSE[[ord("}"), ord("]")]] = 1


def json_shape(data: bytes) -> tuple[int, int]:
    """(deepest nesting, number of objects and lists) of JSON text, brackets inside strings
    not counted. Escaped backslashes and quotes are removed first, so the quotes left
    delimit strings; work is in chunks so the arrays stay small."""
    text = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    depth = deepest = containers = 0
    in_string = False
    for start in range(0, len(text), CHUNK):
        chunk = np.frombuffer(
            text, dtype=np.uint8, count=min(CHUNK, len(text) - start), offset=start
        )
        quotes = chunk == ord('"')
        # inside a string after an odd number of quotes (counting the chunks before)
        parity = (np.cumsum(quotes, dtype=np.int64) + int(in_string)) % 2 == 1
        outside = ~(parity | quotes)
        opens = _OPEN[chunk] * outside
        closes = _CLOSE[chunk] * outside
        steps = opens.astype(np.int64) - closes
        if len(steps):
            levels = depth + np.cumsum(steps)
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
        containers += int(opens.sum())
        in_string = bool(parity[-1]) if len(parity) else in_string
    return deepest, containers


def bounded_json(data: bytes, max_depth: int, max_containers: int) -> Any:
    """`json.loads(data)` when its nesting is at most `max_depth` and it holds at most
    `max_containers` objects and lists; 400 for malformed JSON, 422 naming the limit else."""
    deepest, containers = json_shape(data)
    if deepest > max_depth:
        raise HttpError(422, "error.json.too_deep_levels", depth=deepest, limit=max_depth)
    if containers > max_containers:
        raise HttpError(
            422, "error.json.too_many_containers", count=containers, limit=max_containers
        )
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(400, "error.malformed_json", error=exc) from exc
    except RecursionError as exc:  # cannot happen within max_depth; kept as a last guard
        raise HttpError(422, "error.too_deep") from exc
