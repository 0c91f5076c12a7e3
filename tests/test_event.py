"""Event entities: a button press reported through the network server's decoded object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN

from .conftest import device_subentry
from .helpers import post, state_of

Envelope = Callable[..., dict[str, Any]]
BUTTON = "24e124535b312345"


async def test_button_press_fires_event(
    hass: HomeAssistant,
    hub_data: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=hub_data,
        subentries_data=[
            device_subentry(BUTTON, "network_decoded", "Larmknapp", care_unit="SOL-2", room="R3")
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()

    body = chirpstack_up(BUTTON, b"\x01", 1)
    body["object"] = {"button": "double", "battery": 88}
    await post(client, body)
    await hass.async_block_till_done()

    event = state_of(hass, "event", BUTTON, "button")
    assert event.attributes["event_type"] == "double_press"
    assert event.attributes["category"] == "care"
    first_fired = event.state

    # An uplink without a press (a heartbeat) fires nothing.
    body = chirpstack_up(BUTTON, b"\x02", 2)
    body["object"] = {"battery": 87}
    await post(client, body)
    await hass.async_block_till_done()
    assert state_of(hass, "event", BUTTON, "button").state == first_fired
    assert state_of(hass, "sensor", BUTTON, "battery").state == "87"

    body = chirpstack_up(BUTTON, b"\x03", 3)
    body["object"] = {"button": "long"}
    await post(client, body)
    await hass.async_block_till_done()
    event = state_of(hass, "event", BUTTON, "button")
    assert event.attributes["event_type"] == "long_press"
    assert event.state != first_fired
