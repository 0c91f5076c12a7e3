"""The installer's options steps: paste a device list, fetch one from the network server."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ange_iot.const import SUBENTRY_DEVICE
from custom_components.ange_iot.diagnostics import async_get_config_entry_diagnostics

TOKEN = "cs-token-123"
APP = "17c82e96-be03-4f38-aef3-f83d48582d97"


def _devices(entry: MockConfigEntry) -> dict[str, dict[str, Any]]:
    return {
        sub.data["dev_eui"]: dict(sub.data)
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_DEVICE
    }


async def _menu(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert step in result["menu_options"]
    return dict(await hass.config_entries.options.async_configure(result["flow_id"], {"next_step_id": step}))


async def test_paste_preview_confirm(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """A bad row is named on the form; a good list is previewed, then imported on confirm."""
    entry = setup_integration
    result = await _menu(hass, entry, "import_devices")
    assert result["step_id"] == "import_devices"
    bad = "DevEUI;Modell;Namn;Roll;Monteringshöjd\n70b3d5e75e000001;elsys_ers_co2;Snö 1;snöstation;150\n"
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {"csv": bad}))
    assert result["errors"] == {"base": "import_role_not_for_model"}
    assert result["description_placeholders"]["row"] == "2"

    good = "DevEUI;Modell;Namn;Roll;Monteringshöjd\n70b3d5e75e000001;milesight_em500_udl;Snö 1;snöstation;150\n"
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {"csv": good}))
    assert result["step_id"] == "import_preview"
    assert result["description_placeholders"]["created"] == "1"
    assert "+ Snö 1 (70b3d5e75e000001)" in result["description_placeholders"]["devices"]
    assert "70b3d5e75e000001" not in _devices(entry)

    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {}))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert _devices(entry)["70b3d5e75e000001"]["mounting_height_cm"] == 150
    assert "70b3d5e75e000001" in entry.runtime_data.devices


@pytest.mark.usefixtures("socket_enabled")
async def test_fetch_from_chirpstack_then_complete(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Devices from ChirpStack become a list to complete; the key is kept, and redacted."""
    items = [
        {"devEui": "70b3d5e75e00aa01", "name": "vm-1", "deviceProfileName": "Elvaco CMi4140", "deviceStatus": {}},
        {"devEui": "70b3d5e75e00aa02", "name": "vm-2", "deviceProfileName": "Elvaco CMi4140", "deviceStatus": {}},
    ]

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("Grpc-Metadata-Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"code": 16, "message": "unauthenticated", "details": []}, status=401)
        return web.json_response({"totalCount": len(items), "result": items})

    app = web.Application()
    app.router.add_get("/api/devices", handler)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("")).rstrip("/")
        entry = setup_integration
        result = await _menu(hass, entry, "network_import")
        form = {"server": "chirpstack", "device_api_url": url, "device_api_key": "wrong", "application_id": APP}
        result = dict(await hass.config_entries.options.async_configure(result["flow_id"], form))
        assert result["errors"] == {"base": "auth_failed"}
        form["device_api_key"] = TOKEN
        result = dict(await hass.config_entries.options.async_configure(result["flow_id"], form))
    assert result["step_id"] == "network_pick"
    assert result["description_placeholders"]["new"] == "2"
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"devices": ["70b3d5e75e00aa01", "70b3d5e75e00aa02"], "role": "water_meter"}
        )
    )
    # The fetched devices come back as a list to complete.
    assert result["step_id"] == "import_devices"
    csv_text = result["data_schema"]({})["csv"]
    # Meters need their meter id.
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {"csv": csv_text}))
    assert result["errors"] == {"base": "import_missing_setting"}
    assert result["description_placeholders"] == {"row": "2", "column": "meter_id", "role": "water_meter"}
    assert csv_text.splitlines()[1] == "70b3d5e75e00aa01,elvaco_cmi4140,vm-1,water_meter"
    lines = csv_text.splitlines()
    completed = "\n".join([lines[0] + ",meter_id", lines[1] + ",M-1", lines[2] + ",M-2"])
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {"csv": completed}))
    assert result["step_id"] == "import_preview"
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {}))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert _devices(entry)["70b3d5e75e00aa02"]["meter_id"] == "M-2"
    assert entry.data["device_api_key"] == TOKEN
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert TOKEN not in str(diagnostics)


async def test_gateway_silence_setting(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """The silence limit is a hub option, other options kept."""
    entry = setup_integration
    hass.config_entries.async_update_entry(entry, options={"offline_timeout": 90})
    await hass.async_block_till_done()
    result = await _menu(hass, entry, "gateway_health")
    assert result["data_schema"]({})["gateway_silent_minutes"] == 30
    result = dict(await hass.config_entries.options.async_configure(result["flow_id"], {"gateway_silent_minutes": 45}))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {"offline_timeout": 90, "gateway_silent_minutes": 45}
