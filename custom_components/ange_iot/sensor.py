"""Sensor entities: measurements and the radio diagnostics of every device, plus hub counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    LIGHT_LUX,
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfLength,
    UnitOfPressure,
    UnitOfSoundPressure,
    UnitOfTemperature,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from . import AngeIotConfigEntry
from .care_runtime.entities import async_follow_care_entities, care_sensors
from .care_runtime.statistics import statistics_sensors
from .const import DOMAIN, signal_hub_update
from .derived.lake import BathingWater
from .device import Device
from .device_settings import CONF_LATITUDE, CONF_LONGITUDE
from .entity import AngeIotBaseEntity, AngeIotEntity
from .gateway_entities import async_setup_gateway_sensors
from .ha_compat import MICROGRAMS_PER_CUBIC_METER, PARTS_PER_BILLION, PARTS_PER_MILLION
from .hub import Hub
from .platform_setup import async_setup_device_entities

type SensorValue = StateType | datetime


def _reading(key: str) -> Callable[[Device], SensorValue]:
    def value(device: Device) -> SensorValue:
        reading = device.values.get(key)
        return None if isinstance(reading, bool) else reading

    return value


@dataclass(frozen=True, kw_only=True)
class AngeIotSensorDescription(SensorEntityDescription):
    """A device sensor; ``value_fn`` reads the value from the device's live state."""

    value_fn: Callable[[Device], SensorValue]


def _measurement(
    key: str,
    *,
    device_class: SensorDeviceClass | None = None,
    unit: str | None = None,
    state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT,
    translation_key: str | None = None,
    entity_category: EntityCategory | None = None,
    enabled: bool = True,
    precision: int | None = None,
) -> AngeIotSensorDescription:
    return AngeIotSensorDescription(
        key=key,
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=state_class,
        translation_key=translation_key,
        entity_category=entity_category,
        entity_registry_enabled_default=enabled,
        suggested_display_precision=precision,
        value_fn=_reading(key),
    )


_D = SensorDeviceClass
_DIAG = EntityCategory.DIAGNOSTIC

READING_SENSORS: tuple[AngeIotSensorDescription, ...] = (
    _measurement("temperature", device_class=_D.TEMPERATURE, unit=UnitOfTemperature.CELSIUS, precision=1),
    _measurement("humidity", device_class=_D.HUMIDITY, unit=PERCENTAGE, precision=0),
    _measurement("co2", device_class=_D.CO2, unit=PARTS_PER_MILLION),
    _measurement("tvoc", device_class=_D.VOLATILE_ORGANIC_COMPOUNDS_PARTS, unit=PARTS_PER_BILLION),
    _measurement("illuminance", device_class=_D.ILLUMINANCE, unit=LIGHT_LUX),
    _measurement("pressure", device_class=_D.ATMOSPHERIC_PRESSURE, unit=UnitOfPressure.HPA, precision=1),
    _measurement("sound_avg", device_class=_D.SOUND_PRESSURE, unit=UnitOfSoundPressure.DECIBEL, translation_key="sound_avg"),
    _measurement("sound_peak", device_class=_D.SOUND_PRESSURE, unit=UnitOfSoundPressure.DECIBEL, translation_key="sound_peak"),
    _measurement("motion", translation_key="motion"),
    _measurement("distance", device_class=_D.DISTANCE, unit=UnitOfLength.MILLIMETERS),
    _measurement("water_temperature", device_class=_D.TEMPERATURE, unit=UnitOfTemperature.CELSIUS, translation_key="water_temperature", precision=1),
    _measurement("external_temperature", device_class=_D.TEMPERATURE, unit=UnitOfTemperature.CELSIUS, translation_key="external_temperature", precision=1),
    _measurement("volume", device_class=_D.WATER, unit=UnitOfVolume.CUBIC_METERS, state_class=SensorStateClass.TOTAL_INCREASING, precision=3),
    _measurement("flow", device_class=_D.VOLUME_FLOW_RATE, unit=UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR, precision=3),
    _measurement("fill_level", unit=PERCENTAGE, translation_key="fill_level", precision=0),
    _measurement("people_in", translation_key="people_in"),
    _measurement("people_out", translation_key="people_out"),
    _measurement("people_total", state_class=SensorStateClass.TOTAL_INCREASING, translation_key="people_total"),
    _measurement("pm2_5", device_class=_D.PM25, unit=MICROGRAMS_PER_CUBIC_METER),
    _measurement("pm10", device_class=_D.PM10, unit=MICROGRAMS_PER_CUBIC_METER),
    _measurement("hcho", unit="mg/m³", translation_key="hcho", precision=2),
    _measurement("o3", unit=PARTS_PER_MILLION, translation_key="o3", precision=2),
    _measurement("light_level", translation_key="light_level"),
    _measurement("ice_thickness", device_class=_D.DISTANCE, unit=UnitOfLength.CENTIMETERS, translation_key="ice_thickness", precision=0),
    _measurement("analog_input", device_class=_D.VOLTAGE, unit=UnitOfElectricPotential.VOLT, translation_key="analog_input", enabled=False),
    _measurement("pulse_count", state_class=SensorStateClass.TOTAL_INCREASING, translation_key="pulse_count"),
    _measurement("acceleration_x", unit="mG", translation_key="acceleration_x", entity_category=_DIAG, enabled=False),
    _measurement("acceleration_y", unit="mG", translation_key="acceleration_y", entity_category=_DIAG, enabled=False),
    _measurement("acceleration_z", unit="mG", translation_key="acceleration_z", entity_category=_DIAG, enabled=False),
    _measurement("people_count", translation_key="people_count"),
    _measurement("battery", device_class=_D.BATTERY, unit=PERCENTAGE, entity_category=_DIAG),
    _measurement("battery_voltage", device_class=_D.VOLTAGE, unit=UnitOfElectricPotential.VOLT, translation_key="battery_voltage", entity_category=_DIAG, precision=2),
)

_CM = UnitOfLength.CENTIMETERS
_TOTAL = SensorStateClass.TOTAL_INCREASING


def _timestamp(key: str) -> AngeIotSensorDescription:
    return _measurement(key, device_class=_D.TIMESTAMP, state_class=None, translation_key=key)


# Values derived from readings and the device's settings (derived/).
DERIVED_SENSORS: tuple[AngeIotSensorDescription, ...] = (
    _measurement("snow_depth", device_class=_D.DISTANCE, unit=_CM, translation_key="snow_depth", precision=0),
    _measurement("snow_change_24h", device_class=_D.DISTANCE, unit=_CM, translation_key="snow_change_24h", precision=0),
    _measurement("snowfall_since_clearing", device_class=_D.DISTANCE, unit=_CM, translation_key="snowfall_since_clearing", precision=0),
    _timestamp("last_cleared"),
    AngeIotSensorDescription(
        key="bathing_water",
        translation_key="bathing_water",
        device_class=_D.ENUM,
        options=[status.value for status in BathingWater],
        value_fn=_reading("bathing_water"),
    ),
    _timestamp("measured_at"),
    _measurement("daily_consumption", device_class=_D.WATER, unit=UnitOfVolume.CUBIC_METERS, state_class=_TOTAL, translation_key="daily_consumption", precision=3),
    _measurement("visitors_today", state_class=_TOTAL, translation_key="visitors_today"),
    _measurement("visitors_season", state_class=_TOTAL, translation_key="visitors_season"),
    _measurement("visitors_total", state_class=_TOTAL, translation_key="visitors_total"),
    _measurement("temperature_limit_low", device_class=_D.TEMPERATURE, unit=UnitOfTemperature.CELSIUS, state_class=None, translation_key="temperature_limit_low", entity_category=_DIAG),
    _measurement("temperature_limit_high", device_class=_D.TEMPERATURE, unit=UnitOfTemperature.CELSIUS, state_class=None, translation_key="temperature_limit_high", entity_category=_DIAG),
)

RADIO_SENSORS: tuple[AngeIotSensorDescription, ...] = (
    AngeIotSensorDescription(
        key="rssi",
        device_class=_D.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=_DIAG,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.rssi,
    ),
    AngeIotSensorDescription(
        key="snr",
        translation_key="snr",
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=_DIAG,
        entity_registry_enabled_default=False,
        suggested_display_precision=1,
        value_fn=lambda device: device.snr,
    ),
    AngeIotSensorDescription(
        key="f_cnt",
        translation_key="f_cnt",
        entity_category=_DIAG,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.f_cnt,
    ),
    # Like RSSI and SNR it changes with every uplink, which fills the recorder; the
    # entities' availability already shows a silent device.
    AngeIotSensorDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=_D.TIMESTAMP,
        entity_category=_DIAG,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.last_seen,
    ),
)

SENSORS: Mapping[str, AngeIotSensorDescription] = {
    description.key: description
    for description in (*READING_SENSORS, *DERIVED_SENSORS, *RADIO_SENSORS)
}


PARALLEL_UPDATES = 0

# The value of a snow station, bin, lake or trail counter that a map should show.
LOCATED_KEYS = frozenset({"snow_depth", "fill_level", "water_temperature", "visitors_today", "daily_consumption"})


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AngeIotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up device sensors as their readings appear, and the hub's own sensors."""
    hub = entry.runtime_data
    async_add_entities([RejectedUplinksSensor(hub)])
    async_follow_care_entities(hub.care, care_sensors, async_add_entities)
    async_follow_care_entities(hub.care, statistics_sensors, async_add_entities)
    async_setup_device_entities(hass, hub, async_add_entities, SENSORS, AngeIotSensor)
    async_setup_gateway_sensors(hub, async_add_entities)


class AngeIotSensor(AngeIotEntity, RestoreSensor):
    """A device sensor whose value survives restarts until the next uplink."""

    entity_description: AngeIotSensorDescription

    async def async_added_to_hass(self) -> None:
        """Show the last known value until the device reports again."""
        await super().async_added_to_hass()
        # Read the stored value first: uplinks that arrive while we wait for it (a backlog
        # drained at startup) must not be overwritten by the older stored value.
        last = await self.async_get_last_sensor_data()
        self._update_from_device()
        if self._attr_native_value is None and last is not None:
            if self.entity_description.device_class is SensorDeviceClass.TIMESTAMP:
                return
            self._attr_native_value = last.native_value

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """When it was measured; a place's headline value also carries its position (maps)."""
        attributes = super().extra_state_attributes
        if self._key not in LOCATED_KEYS:
            return attributes
        settings = self.device.config.settings
        if CONF_LATITUDE not in settings:
            return attributes
        return {
            **(attributes or {}),
            "latitude": settings[CONF_LATITUDE],
            "longitude": settings[CONF_LONGITUDE],
        }

    @callback
    def _update_from_device(self) -> None:
        value = self.entity_description.value_fn(self.device)
        # A key present as None is a measurement known to be invalid: show unknown.
        if value is not None or self._key in self.device.values:
            self._attr_native_value = value


class _HubSensor(AngeIotBaseEntity, SensorEntity):
    """A diagnostic sensor of the hub itself."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, hub: Hub, key: str) -> None:
        self.hub = hub
        self._attr_translation_key = key
        self._attr_unique_id = f"{hub.entry.entry_id}_{key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, hub.entry.entry_id)})

    async def async_added_to_hass(self) -> None:
        """Follow the hub's counters."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_hub_update(self.hub.entry.entry_id), self.async_write_ha_state
            )
        )


class RejectedUplinksSensor(_HubSensor):
    """Messages the hub refused, by reason in the attributes."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub, "rejected_uplinks")

    @property
    def native_value(self) -> int:
        """All rejections since the hub was created."""
        return self.hub.rejections.total

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Counts by reason, and the duplicates that were ignored."""
        return {**self.hub.rejections.by_reason, "duplicates": self.hub.rejections.duplicates}
