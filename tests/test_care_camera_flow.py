"""The care_camera subentry flow: an existing unit and room, a real URL, one camera per room."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from .test_care_alarms import BED, ROOM, ROOM_2, UNIT, care_device, care_hub_fixture, care_unit
from .test_care_flows import start, subentries, submit

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)

FORM = {
    "care_unit": UNIT,
    "room": ROOM,
    "still_image_url": "http://192.168.1.20/snapshot.jpg",
    "username": "kamera",
    "password": "hemligt-4711",
    "look_margin_minutes": 10,
    "max_look_seconds": 60,
}


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"care_unit": "SOL-9"}, "care_unit", "unknown_care_unit"),
        ({"room": ROOM_2}, "room", "unknown_room"),
        ({"room": "19121212-1212"}, "room", "identity_number"),
        ({"still_image_url": "snapshot.jpg"}, "still_image_url", "invalid_camera_url"),
        ({"still_image_url": "ftp://cam/snap.jpg"}, "still_image_url", "invalid_camera_url"),
        ({"stream_url": "cam:554"}, "stream_url", "invalid_camera_url"),
    ],
)
async def test_bad_input_is_named(
    hass: HomeAssistant, care_hub: Callable[..., Any], change: dict[str, Any], field: str, error: str
) -> None:
    hub = await care_hub(care_unit(), care_device(BED, "netvox_r311wa", "Säng R12", role="bed"))
    result = await submit(hass, await start(hass, hub.entry, "care_camera"), {**FORM, **change})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    # The password is never sent back to the form.
    assert all(key.schema != "password" or key.description is None for key in result["data_schema"].schema)
    assert subentries(hub.entry, "care_camera") == []


async def test_a_camera_is_added_once_per_room(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(BED, "netvox_r311wa", "Säng R12", role="bed"))
    result = await submit(hass, await start(hass, hub.entry, "care_camera"), {**FORM, "stream_url": ""})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (camera,) = subentries(hub.entry, "care_camera")
    assert camera.title == f"{UNIT} {ROOM}"
    assert dict(camera.data) == FORM
    again = await submit(hass, await start(hass, hub.entry, "care_camera"), FORM)
    assert again["errors"] == {"room": "camera_exists"}


async def test_reconfigure_keeps_the_room_and_an_unsent_password(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BED, "netvox_r311wa", "Säng R12", role="bed"))
    await submit(hass, await start(hass, hub.entry, "care_camera"), FORM)
    (camera,) = subentries(hub.entry, "care_camera")

    async def reconfigure(data: dict[str, Any]) -> Any:
        result = await hass.config_entries.subentries.async_init(
            (hub.entry.entry_id, "care_camera"), context={"source": SOURCE_RECONFIGURE, "subentry_id": camera.subentry_id}
        )
        assert result["step_id"] == "reconfigure"
        # The stored password is never put into the form.
        assert "hemligt-4711" not in str(result["data_schema"].schema)
        return await submit(hass, result, data)

    change = {key: value for key, value in FORM.items() if key not in ("care_unit", "room", "password")}
    bad = await reconfigure({**change, "still_image_url": "not a url"})
    assert bad["errors"] == {"still_image_url": "invalid_camera_url"}
    done = await reconfigure({**change, "still_image_url": "https://192.168.1.21/still.jpg", "max_look_seconds": 30})
    assert done["type"] is FlowResultType.ABORT
    assert done["reason"] == "reconfigure_successful"
    (camera,) = subentries(hub.entry, "care_camera")
    assert dict(camera.data) == {
        **FORM, "still_image_url": "https://192.168.1.21/still.jpg", "max_look_seconds": 30,
    }
