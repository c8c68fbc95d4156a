"""Give freed pair tables back to the operating system in long-lived part workers.

glibc raises its mmap threshold after large frees (up to 32 MiB), so the arrays of the next part
come from the heap, whose freed pages a worker keeps: measured on a 1.76 M-pair part, freeing its
table and rows returned nothing (benchmarks/notes.md "National"). A fixed threshold keeps every
large array in its own mapping, returned on free, and `release` trims what the heap still holds.
Elsewhere than glibc both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
MMAP_THRESHOLD_BYTES = 1 << 20  # arrays from 1 MiB up get their own mapping
TRIM_THRESHOLD_BYTES = 16 << 20


@cache
def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


def return_freed_memory() -> None:
    """Set this process's allocator so large freed arrays go back to the system at once."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)


def release() -> None:
    """Collect garbage and trim the heap (after a part's transient tables are dropped)."""
    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
