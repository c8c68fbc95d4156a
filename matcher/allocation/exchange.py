"""The best allocation shared by searches running side by side on GAP tables: the LNS offers its
gains, the tabu searches offer theirs and go on from a better one found here (a second tabu
search started when the LNS stops early takes the best of all at its first exchange)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

TOLERANCE = 1e-6  # scores are sums of floats: a taken allocation must be better by more


@dataclass
class Exchange:
    """The best allocation offered so far (bool per triple) and its score."""

    chosen: np.ndarray
    value: float
    lock: threading.Lock = field(default_factory=threading.Lock)

    def offer(self, chosen: np.ndarray, value: float) -> None:
        """Keep a copy of `chosen` if it beats the best held."""
        with self.lock:
            if value > self.value + TOLERANCE:
                self.chosen = chosen.copy()
                self.value = value

    def take(self, than: float) -> tuple[np.ndarray, float] | None:
        """A copy of the best held and its score if it beats `than`, else None."""
        with self.lock:
            if self.value > than + TOLERANCE:
                return self.chosen.copy(), self.value
            return None

    def best(self) -> np.ndarray:
        """A copy of the best allocation held."""
        with self.lock:
            return self.chosen.copy()
