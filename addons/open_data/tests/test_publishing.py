"""Publishing follows HA's state changes, and history is backfilled from HA's recorder."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta
import io
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from .conftest import (
    COUNT,
    LAKE_BACKETJARN,
    LAKE_VOJEN,
    VISITORS_TODAY,
    WATER,
    ServiceFactory,
    public_url,
    wait_for,
)


async def latest(http: aiohttp.ClientSession, base: str) -> dict[str, dict[str, Any]]:
    async with http.get(f"{base}/api/v1/latest.json") as response:
        assert response.status == 200
        document = await response.json()
    return {row["entity_id"]: row for row in document["datastreams"]}


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_latest_values_follow_state_changes(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    hass.states.async_set(VISITORS_TODAY, "12", COUNT)
    service = await start_service()
    base = public_url(service)

    rows = await latest(http, base)
    assert rows[LAKE_BACKETJARN]["value"] == 17.5
    assert rows[LAKE_BACKETJARN]["unit"] == "°C"
    assert rows[LAKE_BACKETJARN]["place"] == "backetjarn"
    assert rows[VISITORS_TODAY]["value"] == 12
    # Entities HA does not have yet are not in the data, but show up once they exist.
    assert LAKE_VOJEN not in rows

    hass.states.async_set(LAKE_BACKETJARN, "18.3", WATER)
    hass.states.async_set(LAKE_VOJEN, "15.0", WATER)

    async def updated() -> bool:
        rows = await latest(http, base)
        return rows[LAKE_BACKETJARN]["value"] == 18.3 and LAKE_VOJEN in rows

    await wait_for(updated)
    state = hass.states.get(LAKE_BACKETJARN)
    assert state is not None
    rows = await latest(http, base)
    assert rows[LAKE_BACKETJARN]["time"] == iso_z(state.last_changed)

    # Attribute-only changes and non-numeric states publish nothing new.
    hass.states.async_set(LAKE_BACKETJARN, "unavailable", WATER)
    await hass.async_block_till_done()
    await asyncio.sleep(0.1)
    rows = await latest(http, base)
    assert rows[LAKE_BACKETJARN]["value"] == 18.3

    async with http.get(f"{base}/api/v1/latest.csv") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        text = (await response.read()).decode("utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    lake = next(row for row in table if row["entity_id"] == LAKE_BACKETJARN)
    assert lake["value"] == "18.3"
    assert lake["unit"] == "°C"
    assert lake["place_name_sv"] == "Backetjärn badplats"
    assert lake["time"].endswith("Z")

    async with http.get(f"{base}/api/v1/places.geojson") as response:
        geojson = await response.json(content_type=None)
    assert geojson["type"] == "FeatureCollection"
    feature = next(f for f in geojson["features"] if f["id"] == "backetjarn")
    assert feature["geometry"] == {"type": "Point", "coordinates": [15.6489, 62.5166]}
    assert feature["properties"]["values"][0]["value"] == 18.3


async def test_backfill_from_history_on_start_and_after_downtime(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession, tmp_path: Any
) -> None:
    start = datetime.now(UTC) - timedelta(hours=6)
    for step, value in enumerate(("14.0", "14.5", "15.2", "16.0")):
        moment = start + timedelta(hours=step)
        hass.states.async_set(LAKE_BACKETJARN, value, WATER, timestamp=moment.timestamp())
    await async_wait_recording_done(hass)

    service = await start_service(data_dir=tmp_path / "store")
    base = public_url(service)
    query = f"entity_id={LAKE_BACKETJARN}&start={iso_z(start - timedelta(minutes=1))}"
    async with http.get(f"{base}/api/v1/history.json?{query}") as response:
        assert response.status == 200
        history = await response.json()
    assert [o["value"] for o in history["observations"]] == [14.0, 14.5, 15.2, 16.0]
    assert history["observations"][0]["time"] == iso_z(start)
    assert history["unit"] == "°C"
    await service.stop()

    # Values recorded while the add-on was down arrive on the next start.
    later = start + timedelta(hours=5)
    hass.states.async_set(LAKE_BACKETJARN, "16.5", WATER, timestamp=later.timestamp())
    hass.states.async_set(LAKE_BACKETJARN, "17.0", WATER)
    await async_wait_recording_done(hass)
    service = await start_service(data_dir=tmp_path / "store")
    base = public_url(service)
    async with http.get(f"{base}/api/v1/history.csv?{query}") as response:
        assert response.status == 200
        text = (await response.read()).decode("utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [row["value"] for row in table] == ["14.0", "14.5", "15.2", "16.0", "16.5", "17.0"]
    assert {row["unit"] for row in table} == {"°C"}
    assert table[4]["time"] == iso_z(later)
