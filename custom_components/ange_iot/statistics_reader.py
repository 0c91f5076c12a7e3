"""Reading hourly long-term statistics from the recorder for the billing and HACCP exports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN

type StatType = Literal["change", "last_reset", "max", "mean", "min", "state", "sum"]


def as_aware(moment: datetime) -> datetime:
    """A datetime typed without a zone means local time, as staff think of it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt_util.get_default_time_zone())
    return moment


async def async_hourly_statistics(
    hass: HomeAssistant,
    start: datetime,
    end: datetime,
    statistic_ids: set[str],
    types: set[StatType],
) -> dict[str, list[dict[str, Any]]]:
    """Hourly rows per statistic id; a translated error when the recorder is not running."""
    if "recorder" not in hass.config.components or not statistic_ids:
        if statistic_ids:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="recorder_unavailable")
        return {}
    from homeassistant.components.recorder.statistics import statistics_during_period
    from homeassistant.helpers.recorder import get_instance

    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, end, statistic_ids, "hour", None, types
    )
    return {key: [dict(row) for row in value] for key, value in rows.items()}


def row_end(row: dict[str, Any]) -> datetime:
    """When an hourly statistics row ends."""
    end = row.get("end")
    if isinstance(end, (int, float)):
        return dt_util.utc_from_timestamp(end)
    return dt_util.utc_from_timestamp(float(row["start"])) + timedelta(hours=1)


def row_start(row: dict[str, Any]) -> datetime:
    """When an hourly statistics row starts."""
    return dt_util.utc_from_timestamp(float(row["start"]))
