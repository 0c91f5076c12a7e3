"""The device-list clients against a local HTTP server that answers as each API documents.

Shapes: ChirpStack v4 api/device.proto (ListDevicesRequest/ListDevicesResponse,
DeviceListItem) through the REST gateway's JSON mapping (camelCase); The Things Stack v3
``GET /api/v3/applications/{id}/devices`` with ``field_mask``, ``limit``, ``page`` and the
``X-Total-Count`` header (API docs, "Pagination" and "Field masks"), errors as
``{"code", "message", "details"}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.ange_iot.device_import.network_server import (
    NetworkServerError,
    async_list_devices,
)

APP = "17c82e96-be03-4f38-aef3-f83d48582d97"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.test"
TTS_KEY = "NNSXS.TESTKEY"


def chirpstack_item(n: int, profile: str) -> dict[str, Any]:
    return {
        "devEui": f"a81758fffe03{n:04x}",
        "createdAt": "2026-01-10T08:00:00Z",
        "updatedAt": "2026-01-10T08:00:00Z",
        "lastSeenAt": "2026-01-15T08:00:00Z",
        "name": f"room-{n}",
        "description": "",
        "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
        "deviceProfileName": profile,
        "deviceStatus": {"margin": 7, "externalPowerSource": False, "batteryLevel": 92.5},
    }


def tts_item(n: int) -> dict[str, Any]:
    return {
        "ids": {
            "device_id": f"meter-{n}",
            "application_ids": {"application_id": "ange-vatten"},
            "dev_eui": f"70B3D5E75E00{n:04X}",
            "join_eui": "70B3D57ED0000000",
        },
        "created_at": "2026-01-10T08:00:00.000Z",
        "updated_at": "2026-01-10T08:00:00.000Z",
        "name": f"Mätare {n}",
        "version_ids": {"brand_id": "elvaco", "model_id": "cmi4140", "band_id": "EU_863_870"},
    }


@pytest.fixture
async def server() -> AsyncIterator[Callable[[web.Application], Any]]:
    servers: list[TestServer] = []

    async def start(app: web.Application) -> str:
        test_server = TestServer(app, host="127.0.0.1")
        await test_server.start_server()
        servers.append(test_server)
        return str(test_server.make_url("")).rstrip("/")

    yield start
    for test_server in servers:
        await test_server.close()


def chirpstack_app(count: int, seen: list[dict[str, str]]) -> web.Application:
    devices = [chirpstack_item(n, "Elsys ERS CO2" if n % 2 else "Milesight AM307") for n in range(count)]

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        if request.headers.get("Grpc-Metadata-Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"code": 16, "message": "unauthenticated", "details": []}, status=401)
        if request.query.get("applicationId") != APP:
            return web.json_response({"totalCount": 0, "result": []})
        limit, offset = int(request.query["limit"]), int(request.query["offset"])
        return web.json_response({"totalCount": len(devices), "result": devices[offset : offset + limit]})

    app = web.Application()
    app.router.add_get("/api/devices", handler)
    return app


def tts_app(count: int, seen: list[dict[str, str]]) -> web.Application:
    devices = [tts_item(n) for n in range(count)]

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        if request.headers.get("Authorization") != f"Bearer {TTS_KEY}":
            return web.json_response(
                {"code": 16, "message": "error:pkg/auth/rights:unauthenticated (unauthenticated)"}, status=401
            )
        assert request.match_info["app"] == "ange-vatten"
        assert "version_ids" in request.query["field_mask"]
        limit, page = int(request.query["limit"]), max(int(request.query["page"]), 1)
        chunk = devices[(page - 1) * limit : page * limit]
        body: dict[str, Any] = {"end_devices": chunk} if chunk else {}  # empty fields are omitted
        return web.json_response(body, headers={"X-Total-Count": str(len(devices))})

    app = web.Application()
    app.router.add_get("/api/v3/applications/{app}/devices", handler)
    return app


@pytest.mark.usefixtures("socket_enabled")
async def test_chirpstack_pages_and_guesses(server: Callable[[web.Application], Any]) -> None:
    """250 devices over three pages; models guessed from the device-profile names."""
    seen: list[dict[str, str]] = []
    url = await server(chirpstack_app(250, seen))
    async with aiohttp.ClientSession() as session:
        devices = await async_list_devices(session, "chirpstack", url, TOKEN, APP)
    assert len(devices) == 250
    assert [q["offset"] for q in seen] == ["0", "100", "200"]
    first = devices[0]
    assert first.dev_eui == "a81758fffe030000"
    assert first.profile == "Milesight AM307"
    assert first.suggested_model == "milesight_am307"
    assert devices[1].suggested_model == "elsys_ers_co2"


@pytest.mark.usefixtures("socket_enabled")
async def test_tts_pages_by_total_count(server: Callable[[web.Application], Any]) -> None:
    """The Things Stack: pages from 1 until X-Total-Count; the model from version_ids."""
    seen: list[dict[str, str]] = []
    url = await server(tts_app(205, seen))
    async with aiohttp.ClientSession() as session:
        devices = await async_list_devices(session, "tts", url, TTS_KEY, "ange-vatten@ange")
    assert len(devices) == 205
    assert [q["page"] for q in seen] == ["1", "2", "3"]
    assert devices[3].dev_eui == "70b3d5e75e000003"
    assert devices[3].name == "Mätare 3"
    assert devices[3].suggested_model == "elvaco_cmi4140"


@pytest.mark.parametrize(("server_type", "make"), [("chirpstack", chirpstack_app), ("tts", tts_app)])
@pytest.mark.usefixtures("socket_enabled")
async def test_wrong_key_and_empty_application(
    server: Callable[[web.Application], Any], server_type: str, make: Callable[..., web.Application]
) -> None:
    """A 401 is auth_failed; an application without devices gives an empty list."""
    url = await server(make(0, []))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NetworkServerError) as err:
            await async_list_devices(session, server_type, url, "wrong", "ange-vatten" if server_type == "tts" else APP)
        assert err.value.reason == "auth_failed"
        key = TOKEN if server_type == "chirpstack" else TTS_KEY
        assert await async_list_devices(session, server_type, url, key, "ange-vatten" if server_type == "tts" else APP) == []


@pytest.mark.usefixtures("socket_enabled")
async def test_timeout_and_unreachable(server: Callable[[web.Application], Any]) -> None:
    """A server that does not answer in time, and one that is not there."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/devices", slow)
    url = await server(app)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NetworkServerError) as err:
            await async_list_devices(session, "chirpstack", url, TOKEN, APP, timeout=0.2)
        assert err.value.reason == "timeout"
        with pytest.raises(NetworkServerError) as err:
            await async_list_devices(session, "chirpstack", "http://127.0.0.1:9", TOKEN, APP)
        assert err.value.reason == "cannot_connect"
