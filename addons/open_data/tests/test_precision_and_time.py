"""Values at their sensor's resolution, at the time they were measured, in every output."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
import io
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from open_data.options import OptionsError, parse_options

from .conftest import (
    BASE_OPTIONS,
    CM,
    COUNT,
    LAKE_BACKETJARN,
    SNOW_DEPTH,
    VISITORS_TODAY,
    WATER,
    ServiceFactory,
    public_url,
    wait_for,
)


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def get_json(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200, url
        return await response.json(content_type=None)


async def get_csv(http: aiohttp.ClientSession, url: str) -> list[dict[str, str]]:
    async with http.get(url) as response:
        assert response.status == 200, url
        return list(csv.DictReader(io.StringIO(await response.text())))


async def test_every_output_rounds_to_the_sensor_resolution(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "3.1875", WATER)
    hass.states.async_set(SNOW_DEPTH, "35.4", CM)
    hass.states.async_set(VISITORS_TODAY, "128.0", COUNT)
    service = await start_service()
    base = public_url(service)
    expected = {LAKE_BACKETJARN: 3.2, SNOW_DEPTH: 35, VISITORS_TODAY: 128}

    latest = await get_json(http, f"{base}/api/v1/latest.json")
    assert {r["entity_id"]: r["value"] for r in latest["datastreams"]} == expected
    # Whole units are whole numbers in JSON: 35, not 35.0.
    assert isinstance(
        next(r for r in latest["datastreams"] if r["entity_id"] == SNOW_DEPTH)["value"], int
    )
    rows = await get_csv(http, f"{base}/api/v1/latest.csv")
    assert {r["entity_id"]: r["value"] for r in rows} == {k: str(v) for k, v in expected.items()}
    geojson = await get_json(http, f"{base}/api/v1/places.geojson")
    values = {
        v["entity_id"]: v["value"] for f in geojson["features"] for v in f["properties"]["values"]
    }
    assert values == expected
    history = await get_json(http, f"{base}/api/v1/history.json?entity_id={LAKE_BACKETJARN}")
    assert [o["value"] for o in history["observations"]] == [3.2]
    history_rows = await get_csv(http, f"{base}/api/v1/history.csv?entity_id={SNOW_DEPTH}")
    assert [r["value"] for r in history_rows] == ["35"]
    observations = await get_json(http, f"{base}/sta/v1.1/Observations")
    assert sorted(o["result"] for o in observations["value"]) == [3.2, 35, 128]


async def test_measured_at_is_the_time_everywhere(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # Recorded while the add-on was not running: two readings that reached HA late.
    first, second = now - timedelta(hours=5), now - timedelta(hours=3)
    for measured, value in ((first, "14.0"), (second, "14.5")):
        hass.states.async_set(
            LAKE_BACKETJARN,
            value,
            {**WATER, "measured_at": measured.isoformat()},
            timestamp=(measured + timedelta(minutes=50)).timestamp(),
        )
    await async_wait_recording_done(hass)
    service = await start_service()
    base = public_url(service)
    query = f"entity_id={LAKE_BACKETJARN}&start={z(now - timedelta(days=1))}"
    history = await get_json(http, f"{base}/api/v1/history.json?{query}")
    assert [(o["time"], o["value"]) for o in history["observations"]] == [
        (z(first), 14.0),
        (z(second), 14.5),
    ]

    # Live: the same value again, measured later, is a new observation at its own time.
    third = now - timedelta(minutes=30)
    hass.states.async_set(LAKE_BACKETJARN, "14.5", {**WATER, "measured_at": third.isoformat()})

    async def third_arrived() -> bool:
        latest = await get_json(http, f"{base}/api/v1/latest.json")
        return latest["datastreams"][0]["time"] == z(third)

    await wait_for(third_arrived)
    observations = await get_json(
        http, f"{base}/sta/v1.1/Observations?$orderby=phenomenonTime desc"
    )
    assert [(o["phenomenonTime"], o["result"]) for o in observations["value"]] == [
        (z(third), 14.5),
        (z(second), 14.5),
        (z(first), 14.0),
    ]
    datastream = (await get_json(http, f"{base}/sta/v1.1/Datastreams"))["value"][0]
    assert datastream["phenomenonTime"] == f"{z(first)}/{z(third)}"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("212000-2388", "check digit"),
        ("21200023", "NNNNNN-NNNN"),
        ("abcdef-ghij", "NNNNNN-NNNN"),
    ],
)
def test_organisation_number_is_checked(number: str, message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        parse_options({**BASE_OPTIONS, "ha_token": "t", "organisation_number": number}, environ={})


def test_organisation_number_sets_the_publisher_iri() -> None:
    options = parse_options(
        {**BASE_OPTIONS, "ha_token": "t", "organisation_number": "212000-2387"}, environ={}
    )
    assert options.publisher_iri == "http://dataportal.se/organisation/SE2120002387"
    assert parse_options({**BASE_OPTIONS, "ha_token": "t"}, environ={}).publisher_iri == ""
