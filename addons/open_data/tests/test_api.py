"""The public API's manners: CORS, caching headers, the rate limit and 400s for bad parameters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
from homeassistant.core import HomeAssistant
import pytest

from open_data.__main__ import main
from open_data.admin import AdminSite
from open_data.options import OptionsError, parse_options
from open_data.quantities import quantity_for
from open_data.service import OpenDataService

from .conftest import BASE_OPTIONS, LAKE_BACKETJARN, WATER, ServiceFactory, public_url


async def test_cors_cache_control_and_etag(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    service = await start_service()
    url = f"{public_url(service)}/api/v1/latest.json"
    async with http.get(url, headers={"Origin": "https://www.ange.se"}) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "public, max-age=60"
        etag = response.headers["ETag"]
    async with http.get(url, headers={"If-None-Match": etag}) as response:
        assert response.status == 304
        assert await response.read() == b""
    async with http.options(
        url, headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"}
    ) as response:
        assert response.status == 204
        assert "GET" in response.headers["Access-Control-Allow-Methods"]

    # A new value changes the ETag, so caches fetch it.
    hass.states.async_set(LAKE_BACKETJARN, "18.0", WATER)
    for _ in range(100):
        async with http.get(url, headers={"If-None-Match": etag}) as response:
            if response.status == 200:
                assert response.headers["ETag"] != etag
                assert "18.0" in await response.text()
                break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the ETag never changed")


async def test_rate_limit_answers_429_with_retry_after(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    service = await start_service(rate_limit_per_minute=5)
    url = f"{public_url(service)}/api/v1/latest.json"
    statuses = []
    for _ in range(6):
        async with http.get(url) as response:
            statuses.append(response.status)
            if response.status == 429:
                retry_after = int(response.headers["Retry-After"])
                error = await response.json()
    assert statuses == [200] * 5 + [429]
    assert 1 <= retry_after <= 12
    assert "too many requests" in error["message"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/latest.json?category=lake", "category must be one of"),
        ("/api/v1/latest.csv?colour=blue", "unknown query parameter 'colour'"),
        ("/api/v1/places.geojson?category=", "category must be one of"),
        ("/api/v1/history.json", "entity_id is required"),
        (
            f"/api/v1/history.json?entity_id={LAKE_BACKETJARN}&start=yesterday",
            "start must be an ISO 8601 time",
        ),
        (
            f"/api/v1/history.csv?entity_id={LAKE_BACKETJARN}&start=2026-06-02T00:00:00Z&end=2026-06-01T00:00:00Z",
            "start must be before end",
        ),
        (
            f"/api/v1/history.json?entity_id={LAKE_BACKETJARN}&start=2020-01-01T00:00:00Z&end=2026-01-01T00:00:00Z",
            "at most 366 days",
        ),
        ("/widget?lang=fi", "lang must be sv or en"),
        ("/dcat?format=ttl", "unknown query parameter"),
    ],
)
async def test_malformed_parameters_get_400_with_a_message(
    hass: HomeAssistant,
    start_service: ServiceFactory,
    http: aiohttp.ClientSession,
    path: str,
    message: str,
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    service = await start_service()
    async with http.get(public_url(service) + path) as response:
        assert response.status == 400
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        error = await response.json()
    assert message in error["message"]


async def test_history_of_unpublished_entity_is_404(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    service = await start_service()
    async with http.get(
        f"{public_url(service)}/api/v1/history.json?entity_id=sensor.secret"
    ) as response:
        assert response.status == 404
        assert "not published" in (await response.json())["message"]


async def test_admin_page_answers_only_ingress(
    hass: HomeAssistant,
    start_service: ServiceFactory,
    http: aiohttp.ClientSession,
    aiohttp_client: object,
) -> None:
    service = await start_service()
    site = AdminSite(service.catalogue, allowed=("172.30.32.2",))
    client = await aiohttp_client(site.app())  # type: ignore[operator]
    response = await client.get("/")
    assert response.status == 403
    async with http.get(
        f"http://127.0.0.1:{service.admin_port}/", headers={"Accept-Language": "en"}
    ) as response:
        page = await response.text()
    assert "Open data – what is published" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_options_are_checked() -> None:
    good = {**BASE_OPTIONS, "ha_token": "t"}
    assert parse_options(good, environ={}).ha_url == "http://supervisor/core"
    assert (
        parse_options(
            {k: v for k, v in good.items() if k != "ha_token"}, environ={"SUPERVISOR_TOKEN": "s"}
        ).ha_token
        == "s"
    )
    assert (
        parse_options(good, environ={}).license
        == "http://creativecommons.org/publicdomain/zero/1.0/"
    )
    cases = [
        ({"ha_token": ""}, "SUPERVISOR_TOKEN"),
        ({"contact_email": "nobody"}, "contact_email"),
        ({"publisher_url": "ange.se"}, "publisher_url"),
        ({"places": [{**BASE_OPTIONS["places"][0], "category": "lake"}]}, "category"),
        ({"places": [{**BASE_OPTIONS["places"][0], "latitude": 91}]}, "latitude"),
        ({"places": [{**BASE_OPTIONS["places"][0], "entities": ["not an entity"]}]}, "entities"),
        (
            {
                "places": [
                    BASE_OPTIONS["places"][0],
                    {**BASE_OPTIONS["places"][1], "id": "backetjarn"},
                ]
            },
            "used twice",
        ),
        (
            {
                "places": [
                    BASE_OPTIONS["places"][0],
                    {
                        **BASE_OPTIONS["places"][1],
                        "entities": BASE_OPTIONS["places"][0]["entities"],
                    },
                ]
            },
            "two places",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ]
    for change, message in cases:
        with pytest.raises(OptionsError, match=message):
            parse_options({**good, **change}, environ={})


def test_command_line_rejects_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = tmp_path / "options.json"
    options.write_text(json.dumps({**BASE_OPTIONS, "ha_token": "t", "contact_email": "x"}))
    assert main(["--options", str(options), "--data", str(tmp_path)]) == 2
    assert "contact_email" in capsys.readouterr().err
    assert main(["--options", str(tmp_path / "missing.json")]) == 2


async def test_service_without_home_assistant_keeps_serving(
    tmp_path: Path, socket_enabled: None
) -> None:
    """An unreachable HA is retried in the background; the public site stays up."""
    raw = {**BASE_OPTIONS, "ha_token": "t", "ha_url": "http://127.0.0.1:9"}
    service = OpenDataService(
        parse_options(raw, environ={}), tmp_path, admin_port=None, public_host="127.0.0.1"
    )
    await service.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{public_url(service)}/api/v1/latest.json") as response,
        ):
            assert response.status == 200
        for _ in range(100):
            if service.catalogue.ha.last_error:
                break
            await asyncio.sleep(0.02)
        assert service.catalogue.ha.last_error
        assert not service.catalogue.ha.connected
    finally:
        await service.stop()


@pytest.mark.parametrize(
    ("entity_id", "device_class", "key"),
    [
        ("sensor.backetjarn_water_temperature", "temperature", "water_temperature"),
        # HA set up in Swedish names the ange_iot entities in Swedish.
        ("sensor.badplats_backetjarn_vattentemperatur", "temperature", "water_temperature"),
        ("sensor.snostation_ange_snodjup", "distance", "snow_depth"),
        ("number.badplats_vojen_istjocklek", "distance", "ice_thickness"),
        ("sensor.s_t_olavsleden_borgsjo_besokare_denna_sasong", None, "visitors_season"),
        ("sensor.weather_station_outdoor", "humidity", "humidity"),
        ("sensor.something_else", None, "value"),
    ],
)
def test_quantity_from_entity_id_or_device_class(
    entity_id: str, device_class: str | None, key: str
) -> None:
    assert quantity_for(entity_id, device_class).key == key
