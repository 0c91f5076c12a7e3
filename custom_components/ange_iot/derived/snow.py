"""Snow depth from a distance sensor mounted above the ground.

Depth = mounting height − measured distance, clamped at 0. On a snow-free day staff
can calibrate, which makes the current distance the zero (the ground may be uneven or
the mast tilted). The 24-hour change and the snowfall since the last clearing are what
the clearing crew decide on.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime, timedelta
from typing import Any, Final

from .feature import Value, Values, as_float, elapsed, iso, parse_time

MOUNTING_HEIGHT: Final = "mounting_height_cm"

SNOW_DEPTH: Final = "snow_depth"
SNOW_CHANGE_24H: Final = "snow_change_24h"
SNOWFALL_SINCE_CLEARING: Final = "snowfall_since_clearing"
LAST_CLEARED: Final = "last_cleared"

_DAY: Final = timedelta(hours=24)
# A 24-hour change needs a reading from about a day ago; sensors report every 10-60
# minutes, so one within two hours of that mark is close enough.
_DAY_TOLERANCE: Final = timedelta(hours=2)


class NotCalibratableError(ValueError):
    """Calibration needs a valid current distance."""


class SnowStation:
    """Derived snow values of one distance sensor."""

    keys = frozenset({SNOW_DEPTH, SNOW_CHANGE_24H, SNOWFALL_SINCE_CLEARING, LAST_CLEARED})

    def __init__(self, mounting_height_cm: float) -> None:
        self.mounting_height_cm = mounting_height_cm
        self.zero_distance_cm: float | None = None
        self.depth: float | None = None
        self.distance_cm: float | None = None
        self.samples: list[tuple[datetime, float]] = []
        self.cleared_at: datetime | None = None
        self.depth_after_clearing: float | None = None

    @property
    def reference_cm(self) -> float:
        """The distance that means "no snow": calibrated, or the mounting height."""
        return self.zero_distance_cm if self.zero_distance_cm is not None else self.mounting_height_cm

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """A new distance (or an invalid one) gives a new depth."""
        if "distance" not in changed:
            return {}
        distance_mm = as_float(values.get("distance"))
        if distance_mm is None:
            self.distance_cm = self.depth = None
            return {SNOW_DEPTH: None, SNOW_CHANGE_24H: None, SNOWFALL_SINCE_CLEARING: None}
        self.distance_cm = distance_mm / 10
        self.depth = round(max(0.0, self.reference_cm - self.distance_cm), 1)
        self.samples.append((now, self.depth))
        if self.cleared_at is not None and self.depth_after_clearing is None:
            # Cleared while the depth was unknown: the first valid depth after is the base.
            self.depth_after_clearing = self.depth
        self._forget_before(now - _DAY - _DAY_TOLERANCE)
        return self.values(now)

    def tick(self, now: datetime) -> Values:
        """Nothing changes with time alone."""
        return {}

    def calibrate(self) -> float:
        """Make the current distance read 0 cm; returns the new reference in cm."""
        if self.distance_cm is None:
            raise NotCalibratableError("no valid distance to calibrate against")
        self.zero_distance_cm = self.distance_cm
        self.depth = 0.0
        self.samples.clear()
        return self.zero_distance_cm

    def mark_cleared(self, now: datetime) -> Values:
        """The station's area was cleared: snowfall counts from the current depth."""
        self.cleared_at = now
        self.depth_after_clearing = self.depth
        return self.values(now)

    def values(self, now: datetime) -> Values:
        """Every derived value as of now."""
        return {
            SNOW_DEPTH: self.depth,
            SNOW_CHANGE_24H: self._change_24h(now),
            SNOWFALL_SINCE_CLEARING: self._snowfall(),
            LAST_CLEARED: self.cleared_at,
        }

    def _change_24h(self, now: datetime) -> float | None:
        if self.depth is None:
            return None
        target = now - _DAY
        candidates = [s for s in self.samples if abs(elapsed(target, s[0])) <= _DAY_TOLERANCE]
        if not candidates:
            return None
        _, then = min(candidates, key=lambda s: abs(elapsed(target, s[0])))
        return round(self.depth - then, 1)

    def _snowfall(self) -> float | None:
        if self.depth is None or self.cleared_at is None or self.depth_after_clearing is None:
            return None
        return round(max(0.0, self.depth - self.depth_after_clearing), 1)

    def _forget_before(self, cutoff: datetime) -> None:
        while self.samples and elapsed(self.samples[0][0], cutoff) > timedelta(0):
            self.samples.pop(0)

    def as_dict(self) -> dict[str, Any]:
        """Calibration, clearing and the last day of depths."""
        return {
            "zero_distance_cm": self.zero_distance_cm,
            "distance_cm": self.distance_cm,
            "depth": self.depth,
            "cleared_at": iso(self.cleared_at),
            "depth_after_clearing": self.depth_after_clearing,
            "samples": [[iso(at), depth] for at, depth in self.samples],
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load as_dict() output."""
        self.zero_distance_cm = as_float(data.get("zero_distance_cm"))
        self.distance_cm = as_float(data.get("distance_cm"))
        self.depth = as_float(data.get("depth"))
        self.cleared_at = parse_time(data.get("cleared_at"))
        self.depth_after_clearing = as_float(data.get("depth_after_clearing"))
        samples = data.get("samples")
        self.samples = []
        if isinstance(samples, list):
            for item in samples:
                if isinstance(item, list) and len(item) == 2:
                    at, depth = parse_time(item[0]), as_float(item[1])
                    if at is not None and depth is not None:
                        self.samples.append((at, depth))
