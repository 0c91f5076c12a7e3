"""Late history into the long-term statistics of the hour it was measured in.

A reading that arrives late (ingest.LATE_AFTER: a drained backlog, a replayed day, a
meter's stored frames) would otherwise be counted in the hour it arrived. It is
imported, for the entity's own statistic id ``sensor.x`` (source "recorder"), with the
recorder's ``async_import_statistics``, so graphs, the Energy dashboard and the exports
(which read hourly statistics) show it at its real hour.

- Measurements (state class ``measurement``): each late hour gets the mean, minimum and
  maximum of the late readings in it. An hour that also had live readings is replaced
  by the late ones (an outage rarely splits an hour).
- Counters (``total_increasing``): the running ``sum`` goes on from the last hourly row
  before the first late hour, and every hour up to the current one is written, so the
  hours between keep the sum the backlog reached and the Energy dashboard's hourly
  differences add up to what the meter counted. Only readings newer than the shown
  state (in order) are imported for counters; an out-of-order counter reading is left
  out, because the rows after it would need their sums written again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components.sensor import SensorStateClass
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .derived import Value
from .device import Device

# Late readings are collected this long after the last one, then imported together.
FLUSH_DELAY: Final = 2.0
# How far back the last row before a backlog is looked for, for a counter's running sum.
_REFERENCE_LOOKBACK: Final = timedelta(days=31)
_HOUR: Final = timedelta(hours=1)
_COUNTER: Final = SensorStateClass.TOTAL_INCREASING
_IMPORTED: Final = frozenset({SensorStateClass.MEASUREMENT, _COUNTER})


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour ``moment`` is in (statistics rows are hourly)."""
    return dt_util.as_utc(moment).replace(minute=0, second=0, microsecond=0)


class _Series:
    """Late samples of one entity, waiting to be imported."""

    __slots__ = ("counter", "samples", "unit")

    def __init__(self, unit: str | None, counter: bool) -> None:
        self.unit = unit
        self.counter = counter
        # Keyed by time, so a frame that arrives twice counts once.
        self.samples: dict[datetime, float] = {}


# Samples by (DevEUI, key): time -> (value, in order). Entities are looked up when the
# batch is imported, so the first readings of a new device (whose entities are being
# created meanwhile) are not lost.
type _Pending = dict[tuple[str, str], dict[datetime, tuple[float, bool]]]


class LateStatistics:
    """Collects late readings of one hub and imports them hour by hour."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Import into ``hass``'s recorder, when it runs."""
        self.hass = hass
        self._pending: _Pending = {}
        self._flush_timer: CALLBACK_TYPE | None = None
        self._stop_listener: CALLBACK_TYPE | None = None

    @callback
    def add(
        self, device: Device, values: Mapping[str, Value], at: datetime, *, in_order: bool
    ) -> None:
        """Take a device's late values measured at ``at``; import them soon."""
        if "recorder" not in self.hass.config.components:
            return
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            samples = self._pending.get((device.dev_eui, key))
            if samples is None:
                samples = self._pending[device.dev_eui, key] = {}
            samples[at] = (float(value), in_order)
        if self._pending and self._flush_timer is None:
            self._flush_timer = async_call_later(self.hass, FLUSH_DELAY, self._timer_fired)
            # Stopping HA unloads no hub, so async_flush would not run: readings taken in
            # the last seconds (a bridge drain acknowledged just before a restart) would
            # never reach the statistics. The recorder still takes imports at this stage.
            self._stop_listener = self.hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_STOP, self._stopping
            )

    @callback
    def _timer_fired(self, _now: datetime) -> None:
        self._flush_timer = None
        self._flush()

    @callback
    def _stopping(self, _event: Event) -> None:
        self._stop_listener = None  # a once-listener is gone once it has run
        self._flush()

    @callback
    def _flush(self) -> None:
        if pending := self._take_pending():
            self.hass.async_create_task(self.async_import(pending), "ange_iot late statistics")

    async def async_flush(self) -> None:
        """Import what is collected now (when the hub stops, and in tests)."""
        if pending := self._take_pending():
            await self.async_import(pending)

    @callback
    def _take_pending(self) -> _Pending:
        """Disarm the flush timer and the stop listener; hand over what was collected."""
        if self._flush_timer is not None:
            self._flush_timer()
            self._flush_timer = None
        if self._stop_listener is not None:
            self._stop_listener()
            self._stop_listener = None
        pending, self._pending = self._pending, {}
        return pending

    @callback
    def _series(self, pending: _Pending) -> dict[str, _Series]:
        """The pending samples by statistic id, for sensors that keep statistics."""
        registry = er.async_get(self.hass)
        batch: dict[str, _Series] = {}
        for (dev_eui, key), samples in pending.items():
            entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{dev_eui}_{key}")
            entry = registry.async_get(entity_id) if entity_id else None
            if entry is None or entry.disabled:
                continue
            state_class = (entry.capabilities or {}).get("state_class")
            if state_class not in _IMPORTED:
                continue
            series = _Series(entry.unit_of_measurement, state_class == _COUNTER)
            series.samples = {
                at: value
                for at, (value, in_order) in samples.items()
                if in_order or not series.counter
            }
            if series.samples:
                batch[entry.entity_id] = series
        return batch

    async def async_import(self, pending: _Pending) -> None:
        """Import each entity's late hours."""
        from homeassistant.components.recorder.statistics import async_import_statistics

        for entity_id, series in self._series(pending).items():
            try:
                if series.counter:
                    rows = await self._counter_rows(entity_id, series)
                else:
                    rows = _measurement_rows(series)
                if rows:
                    async_import_statistics(
                        self.hass, _metadata(entity_id, series), rows  # type: ignore[arg-type]
                    )
            except Exception:  # noqa: BLE001 - one entity's history must not stop the others
                LOGGER.exception("Could not import the late statistics of %s", entity_id)
            else:
                LOGGER.debug(
                    "Imported %d late readings of %s into %d hourly rows",
                    len(series.samples),
                    entity_id,
                    len(rows),
                )

    async def _counter_rows(self, entity_id: str, series: _Series) -> list[dict[str, Any]]:
        from homeassistant.components.recorder.statistics import statistics_during_period
        from homeassistant.helpers.recorder import get_instance

        samples = sorted(series.samples.items())
        first_hour = hour_of(samples[0][0])
        found = await get_instance(self.hass).async_add_executor_job(
            statistics_during_period,
            self.hass,
            first_hour - _REFERENCE_LOOKBACK,
            first_hour,
            {entity_id},
            "hour",
            None,
            {"state", "sum"},
        )
        before = found.get(entity_id) or []
        if before and before[-1].get("state") is not None:
            previous = float(before[-1]["state"] or 0.0)
            running = float(before[-1].get("sum") or 0.0)
        else:
            previous, running = samples[0][1], 0.0
        rows: list[dict[str, Any]] = []
        hour = first_hour
        current_hour = hour_of(dt_util.utcnow())
        index = 0
        while hour < current_hour:
            end = hour + _HOUR
            while index < len(samples) and samples[index][0] < end:
                value = samples[index][1]
                # A register that starts again (a new meter) counts from zero, as HA does.
                running += value - previous if value >= previous else value
                previous = value
                index += 1
            rows.append({"start": hour, "state": previous, "sum": running})
            hour = end
        return rows


def _measurement_rows(series: _Series) -> list[dict[str, Any]]:
    by_hour: dict[datetime, list[float]] = defaultdict(list)
    for at, value in series.samples.items():
        by_hour[hour_of(at)].append(value)
    current_hour = hour_of(dt_util.utcnow())
    return [
        {"start": hour, "mean": sum(values) / len(values), "min": min(values), "max": max(values)}
        for hour, values in sorted(by_hour.items())
        # The hour running now is compiled from the states by the recorder itself.
        if hour < current_hour
    ]


def _metadata(entity_id: str, series: _Series) -> dict[str, Any]:
    from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData

    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.NONE if series.counter else StatisticMeanType.ARITHMETIC,
        "has_sum": series.counter,
        "name": None,
        "source": "recorder",
        "statistic_id": entity_id,
        "unit_of_measurement": series.unit,
    }
    if "has_mean" in StatisticMetaData.__annotations__:
        metadata["has_mean"] = not series.counter
    if "unit_class" in StatisticMetaData.__annotations__:
        # Newer Home Assistant files each statistic under its unit's converter.
        from homeassistant.components.recorder.statistics import (
            STATISTIC_UNIT_TO_UNIT_CONVERTER,
        )

        converter = STATISTIC_UNIT_TO_UNIT_CONVERTER.get(series.unit)
        metadata["unit_class"] = converter.UNIT_CLASS if converter else None
    return metadata
