"""Gateway health (HPR1): gateway devices from uplinks, one repair per silent gateway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.diagnostics import async_get_config_entry_diagnostics

from .conftest import AM307, AM307_PAYLOAD, ERS_CO2, ERS_CO2_PAYLOAD
from .helpers import gateway_rx, post, registry_device

DASHBOARD = Path(__file__).parent.parent / "dashboards" / "coverage.yaml"
GW_NORTH = "0016c001f153a14c"
GW_SOUTH = "0016c001f1530b0e"


def _state(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _attributes(hass: HomeAssistant, platform: str, unique_id: str) -> dict[str, Any]:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return dict(state.attributes)


def _coverage_tables(hass: HomeAssistant) -> list[str]:
    """The markdown tables of dashboards/coverage.yaml, rendered now."""
    view = yaml.safe_load(DASHBOARD.read_text(encoding="utf-8"))["views"][0]
    return [
        Template(card["content"], hass).async_render(parse_result=False)
        for card in view["cards"]
        if card["type"] == "markdown"
    ]


async def test_silent_gateway_is_one_problem(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two gateways; the one that alone hears the AM307 stops: one repair naming the AM307."""
    client = await hass_client_no_auth()
    entry = setup_integration
    f_cnt = 10

    async def uplinks(both_for_ers: bool, south_alive: bool) -> None:
        nonlocal f_cnt
        f_cnt += 1
        ers = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, f_cnt)
        ers["rxInfo"] = [gateway_rx(GW_NORTH, -80, 7.5)] + ([gateway_rx(GW_SOUTH, -110, -2.0, False)] if both_for_ers else [])
        am = chirpstack_up(AM307, AM307_PAYLOAD, f_cnt, f_port=85)
        am["rxInfo"] = [gateway_rx(GW_SOUTH, -100, 1.5, False)]
        assert (await post(client, ers))[0] == 200
        if south_alive:
            assert (await post(client, am))[0] == 200
        await hass.async_block_till_done()

    await uplinks(both_for_ers=True, south_alive=True)
    for gateway in (GW_NORTH, GW_SOUTH):
        device = registry_device(hass, f"gateway_{gateway}")
        assert device is not None and device.name == f"Gateway {gateway}"
        # The hub's own device (on every HA release: 2026.x has one config entry per device).
        assert device.id in {d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)}
        assert _state(hass, "binary_sensor", f"gateway_{gateway}_connectivity") == "on"
    assert _attributes(hass, "binary_sensor", f"gateway_{GW_NORTH}_connectivity")["latitude"] == 62.52

    # Twenty minutes of traffic: the tick refreshes the counts.
    for _ in range(4):
        freezer.tick(timedelta(minutes=5))
        await uplinks(both_for_ers=True, south_alive=True)
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _state(hass, "sensor", f"gateway_{GW_SOUTH}_devices_heard") == "2"
    assert _state(hass, "sensor", f"gateway_{GW_NORTH}_devices_heard") == "1"
    assert float(_state(hass, "sensor", f"gateway_{GW_NORTH}_rssi_median")) == -80
    single = _attributes(hass, "sensor", f"{entry.entry_id}_single_gateway_devices")
    assert [d["dev_eui"] for d in single["devices"]] == [AM307]
    assert _state(hass, "sensor", f"{entry.entry_id}_single_gateway_devices") == "1"
    coverage = {d["dev_eui"]: d for d in single["coverage"]}
    assert coverage[ERS_CO2]["gateways"] == 2
    assert coverage[ERS_CO2]["rssi"] == -80
    assert coverage[AM307]["gateways"] == 1

    # The south gateway stops forwarding; the north one still carries the ERS.
    for _ in range(7):
        freezer.tick(timedelta(minutes=5))
        await uplinks(both_for_ers=False, south_alive=False)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    issues = [i for (domain, i) in ir.async_get(hass).issues if domain == DOMAIN and i.startswith("gateway_silent")]
    assert issues == [f"gateway_silent_{GW_SOUTH}"]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"gateway_silent_{GW_SOUTH}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["count"] == "1"
    assert issue.translation_placeholders["devices"] == "Skolköket"  # the ERS still has the north one
    assert _state(hass, "binary_sensor", f"gateway_{GW_SOUTH}_connectivity") == "off"
    assert _state(hass, "binary_sensor", f"gateway_{GW_SOUTH}_problem") == "on"
    assert _state(hass, "binary_sensor", f"gateway_{GW_NORTH}_problem") == "off"
    # The coverage dashboard's tables show it.
    gateways_md, single_md, signal_md = _coverage_tables(hass)
    assert f"| {GW_SOUTH} | **TYST** |" in gateways_md
    assert f"| {GW_NORTH} | skickar | 1 |" in gateways_md
    assert f"| Dagrum Solgården | {GW_NORTH} | -80.0 | 7.5 |" in single_md
    assert "| Skolköket | 0 | -100.0 | 1.5 |" in signal_md
    # The ERS, heard by both until now, hangs on the north gateway alone.
    single = _attributes(hass, "sensor", f"{entry.entry_id}_single_gateway_devices")
    assert {d["dev_eui"]: d["gateway"] for d in single["devices"]} == {ERS_CO2: GW_NORTH}

    # A day later the AM307 has its own silence explained: no per-device repair.
    for _ in range(25):
        freezer.tick(timedelta(hours=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    device_issues = [i for (domain, i) in ir.async_get(hass).issues if domain == DOMAIN and i.startswith("device_silent")]
    assert f"device_silent_{AM307}" not in device_issues

    # The gateway comes back: its repair goes away by itself.
    await uplinks(both_for_ers=False, south_alive=True)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"gateway_silent_{GW_SOUTH}") is None
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _state(hass, "binary_sensor", f"gateway_{GW_SOUTH}_connectivity") == "on"


async def test_gateways_survive_a_restart(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
) -> None:
    """Known gateways and their figures are stored and come back after a reload."""
    client = await hass_client_no_auth()
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 3)
    body["rxInfo"] = [gateway_rx(GW_NORTH, -90, 4.0)]
    assert (await post(client, body))[0] == 200
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert _state(hass, "binary_sensor", f"gateway_{GW_NORTH}_connectivity") == "on"
    assert float(_state(hass, "sensor", f"gateway_{GW_NORTH}_rssi_median")) == -90
    last = _state(hass, "sensor", f"gateway_{GW_NORTH}_last_uplink")
    assert dt_util.parse_datetime(last) is not None
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_integration)
    assert diagnostics["gateways"][0]["gateway_id"] == GW_NORTH
    assert diagnostics["gateways"][0]["located"] is True
    assert diagnostics["single_gateway_devices"] == 1


async def test_removing_a_gateway_device_forgets_it(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
) -> None:
    """A gateway taken down can be deleted; it comes back only if it is heard again."""
    from custom_components.ange_iot import async_remove_config_entry_device

    client = await hass_client_no_auth()
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 3)
    body["rxInfo"] = [gateway_rx(GW_NORTH, -90, 4.0), gateway_rx(GW_SOUTH, -100, 1.0)]
    assert (await post(client, body))[0] == 200
    await hass.async_block_till_done()
    device = registry_device(hass, f"gateway_{GW_SOUTH}")
    assert device is not None
    # What the device page's "Delete" does: ask the integration, then remove the device.
    assert await async_remove_config_entry_device(hass, setup_integration, device)
    dr.async_get(hass).async_remove_device(device.id)
    await hass.async_block_till_done()
    assert registry_device(hass, f"gateway_{GW_SOUTH}") is None
    assert GW_SOUTH not in setup_integration.runtime_data.gateways.tracker.gateways
    assert er.async_get(hass).async_get_entity_id("binary_sensor", DOMAIN, f"gateway_{GW_SOUTH}_connectivity") is None
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 4)
    body["rxInfo"] = [gateway_rx(GW_SOUTH, -100, 1.0)]
    assert (await post(client, body))[0] == 200
    await hass.async_block_till_done()
    assert _state(hass, "binary_sensor", f"gateway_{GW_SOUTH}_connectivity") == "on"
