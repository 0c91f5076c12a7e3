"""Deleted care units and dispensers leave no stale devices (quality scale: stale-devices)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ange_iot.care_runtime.config import SUBENTRY_CARE_UNIT

from .helpers import registry_device
from .test_care_alarms import (
    BED,
    DISPENSER,
    UNIT,
    care_device,
    care_hub_fixture,
    care_unit,
    dispenser,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)

EMPTY_UNIT = "SOL-3"
HOME_CARE = "HT-1"


def device(hass: HomeAssistant, identifier: str) -> dr.DeviceEntry | None:
    return registry_device(hass, identifier)


def entities_of(hass: HomeAssistant, device_entry: dr.DeviceEntry) -> list[str]:
    return [e.entity_id for e in er.async_entries_for_device(er.async_get(hass), device_entry.id)]


def subentry_id(hub: Any, unique_id: str) -> str:
    return next(s.subentry_id for s in hub.entry.subentries.values() if s.unique_id == unique_id)


async def test_deleting_a_care_unit_removes_its_device_and_entities(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(UNIT), care_unit(EMPTY_UNIT))
    kept, stale = device(hass, f"care_unit_{UNIT}"), device(hass, f"care_unit_{EMPTY_UNIT}")
    assert kept is not None and stale is not None
    stale_entities = entities_of(hass, stale)
    assert stale_entities, "a care unit has its alarm sensors and event"

    hass.config_entries.async_remove_subentry(hub.entry, subentry_id(hub, f"care_unit_{EMPTY_UNIT}"))
    await hass.async_block_till_done()

    assert device(hass, f"care_unit_{EMPTY_UNIT}") is None
    registry = er.async_get(hass)
    for entity_id in stale_entities:
        assert registry.async_get(entity_id) is None
        assert hass.states.get(entity_id) is None
    # The other unit and the hub are untouched.
    assert device(hass, f"care_unit_{UNIT}") == kept
    assert device(hass, hub.entry.entry_id) is not None

    # Added again, the unit gets its device and entities back.
    hass.config_entries.async_add_subentry(
        hub.entry,
        ConfigSubentry(
            data={"code": EMPTY_UNIT},
            subentry_type=SUBENTRY_CARE_UNIT,
            title=EMPTY_UNIT,
            unique_id=f"care_unit_{EMPTY_UNIT}",
        ),
    )
    await hass.async_block_till_done()
    back = device(hass, f"care_unit_{EMPTY_UNIT}")
    assert back is not None
    assert len(entities_of(hass, back)) == len(stale_entities)


async def test_deleting_a_dispenser_removes_its_device_and_its_units(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE))
    dispenser_device = device(hass, f"dispenser_{DISPENSER}")
    assert dispenser_device is not None and entities_of(hass, dispenser_device)
    # The home-care unit exists only because of the dispenser.
    assert device(hass, f"care_unit_{HOME_CARE}") is not None

    hass.config_entries.async_remove_subentry(hub.entry, subentry_id(hub, f"dispenser_{DISPENSER}"))
    await hass.async_block_till_done()

    assert device(hass, f"dispenser_{DISPENSER}") is None
    assert device(hass, f"care_unit_{HOME_CARE}") is None
    assert not [
        e for e in er.async_entries_for_config_entry(er.async_get(hass), hub.entry.entry_id)
        if e.unique_id.startswith(f"dispenser_{DISPENSER}")
    ]


async def test_a_unit_with_care_devices_keeps_its_device_without_a_subentry(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(UNIT), care_device(BED, "netvox_r311wa", "R12 säng", role="bed"))
    hass.config_entries.async_remove_subentry(hub.entry, subentry_id(hub, f"care_unit_{UNIT}"))
    await hass.async_block_till_done()
    # Its rooms still raise alarms for it, so the unit stays, with default settings.
    unit = device(hass, f"care_unit_{UNIT}")
    assert unit is not None and entities_of(hass, unit)
    assert device(hass, BED) is not None


async def test_stale_devices_from_before_a_restart_are_removed_on_start(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(UNIT))
    await hass.config_entries.async_unload(hub.entry.entry_id)
    # Removed while the hub was not loaded: no update listener saw it.
    hass.config_entries.async_remove_subentry(hub.entry, subentry_id(hub, f"care_unit_{UNIT}"))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(hub.entry.entry_id)
    await hass.async_block_till_done()
    assert device(hass, f"care_unit_{UNIT}") is None


async def remove_in_ui(hass: HomeAssistant, client: Any, device_id: str, entry_id: str) -> dict[str, Any]:
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry_id,
            "device_id": device_id,
        }
    )
    response: dict[str, Any] = await client.receive_json()
    await hass.async_block_till_done()
    return response


async def test_deleting_care_devices_in_the_ui(
    hass: HomeAssistant, care_hub: Callable[..., Any], hass_ws_client: WebSocketGenerator
) -> None:
    # Before the hub's HTTP client freezes the router.
    for component in ("websocket_api", "webhook"):
        assert await async_setup_component(hass, component, {})
    assert await async_setup_component(hass, "config", {})
    # Also before the hub freezes the clock, which the access token's times are checked by.
    client = await hass_ws_client(hass)
    hub = await care_hub(
        care_unit(UNIT),
        care_unit(EMPTY_UNIT),
        care_device(BED, "netvox_r311wa", "R12 säng", role="bed"),
        dispenser(unit=HOME_CARE),
    )
    entry_id = hub.entry.entry_id

    # A unit with rooms would come straight back: refused, and its subentry stays.
    in_use = device(hass, f"care_unit_{UNIT}")
    assert in_use is not None
    assert not (await remove_in_ui(hass, client, in_use.id, entry_id))["success"]
    assert any(s.unique_id == f"care_unit_{UNIT}" for s in hub.entry.subentries.values())

    # An empty unit and a dispenser go, with their subentries.
    for identifier in (f"care_unit_{EMPTY_UNIT}", f"dispenser_{DISPENSER}"):
        entry = device(hass, identifier)
        assert entry is not None
        assert (await remove_in_ui(hass, client, entry.id, entry_id))["success"], identifier
        assert device(hass, identifier) is None
        assert not any(s.unique_id == identifier for s in hub.entry.subentries.values())
    # The dispenser's unit had nothing else: it went with it.
    assert device(hass, f"care_unit_{HOME_CARE}") is None
