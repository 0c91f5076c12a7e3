"""The MQTT transport: ChirpStack, The Things Stack and bridge topics through HA's MQTT."""

from __future__ import annotations

import base64
from collections.abc import Callable
import json
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_mqtt_message
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.mqtt_transport import default_topic, event_from_topic

from .conftest import AM307, AM307_PAYLOAD, ERS_CO2, ERS_CO2_PAYLOAD, device_subentry, load_fixture
from .helpers import rejected_total, state_of

Envelope = Callable[..., dict[str, Any]]


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's MQTT client leaves its periodic housekeeping timer behind in tests."""
    return True


def _hub(network: str, topic: str | None = None, application_id: str | None = None) -> MockConfigEntry:
    data = {
        "network": network,
        "transport": "mqtt",
        "webhook_id": "unused",
        "webhook_secret": "unused",
    }
    if application_id:
        data["application_id"] = application_id
    return MockConfigEntry(
        domain=DOMAIN,
        data=data,
        options={"mqtt_topic": topic} if topic else {},
        subentries_data=[
            device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum"),
            device_subentry(AM307, "milesight_am307", "Skolköket"),
        ],
    )


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_chirpstack_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, chirpstack_up: Envelope
) -> None:
    entry = _hub("chirpstack")
    await _setup(hass, entry)
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 7)
    async_fire_mqtt_message(
        hass, f"application/app-1/device/{ERS_CO2}/event/up", json.dumps(body)
    )
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"


async def test_tts_topic(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> None:
    entry = _hub("tts", application_id="ange-iot@ttn")
    await _setup(hass, entry)
    body = load_fixture("tts_uplink.json")
    body["end_device_ids"]["dev_eui"] = AM307.upper()
    body["uplink_message"]["f_port"] = 85
    body["uplink_message"]["f_cnt"] = 42
    body["uplink_message"]["frm_payload"] = base64.b64encode(AM307_PAYLOAD).decode()
    async_fire_mqtt_message(hass, "v3/ange-iot@ttn/devices/skolkoket/up", json.dumps(body))
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", AM307, "co2").state == "936"
    hub = entry.runtime_data
    assert hub.devices[AM307].device_id == body["end_device_ids"]["device_id"]


async def test_bridge_topic_and_own_downlinks_ignored(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, chirpstack_up: Envelope
) -> None:
    entry = _hub("chirpstack", topic="ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 7)
    async_fire_mqtt_message(hass, f"ange_iot/chirpstack/{ERS_CO2}/up", json.dumps(body))
    # Our own downlink on the bridge topic is not an uplink and not a rejection.
    async_fire_mqtt_message(hass, f"ange_iot/chirpstack/{ERS_CO2}/down", json.dumps({"fPort": 1}))
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"
    assert rejected_total(hass, entry.entry_id) == 0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [("not json {", "malformed_json"), ("[1,2]", "malformed_envelope"), ('{"deviceInfo": 5}', "malformed_envelope")],
)
async def test_bad_messages_counted(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, payload: str, reason: str
) -> None:
    entry = _hub("chirpstack")
    await _setup(hass, entry)
    async_fire_mqtt_message(hass, f"application/a/device/{ERS_CO2}/event/up", payload)
    await hass.async_block_till_done()
    assert rejected_total(hass, entry.entry_id) == 1
    assert entry.runtime_data.rejections.by_reason[reason] == 1


async def test_oversize_message_refused(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> None:
    entry = _hub("chirpstack")
    await _setup(hass, entry)
    async_fire_mqtt_message(hass, f"application/a/device/{ERS_CO2}/event/up", "{" + " " * 1_100_000 + "}")
    await hass.async_block_till_done()
    assert entry.runtime_data.rejections.by_reason["oversize"] == 1


async def test_same_uplink_over_two_transports_counts_once(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, chirpstack_up: Envelope
) -> None:
    entry = _hub("chirpstack")
    await _setup(hass, entry)
    body = json.dumps(chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 7))
    async_fire_mqtt_message(hass, f"application/a/device/{ERS_CO2}/event/up", body)
    async_fire_mqtt_message(hass, f"application/a/device/{ERS_CO2}/event/up", body)
    await hass.async_block_till_done()
    hub = entry.runtime_data
    assert hub.uplinks_received == 1
    assert hub.rejections.duplicates == 1


async def test_unload_unsubscribes(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, chirpstack_up: Envelope
) -> None:
    entry = _hub("chirpstack")
    await _setup(hass, entry)
    hub = entry.runtime_data
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    body = json.dumps(chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 8))
    async_fire_mqtt_message(hass, f"application/a/device/{ERS_CO2}/event/up", body)
    await hass.async_block_till_done()
    assert hub.uplinks_received == 0


async def test_setup_retries_without_mqtt(hass: HomeAssistant) -> None:
    entry = _hub("chirpstack")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize(
    ("network", "application", "expected"),
    [
        ("chirpstack", None, "application/+/device/+/event/+"),
        ("chirpstack", "abc", "application/abc/device/+/event/+"),
        ("tts", "app@ttn", "v3/app@ttn/devices/+/up"),
        ("tts", None, "v3/+/devices/+/up"),
        ("generic", None, "ange_iot/generic/+/+"),
    ],
)
def test_default_topics(network: str, application: str | None, expected: str) -> None:
    assert default_topic(network, application) == expected


@pytest.mark.parametrize(
    ("topic", "event"),
    [
        ("ange_iot/chirpstack/0011223344556677/up", "up"),
        ("application/x/device/0011223344556677/event/status", "status"),
        ("v3/app@ttn/devices/dev/up", "up"),
        ("v3/app@ttn/devices/dev/down/ack", "down/ack"),
        ("some/other/topic", None),
    ],
)
def test_event_from_topic(topic: str, event: str | None) -> None:
    assert event_from_topic(topic) == event
