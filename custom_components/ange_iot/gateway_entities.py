"""Entities of the gateways and of the hub's coverage: one set per gateway, created when first seen.

Unique ids: ``gateway_<id>_connectivity`` and ``gateway_<id>_problem`` (binary sensors),
``gateway_<id>_devices_heard``, ``gateway_<id>_last_uplink``, ``gateway_<id>_rssi_median``,
``gateway_<id>_snr_median`` (sensors), and ``<entry id>_single_gateway_devices`` on the hub.
They refresh on the monitor's minute tick and when a gateway goes silent or comes back,
not on every uplink, so they cost the ingest path nothing. A gateway that two hubs hear has
its entities once, under the hub that heard it first (gateway_sharing.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
)
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .entity import AngeIotBaseEntity
from .gateway_sharing import shows_gateway_entities
from .gateways import GatewayMonitor, signal_gateway_added, signal_gateways_update
from .hub import Hub
from .lorawan.coverage import GatewayState

type GatewayValue = float | int | datetime | bool | None


@dataclass(frozen=True, kw_only=True)
class GatewayBinaryDescription(BinarySensorEntityDescription):
    """A gateway binary sensor read from its state."""

    value_fn: Callable[[GatewayState], bool]


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    """A gateway sensor read from the monitor."""

    value_fn: Callable[[GatewayMonitor, GatewayState, datetime], GatewayValue]


GATEWAY_BINARY_SENSORS: tuple[GatewayBinaryDescription, ...] = (
    GatewayBinaryDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda state: not state.silent,
    ),
    GatewayBinaryDescription(
        key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        translation_key="gateway_problem",
        value_fn=lambda state: state.silent,
    ),
)
GATEWAY_SENSORS: tuple[GatewaySensorDescription, ...] = (
    GatewaySensorDescription(
        key="devices_heard",
        translation_key="gateway_devices_heard",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda monitor, state, now: len(monitor.tracker.devices_heard(state.gateway_id, now)),
    ),
    GatewaySensorDescription(
        key="last_uplink",
        translation_key="gateway_last_uplink",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda monitor, state, now: state.last_uplink,
    ),
    GatewaySensorDescription(
        key="rssi_median",
        translation_key="gateway_rssi_median",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda monitor, state, now: state.median_rssi,
    ),
    GatewaySensorDescription(
        key="snr_median",
        translation_key="gateway_snr_median",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda monitor, state, now: state.median_snr,
    ),
)


class _GatewayEntity(AngeIotBaseEntity):
    """An entity of one gateway device, refreshed by the monitor's signal."""

    def __init__(self, monitor: GatewayMonitor, gateway_id: str, description: EntityDescription) -> None:
        self.monitor = monitor
        self.gateway_id = gateway_id
        self.entity_description = description
        self._attr_unique_id = f"gateway_{gateway_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, f"gateway_{gateway_id}")})

    @property
    def state_data(self) -> GatewayState:
        """The gateway's tracked state."""
        return self.monitor.tracker.gateways[self.gateway_id]

    @property
    def available(self) -> bool:
        """A gateway forgotten from storage has nothing to show."""
        return self.gateway_id in self.monitor.tracker.gateways

    async def async_added_to_hass(self) -> None:
        """Follow the monitor."""
        await super().async_added_to_hass()
        self._refresh()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_gateways_update(self.monitor.hub.entry.entry_id), self._updated
            )
        )

    @callback
    def _updated(self) -> None:
        self._refresh()
        self.async_write_ha_state()

    @callback
    def _refresh(self) -> None:
        """Copy the current value into the entity."""


class GatewayBinarySensor(_GatewayEntity, BinarySensorEntity):
    """Whether the gateway forwards uplinks (connectivity), or has gone silent (problem)."""

    entity_description: GatewayBinaryDescription

    @callback
    def _refresh(self) -> None:
        if self.available:
            self._attr_is_on = self.entity_description.value_fn(self.state_data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The gateway's position when the network server sends it, for the map card."""
        if not self.available or self.entity_description.key != "connectivity":
            return None
        state = self.state_data
        if state.latitude is None or state.longitude is None:
            return None
        return {"latitude": state.latitude, "longitude": state.longitude}


class GatewaySensor(_GatewayEntity, SensorEntity):
    """A figure of one gateway."""

    entity_description: GatewaySensorDescription

    @callback
    def _refresh(self) -> None:
        if self.available:
            self._attr_native_value = self.entity_description.value_fn(
                self.monitor, self.state_data, dt_util.utcnow()
            )


class SingleGatewayDevicesSensor(AngeIotBaseEntity, SensorEntity):
    """Devices heard by one gateway only in the last 24 h: one gateway failure loses them."""

    _attr_translation_key = "single_gateway_devices"
    _attr_state_class = SensorStateClass.MEASUREMENT
    # Lists that grow with the hub: for the dashboard, not for the recorder's database.
    _unrecorded_attributes = frozenset({"devices", "coverage"})

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._attr_unique_id = f"{hub.entry.entry_id}_single_gateway_devices"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, hub.entry.entry_id)})
        self._devices: list[dict[str, Any]] = []
        self._coverage: list[dict[str, Any]] = []

    async def async_added_to_hass(self) -> None:
        """Follow the monitor's minute tick."""
        await super().async_added_to_hass()
        self._refresh()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_gateways_update(self.hub.entry.entry_id), self._updated)
        )

    @callback
    def _updated(self) -> None:
        self._refresh()
        self.async_write_ha_state()

    @callback
    def _refresh(self) -> None:
        monitor = self.hub.gateways
        now = dt_util.utcnow()
        single = monitor.tracker.single_gateway_devices(now)
        heard_by = monitor.tracker.gateways_per_device(now)
        signal = monitor.tracker.signal
        coverage: list[dict[str, Any]] = []
        for dev_eui, known in self.hub.devices.items():
            if dev_eui not in signal:
                continue
            rssi, snr = signal[dev_eui]
            coverage.append(
                {"dev_eui": dev_eui, "name": known.config.name, "gateways": heard_by.get(dev_eui, 0), "rssi": rssi, "snr": snr}
            )
        # The weakest coverage first: fewest gateways, then lowest signal.
        coverage.sort(key=lambda row: (row["gateways"], -999.0 if row["rssi"] is None else row["rssi"], row["name"]))
        self._coverage = coverage
        self._devices = []
        for dev_eui, gateway in sorted(single.items()):
            if (device := self.hub.devices.get(dev_eui)) is None:
                continue
            rssi, snr = signal.get(dev_eui, (None, None))
            self._devices.append({"dev_eui": dev_eui, "name": device.config.name, "gateway": gateway, "rssi": rssi, "snr": snr})
        self._attr_native_value = len(self._devices)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The single-gateway devices with their gateway, and every device's coverage.

        ``coverage``: each device heard so far, weakest first, with how many working
        gateways heard it in the last 24 h and the RSSI and SNR at the best gateway of its
        latest uplink.
        """
        return {"devices": self._devices, "coverage": self._coverage}


@callback
def async_setup_gateway_binary_sensors(hub: Hub, async_add_entities: AddConfigEntryEntitiesCallback) -> None:
    """Gateway binary sensors now, and for every gateway seen later."""
    _follow(hub, async_add_entities, lambda gw: [GatewayBinarySensor(hub.gateways, gw, d) for d in GATEWAY_BINARY_SENSORS])


@callback
def async_setup_gateway_sensors(hub: Hub, async_add_entities: AddConfigEntryEntitiesCallback) -> None:
    """Gateway sensors and the hub's single-gateway count."""
    async_add_entities([SingleGatewayDevicesSensor(hub)])
    _follow(hub, async_add_entities, lambda gw: [GatewaySensor(hub.gateways, gw, d) for d in GATEWAY_SENSORS])


def _follow(
    hub: Hub, async_add_entities: AddConfigEntryEntitiesCallback, make: Callable[[str], list[Any]]
) -> None:
    """Add a gateway's entities now and for each gateway heard later, unless another hub shows them."""
    entry_id = hub.entry.entry_id

    @callback
    def added(gateway_id: str) -> None:
        if shows_gateway_entities(hub.hass, gateway_id, entry_id):
            async_add_entities(make(gateway_id))

    for gateway_id in list(hub.gateways.tracker.gateways):
        added(gateway_id)

    hub.entry.async_on_unload(async_dispatcher_connect(hub.hass, signal_gateway_added(entry_id), added))
