"""Codes stay pseudonymous: code-shaped codes only, old codes repaired (never renamed
silently), and care devices named from their codes, never after a resident."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN, repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

from custom_components.ange_iot.care_runtime.config import SUBENTRY_CARE_UNIT, SUBENTRY_DISPENSER
from custom_components.ange_iot.const import DOMAIN

from .conftest import ERS_CO2_PAYLOAD
from .helpers import post, registry_device
from .test_care_alarms import (
    BUTTON,
    DOOR,
    care_device,
    care_hub_fixture,
    care_unit,
    dispenser,
    production_loop_fixture,
)
from .test_care_flows import UNIT_FORM, duty_phones, start, submit
from .test_config_flow import UNKNOWN

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)
# The unit form accepts only existing notify actions: the same duty phones as the flow tests.
_duty_phones = duty_phones

NAMES = ["Anna Svensson", "Greta", "Rum 4", "anna.svensson", "Ängen"]
IDENTITY_NUMBERS = ["19121212-1212", "121212-1212", "121212+1212", "191212121212", "1212121212"]


@pytest.mark.parametrize(("code", "error"), [*((name, "invalid_code") for name in NAMES), *((pn, "identity_number") for pn in IDENTITY_NUMBERS)])
async def test_a_care_unit_code_must_be_code_shaped(
    hass: HomeAssistant, care_hub: Callable[..., Any], code: str, error: str
) -> None:
    hub = await care_hub()
    result = await submit(hass, await start(hass, hub.entry, SUBENTRY_CARE_UNIT), {"code": code, **UNIT_FORM})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"code": error}
    assert hub.manager.units == {}


@pytest.mark.parametrize("code", ["SOL-2", "R12", "HEMTJ-1"])
async def test_code_shaped_codes_are_accepted(hass: HomeAssistant, care_hub: Callable[..., Any], code: str) -> None:
    hub = await care_hub()
    result = await submit(hass, await start(hass, hub.entry, SUBENTRY_CARE_UNIT), {"code": code, **UNIT_FORM})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_a_dispenser_client_must_be_a_code(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit())
    result = await submit(
        hass, await start(hass, hub.entry, SUBENTRY_DISPENSER),
        {"dispenser_id": "EV-0042", "care_unit": "SOL-2", "client": "Greta", "heartbeat_minutes": 60},
    )
    assert result["errors"] == {"client": "invalid_code"}


async def test_a_care_device_is_named_from_its_codes(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    # Stored by an older version with the network server's name, which is the resident's.
    hub = await care_hub(
        care_unit(),
        care_device(BUTTON, "milesight_ws101", "Anna Svensson"),
        care_device(DOOR, "elsys_ems_door", "Greta 19121212-1212", role="outer_door"),
    )
    await hub.send(BUTTON, bytes.fromhex("ff2e01"))
    names = [device.name for device in dr.async_entries_for_config_entry(dr.async_get(hass), hub.entry.entry_id)]
    assert "SOL-2 R12 Larmknapp" in names
    assert "SOL-2 R12 Ytterdörr" in names
    entity_ids = [entity.entity_id for entity in er.async_entries_for_config_entry(er.async_get(hass), hub.entry.entry_id)]
    assert any(entity_id.startswith("event.sol_2_r12_larmknapp") for entity_id in entity_ids)
    for text in (*names, *entity_ids):
        for word in ("anna", "svensson", "greta", "1212"):
            assert word not in str(text).lower()


async def test_an_old_style_code_raises_a_repair_that_asks_for_a_new_one(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    hub = await care_hub(
        care_unit("Rum 4"), care_device(BUTTON, "milesight_ws101", "x", unit="Rum 4"),
        dispenser(unit="Rum 4", client="K-17"),
    )
    # The unit keeps working meanwhile: it is not renamed behind anyone's back.
    assert "Rum 4" in hub.manager.units
    unit_sub = next(sub for sub in hub.entry.subentries.values() if sub.subentry_type == SUBENTRY_CARE_UNIT)
    issue_id = f"care_code_invalid_{unit_sub.subentry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    # The old code is not repeated in the issue (it may be a name).
    assert "Rum 4" not in str(issue.translation_placeholders)
    # The device and the dispenser name the unit too: each has its own issue.
    issues = [i for (d, i) in ir.async_get(hass).issues if d == DOMAIN and i.startswith("care_code_invalid_")]
    assert len(issues) == 3

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["step_id"] == "confirm"
    result = await manager.async_configure(result["flow_id"], {"code": "Anna Svensson"})
    assert result["errors"] == {"code": "invalid_code"}
    result = await manager.async_configure(result["flow_id"], {"code": "R-4"})
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"

    # The unit, its device and its dispenser now carry the new code; every issue is gone.
    assert set(hub.manager.units) == {"R-4"}
    assert {sub.data.get("care_unit") for sub in hub.entry.subentries.values() if sub.subentry_type != SUBENTRY_CARE_UNIT} == {"R-4"}
    assert [i for (d, i) in ir.async_get(hass).issues if d == DOMAIN and i.startswith("care_code_invalid_")] == []
    device = registry_device(hass, BUTTON)
    assert device is not None
    assert device.name == "R-4 R12 Larmknapp"


@pytest.mark.parametrize(("device_name", "shown"), [("Anna Svensson", "model"), ("19121212-1212", "model"), ("KNAPP-12", "name")])
async def test_the_discovered_card_never_shows_a_name(
    hass: HomeAssistant,
    setup_integration: Any,
    hass_client_no_auth: Any,
    chirpstack_up: Callable[..., dict[str, Any]],
    device_name: str,
    shown: str,
) -> None:
    body = chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 7, profile="ELSYS ERS-CO2")
    # The network server names the device after the resident.
    body["deviceInfo"]["deviceName"] = device_name
    status, _ = await post(await hass_client_no_auth(), body)
    await hass.async_block_till_done()
    assert status == 200
    [flow] = [f for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN) if f["context"]["source"] == "integration_discovery"]
    # Not code-shaped: the model guessed from the profile stands in, never the name.
    expected = "Elsys ERS CO2" if shown == "model" else device_name
    assert flow["context"]["title_placeholders"] == {"name": expected, "dev_eui": UNKNOWN}
