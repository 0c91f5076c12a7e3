"""Billing and HACCP exports, read from the recorder's long-term statistics."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.ange_iot.const import DOMAIN

from .conftest import device_subentry
from .helpers import registry_device

METER_A = "0004a30b00000001"
METER_B = "0004a30b00000002"
METER_NEW = "0004a30b00000003"
FRIDGE = "a81758fffe0b0002"
TZ = "Europe/Stockholm"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, hass: HomeAssistant, enable_custom_integrations: None, tmp_path: Path
) -> None:
    """The recorder must start before Home Assistant does in these tests."""
    hass.config.config_dir = str(tmp_path)


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=dt_util.get_time_zone(TZ))  # type: ignore[misc]


async def _hub(hass: HomeAssistant, hub_data: dict[str, Any], *devices: dict[str, Any]) -> MockConfigEntry:
    await hass.config.async_set_time_zone(TZ)
    entry = MockConfigEntry(domain=DOMAIN, data=hub_data, title="Hub", subentries_data=list(devices))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _entity(hass: HomeAssistant, dev_eui: str, key: str) -> str:
    # The entities appear with the first reading; register them as the hub would.
    return er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, f"{dev_eui}_{key}", suggested_object_id=f"{dev_eui}_{key}"
    ).entity_id


def _hourly(hass: HomeAssistant, entity_id: str, unit: str, rows: list[dict[str, Any]], *, mean: bool) -> None:
    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.ARITHMETIC if mean else StatisticMeanType.NONE,
        "has_sum": not mean,
        "name": None,
        "source": "recorder",
        "statistic_id": entity_id,
        "unit_of_measurement": unit,
    }
    # Newer Home Assistant wants the unit's class; 2025.4 has no such key.
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = "temperature" if mean else "volume"
    async_import_statistics(hass, metadata, rows)  # type: ignore[arg-type]


def _meter_rows(first: datetime, hours: int, start_state: float, per_hour: float, start_sum: float = 0.0) -> list[dict[str, Any]]:
    return [
        {"start": first + timedelta(hours=h), "state": round(start_state + per_hour * (h + 1), 3), "sum": round(start_sum + per_hour * (h + 1), 3)}
        for h in range(hours)
    ]


async def test_export_meter_readings(recorder_mock: Recorder, hass: HomeAssistant, hub_data: dict[str, Any]) -> None:
    await _hub(
        hass,
        hub_data,
        device_subentry(METER_A, "axioma_qalcosonic_w1", "Storgatan 3", meter_id="ÅNG-0001", place="Storgatan 3, Ånge"),
        device_subentry(METER_B, "network_decoded", "Järnvägsgatan 8", role="water_meter", meter_id="ÅNG-0002"),
        device_subentry(METER_NEW, "network_decoded", "Nytt hus", role="water_meter", meter_id="ÅNG-0003"),
    )
    start, end = _local(2026, 10, 1), _local(2026, 11, 1)
    a, b = _entity(hass, METER_A, "volume"), _entity(hass, METER_B, "volume")
    _entity(hass, METER_NEW, "volume")  # installed after the period: no statistics
    # Meter A: 0.01 m³ an hour through the whole period.
    _hourly(hass, a, "m³", _meter_rows(start - timedelta(hours=3), 24 * 31 + 3, 120.0, 0.01), mean=False)
    # Meter B was replaced mid-period: its register starts again, the statistics' sum runs on.
    replaced_at = _local(2026, 10, 15)
    before = _meter_rows(start - timedelta(hours=1), int((replaced_at - start).total_seconds() // 3600) + 1, 500.0, 0.02)
    after = _meter_rows(replaced_at, int((end - replaced_at).total_seconds() // 3600), 0.0, 0.02, start_sum=before[-1]["sum"])
    _hourly(hass, b, "m³", before + after, mean=False)
    await async_wait_recording_done(hass)

    response = await hass.services.async_call(
        DOMAIN, "export_meter_readings",
        {"start": "2026-10-01 00:00:00", "end": "2026-11-01 00:00:00"},
        blocking=True, return_response=True,
    )
    rows = {row["meter_id"]: row for row in response["meters"]}
    hours = (end - start).total_seconds() / 3600  # 745: the period includes the DST change
    assert rows["ÅNG-0001"]["reading_start"] == 120.03
    assert rows["ÅNG-0001"]["reading_end"] == pytest.approx(120.03 + 0.01 * hours)
    assert rows["ÅNG-0001"]["consumption"] == pytest.approx(0.01 * hours)
    assert rows["ÅNG-0001"]["place"] == "Storgatan 3, Ånge"
    assert rows["ÅNG-0001"]["status"] == "ok"
    assert rows["ÅNG-0002"]["status"] == "meter_replaced"
    assert rows["ÅNG-0002"]["consumption"] == pytest.approx(0.02 * hours)
    assert rows["ÅNG-0003"]["status"] == "no_readings"
    assert rows["ÅNG-0003"]["consumption"] is None

    path = Path(response["file"])
    assert path.parent == Path(hass.config.path("ange_iot/exports"))
    with path.open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["meter_id", "dev_eui", "place", "reading_start_m3", "reading_end_m3", "consumption_m3", "status"]
    assert lines[1] == ["ÅNG-0001", METER_A, "Storgatan 3, Ånge", "120.030", f"{120.03 + 0.01 * hours:.3f}", f"{0.01 * hours:.3f}", "ok"]
    assert len(lines) == 4

    # Only some meters, and the period after the last statistics: no reading at the end.
    device_a = registry_device(hass, METER_A)
    assert device_a is not None
    response = await hass.services.async_call(
        DOMAIN, "export_meter_readings",
        {"start": "2026-10-31 00:00:00", "end": "2026-12-01 00:00:00", "meters": [device_a.id]},
        blocking=True, return_response=True,
    )
    assert [row["meter_id"] for row in response["meters"]] == ["ÅNG-0001"]
    assert response["meters"][0]["status"] == "no_reading_at_end"


async def test_export_meter_readings_refuses_other_devices(
    recorder_mock: Recorder, hass: HomeAssistant, hub_data: dict[str, Any]
) -> None:
    await _hub(hass, hub_data, device_subentry(FRIDGE, "elsys_ers", "Kyl 1", role="fridge"))
    fridge = registry_device(hass, FRIDGE)
    assert fridge is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "export_meter_readings",
            {"start": "2026-10-01", "end": "2026-11-01", "meters": [fridge.id]},
            blocking=True, return_response=True,
        )
    assert err.value.translation_key == "not_a_water_meter"


async def test_export_haccp_log(recorder_mock: Recorder, hass: HomeAssistant, hub_data: dict[str, Any]) -> None:
    await _hub(
        hass,
        hub_data,
        device_subentry(FRIDGE, "elsys_ers", "Kylskåp 1 skolköket", role="fridge"),
        device_subentry(METER_A, "network_decoded", "Storgatan 3", role="water_meter"),
    )
    temperature = _entity(hass, FRIDGE, "temperature")
    first = _local(2026, 11, 20, 6)
    _hourly(
        hass, temperature, "°C",
        [
            {"start": first, "mean": 4.2, "min": 3.9, "max": 4.6},
            {"start": first + timedelta(hours=1), "mean": 7.1, "min": 5.0, "max": 9.4},
        ],
        mean=True,
    )
    await async_wait_recording_done(hass)
    response = await hass.services.async_call(
        DOMAIN, "export_haccp_log", {"start": "2026-11-20 00:00:00", "end": "2026-11-21 00:00:00"},
        blocking=True, return_response=True,
    )
    rows = response["rows"]
    assert [(r["hour_start"], r["min"], r["max"], r["limit_high"], r["within_limits"]) for r in rows] == [
        ("2026-11-20T06:00:00+01:00", 3.9, 4.6, 8.0, True),
        ("2026-11-20T07:00:00+01:00", 5.0, 9.4, 8.0, False),
    ]
    with Path(response["file"]).open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[2] == ["Kylskåp 1 skolköket", FRIDGE, "fridge", "2026-11-20T07:00:00+01:00", "5.0", "7.1", "9.4", "", "8.0", "no"]

    meter = registry_device(hass, METER_A)
    assert meter is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "export_haccp_log",
            {"start": "2026-11-20", "end": "2026-11-21", "devices": [meter.id]},
            blocking=True, return_response=True,
        )
    assert err.value.translation_key == "not_cold_chain"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "export_haccp_log", {"start": "2026-11-21", "end": "2026-11-20"},
            blocking=True, return_response=True,
        )
    assert err.value.translation_key == "end_before_start"
