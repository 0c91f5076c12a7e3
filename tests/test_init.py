"""Setting up, reloading and unloading hubs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN

from .conftest import ERS_CO2, ERS_CO2_PAYLOAD
from .helpers import post, state_of

Envelope = Callable[..., dict[str, Any]]


async def test_contract_keys_only_entry_sets_up(
    hass: HomeAssistant, hub_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=hub_data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.devices == {}


async def test_unload_stops_webhook(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1))
    hub = setup_integration.runtime_data
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert setup_integration.state is ConfigEntryState.NOT_LOADED
    status, _ = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 2))
    # HA answers unknown webhooks with 200 to avoid probing, but nothing is applied.
    assert status == 200
    assert hub.uplinks_received == 1


async def test_options_change_reloads_and_keeps_counters(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 5))
    await hass.async_block_till_done()
    old_hub = setup_integration.runtime_data

    hass.config_entries.async_update_entry(setup_integration, options={"offline_timeout": 240})
    await hass.async_block_till_done()

    hub = setup_integration.runtime_data
    assert hub is not old_hub
    assert hub.offline_floor.total_seconds() == 240 * 60
    # Frame counters survive the reload: the same frame is still a duplicate.
    _, answer = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 5))
    assert answer["duplicates"] == 1
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"
    assert hub.uplinks_received == 1


async def test_restart_keeps_last_seen_and_frame_counter(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 5))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()

    device = setup_integration.runtime_data.devices[ERS_CO2]
    assert device.guard.last_f_cnt == 5
    assert device.last_seen is not None
    _, answer = await post(client, chirpstack_up(ERS_CO2, bytes.fromhex("01012C"), 4))
    assert answer["rejected"][0]["reason"] == "replayed_frame"


async def test_state_saved_during_a_steady_stream(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    key = f"{DOMAIN}.{setup_integration.entry_id}"
    # An uplink every 10 s for two minutes: the 30 s save delay must not keep moving.
    for f_cnt in range(1, 13):
        await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, f_cnt))
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    saved = hass_storage[key]["data"]["devices"][ERS_CO2]
    assert saved["guard"]["last_f_cnt"] >= 3
