"""HACCP temperature log: hourly minimum, mean and maximum of each cold-chain sensor.

Food businesses keep temperature records as part of their HACCP-based self-checks
(egenkontroll). The log comes from the recorder's hourly statistics, so it covers
every hour even when a sensor reported several times in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, cast

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .derived.cold_chain import ColdChain
from .derived.roles import FeatureName
from .services_common import EXPORT_FOLDER, chosen_devices, entity_id_of, write_csv
from .statistics_reader import as_aware, async_hourly_statistics, row_start

ATTR_DEVICES: Final = "devices"

CSV_HEADER: Final = (
    "unit", "dev_eui", "role", "hour_start", "min_c", "mean_c", "max_c", "limit_low_c", "limit_high_c", "within_limits",
)


def _fmt(value: object) -> str:
    return "" if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]


async def async_export_haccp_log(call: ServiceCall) -> ServiceResponse:
    """Write the temperature log CSV and return the same rows."""
    hass = call.hass
    start, end = as_aware(call.data["start"]), as_aware(call.data["end"])
    if end <= start:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="end_before_start")
    devices = chosen_devices(hass, call.data.get(ATTR_DEVICES), FeatureName.COLD_CHAIN, "not_cold_chain")
    entity_ids = {device.dev_eui: entity_id_of(hass, device.dev_eui, "temperature") for device in devices}
    stats = await async_hourly_statistics(
        hass, start, end, {e for e in entity_ids.values() if e}, {"mean", "min", "max"}
    )
    rows: list[dict[str, Any]] = []
    for device in sorted(devices, key=lambda d: d.config.name):
        chain = device.features[FeatureName.COLD_CHAIN]
        assert isinstance(chain, ColdChain)
        entity_id = entity_ids[device.dev_eui]
        for stat in stats.get(entity_id, []) if entity_id else []:
            low, high = chain.low, chain.high
            minimum, maximum = stat.get("min"), stat.get("max")
            within = (low is None or (minimum is not None and minimum >= low)) and (
                high is None or (maximum is not None and maximum <= high)
            )
            rows.append(
                {
                    "unit": device.config.name,
                    "dev_eui": device.dev_eui,
                    "role": chain.role.value,
                    "hour_start": dt_util.as_local(row_start(stat)).isoformat(),
                    "min": minimum,
                    "mean": None if stat.get("mean") is None else round(float(stat["mean"]), 2),
                    "max": maximum,
                    "limit_low": low,
                    "limit_high": high,
                    "within_limits": within,
                }
            )
    local_start, local_end = dt_util.as_local(start), dt_util.as_local(end)
    path = Path(hass.config.path(EXPORT_FOLDER)) / f"haccp_{local_start:%Y%m%dT%H%M}_{local_end:%Y%m%dT%H%M}.csv"
    await hass.async_add_executor_job(
        write_csv,
        path,
        CSV_HEADER,
        [
            [
                r["unit"], r["dev_eui"], r["role"], r["hour_start"], _fmt(r["min"]), _fmt(r["mean"]),
                _fmt(r["max"]), _fmt(r["limit_low"]), _fmt(r["limit_high"]), "yes" if r["within_limits"] else "no",
            ]
            for r in rows
        ],
    )
    return cast(
        ServiceResponse,
        {"file": str(path), "start": local_start.isoformat(), "end": local_end.isoformat(), "rows": rows},
    )
