"""Ice places: spots on a lake where staff measure the ice thickness by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry

from .device_settings import CONF_LATITUDE, CONF_LONGITUDE

SUBENTRY_ICE_PLACE: Final = "ice_place"


@dataclass(slots=True, frozen=True)
class IcePlace:
    """One ice place from its subentry."""

    subentry_id: str
    name: str
    latitude: float | None
    longitude: float | None

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> IcePlace:
        """Read an ice-place subentry."""
        data: dict[str, Any] = dict(subentry.data)
        return cls(
            subentry_id=subentry.subentry_id,
            name=str(data.get("name") or subentry.title),
            latitude=data.get(CONF_LATITUDE),
            longitude=data.get(CONF_LONGITUDE),
        )

    @property
    def device_identifier(self) -> str:
        """The device-registry identifier (a place, not a LoRaWAN device)."""
        return f"ice_{self.subentry_id}"
