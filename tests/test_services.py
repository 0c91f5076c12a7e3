"""The send_downlink action over each path, and its errors."""

from __future__ import annotations

import base64
from collections.abc import Callable
import json
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, MqttMockHAClient

from custom_components.ange_iot.const import DOMAIN

from .conftest import AM307, ERS_CO2, ERS_CO2_PAYLOAD, device_subentry, load_fixture
from .helpers import post, registry_device

Envelope = Callable[..., dict[str, Any]]


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's MQTT client leaves its periodic housekeeping timer behind in tests."""
    return True


def _device_id(hass: HomeAssistant, dev_eui: str) -> str:
    device = registry_device(hass, dev_eui)
    assert device is not None
    return device.id


async def _send(
    hass: HomeAssistant, dev_eui: str, payload: str = "0100003c", **extra: Any
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_downlink",
        {"device_id": _device_id(hass, dev_eui), "f_port": 10, "payload": payload} | extra,
        blocking=True,
    )


async def _hub(hass: HomeAssistant, data: dict[str, Any], options: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"webhook_id": "wh", "webhook_secret": "s", **data},
        options=options,
        subentries_data=[
            device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum"),
            device_subentry(AM307, "milesight_am307", "Kök"),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_chirpstack_http_api(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    await _hub(
        hass,
        {"network": "chirpstack", "transport": "webhook"},
        {"api_url": "https://cs.example.se/", "api_key": "tok"},
    )
    aioclient_mock.post(f"https://cs.example.se/api/devices/{ERS_CO2}/queue", json={"id": "1"})
    await _send(hass, ERS_CO2, confirmed=True)

    assert aioclient_mock.call_count == 1
    _, url, body, headers = aioclient_mock.mock_calls[0]
    assert str(url) == f"https://cs.example.se/api/devices/{ERS_CO2}/queue"
    assert headers["Grpc-Metadata-Authorization"] == "Bearer tok"
    item = json.loads(body)["queueItem"]
    assert item == {"confirmed": True, "fPort": 10, "data": base64.b64encode(bytes.fromhex("0100003c")).decode()}


async def test_tts_http_api_needs_device_id_from_uplink(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await _hub(
        hass,
        {"network": "tts", "transport": "webhook", "webhook_id": "ange_test_webhook", "webhook_secret": "test-secret-0123456789"},
        {"api_url": "https://eu1.cloud.thethings.network", "api_key": "NNSXS.key"},
    )
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, ERS_CO2)
    assert err.value.translation_key == "downlink_device_unknown_to_network"

    uplink = load_fixture("tts_uplink.json")
    uplink["end_device_ids"]["dev_eui"] = ERS_CO2
    uplink["uplink_message"]["f_port"] = 5
    uplink["uplink_message"]["frm_payload"] = base64.b64encode(ERS_CO2_PAYLOAD).decode()
    client = await hass_client_no_auth()
    status, _ = await post(client, uplink, event=None)
    assert status == 200

    device_id = uplink["end_device_ids"]["device_id"]
    app = uplink["end_device_ids"]["application_ids"]["application_id"]
    url = f"https://eu1.cloud.thethings.network/api/v3/as/applications/{app}/devices/{device_id}/down/push"
    aioclient_mock.post(url, json={})
    await _send(hass, ERS_CO2)
    _, called, body, headers = aioclient_mock.mock_calls[0]
    assert str(called) == url
    assert headers["Authorization"] == "Bearer NNSXS.key"
    assert json.loads(body)["downlinks"][0]["f_port"] == 10


@pytest.mark.parametrize(
    ("response", "key"),
    [({"status": 403}, "downlink_rejected"), ({"exc": aiohttp.ClientError()}, "downlink_unreachable")],
)
async def test_http_api_failures(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, response: dict[str, Any], key: str
) -> None:
    await _hub(
        hass,
        {"network": "chirpstack", "transport": "webhook"},
        {"api_url": "https://cs.example.se", "api_key": "tok"},
    )
    aioclient_mock.post(f"https://cs.example.se/api/devices/{ERS_CO2}/queue", **response)
    with pytest.raises(HomeAssistantError) as err:
        await _send(hass, ERS_CO2)
    assert err.value.translation_key == key


async def test_webhook_without_api_cannot_send(hass: HomeAssistant) -> None:
    await _hub(hass, {"network": "chirpstack", "transport": "webhook"}, {})
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, ERS_CO2)
    assert err.value.translation_key == "downlink_not_configured"


async def test_chirpstack_mqtt_command_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await _hub(hass, {"network": "chirpstack", "transport": "mqtt", "application_id": "app-9"}, {})
    await _send(hass, ERS_CO2)
    mqtt_mock.async_publish.assert_called_once()
    topic, payload, qos, retain = mqtt_mock.async_publish.call_args[0]
    assert topic == f"application/app-9/device/{ERS_CO2}/command/down"
    assert json.loads(payload) == {
        "devEui": ERS_CO2,
        "confirmed": False,
        "fPort": 10,
        "data": base64.b64encode(bytes.fromhex("0100003c")).decode(),
    }
    assert qos == 1
    assert retain is False


async def test_chirpstack_mqtt_without_application(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await _hub(hass, {"network": "chirpstack", "transport": "mqtt"}, {})
    with pytest.raises(ServiceValidationError):
        await _send(hass, ERS_CO2)


async def test_tts_mqtt_push_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = await _hub(hass, {"network": "tts", "transport": "mqtt", "application_id": "ange@ttn"}, {})
    with pytest.raises(ServiceValidationError):
        await _send(hass, ERS_CO2)
    entry.runtime_data.devices[ERS_CO2].device_id = "dagrum-1"
    await _send(hass, ERS_CO2)
    topic, payload, _, _ = mqtt_mock.async_publish.call_args[0]
    assert topic == "v3/ange@ttn/devices/dagrum-1/down/push"
    assert json.loads(payload)["downlinks"][0]["priority"] == "NORMAL"


async def test_bridge_down_topic(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> None:
    await _hub(
        hass,
        {"network": "chirpstack", "transport": "mqtt"},
        {"mqtt_topic": "ange_iot/chirpstack/+/+"},
    )
    await _send(hass, ERS_CO2)
    topic, payload, _, _ = mqtt_mock.async_publish.call_args[0]
    assert topic == f"ange_iot/chirpstack/{ERS_CO2}/down"
    assert json.loads(payload)["fPort"] == 10


async def test_generic_mqtt_cannot_send(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> None:
    await _hub(hass, {"network": "generic", "transport": "mqtt"}, {"mqtt_topic": "lora/+/up"})
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, ERS_CO2)
    assert err.value.translation_key == "downlink_not_configured"


async def test_bad_hex_payload(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _send(hass, ERS_CO2, payload="xyz")
    assert err.value.translation_key == "invalid_payload_hex"


async def test_unknown_device(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_downlink",
            {"device_id": "no-such-device", "f_port": 1, "payload": "00"},
            blocking=True,
        )
    assert err.value.translation_key == "unknown_device"


async def test_fport_out_of_range(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    import voluptuous as vol

    with pytest.raises(vol.Invalid):
        await _send(hass, ERS_CO2, f_port=224)


async def test_tts_join_keeps_tenant_for_downlinks(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
) -> None:
    entry = await _hub(hass, {"network": "tts", "transport": "mqtt"}, {"mqtt_topic": "v3/+/devices/+/#"})
    uplink = load_fixture("tts_uplink.json")
    uplink["end_device_ids"]["dev_eui"] = ERS_CO2
    uplink["uplink_message"]["f_port"] = 5
    uplink["uplink_message"]["frm_payload"] = base64.b64encode(ERS_CO2_PAYLOAD).decode()
    entry.runtime_data.handle_envelope(uplink, "up")
    join = load_fixture("tts_join_accept.json")
    join["end_device_ids"]["dev_eui"] = ERS_CO2
    entry.runtime_data.handle_envelope(join, "join")

    await _send(hass, ERS_CO2)
    topic = mqtt_mock.async_publish.call_args[0][0]
    # The docs' example: application app1 of tenant tenant1, device dev1.
    assert topic == "v3/app1@tenant1/devices/dev1/down/push"


async def test_tts_webhook_downlink_through_pushed_address(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await _hub(
        hass,
        {
            "network": "tts",
            "transport": "webhook",
            "webhook_id": "ange_test_webhook",
            "webhook_secret": "test-secret-0123456789",
        },
        {},
    )
    uplink = load_fixture("tts_uplink.json")
    uplink["end_device_ids"]["dev_eui"] = ERS_CO2
    uplink["uplink_message"]["f_port"] = 5
    uplink["uplink_message"]["frm_payload"] = base64.b64encode(ERS_CO2_PAYLOAD).decode()
    # The headers The Things Stack adds to every webhook call.
    push = "https://eu1.cloud.thethings.network/api/v3/as/applications/app1/webhooks/ha/devices/dev1/down/push"
    client = await hass_client_no_auth()
    status, _ = await post(
        client,
        uplink,
        event=None,
        headers={"X-Downlink-Push": push, "X-Downlink-Apikey": "NNSXS.PUSHKEY"},
    )
    assert status == 200

    aioclient_mock.post(push, json={})
    await _send(hass, ERS_CO2)
    _, called, body, headers = aioclient_mock.mock_calls[0]
    assert str(called) == push
    assert headers["Authorization"] == "Bearer NNSXS.PUSHKEY"
    assert json.loads(body)["downlinks"][0]["frm_payload"] == base64.b64encode(
        bytes.fromhex("0100003c")
    ).decode()
