"""Entities: restore after restart, offline detection, repairs, care marker, removal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN, repairs_flow_manager
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN

from .conftest import CARE_DOOR, EMS_DOOR_CLOSED, EMS_DOOR_OPEN, ERS_CO2, ERS_CO2_PAYLOAD
from .helpers import entity_id, post, registry_device, state_of

Envelope = Callable[..., dict[str, Any]]


def _iso(when: Any) -> str:
    return when.isoformat()


async def test_values_restored_after_restart(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    mock_entry.add_to_hass(hass)
    co2 = registry.async_get_or_create(
        "sensor", DOMAIN, f"{ERS_CO2}_co2", config_entry=mock_entry
    )
    door = registry.async_get_or_create(
        "binary_sensor", DOMAIN, f"{CARE_DOOR}_door_open", config_entry=mock_entry
    )
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(co2.entity_id, "812"),
                {"native_value": 812, "native_unit_of_measurement": "ppm"},
            ),
            (State(door.entity_id, "on"), {}),
        ],
    )

    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(co2.entity_id).state == "812"
    assert hass.states.get(door.entity_id).state == "on"


async def test_device_goes_offline_and_returns(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hass_client_no_auth()
    start = dt_util.utcnow()
    # Three uplinks ten minutes apart: the usual interval is 10 min, the floor 2 h wins.
    for f_cnt in range(3):
        when = start + timedelta(minutes=10 * f_cnt)
        # Measured and received at the same moment: a time ahead of HA's clock is not used.
        freezer.move_to(when)
        await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, f_cnt + 1, time=_iso(when)))
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"

    with caplog.at_level(logging.INFO):
        freezer.tick(timedelta(minutes=119))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"

        freezer.tick(timedelta(minutes=2))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert state_of(hass, "sensor", ERS_CO2, "co2").state == "unavailable"

        # Staying silent logs nothing more.
        freezer.tick(timedelta(minutes=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

        now = dt_util.utcnow()
        await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10, time=_iso(now)))
        await hass.async_block_till_done()

    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"
    silent = [r for r in caplog.records if "silent since" in r.getMessage()]
    back = [r for r in caplog.records if "sending again" in r.getMessage()]
    assert len(silent) == 1
    assert ERS_CO2 in silent[0].getMessage()
    assert len(back) == 1


async def test_silent_device_repair_removes_device(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1, time=_iso(dt_util.utcnow())))
    freezer.tick(timedelta(hours=25))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    issue_id = f"device_silent_{ERS_CO2}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders["dev_eui"] == ERS_CO2

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["step_id"] == "confirm"
    result = await manager.async_configure(result["flow_id"], {"action": "remove"})
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"

    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert all(sub.unique_id != ERS_CO2 for sub in setup_integration.subentries.values())
    assert registry_device(hass, ERS_CO2) is None
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{ERS_CO2}_co2") is None


async def test_repair_issue_cleared_when_device_returns(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1, time=_iso(dt_util.utcnow())))
    freezer.tick(timedelta(hours=25))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"device_silent_{ERS_CO2}") is not None

    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 2, time=_iso(dt_util.utcnow())))
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"device_silent_{ERS_CO2}") is None


async def test_care_marker_on_every_entity_even_unavailable(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(CARE_DOOR, EMS_DOOR_OPEN, 1, time=_iso(dt_util.utcnow())))
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1, time=_iso(dt_util.utcnow())))
    await hass.async_block_till_done()
    assert state_of(hass, "binary_sensor", CARE_DOOR, "door_open").state == "on"

    registry = er.async_get(hass)

    def care_entities() -> list[er.RegistryEntry]:
        return [
            ent
            for ent in er.async_entries_for_config_entry(registry, setup_integration.entry_id)
            if ent.unique_id.startswith(CARE_DOOR) and not ent.disabled
        ]

    assert {ent.domain for ent in care_entities()} >= {"sensor", "binary_sensor"}
    for ent in care_entities():
        assert hass.states.get(ent.entity_id).attributes.get("category") == "care", ent.entity_id

    # Ordinary devices carry no marker.
    assert "category" not in state_of(hass, "sensor", ERS_CO2, "co2").attributes

    freezer.tick(timedelta(hours=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    for ent in care_entities():
        state = hass.states.get(ent.entity_id)
        assert state.state == "unavailable"
        assert state.attributes.get("category") == "care", ent.entity_id


async def test_care_marker_on_event_entity(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, chirpstack_up: Envelope
) -> None:
    from custom_components.ange_iot.device import Device, DeviceConfig
    from custom_components.ange_iot.event import EVENTS, AngeIotEvent

    config = DeviceConfig(
        subentry_id="x", dev_eui=CARE_DOOR, model="elsys_ems_door", name="Larm", care_unit="SOL-2", room="R1"
    )
    device = Device(config=config)
    entity = AngeIotEvent.__new__(AngeIotEvent)
    entity.device = device
    entity.entity_description = EVENTS["button"]
    attributes = entity.capability_attributes
    assert attributes["category"] == "care"
    assert attributes["event_types"] == ["press", "double_press", "long_press"]


async def test_door_closes(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(CARE_DOOR, EMS_DOOR_OPEN, 1))
    await post(client, chirpstack_up(CARE_DOOR, EMS_DOOR_CLOSED, 2))
    await hass.async_block_till_done()
    door = state_of(hass, "binary_sensor", CARE_DOOR, "door_open")
    assert door.state == "off"
    assert door.attributes["device_class"] == "door"


async def test_removing_device_subentry_removes_entities(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1))
    await hass.async_block_till_done()
    co2 = entity_id(hass, "sensor", ERS_CO2, "co2")

    subentry_id = next(
        sub.subentry_id for sub in setup_integration.subentries.values() if sub.unique_id == ERS_CO2
    )
    hass.config_entries.async_remove_subentry(setup_integration, subentry_id)
    await hass.async_block_till_done()

    assert er.async_get(hass).async_get(co2) is None
    assert hass.states.get(co2) is None
    assert ERS_CO2 not in setup_integration.runtime_data.devices
    # Its uplinks now count as an unknown device.
    _, answer = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 2))
    assert answer["rejected"][0]["reason"] == "unknown_device"


async def test_remove_device_from_device_page(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
) -> None:
    from custom_components.ange_iot import async_remove_config_entry_device

    device = registry_device(hass, ERS_CO2)
    hub_device = registry_device(hass, setup_integration.entry_id)
    assert device is not None
    assert hub_device is not None
    assert await async_remove_config_entry_device(hass, setup_integration, device)
    await hass.async_block_till_done()
    assert ERS_CO2 not in setup_integration.runtime_data.devices
    # The hub device itself cannot be removed on its own.
    assert not await async_remove_config_entry_device(hass, setup_integration, hub_device)


async def test_devices_registered_with_model_and_via_hub(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    device = registry_device(hass, ERS_CO2)
    hub_device = registry_device(hass, setup_integration.entry_id)
    assert device.manufacturer == "Elsys"
    assert device.model == "ERS CO2"
    assert device.model_id == "elsys_ers_co2"
    assert device.serial_number == ERS_CO2
    assert device.via_device_id == hub_device.id
    assert device.name == "Dagrum Solgården"


async def test_noisy_diagnostics_disabled_by_default(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    # Each of these changes with every uplink.
    for key in ("rssi", "snr", "f_cnt", "last_seen"):
        ent = registry.async_get(entity_id(hass, "sensor", ERS_CO2, key))
        assert ent.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert ent.entity_category is not None
