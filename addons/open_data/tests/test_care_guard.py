"""The care guard: entities with the care marker are refused, remembered and never published."""

from __future__ import annotations

import asyncio
import copy
import logging
from pathlib import Path

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from .conftest import (
    CARE,
    CARE_ENTITY,
    LAKE_BACKETJARN,
    PLACES,
    WATER,
    ServiceFactory,
    public_url,
    wait_for,
)

# An installer lists a care sensor by mistake, next to a lake sensor.
PLACES_WITH_CARE = copy.deepcopy(PLACES)
PLACES_WITH_CARE[0]["entities"] = [LAKE_BACKETJARN, CARE_ENTITY]


async def published_everywhere(http: aiohttp.ClientSession, base: str, entity_id: str) -> list[str]:
    """The public outputs in which ``entity_id`` or its value shows up."""
    found: list[str] = []
    for path in (
        "/api/v1/latest.json",
        "/api/v1/latest.csv",
        "/api/v1/places.geojson",
        "/sta/v1.1/Datastreams",
        "/sta/v1.1/Sensors",
        "/dcat",
        "/places/backetjarn",
        "/widget?place=backetjarn",
    ):
        async with http.get(base + path) as response:
            assert response.status == 200, path
            if entity_id in await response.text():
                found.append(path)
    async with http.get(f"{base}/api/v1/history.json?entity_id={entity_id}") as response:
        if response.status != 404:
            found.append("/api/v1/history.json")
    return found


async def test_care_entity_is_refused_whatever_the_options_say(
    hass: HomeAssistant,
    start_service: ServiceFactory,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    hass.states.async_set(CARE_ENTITY, "21.5", CARE)
    await async_wait_recording_done(hass)
    caplog.set_level(logging.WARNING, logger="open_data")

    service = await start_service(places=PLACES_WITH_CARE)
    base = public_url(service)
    assert await published_everywhere(http, base, CARE_ENTITY) == []
    assert await published_everywhere(http, base, LAKE_BACKETJARN) != []
    async with http.get(f"{base}/sta/v1.1/Datastreams") as response:
        names = [d["name"] for d in (await response.json())["value"]]
    assert "21.5" not in str(names)

    # New values of the care entity are refused too, and the refusal is logged once.
    hass.states.async_set(CARE_ENTITY, "22.0", CARE)
    hass.states.async_set(LAKE_BACKETJARN, "17.7", WATER)

    async def lake_updated() -> bool:
        async with http.get(f"{base}/api/v1/latest.json") as response:
            return "17.7" in await response.text()

    await wait_for(lake_updated)
    assert await published_everywhere(http, base, CARE_ENTITY) == []
    refusals = [
        r
        for r in caplog.records
        if r.name.startswith("open_data") and CARE_ENTITY in r.getMessage()
    ]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING
    assert "21.5" not in refusals[0].getMessage()

    # The admin page shows what was refused and why.
    async with http.get(f"http://127.0.0.1:{service.admin_port}/") as response:
        assert response.status == 200
        admin = await response.text()
    refused_section = admin.split("Vägrade")[1]
    assert CARE_ENTITY in refused_section
    assert "category: care" in refused_section
    assert LAKE_BACKETJARN in admin.split("Vägrade")[0]


async def test_refusal_is_remembered_after_the_marker_disappears(
    hass: HomeAssistant,
    start_service: ServiceFactory,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass.states.async_set(CARE_ENTITY, "21.5", CARE)
    service = await start_service(places=PLACES_WITH_CARE, data_dir=tmp_path / "store")
    await service.stop()

    # Someone strips the attribute (or a misconfigured template re-creates the entity).
    without_marker = {k: v for k, v in CARE.items() if k != "category"}
    hass.states.async_set(CARE_ENTITY, "23.0", without_marker)
    await async_wait_recording_done(hass)
    caplog.clear()
    service = await start_service(places=PLACES_WITH_CARE, data_dir=tmp_path / "store")
    base = public_url(service)
    assert await published_everywhere(http, base, CARE_ENTITY) == []
    # Remembered, not discovered again: no new warning.
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("open_data") and CARE_ENTITY in r.getMessage()
    ]
    async with http.get(f"http://127.0.0.1:{service.admin_port}/") as response:
        assert CARE_ENTITY in (await response.text()).split("Vägrade")[1]


async def test_entity_that_becomes_care_is_withdrawn(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(CARE_ENTITY, "20.0", WATER)
    service = await start_service(places=PLACES_WITH_CARE)
    base = public_url(service)
    assert "/api/v1/latest.json" in await published_everywhere(http, base, CARE_ENTITY)

    # The device is moved into a care unit: the integration adds the marker.
    hass.states.async_set(CARE_ENTITY, "20.5", CARE)

    async def withdrawn() -> bool:
        return await published_everywhere(http, base, CARE_ENTITY) == []

    await wait_for(withdrawn)
    # Its stored history is gone from the add-on's store as well.
    rows = await service.store.query(
        "SELECT COUNT(*) FROM observations o JOIN streams s ON s.id = o.stream_id WHERE s.entity_id = ?",
        [CARE_ENTITY],
    )
    assert rows == [(0,)]
    await asyncio.sleep(0)


async def test_care_unit_attribute_is_refused_too(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(CARE_ENTITY, "1", {"care_unit": "u7", "room": "r12"})
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    service = await start_service(places=PLACES_WITH_CARE)
    assert await published_everywhere(http, public_url(service), CARE_ENTITY) == []
    assert CARE_ENTITY in service.catalogue.refused
