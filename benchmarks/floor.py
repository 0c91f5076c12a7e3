"""Home Assistant's own floor: the same five entities written per uplink, with no integration work.

- MQTT floor: a callback on the same kind of wildcard subscription as the ange_iot hub
  (``application/<APP_FLOOR>/device/+/event/+``, QoS 1, raw bytes) that writes the
  device's five sensor entities with values computed before the round.
- Webhook floor: a webhook handler that reads the body and writes the same five
  entities, again with values computed before the round, and answers a small JSON.

Neither parses, decodes, deduplicates or checks anything: what is left is the cost of
HA's MQTT dispatch or HTTP server and of five state writes, the least any integration
that shows those readings pays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
import logging
from typing import Any, Final

from aiohttp import web
from homeassistant.components import mqtt, webhook
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import (
    CONCENTRATION_PARTS_PER_MILLION,
    LIGHT_LUX,
    PERCENTAGE,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import EntityPlatform

from .envelopes import reading, up_topic

APP_FLOOR: Final = "ange-bench-floor"
FLOOR_WEBHOOK_ID: Final = "ange_bench_floor"
# The five readings of an ERS CO2, with the metadata ange_iot gives them.
_KEYS: Final = (
    ("temperature", SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS),
    ("humidity", SensorDeviceClass.HUMIDITY, PERCENTAGE),
    ("illuminance", SensorDeviceClass.ILLUMINANCE, LIGHT_LUX),
    ("motion", None, None),
    ("co2", SensorDeviceClass.CO2, CONCENTRATION_PARTS_PER_MILLION),
)

type Values = tuple[float, int, int, int, int]


def values_of(round_no: int, index: int) -> Values:
    """The five values ange_iot shows for device ``index`` in round ``round_no``."""
    value = reading(round_no, index)
    return (value.temperature, value.humidity, value.light, value.motion, value.co2)


class FloorSensor(SensorEntity):
    """A plain sensor whose value the floor sets directly."""

    _attr_should_poll = False
    _attr_has_entity_name = True
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, eui: str, key: str, device_class: SensorDeviceClass | None, unit: str | None) -> None:
        # No unique id: no entity-registry entries that the other phases would see.
        self._attr_name = f"Floor {eui} {key}"
        self._attr_device_class = device_class
        self._attr_native_unit_of_measurement = unit


class Floor:
    """The floor's entities, its MQTT callback and its webhook handler."""

    def __init__(self, hass: HomeAssistant, dev_euis: Sequence[str]) -> None:
        self.hass = hass
        self.dev_euis = list(dev_euis)
        self.entities: dict[str, tuple[FloorSensor, ...]] = {}
        # Set before each round: topic -> the values its uplink writes.
        self.mqtt_values: dict[str, Values] = {}
        # Set before each webhook round: (entities, values) in the order of the posts.
        self._webhook_queue: Iterator[tuple[tuple[FloorSensor, ...], Values]] = iter(())
        self._by_topic: dict[str, tuple[FloorSensor, ...]] = {}

    async def async_setup(self) -> None:
        """Add 5 entities per device on a platform of their own, subscribe, register."""
        platform = EntityPlatform(
            hass=self.hass,
            logger=logging.getLogger(__name__),
            domain="sensor",
            platform_name="ange_floor",
            platform=None,
            scan_interval=timedelta(seconds=30),
            entity_namespace=None,
        )
        all_entities: list[FloorSensor] = []
        for eui in self.dev_euis:
            entities = tuple(FloorSensor(eui, *meta) for meta in _KEYS)
            self.entities[eui] = entities
            self._by_topic[up_topic(APP_FLOOR, eui)] = entities
            all_entities.extend(entities)
        await platform.async_add_entities(all_entities)
        await mqtt.async_subscribe(
            self.hass,
            f"application/{APP_FLOOR}/device/+/event/+",
            self._message_received,
            qos=1,
            encoding=None,
        )
        webhook.async_register(
            self.hass, "ange_floor", "Floor", FLOOR_WEBHOOK_ID, self._handle_webhook, allowed_methods=["POST"]
        )

    def prepare_mqtt(self, round_no: int, count: int | None = None) -> None:
        """Compute the values of a round, before its clock starts."""
        euis = self.dev_euis[: count or len(self.dev_euis)]
        self.mqtt_values = {
            up_topic(APP_FLOOR, eui): values_of(round_no, index) for index, eui in enumerate(euis)
        }

    def prepare_webhook(self, round_no: int) -> None:
        """Compute a webhook round's values, in the order the posts are sent."""
        self._webhook_queue = iter(
            [(self.entities[eui], values_of(round_no, i)) for i, eui in enumerate(self.dev_euis)]
        )

    @staticmethod
    @callback
    def _write(entities: tuple[FloorSensor, ...], values: Values) -> None:
        for entity, value in zip(entities, values, strict=True):
            entity._attr_native_value = value
            entity.async_write_ha_state()

    @callback
    def _message_received(self, message: mqtt.ReceiveMessage) -> None:
        topic = message.topic
        self._write(self._by_topic[topic], self.mqtt_values[topic])

    async def _handle_webhook(self, hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        await request.read()
        entities, values = next(self._webhook_queue)
        self._write(entities, values)
        return web.json_response({"status": 200, "message": "ok"})

    def temperature(self, index: int) -> str | None:
        """The state of device ``index``'s temperature entity."""
        entity_id = self.entities[self.dev_euis[index]][0].entity_id
        state = self.hass.states.get(entity_id) if entity_id else None
        return state.state if state else None


def floor_state_of(floor: Floor) -> Any:
    """``state_of`` for Bench.check_states."""
    return floor.temperature
