"""Entities of care units and medicine dispensers.

Every one carries the care marker (DESIGN.md), like the entities of care devices, so
the open-data add-on never publishes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from ..care.alarms import Alarm, AlarmState
from ..care.dispenser import DispenserState, DispenserStatus
from ..care.supervision import CheckStatus
from ..const import DOMAIN
from ..entity import AngeIotBaseEntity
from ..ha_compat import via_hub
from .config import DispenserConfig
from .devices import care_unit_device_identifier
from .manager import CareManager, signal_care_update

ALARM_EVENT_TYPES = [state.value for state in AlarmState]


def unit_device_info(manager: CareManager, code: str) -> DeviceInfo:
    """The device that stands for a care unit."""
    return DeviceInfo(
        identifiers={(DOMAIN, care_unit_device_identifier(code))},
        name=f"{code}",
        manufacturer="Ånge kommun",
        model="Care unit",
        **via_hub(manager.hass, manager.entry_id),
    )


class CareEntity(AngeIotBaseEntity):
    """An entity of a care unit or a dispenser: it always carries the care marker."""

    def __init__(self, manager: CareManager, unique_id: str) -> None:
        self.manager = manager
        self._attr_unique_id = unique_id

    def _shows_care_data(self) -> bool:
        return True

    async def async_added_to_hass(self) -> None:
        """Follow the care manager."""
        signal = signal_care_update(self.manager.entry_id)
        for suffix in ("", "_tick"):
            self.async_on_remove(async_dispatcher_connect(self.hass, signal + suffix, self._refresh))
        self._refresh()

    @callback
    def _refresh(self) -> None:
        self._update()
        if self.hass is not None and self.entity_id:
            self.async_write_ha_state()

    @callback
    def _update(self) -> None:
        """Copy the manager's current view into the entity."""


class CareUnitAlarmEvent(CareEntity, EventEntity):  # type: ignore[misc]
    """Fires on every transition of a unit's alarms."""

    # EventEntity marks capability_attributes final; the care marker must be one (see event.py).

    _attr_translation_key = "care_alarm"
    _attr_event_types = ALARM_EVENT_TYPES

    def __init__(self, manager: CareManager, code: str) -> None:
        super().__init__(manager, f"{manager.entry_id}_care_{code}_alarm")
        self.code = code
        self._attr_device_info = unit_device_info(manager, code)

    async def async_added_to_hass(self) -> None:
        """Follow the unit's alarms."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, f"{signal_care_update(self.manager.entry_id)}_alarm", self._alarm)
        )

    @callback
    def _refresh(self) -> None:
        """Nothing to show between alarms."""

    @callback
    def _alarm(self, alarm: Alarm) -> None:
        if alarm.care_unit != self.code:
            return
        data = alarm.event_data()
        self._trigger_event(alarm.state.value, {key: value for key, value in data.items() if key != "state"})
        self.async_write_ha_state()


class OpenAlarmsSensor(CareEntity, SensorEntity):
    """How many alarms of the unit are open; the list, oldest first, in the attributes."""

    _attr_translation_key = "open_alarms"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, manager: CareManager, code: str) -> None:
        super().__init__(manager, f"{manager.entry_id}_care_{code}_open_alarms")
        self.code = code
        self._attr_device_info = unit_device_info(manager, code)

    @callback
    def _update(self) -> None:
        alarms = self.manager.open_alarms(self.code)
        self._attr_native_value = len(alarms)
        self._attr_extra_state_attributes = {
            "alarms": [
                {
                    "alarm_id": alarm.alarm_id,
                    "kind": alarm.kind.value,
                    "state": alarm.state.value,
                    "room": alarm.room,
                    "triggered_at": alarm.triggered_at.isoformat(),
                    "acknowledged_by": alarm.acknowledged_by,
                    "repeats": len(alarm.repeats),
                    "press_count": alarm.press_count,
                    "escalation_level": alarm.escalation_level,
                    "test": alarm.test,
                }
                for alarm in alarms
            ],
            **self.manager.alarm_state_counts(self.code),
            "notify_targets": list(self.manager.unit(self.code).notify_targets),
        }


class OldestUnacknowledgedSensor(CareEntity, SensorEntity):
    """How long the oldest unacknowledged alarm of the unit has waited."""

    _attr_translation_key = "oldest_unacknowledged"
    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.MINUTES
    _attr_suggested_display_precision = 0

    def __init__(self, manager: CareManager, code: str) -> None:
        super().__init__(manager, f"{manager.entry_id}_care_{code}_oldest_unacknowledged")
        self.code = code
        self._attr_device_info = unit_device_info(manager, code)

    @callback
    def _update(self) -> None:
        age = self.manager.book.oldest_unacknowledged_age(self.code, dt_util.utcnow())
        self._attr_native_value = None if age is None else round(age.total_seconds() / 60, 1)


class SupervisionSensor(CareEntity, SensorEntity):
    """The latest night-supervision result of one room."""

    _attr_translation_key = "supervision"
    _attr_device_class = SensorDeviceClass.ENUM

    def __init__(self, manager: CareManager, code: str, room: str) -> None:
        super().__init__(manager, f"{manager.entry_id}_care_{code}_{room}_supervision")
        self._attr_options = [status.value for status in CheckStatus]
        self.code, self.room = code, room
        self._attr_translation_placeholders = {"room": room}
        self._attr_device_info = unit_device_info(manager, code)

    @callback
    def _update(self) -> None:
        result = self.manager.nights.latest(self.code, self.room)
        self._attr_native_value = None if result is None else result.status.value
        self._attr_extra_state_attributes = (
            {}
            if result is None
            else {
                "room": self.room,
                "checked_at": dt_util.as_local(result.checked_at).isoformat(),
                "since": result.clock,
                "night": result.night.isoformat(),
                "reason": result.reason,
            }
        )


@dataclass(frozen=True, kw_only=True)
class DispenserSensorDescription(SensorEntityDescription):
    """A dispenser sensor; ``value_fn`` reads the dispenser's state."""

    value_fn: Callable[[DispenserState, DispenserConfig, datetime], StateType | datetime]


DISPENSER_SENSORS: tuple[DispenserSensorDescription, ...] = (
    DispenserSensorDescription(
        key="next_dose", translation_key="next_dose", device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda state, _, now: state.next_dose(now),
    ),
    DispenserSensorDescription(
        key="last_dose_taken", translation_key="last_dose_taken", device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda state, _, now: state.last_dose_taken,
    ),
    DispenserSensorDescription(
        key="doses_taken_today", translation_key="doses_taken_today", state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda state, _, now: state.doses_taken_today(now, dt_util.get_default_time_zone()),
    ),
    DispenserSensorDescription(
        key="doses_missed_today", translation_key="doses_missed_today", state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda state, _, now: state.doses_missed_today(now, dt_util.get_default_time_zone()),
    ),
    DispenserSensorDescription(
        key="adherence_7d", translation_key="adherence_7d", native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0, state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state, _, now: state.adherence(now),
    ),
    DispenserSensorDescription(
        key="dispenser_status", translation_key="dispenser_status", device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in DispenserStatus],
        value_fn=lambda state, config, now: state.status(now, heartbeat_limit=config.heartbeat_limit).value,
    ),
    DispenserSensorDescription(
        key="doses_remaining", translation_key="doses_remaining", state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state, _, now: state.doses_remaining,
    ),
)


class DispenserSensor(CareEntity, SensorEntity):
    """One value of a medicine dispenser."""

    entity_description: DispenserSensorDescription

    def __init__(self, manager: CareManager, config: DispenserConfig, description: DispenserSensorDescription) -> None:
        super().__init__(manager, f"{config.device_identifier}_{description.key}")
        self.config = config
        self.entity_description = description
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, config.device_identifier)},
            name=f"{config.care_unit} {config.client}",
            manufacturer="Ånge kommun",
            model="Medicine dispenser",
            serial_number=config.dispenser_id,
            **via_hub(manager.hass, manager.entry_id),
        )

    @callback
    def _update(self) -> None:
        state = self.manager.dispenser_states.get(self.config.dispenser_id)
        if state is not None:
            self._attr_native_value = self.entity_description.value_fn(state, self.config, dt_util.utcnow())


def care_sensors(manager: CareManager) -> list[tuple[SensorEntity, str | None]]:
    """Every care sensor of the hub, with its subentry: per unit, supervised room, dispenser."""
    entities: list[tuple[SensorEntity, str | None]] = []
    for code in manager.unit_codes():
        entities += [(OpenAlarmsSensor(manager, code), None), (OldestUnacknowledgedSensor(manager, code), None)]
        entities += [(SupervisionSensor(manager, code, room), None) for room in manager.supervised_rooms(code)]
    for config in manager.dispensers.values():
        entities += [
            (DispenserSensor(manager, config, description), config.subentry_id) for description in DISPENSER_SENSORS
        ]
    return entities


def care_events(manager: CareManager) -> list[tuple[CareUnitAlarmEvent, str | None]]:
    """The alarm event entity of every care unit."""
    return [(CareUnitAlarmEvent(manager, code), None) for code in manager.unit_codes()]


@callback
def async_follow_care_entities(
    manager: CareManager,
    build: Callable[[CareManager], list[tuple[Any, str | None]]],
    add: Callable[..., None],
) -> None:
    """Add care entities now, and whenever units, rooms or dispensers appear."""
    created: set[str] = set()

    @callback
    def sync() -> None:
        current = build(manager)
        # Entities of removed units and dispensers went with their devices: forget them, so
        # a unit or dispenser added again gets its entities back.
        created.intersection_update(entity.unique_id for entity, _ in current)
        for entity, subentry_id in current:
            if entity.unique_id in created:
                continue
            created.add(entity.unique_id)
            add([entity], config_subentry_id=subentry_id)

    sync()
    manager.hub.add_unsubscriber(manager.hub.add_sync_listener(sync))
