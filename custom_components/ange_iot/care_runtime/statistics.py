"""Response-time and alarm-count sensors of each care unit, kept as long-term statistics.

Per unit: time to acknowledge and time to arrival, median and 90th percentile, for today
and the last 30 days (``state_class: measurement``), and per alarm kind the number of
alarms today (``total_increasing``, which restarts at midnight). Long-term statistics
make them available to the statistics cards and a monthly export. Test alarms do not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfTime
from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..care.alarms import AlarmKind
from ..care.response_stats import Summary
from .entities import CareEntity, unit_device_info
from .manager import CareManager


@dataclass(frozen=True, kw_only=True)
class ResponseSensorDescription(SensorEntityDescription):
    """One response-time figure over one window."""

    window: str  # "today" or "30d"
    value_fn: Callable[[Summary], float | None]


def _response(key: str, window: str, value_fn: Callable[[Summary], float | None]) -> ResponseSensorDescription:
    return ResponseSensorDescription(
        key=f"{key}_{window}", translation_key=f"{key}_{window}", window=window, value_fn=value_fn,
        device_class=SensorDeviceClass.DURATION, native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES, suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
    )


RESPONSE_SENSORS: tuple[ResponseSensorDescription, ...] = tuple(
    description
    for window in ("today", "30d")
    for description in (
        _response("acknowledge_median", window, lambda s: s.acknowledge_median),
        _response("acknowledge_p90", window, lambda s: s.acknowledge_p90),
        _response("arrival_median", window, lambda s: s.arrival_median),
        _response("arrival_p90", window, lambda s: s.arrival_p90),
    )
)


def window_start(window: str, now: datetime) -> datetime:
    """Local midnight for today, 30 days back for the month."""
    if window == "today":
        return dt_util.start_of_local_day(now)
    return now - timedelta(days=30)


class ResponseTimeSensor(CareEntity, SensorEntity):
    """A unit's response time figure."""

    entity_description: ResponseSensorDescription

    def __init__(self, manager: CareManager, code: str, description: ResponseSensorDescription) -> None:
        super().__init__(manager, f"{manager.entry_id}_care_{code}_{description.key}")
        self.code = code
        self.entity_description = description
        self._attr_device_info = unit_device_info(manager, code)

    @callback
    def _update(self) -> None:
        now = dt_util.utcnow()
        summary = self.manager.responses.summary(self.code, window_start(self.entity_description.window, now))
        self._attr_native_value = self.entity_description.value_fn(summary)


class AlarmsTodaySensor(CareEntity, SensorEntity):
    """How many alarms of one kind the unit had today."""

    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, manager: CareManager, code: str, kind: AlarmKind) -> None:
        super().__init__(manager, f"{manager.entry_id}_care_{code}_alarms_today_{kind.value}")
        self.code, self.kind = code, kind
        self._attr_translation_key = f"alarms_today_{kind.value}"
        self._attr_device_info = unit_device_info(manager, code)

    @callback
    def _update(self) -> None:
        now = dt_util.utcnow()
        summary = self.manager.responses.summary(self.code, window_start("today", now))
        self._attr_native_value = summary.per_kind.get(self.kind.value, 0)


def statistics_sensors(manager: CareManager) -> list[tuple[SensorEntity, str | None]]:
    """Every unit's response-time and alarms-per-kind sensors."""
    entities: list[tuple[SensorEntity, str | None]] = []
    for code in manager.unit_codes():
        entities += [(ResponseTimeSensor(manager, code, description), None) for description in RESPONSE_SENSORS]
        entities += [(AlarmsTodaySensor(manager, code, kind), None) for kind in AlarmKind]
    return entities
