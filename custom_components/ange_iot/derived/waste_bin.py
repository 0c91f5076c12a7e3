"""Fill level of a waste bin from a distance sensor in its lid."""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime
from typing import Any, Final

from .feature import Value, Values, as_float

BIN_DEPTH: Final = "bin_depth_cm"
FILL_THRESHOLD: Final = "fill_threshold"
DEFAULT_FILL_THRESHOLD: Final = 80.0

FILL_LEVEL: Final = "fill_level"
NEEDS_EMPTYING: Final = "needs_emptying"


class WasteBin:
    """Fill level in % = 100 × (depth − distance) / depth, clamped to 0-100."""

    keys = frozenset({FILL_LEVEL, NEEDS_EMPTYING})

    def __init__(self, depth_cm: float, threshold: float = DEFAULT_FILL_THRESHOLD) -> None:
        self.depth_cm = depth_cm
        self.threshold = threshold

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """A new distance gives a new fill level; an invalid one gives unknown."""
        if "distance" not in changed:
            return {}
        distance_mm = as_float(values.get("distance"))
        if distance_mm is None:
            return {FILL_LEVEL: None, NEEDS_EMPTYING: None}
        fill = self.fill_level(distance_mm / 10)
        return {FILL_LEVEL: fill, NEEDS_EMPTYING: fill >= self.threshold}

    def fill_level(self, distance_cm: float) -> float:
        """The fill level for one distance; a distance beyond the bottom reads empty."""
        fill = 100 * (self.depth_cm - distance_cm) / self.depth_cm
        return round(min(100.0, max(0.0, fill)), 1)

    def tick(self, now: datetime) -> Values:
        """Nothing changes with time alone."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        """Everything is computed from the latest distance; nothing to keep."""
        return {}

    def restore(self, data: Mapping[str, Any]) -> None:
        """Nothing to restore."""
