"""Number entities: the ice thickness staff measure by hand at each ice place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.number import NumberDeviceClass, NumberMode, RestoreNumber
from homeassistant.const import UnitOfLength
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from . import AngeIotConfigEntry
from .const import DOMAIN
from .ha_compat import via_hub
from .ice import SUBENTRY_ICE_PLACE, IcePlace

PARALLEL_UPDATES = 0
ATTR_MEASURED_AT = "measured_at"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AngeIotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One ice-thickness number per ice place."""
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_ICE_PLACE:
            async_add_entities(
                [IceThicknessNumber(hass, entry.entry_id, IcePlace.from_subentry(subentry))],
                config_subentry_id=subentry.subentry_id,
            )


class IceThicknessNumber(RestoreNumber):
    """The ice thickness at one place, with when it was measured."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "ice_thickness"
    _attr_device_class = NumberDeviceClass.DISTANCE
    _attr_native_unit_of_measurement = UnitOfLength.CENTIMETERS
    _attr_native_min_value = 0
    _attr_native_max_value = 300
    _attr_native_step = 1
    _attr_mode = NumberMode.BOX

    def __init__(self, hass: HomeAssistant, entry_id: str, place: IcePlace) -> None:
        self.place = place
        self._attr_unique_id = f"{place.device_identifier}_ice_thickness"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, place.device_identifier)},
            name=place.name,
            manufacturer="Ånge kommun",
            model="Ice measurement place",
            **via_hub(hass, entry_id),
        )
        self._measured_at: datetime | None = None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When it was measured, and where (so a map card can show the place)."""
        attributes: dict[str, Any] = {
            ATTR_MEASURED_AT: self._measured_at.isoformat() if self._measured_at else None
        }
        if self.place.latitude is not None and self.place.longitude is not None:
            attributes["latitude"] = self.place.latitude
            attributes["longitude"] = self.place.longitude
        return attributes

    async def async_added_to_hass(self) -> None:
        """Keep the last measurement across restarts."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_number_data()) is not None:
            self._attr_native_value = last.native_value
        if (state := await self.async_get_last_state()) is not None:
            self._measured_at = dt_util.parse_datetime(str(state.attributes.get(ATTR_MEASURED_AT) or ""))

    async def async_set_native_value(self, value: float) -> None:
        """A new hand measurement."""
        self._attr_native_value = value
        self._measured_at = dt_util.now()
        self.async_write_ha_state()
