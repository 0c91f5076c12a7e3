"""The entity bases: what every Ånge IoT entity shares, and the base of device entities.

Every entity, of a LoRaWAN device, a gateway, a hub, a care unit or a medicine dispenser,
derives from ``AngeIotBaseEntity``: pushed rather than polled, named by translation, and
carrying the care marker when it shows care data (DESIGN.md: the open-data add-on never
publishes an entity with it).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import ATTR_CATEGORY, ATTR_MEASURED_AT, CATEGORY_CARE, DOMAIN
from .device import Device
from .hub import Hub


class AngeIotBaseEntity(Entity):
    """Pushed, named by translation, and care-marked when it shows care data."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def _shows_care_data(self) -> bool:
        """Whether the care marker goes on this entity."""
        return False

    @property
    def capability_attributes(self) -> dict[str, Any] | None:
        """Add the care marker, which HA keeps while unavailable and when restored."""
        attributes = super().capability_attributes
        if not self._shows_care_data():
            return attributes
        return {**(attributes or {}), ATTR_CATEGORY: CATEGORY_CARE}


class AngeIotEntity(AngeIotBaseEntity):
    """An entity of one LoRaWAN device, updated by push from the hub."""

    def __init__(self, hub: Hub, device: Device, description: EntityDescription) -> None:
        """Bind the entity to its device and reading key."""
        self.hub = hub
        self.device = device
        self.entity_description = description
        # Read on every state write: kept at hand rather than looked up each time.
        self._key = description.key
        self._attr_unique_id = f"{device.dev_eui}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, device.dev_eui)})

    def _shows_care_data(self) -> bool:
        return self.device.config.is_care

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """When the shown value was measured (ISO 8601), which may be well before now."""
        device = self.device
        at = device.key_iso.get(self._key) or device.measured_iso
        return None if at is None else {ATTR_MEASURED_AT: at}

    @property
    def available(self) -> bool:
        """Unavailable once the device is silent beyond its offline timeout."""
        return self.device.available

    # True for an entity whose state depends on other keys than its own (intrusion).
    _follows_every_update = False

    async def async_added_to_hass(self) -> None:
        """Follow the device's pushes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hub.add_device_listener(
                self.device.dev_eui,
                None if self._follows_every_update else self._key,
                self._handle_device_update,
            )
        )

    @callback
    def _handle_device_update(self, changed: frozenset[str] | None) -> None:
        """Write state when this entity's key changed, or availability did (None)."""
        if changed is None or self._key in changed:
            self._update_from_device()
            self.async_write_ha_state()

    @callback
    def _update_from_device(self) -> None:
        """Copy the device's current value into the entity's attributes."""
