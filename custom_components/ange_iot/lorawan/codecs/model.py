"""Metadata that describes one supported device model and how to decode it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ..quantities import Readings

type Decoder = Callable[[int, bytes], Readings]
"""Decode one application payload, given its fPort. Raises CodecError."""


class Category(StrEnum):
    """What a device is for; used for grouping in the UI and in the device table."""

    CLIMATE = "climate"
    PRESENCE = "presence"
    DOOR = "door"
    LEAK = "leak"
    BUTTON = "button"
    DISTANCE = "distance"
    TEMPERATURE_PROBE = "temperature_probe"
    WATER_METER = "water_meter"
    PEOPLE_COUNTER = "people_counter"
    SOUND = "sound"
    OTHER = "other"


@dataclass(slots=True, frozen=True, kw_only=True)
class ModelInfo:
    """One device model: who makes it, what it measures and its decoder."""

    model_id: str
    manufacturer: str
    name: str
    category: Category
    keys: frozenset[str]
    decoder: Decoder

    @property
    def title(self) -> str:
        """Manufacturer and model name, as shown in the model picker."""
        return f"{self.manufacturer} {self.name}"
