"""Lake water temperature and the bathing-water status shown to the public."""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from .feature import Value, Values, as_float, iso, parse_time

FRESH_FROM: Final = "bathing_fresh_from"
WARM_FROM: Final = "bathing_warm_from"
DEFAULT_FRESH_FROM: Final = 15.0
DEFAULT_WARM_FROM: Final = 20.0

WATER_TEMPERATURE: Final = "water_temperature"
BATHING_WATER: Final = "bathing_water"
MEASURED_AT: Final = "measured_at"

# A probe in the water reports as external_temperature (ELT, PT100, DS18B20); a device
# whose network server decodes water_temperature says so itself.
ALL_SOURCES: Final = ("water_temperature", "external_temperature", "temperature")
PROBE_SOURCES: Final = ("water_temperature", "external_temperature")


class BathingWater(StrEnum):
    """How the water feels to a bather."""

    COLD = "cold"
    FRESH = "fresh"
    WARM = "warm"


class Lake:
    """Water temperature, its bathing status and when it was measured."""

    keys = frozenset({WATER_TEMPERATURE, BATHING_WATER, MEASURED_AT})

    def __init__(
        self,
        fresh_from: float = DEFAULT_FRESH_FROM,
        warm_from: float = DEFAULT_WARM_FROM,
        sources: tuple[str, ...] = ALL_SOURCES,
    ) -> None:
        # A device with an external probe also has a board sensor in its housing, which
        # must never be mistaken for the water.
        self.sources = sources
        self.fresh_from = fresh_from
        self.warm_from = warm_from
        self.measured_at: datetime | None = None

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """The first source present in this uplink is the water temperature."""
        source = next((key for key in self.sources if key in changed), None)
        if source is None:
            return {}
        temperature = as_float(values.get(source))
        if temperature is None:
            return {WATER_TEMPERATURE: None, BATHING_WATER: None}
        self.measured_at = now
        return {
            WATER_TEMPERATURE: temperature,
            BATHING_WATER: self.status(temperature).value,
            MEASURED_AT: now,
        }

    def status(self, temperature: float) -> BathingWater:
        """Cold below the fresh limit, warm from the warm limit, fresh between."""
        if temperature >= self.warm_from:
            return BathingWater.WARM
        if temperature >= self.fresh_from:
            return BathingWater.FRESH
        return BathingWater.COLD

    def tick(self, now: datetime) -> Values:
        """Nothing changes with time alone."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        """When the water was last measured."""
        return {"measured_at": iso(self.measured_at)}

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load as_dict() output."""
        self.measured_at = parse_time(data.get("measured_at"))
