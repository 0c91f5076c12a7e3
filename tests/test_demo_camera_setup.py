"""The demo's camera setup, run against Home Assistant's real REST and websocket APIs.

scripts/demo_setup.ensure_camera adds a check time near now to SOL-2 (the care unit's
reconfigure flow), adds the safety camera in R1 (the care_camera subentry flow) and records
the camera consent as the demo user: afterwards a look opens straight away.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN
from scripts import demo_setup

from .test_care_alarms import BED, care_device, care_unit


async def test_ensure_camera_makes_a_look_possible_now(
    hass: HomeAssistant,
    hub_data: dict[str, Any],
    hass_client: ClientSessionGenerator,
) -> None:
    await hass.config.async_set_time_zone("Europe/Stockholm")
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, "websocket_api", {})
    assert await async_setup_component(hass, "api", {})
    # The demo's phone (a notify action the demo makes); the unit's form checks it exists.
    async_mock_service(hass, "notify", demo_setup.DEMO_NOTIFY_TARGET.split(".", 1)[1])
    unit = dict(demo_setup.CARE_UNITS[0])
    entry = MockConfigEntry(
        domain=DOMAIN, title="Demo", data=hub_data,
        subentries_data=[
            care_unit(**unit),
            care_device(BED, "netvox_r311wa", "SOL-2 R1 Säng", room="R1", role="bed", unit="SOL-2"),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # The demo user: an administrator with a fixed id (see test_care_camera's staff fixture).
    user = MockUser(id="cafe" * 8, name="Demo", is_owner=True).add_to_hass(hass)
    refresh = await hass.auth.async_create_refresh_token(user, "https://example.com/app")
    client = await hass_client()
    token = hass.auth.async_create_access_token(refresh)
    api = demo_setup.Api(client.session, str(client.make_url("")).rstrip("/"), token)
    hub = demo_setup.Hub(entry.entry_id, hub_data["webhook_id"], "unused")

    async with demo_setup.Websocket(api) as ws:
        check = await demo_setup.ensure_camera(api, ws, hub)
        # Safe to run again: the camera is not added twice.
        assert await demo_setup.ensure_camera(api, ws, hub) in {check, _soon(1)}
    await hass.async_block_till_done()

    cameras = [sub for sub in entry.subentries.values() if sub.subentry_type == "care_camera"]
    assert [(sub.data["care_unit"], sub.data["room"]) for sub in cameras] == [("SOL-2", "R1")]
    (sol_2,) = [sub for sub in entry.subentries.values() if sub.subentry_type == "care_unit"]
    assert check in sol_2.data["check_times"]
    look = await hass.services.async_call(
        DOMAIN, "start_supervision_look", {"care_unit": "SOL-2", "room": "R1"}, blocking=True,
        context=Context(user_id=user.id), return_response=True,
    )
    await hass.services.async_call(
        DOMAIN, "end_supervision_look", {"look_id": look["look_id"]}, blocking=True,
        context=Context(user_id=user.id),
    )


def _soon(extra_minutes: int) -> str:
    later = datetime.now(ZoneInfo("Europe/Stockholm")) + demo_setup.CAMERA_WINDOW_LEAD + timedelta(minutes=extra_minutes)
    return later.strftime("%H:%M")
