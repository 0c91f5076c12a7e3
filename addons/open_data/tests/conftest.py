"""A real Home Assistant from the test harness, reached over HTTP and WebSocket, and the add-on.

HA runs with its ``http``, ``api``, ``websocket_api`` and ``history`` components (and the
recorder of ``recorder_mock``) on a loopback port, with a long-lived access token. The add-on
service runs in the same event loop against that URL, exactly as it would against the
Supervisor's proxy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import copy
import importlib.util
from pathlib import Path
import socket
import sys
from typing import Any

import aiohttp
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

ADDON = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ADDON / "src"))

from open_data.options import parse_options
from open_data.service import OpenDataService

LAKE_BACKETJARN = "sensor.backetjarn_water_temperature"
LAKE_VOJEN = "sensor.vojen_water_temperature"
LAKE_BORGSJO = "sensor.borgsjo_strand_water_temperature"
SNOW_DEPTH = "sensor.ange_snow_depth"
ICE = "number.vojen_ice_thickness"
VISITORS_TODAY = "sensor.borgsjo_trail_visitors_today"
VISITORS_SEASON = "sensor.borgsjo_trail_visitors_season"
CARE_ENTITY = "sensor.unit_a_room_12_temperature"

WATER = {"unit_of_measurement": "°C", "device_class": "temperature", "state_class": "measurement"}
CM = {"unit_of_measurement": "cm", "device_class": "distance", "state_class": "measurement"}
COUNT = {"state_class": "measurement"}
# What the ange_iot integration gives every entity of a care device (docs/DESIGN.md).
CARE = {**WATER, "category": "care", "friendly_name": "Room 12 temperature"}

PLACES: list[dict[str, Any]] = [
    {
        "id": "backetjarn",
        "name_sv": "Backetjärn badplats",
        "name_en": "Backetjärn bathing place",
        "latitude": 62.5166,
        "longitude": 15.6489,
        "category": "bathing_place",
        "description_sv": "Sandstrand med brygga.",
        "description_en": "Sandy beach with a jetty.",
        "entities": [LAKE_BACKETJARN],
    },
    {
        "id": "vojen",
        "name_sv": "Vojen badplats",
        "name_en": "Vojen bathing place",
        "latitude": 62.4957,
        "longitude": 15.5762,
        "category": "bathing_place",
        "entities": [LAKE_VOJEN, ICE],
    },
    {
        "id": "borgsjo_strand",
        "name_sv": "Borgsjö strand",
        "name_en": "Borgsjö beach",
        "latitude": 62.5571,
        "longitude": 15.8003,
        "category": "bathing_place",
        "entities": [LAKE_BORGSJO],
    },
    {
        "id": "ange_snow",
        "name_sv": "Snöstation Ånge",
        "name_en": "Ånge snow station",
        "latitude": 62.5245,
        "longitude": 15.6601,
        "category": "snow_station",
        "entities": [SNOW_DEPTH],
    },
    {
        "id": "borgsjo_trail",
        "name_sv": "Borgsjöleden",
        "name_en": "Borgsjö trail",
        "latitude": 62.5602,
        "longitude": 15.7897,
        "category": "trail",
        "entities": [VISITORS_TODAY, VISITORS_SEASON],
    },
    {
        "id": "klockstapeln",
        "name_sv": "Klockstapeln i Borgsjö",
        "name_en": "The Borgsjö bell tower",
        "latitude": 62.5566,
        "longitude": 15.7869,
        "category": "heritage_site",
        "entities": [],
    },
]

BASE_OPTIONS: dict[str, Any] = {
    "port": 0,
    "publisher_name": "Ånge kommun",
    "publisher_url": "https://www.ange.se",
    "contact_email": "oppnadata@ange.se",
    "rate_limit_per_minute": 100_000,
    "places": PLACES,
}


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Prepare the recorder's database before ``hass`` starts, as the recorder tests must."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 10.0
) -> None:
    """Poll ``check`` while the loop runs HA and the add-on, until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def disable_http_server() -> None:
    """Keep HA's real HTTP server: these tests reach HA over it, as the add-on does.

    Newer harnesses (0.13.375, HA 2026.10) stub ``HomeAssistantHTTP.start`` in an autouse
    fixture of this name; overriding it by name turns that off. Older ones have no such
    fixture, and this one is then simply unused.
    """


# HA 2026.x keeps the http settings in its store and raises a ``deprecated_yaml`` repair
# for an ``http:`` YAML block; 2025.x reads only YAML.
HTTP_CONFIG_IN_STORAGE = (
    importlib.util.find_spec("homeassistant.components.http.config") is not None
)


async def setup_http(hass: HomeAssistant, hass_storage: dict[str, Any], port: int) -> None:
    """Set up HA's http component on a loopback port, the way this HA version is configured."""
    settings = {"server_host": ["127.0.0.1"], "server_port": port}
    if HTTP_CONFIG_IN_STORAGE:
        # The store's first layout (the bare settings), which every newer HA migrates.
        hass_storage["http"] = {"version": 1, "minor_version": 1, "key": "http", "data": settings}
        assert await async_setup_component(hass, "http", {})
    else:
        assert await async_setup_component(hass, "http", {"http": settings})
    assert ir.async_get(hass).async_get_issue("http", "deprecated_yaml") is None


@pytest.fixture
async def ha_url(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    socket_enabled: None,
) -> AsyncGenerator[str]:
    """HA's HTTP server with the REST, WebSocket and history APIs on a loopback port."""
    port = free_port()
    await setup_http(hass, hass_storage, port)
    for component in ("api", "websocket_api", "history"):
        assert await async_setup_component(hass, component, {})
    await hass.http.start()
    yield f"http://127.0.0.1:{port}"
    await hass.http.stop()


@pytest.fixture
async def http() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain HTTP client, as a member of the public would use."""
    async with aiohttp.ClientSession() as session:
        yield session


type ServiceFactory = Callable[..., Awaitable[OpenDataService]]


@pytest.fixture
async def start_service(
    ha_url: str, hass_access_token: str, tmp_path: Path
) -> AsyncGenerator[ServiceFactory]:
    """Start the add-on against the test HA; every started service is stopped afterwards."""
    started: list[OpenDataService] = []

    async def start(
        *, wait: bool = True, data_dir: Path | None = None, **overrides: Any
    ) -> OpenDataService:
        raw = copy.deepcopy(BASE_OPTIONS)
        raw.update(ha_url=ha_url, ha_token=hass_access_token, **overrides)
        service = OpenDataService(
            parse_options(raw, environ={}),
            data_dir or tmp_path / "data",
            admin_port=0,
            admin_host="127.0.0.1",
            public_host="127.0.0.1",
        )
        await service.start()
        started.append(service)
        if wait:
            source = service.source
            assert source is not None
            await asyncio.wait_for(source.synced.wait(), timeout=10)
        return service

    yield start
    for service in started:
        await service.stop()


def public_url(service: OpenDataService) -> str:
    """The base URL of a running service's public site."""
    return f"http://127.0.0.1:{service.public_port}"
