"""Cold chain in production kitchens: a temperature out of its limits for too long.

Defaults follow Livsmedelsverket's guidance for chilled and frozen food: a fridge or
cold room at most +8 °C, a freezer at most −18 °C. A dry store is kept below +25 °C.
A door opened to load goods warms a fridge briefly, so only a deviation that lasts
longer than the grace period counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from .feature import Value, Values, as_float, elapsed, iso, parse_time

TEMP_MIN: Final = "temp_min"
TEMP_MAX: Final = "temp_max"
GRACE_MINUTES: Final = "out_of_range_minutes"
DEFAULT_GRACE_MINUTES: Final = 30

OUT_OF_RANGE: Final = "out_of_range"
LIMIT_LOW: Final = "temperature_limit_low"
LIMIT_HIGH: Final = "temperature_limit_high"


class StorageRole(StrEnum):
    """What a kitchen sensor watches."""

    FRIDGE = "fridge"
    FREEZER = "freezer"
    COLD_ROOM = "cold_room"
    DRY_STORE = "dry_store"


DEFAULT_LIMITS: Final[dict[StorageRole, tuple[float | None, float | None]]] = {
    StorageRole.FRIDGE: (None, 8.0),
    StorageRole.FREEZER: (None, -18.0),
    StorageRole.COLD_ROOM: (None, 8.0),
    StorageRole.DRY_STORE: (None, 25.0),
}


class ColdChain:
    """Whether the temperature has been outside its limits for longer than the grace period."""

    keys = frozenset({OUT_OF_RANGE, LIMIT_LOW, LIMIT_HIGH})

    def __init__(
        self,
        role: StorageRole,
        low: float | None,
        high: float | None,
        grace: timedelta = timedelta(minutes=DEFAULT_GRACE_MINUTES),
    ) -> None:
        self.role = role
        self.low = low
        self.high = high
        self.grace = grace
        self.outside_since: datetime | None = None
        self.temperature: float | None = None
        self.active = False

    def in_range(self, temperature: float) -> bool:
        """Whether a temperature is within the limits (limits included)."""
        if self.low is not None and temperature < self.low:
            return False
        return self.high is None or temperature <= self.high

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """Start or stop the deviation clock with each temperature."""
        if "temperature" not in changed:
            return self._limits() if self.temperature is None else {}
        temperature = as_float(values.get("temperature"))
        if temperature is None:
            return {}
        self.temperature = temperature
        if self.in_range(temperature):
            self.outside_since = None
        elif self.outside_since is None:
            self.outside_since = now
        return {**self._limits(), **self._evaluate(now, always=True)}

    def tick(self, now: datetime) -> Values:
        """The grace period may run out between two uplinks."""
        return self._evaluate(now, always=False)

    def _evaluate(self, now: datetime, *, always: bool) -> Values:
        active = self.outside_since is not None and elapsed(self.outside_since, now) >= self.grace
        changed = active != self.active
        self.active = active
        return {OUT_OF_RANGE: active} if changed or always else {}

    def _limits(self) -> Values:
        return {LIMIT_LOW: self.low, LIMIT_HIGH: self.high}

    def as_dict(self) -> dict[str, Any]:
        """The running deviation, so a restart does not reset the clock."""
        return {"outside_since": iso(self.outside_since), "active": self.active}

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load as_dict() output."""
        self.outside_since = parse_time(data.get("outside_since"))
        self.active = data.get("active") is True
