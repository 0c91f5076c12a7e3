"""One gateway heard by two hubs: its entities exist once, and neither hub calls it silent
while the other still takes uplinks through it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.gateways import issue_id

from .conftest import ERS_CO2, ERS_CO2_PAYLOAD, SECRET, WEBHOOK_ID, device_subentry
from .helpers import gateway_rx, post

GATEWAY = "0016c001f153a14c"
# A second ERS CO2, on the second hub: a DevEUI belongs to one hub only.
OTHER_ERS = "a81758fffe0312ac"
OTHER_WEBHOOK = "ange_test_webhook_kitchen"


@pytest.fixture
async def second_hub(hass: HomeAssistant, setup_integration: MockConfigEntry) -> MockConfigEntry:
    """A second hub, set up after the first, with a device of its own."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ChirpStack v4 (kök)",
        data={
            "network": "chirpstack",
            "transport": "webhook",
            "webhook_id": OTHER_WEBHOOK,
            "webhook_secret": SECRET,
        },
        subentries_data=[device_subentry(OTHER_ERS, "elsys_ers_co2", "Storköket")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Error records, except those of aiohttp's access log.

    With the clock frozen, the access log cannot time a request on some Home Assistant
    versions and logs "Error in logging" itself.
    """
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name != "aiohttp.access"
    ]


def _gateway_entities(hass: HomeAssistant) -> dict[str, str | None]:
    """unique id -> config entry of every gateway entity of GATEWAY."""
    registry = er.async_get(hass)
    return {
        entry.unique_id: entry.config_entry_id
        for entry in registry.entities.values()
        if entry.platform == DOMAIN and entry.unique_id.startswith(f"gateway_{GATEWAY}_")
    }


async def test_one_gateway_two_hubs(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    second_hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first hub shows the gateway; the second adds no duplicate and logs no error;
    while only the second hub's device sends, the gateway stays connected for both."""
    first = setup_integration
    client = await hass_client_no_auth()

    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1)
    body["rxInfo"] = [gateway_rx(GATEWAY, -95, 3.5, located=False)]
    assert (await post(client, body))[0] == 200
    await hass.async_block_till_done()
    caplog.clear()
    f_cnt = 1
    body = chirpstack_up(OTHER_ERS, ERS_CO2_PAYLOAD, f_cnt)
    body["rxInfo"] = [gateway_rx(GATEWAY, -95, 3.5, located=False)]
    assert (await post(client, body, webhook_id=OTHER_WEBHOOK))[0] == 200
    await hass.async_block_till_done()

    entities = _gateway_entities(hass)
    assert len(entities) == 6
    assert set(entities.values()) == {first.entry_id}
    assert not _errors(caplog)

    # An hour in which only the second hub's device sends through the gateway.
    for _ in range(60):
        freezer.tick(timedelta(minutes=1))
        f_cnt += 1
        body = chirpstack_up(OTHER_ERS, ERS_CO2_PAYLOAD, f_cnt)
        body["rxInfo"] = [gateway_rx(GATEWAY, -95, 3.5, located=False)]
        assert (await post(client, body, webhook_id=OTHER_WEBHOOK))[0] == 200
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    connectivity = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"gateway_{GATEWAY}_connectivity"
    )
    assert connectivity is not None
    state = hass.states.get(connectivity)
    assert state is not None and state.state == "on"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(GATEWAY)) is None
    last_uplink = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"gateway_{GATEWAY}_last_uplink"
    )
    assert last_uplink is not None
    shown = hass.states.get(last_uplink)
    assert shown is not None
    # The first hub's entity shows the newest uplink, which only the second hub took.
    assert dt_util.utcnow() - dt_util.parse_datetime(shown.state) < timedelta(minutes=2)  # type: ignore[operator]

    # Both hubs go quiet: the gateway is silent, once.
    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = hass.states.get(connectivity)
    assert state is not None and state.state == "off"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(GATEWAY))
    assert issue is not None and issue.translation_placeholders is not None
    # The one repair names the devices of both hubs that only this gateway heard.
    assert issue.translation_placeholders["count"] == "2"
    assert set(issue.translation_placeholders["devices"].split(", ")) == {
        "Dagrum Solgården",
        "Storköket",
    }

    # The second hub's device sends again: within a minute check or two, the first hub,
    # which shows the gateway, learns from the other that it is back.
    f_cnt += 1
    body = chirpstack_up(OTHER_ERS, ERS_CO2_PAYLOAD, f_cnt)
    body["rxInfo"] = [gateway_rx(GATEWAY, -95, 3.5, located=False)]
    assert (await post(client, body, webhook_id=OTHER_WEBHOOK))[0] == 200
    for _ in range(2):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    state = hass.states.get(connectivity)
    assert state is not None and state.state == "on"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(GATEWAY)) is None


async def test_the_registered_hub_keeps_the_gateway_whichever_starts_first(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    second_hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After both hubs reload, the second one first, the entities stay with the first hub."""
    first, second = setup_integration, second_hub
    client = await hass_client_no_auth()
    for webhook_id, dev_eui in ((WEBHOOK_ID, ERS_CO2), (OTHER_WEBHOOK, OTHER_ERS)):
        body = chirpstack_up(dev_eui, ERS_CO2_PAYLOAD, 1)
        body["rxInfo"] = [gateway_rx(GATEWAY, -95, 3.5, located=False)]
        assert (await post(client, body, webhook_id=webhook_id))[0] == 200
    await hass.async_block_till_done()

    caplog.clear()
    assert await hass.config_entries.async_unload(first.entry_id)
    assert await hass.config_entries.async_unload(second.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()

    entities = _gateway_entities(hass)
    assert len(entities) == 6
    assert set(entities.values()) == {first.entry_id}
    registry = er.async_get(hass)
    for unique_id in entities:
        entity_id = registry.async_get_entity_id(
            "binary_sensor" if unique_id.endswith(("_connectivity", "_problem")) else "sensor",
            DOMAIN,
            unique_id,
        )
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None and state.state != "unavailable", unique_id
    assert not _errors(caplog)
