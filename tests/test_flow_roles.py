"""Roles fit the model: the device and discovery flows offer only the roles the model can serve.

A role whose readings the model lacks is refused with a message saying what is missing;
a model that can serve no role skips the role step; discovery can go back to the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import SUBENTRY_DEVICE
from custom_components.ange_iot.derived.roles import Role
from custom_components.ange_iot.lorawan.networks import Network

from .conftest import ERS_CO2_PAYLOAD, UNKNOWN, device_subentry
from .helpers import post
from .test_config_flow import _add_hub, _default, _discovery_flows, _fields, _has_device, _subentry

NEW_EUI = "0004a30b001c0530"
ROOM_SENSOR_ROLES = [
    "none", "lake", "fridge", "freezer", "cold_room", "dry_store", "trail", "intrusion", "room_presence",
]  # fmt: skip


def _offered(result: ConfigFlowResult) -> list[str]:
    """The roles the role step's picker lists, in order."""
    for marker, selector in result["data_schema"].schema.items():
        if str(marker) == "role":
            return [str(option) for option in selector.config["options"]]
    raise AssertionError("the form has no role field")


async def _device_form(hass: HomeAssistant, entry: MockConfigEntry, **user_input: Any) -> ConfigFlowResult:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE), context={"source": SOURCE_USER}
    )
    assert "role" not in _fields(result)
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": NEW_EUI, "name": "Enhet", **user_input}
    )


# ------------------------------------------------------------------ device flow


async def test_role_step_lists_only_what_the_model_serves(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_form(hass, setup_integration, model="elsys_ers")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "role"
    assert _offered(result) == ROOM_SENSOR_ROLES
    assert _default(result, "role") == "none"
    assert result["description_placeholders"] == {"name": "Enhet", "model": "Elsys ERS", "readings": ""}

    # A snow station needs a distance: refused, with what is missing.
    refused = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "snow_station"})
    assert refused["type"] is FlowResultType.FORM
    assert refused["step_id"] == "role"
    assert refused["errors"] == {"role": "role_needs_reading"}
    assert refused["description_placeholders"] == {"name": "Enhet", "model": "Elsys ERS", "readings": "distance"}
    assert not _has_device(hass, NEW_EUI)

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "intrusion"})
    assert result["step_id"] == "settings"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"schedule_entity": "schedule.oppettider"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["role"] == "intrusion"


async def test_distance_sensor_can_be_a_snow_station(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_form(hass, setup_integration, model="dragino_ldds75")
    assert _offered(result) == ["none", "snow_station", "waste_bin", "lake"]
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "snow_station"})
    assert result["step_id"] == "settings"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"mounting_height_cm": 180})
    assert result["data"] == {
        "dev_eui": NEW_EUI, "model": "dragino_ldds75", "name": "Enhet", "role": "snow_station",
        "mounting_height_cm": 180,
    }  # fmt: skip


async def test_model_without_any_role_skips_the_role_step(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_form(hass, setup_integration, model="dragino_lwl02")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"dev_eui": NEW_EUI, "model": "dragino_lwl02", "name": "Enhet"}


async def test_a_role_that_is_no_role_is_invalid(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_form(hass, setup_integration, model="elsys_ers")
    with pytest.raises(InvalidData):
        await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "rocket"})


async def test_back_from_the_role_step_keeps_what_was_typed(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_form(hass, setup_integration, model="elsys_ers", area="kok")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"role": "snow_station", "back": True}
    )
    assert result["step_id"] == "user"
    assert _default(result, "dev_eui") == NEW_EUI
    assert _default(result, "model") == "elsys_ers"
    assert _default(result, "area") == "kok"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": NEW_EUI, "model": "elsys_elt_ultrasonic", "name": "Kläppen"}
    )
    assert "snow_station" in _offered(result)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "snow_station"})
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"mounting_height_cm": 250})
    assert result["data"]["model"] == "elsys_elt_ultrasonic"
    assert result["data"]["role"] == "snow_station"


async def test_reconfigure_to_a_model_that_cannot_keep_the_role(hass: HomeAssistant) -> None:
    entry = _add_hub(
        hass,
        devices=[
            device_subentry(NEW_EUI, "dragino_ldds75", "Kläppen", role="snow_station", mounting_height_cm=200)
        ],
    )
    sub = _subentry(entry, NEW_EUI)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE), context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "elsys_ers", "name": "Kläppen"}
    )
    assert result["step_id"] == "role"
    # The stored role does not fit the new model: it is not preselected, and is refused.
    assert "snow_station" not in _offered(result)
    assert _default(result, "role") == "none"
    refused = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "snow_station"})
    assert refused["errors"] == {"role": "role_needs_reading"}
    assert entry.subentries[sub.subentry_id].data["role"] == "snow_station"

    # Back to the device form, which shows what was typed; then keep the model after all.
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "none", "back": True})
    assert result["step_id"] == "reconfigure"
    assert _default(result, "model") == "elsys_ers"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "dragino_ldds75", "name": "Kläppen"}
    )
    assert _default(result, "role") == "snow_station"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "snow_station"})
    assert _default(result, "mounting_height_cm") == 200
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"mounting_height_cm": 210})
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[sub.subentry_id].data["mounting_height_cm"] == 210


# ------------------------------------------------------------------ discovery


async def _discovered(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, chirpstack_up: Any
) -> str:
    client = await hass_client_no_auth()
    status, _ = await post(client, chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 3, profile="ELSYS ERS-CO2"))
    await hass.async_block_till_done()
    assert status == 200
    [flow] = _discovery_flows(hass)
    return str(flow["flow_id"])


async def test_discovery_goes_back_to_the_model(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Any,
) -> None:
    flow_id = await _discovered(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(flow_id, {"model": "elsys_ers_co2", "name": "Kläppen"})
    assert result["step_id"] == "discovery_role"
    assert "snow_station" not in _offered(result)
    assert "back" in _fields(result)
    assert result["description_placeholders"]["model"] == "Elsys ERS CO2"

    refused = await hass.config_entries.flow.async_configure(flow_id, {"role": "snow_station"})
    assert refused["errors"] == {"role": "role_needs_reading"}
    assert refused["description_placeholders"]["readings"] == "distance"

    # The profile name was wrong: back to the model step, which shows what was typed.
    result = await hass.config_entries.flow.async_configure(flow_id, {"role": "none", "back": True})
    assert result["step_id"] == "discovery_confirm"
    assert _default(result, "model") == "elsys_ers_co2"
    assert _default(result, "name") == "Kläppen"
    result = await hass.config_entries.flow.async_configure(flow_id, {"model": "network_decoded", "name": "Kläppen"})
    assert "snow_station" in _offered(result)
    result = await hass.config_entries.flow.async_configure(flow_id, {"role": "snow_station"})
    assert result["step_id"] == "discovery_settings"
    result = await hass.config_entries.flow.async_configure(flow_id, {"mounting_height_cm": 200})
    assert result["reason"] == "device_added"
    assert dict(_subentry(setup_integration, UNKNOWN).data) == {
        "dev_eui": UNKNOWN, "model": "network_decoded", "name": "Kläppen", "role": "snow_station",
        "mounting_height_cm": 200,
    }  # fmt: skip


async def test_discovered_model_without_any_role_is_added_at_once(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Any,
) -> None:
    flow_id = await _discovered(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(flow_id, {"model": "milesight_ws101", "name": "Larmknapp"})
    assert result["reason"] == "device_added"
    assert "role" not in _subentry(setup_integration, UNKNOWN).data


async def test_discovery_role_step_after_the_hub_is_gone(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Any,
) -> None:
    flow_id = await _discovered(hass, hass_client_no_auth, chirpstack_up)
    await hass.config_entries.flow.async_configure(flow_id, {"model": "elsys_ers_co2", "name": "Kylrum"})
    await hass.config_entries.async_remove(setup_integration.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id, {"role": "cold_room"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "hub_not_found"


@pytest.mark.parametrize("language", ["en", "sv"])
def test_every_role_and_network_has_a_name(language: str) -> None:
    """The pickers show translated names: one for each member of the shared vocabularies."""
    path = Path(__file__).parent.parent / f"custom_components/ange_iot/translations/{language}.json"
    selectors = json.loads(path.read_text(encoding="utf-8"))["selector"]
    assert set(selectors["role"]["options"]) == {role.value for role in Role}
    assert set(selectors["network"]["options"]) == {network.value for network in Network}
