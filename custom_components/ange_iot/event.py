"""Event entities: button presses, which are moments rather than states."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.components.event import (
    EventDeviceClass,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AngeIotConfigEntry
from .care_runtime.entities import async_follow_care_entities, care_events
from .entity import AngeIotEntity
from .lorawan.quantities import BUTTON_EVENTS
from .platform_setup import async_setup_device_entities

EVENTS: Mapping[str, EventEntityDescription] = {
    "button": EventEntityDescription(
        key="button",
        translation_key="button",
        device_class=EventDeviceClass.BUTTON,
        event_types=list(BUTTON_EVENTS),
    ),
}


PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AngeIotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up event entities as devices first report them."""
    async_setup_device_entities(
        hass, entry.runtime_data, async_add_entities, EVENTS, AngeIotEvent
    )
    async_follow_care_entities(entry.runtime_data.care, care_events, async_add_entities)


class AngeIotEvent(AngeIotEntity, EventEntity):  # type: ignore[misc]
    """A button that fires an event on every reported press."""

    # EventEntity marks capability_attributes final, but DESIGN.md requires the care
    # marker as a capability attribute, the only kind HA keeps while unavailable. A
    # call button of a care device must never be publishable, so AngeIotEntity's
    # override (which extends EventEntity's attributes through super()) is deliberate.

    @callback
    def _handle_device_update(self, changed: frozenset[str] | None) -> None:
        if changed is None:
            self.async_write_ha_state()
            return
        if self.entity_description.key not in changed:
            return
        press = self.device.values.get(self.entity_description.key)
        if isinstance(press, str) and press in BUTTON_EVENTS:
            self._trigger_event(press)
            self.async_write_ha_state()
