"""Billing export: each water meter's reading at the start and end of a period.

Readings at the period's boundaries come from the recorder's hourly statistics: the
meter's state at the end of the last hour before each boundary. Consumption is the
difference of the statistics' running sum, which HA keeps across meter resets, so a
meter replaced during the period is billed for what both meters measured.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .derived.roles import FeatureName
from .derived.water_meter import METER_ID, PLACE
from .device import Device
from .services_common import EXPORT_FOLDER, chosen_devices, entity_id_of, write_csv
from .statistics_reader import as_aware, async_hourly_statistics, row_end

ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_METERS: Final = "meters"

# Hourly rows exist for every hour a meter has a state, so a day back always finds one
# for a meter that reports at least daily.
_LOOKBACK: Final = timedelta(days=1)

CSV_HEADER: Final = (
    "meter_id", "dev_eui", "place", "reading_start_m3", "reading_end_m3", "consumption_m3", "status",
)


def _at(rows: list[dict[str, Any]], boundary: datetime) -> dict[str, Any] | None:
    before = [row for row in rows if row_end(row) <= boundary]
    return before[-1] if before else None


def _meter_row(device: Device, start_row: dict[str, Any] | None, end_row: dict[str, Any] | None) -> dict[str, Any]:
    settings = device.config.settings
    row: dict[str, Any] = {
        "meter_id": settings.get(METER_ID) or device.dev_eui,
        "dev_eui": device.dev_eui,
        "place": settings.get(PLACE) or device.config.name,
        "reading_start": None if start_row is None else start_row.get("state"),
        "reading_end": None if end_row is None else end_row.get("state"),
        "consumption": None,
    }
    if start_row is None or end_row is None:
        row["status"] = "no_reading_at_start" if start_row is None else "no_reading_at_end"
        if start_row is None and end_row is None:
            row["status"] = "no_readings"
        return row
    consumption = float(end_row.get("sum") or 0) - float(start_row.get("sum") or 0)
    row["consumption"] = round(consumption, 3)
    register_change = float(end_row.get("state") or 0) - float(start_row.get("state") or 0)
    # The sum runs on across a reset while the register starts again: a replaced meter.
    row["status"] = "meter_replaced" if abs(register_change - consumption) > 0.0005 else "ok"
    return row



async def async_export_meter_readings(call: ServiceCall) -> ServiceResponse:
    """Write the billing CSV and return the same rows."""
    hass = call.hass
    start, end = as_aware(call.data[ATTR_START]), as_aware(call.data[ATTR_END])
    if end <= start:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="end_before_start")
    meters = chosen_devices(hass, call.data.get(ATTR_METERS), FeatureName.WATER_METER, "not_a_water_meter")
    entity_ids = {device.dev_eui: entity_id_of(hass, device.dev_eui, "volume") for device in meters}
    ids = {entity_id for entity_id in entity_ids.values() if entity_id}
    at_start = await async_hourly_statistics(hass, start - _LOOKBACK, start, ids, {"state", "sum"})
    at_end = await async_hourly_statistics(hass, end - _LOOKBACK, end, ids, {"state", "sum"})
    rows = []
    for device in sorted(meters, key=lambda d: str(d.config.settings.get(METER_ID) or d.dev_eui)):
        entity_id = entity_ids[device.dev_eui]
        start_row = _at(at_start.get(entity_id, []), start) if entity_id else None
        end_row = _at(at_end.get(entity_id, []), end) if entity_id else None
        rows.append(_meter_row(device, start_row, end_row))
    local_start, local_end = dt_util.as_local(start), dt_util.as_local(end)
    name = f"meter_readings_{local_start:%Y%m%dT%H%M}_{local_end:%Y%m%dT%H%M}.csv"
    path = Path(hass.config.path(EXPORT_FOLDER)) / name
    await hass.async_add_executor_job(
        write_csv,
        path,
        CSV_HEADER,
        [
            [
                row["meter_id"], row["dev_eui"], row["place"],
                _number(row["reading_start"]), _number(row["reading_end"]), _number(row["consumption"]),
                row["status"],
            ]
            for row in rows
        ],
    )
    return cast(
        ServiceResponse,
        {"file": str(path), "start": local_start.isoformat(), "end": local_end.isoformat(), "meters": rows},
    )


def _number(value: object) -> str:
    return "" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]
