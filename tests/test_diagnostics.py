"""Diagnostics: no secrets, no full DevEUIs, no care readings."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import AM307, CARE_DOOR, EMS_DOOR_OPEN, ERS_CO2, ERS_CO2_PAYLOAD, SECRET, WEBHOOK_ID
from .helpers import post, registry_device

Envelope = Callable[..., dict[str, Any]]


async def test_entry_diagnostics_redacted(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1))
    await post(client, chirpstack_up(CARE_DOOR, EMS_DOOR_OPEN, 1))
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_integration)
    text = json.dumps(diagnostics)

    assert SECRET not in text
    assert WEBHOOK_ID not in text
    assert ERS_CO2 not in text
    assert CARE_DOOR not in text
    assert diagnostics["entry"]["data"]["network"] == "chirpstack"
    assert diagnostics["entry"]["data"]["webhook_secret"] == "**REDACTED**"
    assert diagnostics["counters"]["uplinks_received"] == 2
    by_model = {dev["model"]: dev for dev in diagnostics["devices"]}
    assert by_model["elsys_ers_co2"]["readings"]["co2"] == 776
    assert by_model["elsys_ers_co2"]["dev_eui"].startswith(ERS_CO2[:6])
    # A care device shows which readings exist, never their values, unit or room.
    care = by_model["elsys_ems_door"]
    assert care["care"] is True
    assert care["readings"] == ["door_open"]
    assert "SOL-2" not in text
    assert "R12" not in text


async def test_device_diagnostics(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    device = registry_device(hass, ERS_CO2)
    diagnostics = await get_diagnostics_for_device(hass, hass_client, setup_integration, device)
    assert diagnostics["model"] == "elsys_ers_co2"
    assert ERS_CO2 not in json.dumps(diagnostics)

    hub_device = registry_device(hass, setup_integration.entry_id)
    hub_diagnostics = await get_diagnostics_for_device(
        hass, hass_client, setup_integration, hub_device
    )
    assert hub_diagnostics["hub"]["entry"]["device_count"] == 3


async def test_skipped_channels_are_counted_and_known_ones_kept(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Derived from the Milesight AM307 README example: temperature, then a channel no
    # AM307 document defines (0x0A 0x99, two bytes), then humidity. Sent twice.
    payload = bytes.fromhex("0367ee00" + "0a99aabb" + "04687c")
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(AM307, payload, 1))
    await post(client, chirpstack_up(AM307, payload, 2))
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_integration)
    assert diagnostics["counters"]["skipped_items"] == {
        "milesight_am307: channel 0x0a type 0x99": 2
    }
    assert diagnostics["counters"]["rejected"].get("undecodable_payload", 0) == 0
    by_model = {dev["model"]: dev for dev in diagnostics["devices"]}
    assert by_model["milesight_am307"]["readings"]["temperature"] == 23.8
    assert by_model["milesight_am307"]["readings"]["humidity"] == 62.0
    # One warning for the (model, channel), not one per uplink.
    warnings = [r for r in caplog.records if "channel 0x0a type 0x99" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelname == "WARNING"
