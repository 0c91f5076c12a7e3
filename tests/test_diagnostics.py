"""Diagnostics: no secrets, no full DevEUIs, no care readings."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import CARE_DOOR, EMS_DOOR_OPEN, ERS_CO2, ERS_CO2_PAYLOAD, SECRET, WEBHOOK_ID
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
