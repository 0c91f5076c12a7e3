"""Binary sensors: contacts, presence, leaks and meter alarms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.restore_state import RestoreEntity

from . import AngeIotConfigEntry
from .device import Device
from .device_settings import CONF_SCHEDULE
from .entity import AngeIotEntity
from .gateway_entities import async_setup_gateway_binary_sensors
from .hub import Hub
from .intrusion import presence_in, schedule_open
from .platform_setup import async_setup_device_entities


def _flag(key: str) -> Callable[[Device], bool | None]:
    def value(device: Device) -> bool | None:
        reading = device.values.get(key)
        return reading if isinstance(reading, bool) else None

    return value


@dataclass(frozen=True, kw_only=True)
class AngeIotBinarySensorDescription(BinarySensorEntityDescription):
    """A device binary sensor; ``value_fn`` reads it from the device's live state."""

    value_fn: Callable[[Device], bool | None]


def _binary(
    key: str,
    device_class: BinarySensorDeviceClass | None,
    translation_key: str | None = None,
    *,
    enabled: bool = True,
) -> AngeIotBinarySensorDescription:
    return AngeIotBinarySensorDescription(
        key=key,
        device_class=device_class,
        translation_key=translation_key,
        entity_registry_enabled_default=enabled,
        value_fn=_flag(key),
    )


_B = BinarySensorDeviceClass

BINARY_SENSORS: Mapping[str, AngeIotBinarySensorDescription] = {
    description.key: description
    for description in (
        _binary("occupancy", _B.OCCUPANCY),
        _binary("door_open", _B.DOOR),
        _binary("window_open", _B.WINDOW),
        _binary("water_leak", _B.MOISTURE),
        _binary("meter_alarm_leak", _B.PROBLEM, "meter_alarm_leak"),
        _binary("meter_alarm_burst", _B.PROBLEM, "meter_alarm_burst"),
        _binary("meter_alarm_backflow", _B.PROBLEM, "meter_alarm_backflow"),
        _binary("meter_alarm_tamper", _B.TAMPER, "meter_alarm_tamper"),
        _binary("meter_alarm_dry", _B.PROBLEM, "meter_alarm_dry"),
        _binary("battery_low", _B.BATTERY),
        _binary("leak_suspected", _B.PROBLEM, "leak_suspected"),
        _binary("out_of_range", _B.PROBLEM, "out_of_range"),
        _binary("needs_emptying", None, "needs_emptying"),
        _binary("intrusion", _B.SAFETY, "intrusion"),
        _binary("digital_input", None, "digital_input", enabled=False),
    )
}


PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AngeIotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up binary sensors as their readings appear."""
    async_setup_device_entities(
        hass, entry.runtime_data, async_add_entities, BINARY_SENSORS, _binary_sensor
    )
    async_setup_gateway_binary_sensors(entry.runtime_data, async_add_entities)


def _binary_sensor(
    hub: Hub, device: Device, description: AngeIotBinarySensorDescription
) -> AngeIotBinarySensor:
    if description.key == "intrusion":
        return IntrusionBinarySensor(hub, device, description)
    return AngeIotBinarySensor(hub, device, description)


class AngeIotBinarySensor(AngeIotEntity, BinarySensorEntity, RestoreEntity):
    """A device binary sensor whose state survives restarts until the next uplink."""

    entity_description: AngeIotBinarySensorDescription

    async def async_added_to_hass(self) -> None:
        """Show the last known state until the device reports again."""
        await super().async_added_to_hass()
        self._update_from_device()
        last = await self.async_get_last_state() if self._attr_is_on is None else None
        if last is not None and last.state in (STATE_ON, STATE_OFF):
            self._attr_is_on = last.state == STATE_ON

    @callback
    def _update_from_device(self) -> None:
        value = self.entity_description.value_fn(self.device)
        if value is not None or self.entity_description.key in self.device.values:
            self._attr_is_on = value


class IntrusionBinarySensor(AngeIotBinarySensor):
    """On while the device sees someone and the opening-hours schedule is off."""

    _follows_every_update = True

    async def async_added_to_hass(self) -> None:
        """Also follow the schedule, which changes without any uplink."""
        await super().async_added_to_hass()
        schedule = self.device.config.settings.get(CONF_SCHEDULE)
        if isinstance(schedule, str):
            self.async_on_remove(
                async_track_state_change_event(self.hass, [schedule], self._schedule_changed)
            )

    @callback
    def _schedule_changed(self, event: Event[EventStateChangedData]) -> None:
        self._update_from_device()
        self.async_write_ha_state()

    @callback
    def _handle_device_update(self, changed: frozenset[str] | None) -> None:
        # Presence comes from other keys (occupancy, motion, door): follow every uplink.
        self._update_from_device()
        self.async_write_ha_state()

    @callback
    def _update_from_device(self) -> None:
        presence = presence_in(self.device.values)
        is_open = schedule_open(self.hass, self.device.config.settings.get(CONF_SCHEDULE))
        if is_open is None:
            self._attr_is_on = None  # without opening hours there is nothing to judge against
        elif presence is not None:
            self._attr_is_on = presence and not is_open
