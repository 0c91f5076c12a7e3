"""The config flows: hub setup, options, reconfiguration, devices and discovered devices.

Every branch and every error of flows/, driven through Home Assistant's flow managers
the way the UI drives them. Only the network boundary is touched: the MQTT connection state
and the address Home Assistant knows for itself.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any
from unittest.mock import Mock, patch

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryDisabler,
    ConfigFlowResult,
    ConfigSubentry,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MqttMockHAClient,
    MqttMockPahoClient,
    WebSocketGenerator,
)
import voluptuous as vol

from custom_components.ange_iot.const import DOMAIN, SUBENTRY_DEVICE
from custom_components.ange_iot.device_settings import role_of
from custom_components.ange_iot.flows.device_form import validate_device

from .conftest import (
    AM307,
    CARE_DOOR,
    ERS_CO2,
    ERS_CO2_PAYLOAD,
    SECRET,
    UNKNOWN,
    device_subentry,
)
from .helpers import post, registry_device, state_of

Envelope = Callable[..., dict[str, Any]]

STRINGS = json.loads(
    (Path(__file__).parent.parent / "custom_components/ange_iot/strings.json").read_text(
        encoding="utf-8"
    )
)
HUB_KEYS = {"network", "transport", "webhook_id", "webhook_secret"}
# A DevEUI no fixture hub has.
NEW_EUI = "0004a30b001c0530"


# ------------------------------------------------------------------------- helpers


@pytest.fixture
async def mqtt_mock(
    mqtt_mock: MqttMockHAClient, mqtt_client_mock: MqttMockPahoClient
) -> AsyncGenerator[MqttMockHAClient]:
    """The MQTT integration, connected to a mocked broker.

    The mocked paho client never reports its socket closing, which leaves the MQTT
    client's one-second misc loop running after the test. Close it the way a real broker
    connection closes on shutdown.
    """
    yield mqtt_mock
    mqtt_client_mock.on_socket_close(mqtt_client_mock, None, Mock(fileno=Mock(return_value=-1)))


def _default(result: ConfigFlowResult, key: str) -> Any:
    """The default, or else the suggested value, that a form shows for one field."""
    for marker in result["data_schema"].schema:
        if marker == key:
            if marker.default is not vol.UNDEFINED:
                return marker.default()
            return (marker.description or {}).get("suggested_value")
    raise AssertionError(f"the form has no field {key}")


def _subscribed(mqtt_mock: MqttMockHAClient) -> set[str]:
    """The topic filters subscribed on the broker so far."""
    return {call.args[0] for call in mqtt_mock.async_subscribe.call_args_list}


def _fields(result: ConfigFlowResult) -> list[str]:
    return [str(marker) for marker in result["data_schema"].schema]


def _add_hub(
    hass: HomeAssistant,
    *,
    network: str = "chirpstack",
    transport: str = "webhook",
    application_id: str | None = None,
    options: dict[str, Any] | None = None,
    devices: list[dict[str, Any]] | None = None,
    webhook_id: str = "other_webhook",
    title: str | None = None,
) -> MockConfigEntry:
    """A hub entry in hass, not set up."""
    data = {
        "network": network,
        "transport": transport,
        "webhook_id": webhook_id,
        "webhook_secret": "other-secret",
    }
    if application_id:
        data["application_id"] = application_id
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title or network,
        data=data,
        options=options or {},
        unique_id=f"{network}:{application_id.lower()}" if application_id else None,
        subentries_data=devices or [],
    )
    entry.add_to_hass(hass)
    return entry


async def _start_hub_flow(hass: HomeAssistant, **user_input: Any) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def _device_flow(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def _choose_role(hass: HomeAssistant, result: ConfigFlowResult, role: str = "none") -> ConfigFlowResult:
    """Answer the role step of the device flow or of the discovery flow."""
    assert result["type"] is FlowResultType.FORM
    if result["step_id"] == "role":
        return await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": role})
    assert result["step_id"] == "discovery_role"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"role": role})


async def _open_settings(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Open the hub's options menu and choose its settings form."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    return await hass.config_entries.options.async_configure(result["flow_id"], {"next_step_id": "settings"})


def _subentry(entry: MockConfigEntry, dev_eui: str) -> Any:
    found = [sub for sub in entry.subentries.values() if sub.unique_id == dev_eui]
    assert len(found) == 1, f"{dev_eui} is not a device of {entry.title}"
    return found[0]


def _has_device(hass: HomeAssistant, dev_eui: str) -> bool:
    return any(
        sub.unique_id == dev_eui
        for entry in hass.config_entries.async_entries(DOMAIN)
        for sub in entry.subentries.values()
    )


def _discovery_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def _discover(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    dev_eui: str = UNKNOWN,
) -> str:
    """Post an uplink of an unknown device to the hub; return the discovery flow's id."""
    client = await hass_client_no_auth()
    status, _ = await post(
        client, chirpstack_up(dev_eui, ERS_CO2_PAYLOAD, 7, profile="ELSYS ERS-CO2")
    )
    await hass.async_block_till_done()
    assert status == 200
    flows = _discovery_flows(hass)
    assert len(flows) == 1
    assert flows[0]["context"]["unique_id"] == dev_eui
    return flows[0]["flow_id"]


async def _discover_and_ignore(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    chirpstack_up: Envelope,
) -> None:
    """Discover the unknown device, then press "Ignore" the way the frontend does."""
    assert await async_setup_component(hass, "config", {})
    ws = await hass_ws_client(hass)
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    await ws.send_json_auto_id(
        {"type": "config_entries/ignore_flow", "flow_id": flow_id, "title": "Okänd sensor"}
    )
    assert (await ws.receive_json())["success"]
    await hass.async_block_till_done()


# ------------------------------------------------------------------ hub: user step


@pytest.mark.parametrize(
    ("network", "step", "title"),
    [
        ("chirpstack", "finish_chirpstack", "ChirpStack v4"),
        ("tts", "finish_tts", "The Things Stack v3"),
        ("generic", "finish_generic", "Generic JSON"),
    ],
)
async def test_user_webhook_hub(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    network: str,
    step: str,
    title: str,
) -> None:
    await hass.config.async_update(external_url="https://ange.example.se")
    result = await _start_hub_flow(hass, network=network, transport="webhook")

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    assert result["last_step"] is True
    placeholders = result["description_placeholders"]
    assert placeholders["header"] == "X-Ange-Iot-Secret"
    assert placeholders["url"].startswith("https://ange.example.se/api/webhook/")
    assert placeholders["network"] == title

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title
    data = result["data"]
    assert set(data) == HUB_KEYS
    assert data["network"] == network
    assert data["transport"] == "webhook"
    assert placeholders["url"] == f"https://ange.example.se/api/webhook/{data['webhook_id']}"
    assert placeholders["secret"] == data["webhook_secret"]
    assert len(data["webhook_secret"]) >= 32
    assert result["options"] == {}
    entry = result["result"]
    assert entry.unique_id is None

    if network == "chirpstack":
        # What the instructions say really works: the URL with the header and the secret.
        client = await hass_client_no_auth()
        path = f"/api/webhook/{data['webhook_id']}?event=up"
        body = chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 1)
        ok = await client.post(
            path, json=body, headers={"X-Ange-Iot-Secret": data["webhook_secret"]}
        )
        assert ok.status == 200
        refused = await client.post(path, json=body, headers={"X-Ange-Iot-Secret": SECRET})
        assert refused.status == 401


async def test_user_hub_with_application_id(hass: HomeAssistant) -> None:
    result = await _start_hub_flow(
        hass, network="tts", transport="webhook", application_id="  ange-iot@ttn "
    )
    assert result["step_id"] == "finish_tts"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "The Things Stack v3 (ange-iot@ttn)"
    assert set(result["data"]) == {*HUB_KEYS, "application_id"}
    assert result["data"]["application_id"] == "ange-iot@ttn"
    assert result["result"].unique_id == "tts:ange-iot@ttn"


async def test_webhook_url_without_a_known_address(hass: HomeAssistant) -> None:
    """Home Assistant knows no address of its own: the instructions show the path."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    # Only a loopback address, and no internal or external URL configured.
    hass.config.api.local_ip = "127.0.0.1"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "generic", "transport": "webhook"}
    )
    assert result["step_id"] == "finish_generic"
    result2 = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["description_placeholders"]["url"] == (
        f"/api/webhook/{result2['data']['webhook_id']}"
    )


async def test_same_application_twice_aborts(hass: HomeAssistant) -> None:
    result = await _start_hub_flow(
        hass, network="chirpstack", transport="webhook", application_id="17C82E96-app"
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    # The same application, spelled with other case and padding.
    again = await _start_hub_flow(
        hass, network="chirpstack", transport="webhook", application_id=" 17c82e96-APP "
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"

    # The same id on another network server is another application.
    other = await _start_hub_flow(
        hass, network="tts", transport="webhook", application_id="17c82e96-app"
    )
    assert other["type"] is FlowResultType.FORM
    assert other["step_id"] == "finish_tts"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_hubs_without_application_id_are_not_duplicates(hass: HomeAssistant) -> None:
    for _ in range(2):
        result = await _start_hub_flow(hass, network="chirpstack", transport="webhook")
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
    entries = hass.config_entries.async_entries(DOMAIN)
    assert len(entries) == 2
    assert entries[0].data["webhook_id"] != entries[1].data["webhook_id"]
    assert entries[0].data["webhook_secret"] != entries[1].data["webhook_secret"]


async def test_user_retry_without_application_id_keeps_no_stale_unique_id(
    hass: HomeAssistant,
) -> None:
    result = await _start_hub_flow(
        hass, network="chirpstack", transport="mqtt", application_id="app-a"
    )
    assert result["errors"] == {"base": "mqtt_missing"}
    # The installer gives up on MQTT and on the application id.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "chirpstack", "transport": "webhook"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "application_id" not in result["data"]

    # Application app-a was never connected, so connecting it must be possible.
    again = await _start_hub_flow(
        hass, network="chirpstack", transport="webhook", application_id="app-a"
    )
    assert again["type"] is FlowResultType.FORM
    assert result["result"].unique_id is None


async def test_same_application_in_two_flows_is_explained(hass: HomeAssistant) -> None:
    first = await _start_hub_flow(
        hass, network="chirpstack", transport="webhook", application_id="app-a"
    )
    assert first["step_id"] == "finish_chirpstack"
    second = await _start_hub_flow(
        hass, network="chirpstack", transport="webhook", application_id="app-a"
    )
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"
    assert second["reason"] in STRINGS["config"]["abort"]


# ------------------------------------------------------------------ hub: MQTT


async def test_mqtt_without_mqtt_integration(hass: HomeAssistant) -> None:
    result = await _start_hub_flow(hass, network="chirpstack", transport="mqtt")

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "mqtt_missing"}
    # The form keeps what the installer chose.
    assert _default(result, "transport") == "mqtt"

    # Choosing the webhook instead works in the same flow.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "chirpstack", "transport": "webhook"}
    )
    assert result["step_id"] == "finish_chirpstack"


async def test_mqtt_integration_disabled(hass: HomeAssistant) -> None:
    MockConfigEntry(
        domain="mqtt", data={"broker": "mock-broker"}, disabled_by=ConfigEntryDisabler.USER
    ).add_to_hass(hass)
    result = await _start_hub_flow(hass, network="chirpstack", transport="mqtt")
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "mqtt_not_connected"}


async def test_mqtt_not_connected(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> None:
    with patch("homeassistant.components.mqtt.is_connected", return_value=False):
        result = await _start_hub_flow(hass, network="chirpstack", transport="mqtt")
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "mqtt_not_connected"}


@pytest.mark.parametrize(
    ("network", "application_id", "topic"),
    [
        ("chirpstack", None, "application/+/device/+/event/+"),
        ("chirpstack", "17c82e96-app", "application/17c82e96-app/device/+/event/+"),
        ("tts", "ange-iot@ttn", "v3/ange-iot@ttn/devices/+/up"),
        ("generic", None, "ange_iot/generic/+/+"),
    ],
)
async def test_mqtt_hub(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    network: str,
    application_id: str | None,
    topic: str,
) -> None:
    user_input = {"network": network, "transport": "mqtt"}
    if application_id:
        user_input["application_id"] = application_id
    result = await _start_hub_flow(hass, **user_input)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mqtt_topic"
    assert result["errors"] == {}
    assert _default(result, "mqtt_topic") == topic
    # The bridge add-on's topic for this network, named in the step's text.
    assert result["description_placeholders"] == {"bridge_topic": f"ange_iot/{network}/+/+"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mqtt_topic": "a/#/b"}
    )
    assert result["step_id"] == "mqtt_topic"
    assert result["errors"] == {"mqtt_topic": "invalid_topic"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mqtt_topic": f" {topic} "}
    )
    assert result["step_id"] == "finish_mqtt"
    assert result["description_placeholders"]["topic"] == topic

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["transport"] == "mqtt"
    assert set(result["data"]) == HUB_KEYS | ({"application_id"} if application_id else set())
    assert result["options"] == {"mqtt_topic": topic}
    # The hub listens where the installer said.
    assert topic in _subscribed(mqtt_mock)


# ------------------------------------------------------------------ options flow


async def test_options_webhook_hub(hass: HomeAssistant) -> None:
    entry = _add_hub(hass)
    result = await _open_settings(hass, entry)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "settings"
    assert _fields(result) == ["offline_timeout", "api_url", "api_key"]
    assert _default(result, "offline_timeout") == 120

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"offline_timeout": 60, "api_url": "ftp://x", "api_key": "token"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"api_url": "invalid_url"}
    # The form keeps what was typed.
    assert _default(result, "offline_timeout") == 60
    assert _default(result, "api_url") == "ftp://x"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"offline_timeout": 60, "api_url": "https://chirpstack.example.se", "api_key": "token"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "offline_timeout": 60,
        "api_url": "https://chirpstack.example.se",
        "api_key": "token",
    }

    # Emptied fields are removed, not stored as empty strings.
    result = await _open_settings(hass, entry)
    assert _default(result, "api_url") == "https://chirpstack.example.se"
    assert _default(result, "offline_timeout") == 60
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"offline_timeout": 240, "api_url": "", "api_key": ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"offline_timeout": 240}


async def test_options_offline_timeout_range(hass: HomeAssistant) -> None:
    entry = _add_hub(hass)
    result = await _open_settings(hass, entry)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(result["flow_id"], {"offline_timeout": 5})


async def test_options_mqtt_hub(hass: HomeAssistant) -> None:
    entry = _add_hub(hass, network="tts", transport="mqtt", application_id="ange-iot@ttn")
    result = await _open_settings(hass, entry)

    assert _fields(result) == ["offline_timeout", "mqtt_topic", "api_url", "api_key"]
    assert _default(result, "mqtt_topic") == "v3/ange-iot@ttn/devices/+/up"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"offline_timeout": 120, "mqtt_topic": "a/#/b"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"mqtt_topic": "invalid_topic"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"offline_timeout": 120, "mqtt_topic": "ange_iot/tts/+/+"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"offline_timeout": 120, "mqtt_topic": "ange_iot/tts/+/+"}

    result = await _open_settings(hass, entry)
    assert _default(result, "mqtt_topic") == "ange_iot/tts/+/+"


async def test_options_mqtt_hub_both_errors(hass: HomeAssistant) -> None:
    entry = _add_hub(
        hass, transport="mqtt", options={"mqtt_topic": "application/+/device/+/event/+"}
    )
    result = await _open_settings(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"offline_timeout": 120, "mqtt_topic": "", "api_url": "chirpstack.se"}
    )
    assert result["errors"] == {"mqtt_topic": "invalid_topic", "api_url": "invalid_url"}
    assert entry.options == {"mqtt_topic": "application/+/device/+/event/+"}


# ------------------------------------------------------------------ reconfigure


async def test_reconfigure_network_transport_and_application(hass: HomeAssistant) -> None:
    entry = _add_hub(
        hass,
        transport="mqtt",
        application_id="app-a",
        options={"mqtt_topic": "application/app-a/device/+/event/+", "offline_timeout": 60},
        title="ChirpStack v4 (app-a)",
    )
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert _default(result, "network") == "chirpstack"
    assert _default(result, "transport") == "mqtt"
    assert _default(result, "application_id") == "app-a"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"network": "tts", "transport": "webhook", "application_id": "ange-iot@ttn"},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {
        "network": "tts",
        "transport": "webhook",
        "application_id": "ange-iot@ttn",
        "webhook_id": "other_webhook",
        "webhook_secret": "other-secret",
    }
    assert entry.title == "The Things Stack v3 (ange-iot@ttn)"
    assert entry.unique_id == "tts:ange-iot@ttn"
    # The topic belonged to the MQTT transport; the other options stay.
    assert entry.options == {"offline_timeout": 60}


async def test_reconfigure_drops_application(hass: HomeAssistant) -> None:
    entry = _add_hub(hass, application_id="app-a", options={"offline_timeout": 60})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "generic", "transport": "webhook", "application_id": " "}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {
        "network": "generic",
        "transport": "webhook",
        "webhook_id": "other_webhook",
        "webhook_secret": "other-secret",
    }
    assert entry.title == "Generic JSON"
    assert entry.unique_id is None
    assert entry.options == {"offline_timeout": 60}


async def test_reconfigure_keeping_own_application(hass: HomeAssistant) -> None:
    """The hub's own application is not 'another hub's'."""
    entry = _add_hub(hass, application_id="App-A", title="old")
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"network": "chirpstack", "transport": "webhook", "application_id": "app-a"},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "ChirpStack v4 (app-a)"
    assert entry.unique_id == "chirpstack:app-a"
    assert entry.data["application_id"] == "app-a"


async def test_reconfigure_onto_another_hubs_application(hass: HomeAssistant) -> None:
    _add_hub(hass, network="tts", application_id="ange-iot@ttn", webhook_id="first")
    entry = _add_hub(hass, application_id="app-a", webhook_id="second")
    before = dict(entry.data)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"network": "tts", "transport": "webhook", "application_id": "Ange-IoT@TTN"},
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == before
    assert entry.unique_id == "chirpstack:app-a"


async def test_reconfigure_to_mqtt_without_mqtt(hass: HomeAssistant) -> None:
    entry = _add_hub(hass, application_id="app-a")
    before = dict(entry.data)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "chirpstack", "transport": "mqtt", "application_id": "app-b"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "mqtt_missing"}
    assert _default(result, "transport") == "mqtt"
    assert _default(result, "application_id") == "app-b"
    assert entry.data == before


async def test_reconfigure_to_mqtt_not_connected(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = _add_hub(hass)
    result = await entry.start_reconfigure_flow(hass)
    with patch("homeassistant.components.mqtt.is_connected", return_value=False):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"network": "chirpstack", "transport": "mqtt"}
        )
    assert result["errors"] == {"base": "mqtt_not_connected"}
    assert entry.data["transport"] == "webhook"


async def test_reconfigure_webhook_to_mqtt(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = _add_hub(hass, options={"offline_timeout": 60})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "chirpstack", "transport": "mqtt"}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reconfigure_successful"
    assert entry.data["transport"] == "mqtt"
    assert entry.data["webhook_id"] == "other_webhook"
    assert entry.data["webhook_secret"] == "other-secret"
    assert entry.options == {"offline_timeout": 60}
    assert "application/+/device/+/event/+" in _subscribed(mqtt_mock)


async def test_reconfigure_mqtt_network_change_drops_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = _add_hub(
        hass, transport="mqtt", options={"mqtt_topic": "application/+/device/+/event/+"}
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "tts", "transport": "mqtt"}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reconfigure_successful"
    assert entry.data["network"] == "tts"
    assert entry.options == {}
    assert "v3/+/devices/+/up" in _subscribed(mqtt_mock)


async def test_reconfigure_unchanged_mqtt_keeps_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = _add_hub(hass, transport="mqtt", options={"mqtt_topic": "ange_iot/chirpstack/+/+"})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "chirpstack", "transport": "mqtt"}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reconfigure_successful"
    assert entry.options == {"mqtt_topic": "ange_iot/chirpstack/+/+"}
    assert entry.title == "ChirpStack v4"


async def test_reconfigure_application_moves_default_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = _add_hub(
        hass,
        transport="mqtt",
        application_id="app-a",
        options={"mqtt_topic": "application/app-a/device/+/event/+"},
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": "chirpstack", "transport": "mqtt", "application_id": "app-b"}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reconfigure_successful"
    listened = entry.options.get("mqtt_topic", "application/app-b/device/+/event/+")
    assert listened == "application/app-b/device/+/event/+"


# ------------------------------------------------------------------ device subentries


@pytest.mark.parametrize(
    "typed", ["70-B3-D5-7E-D0-04-12-34", "70:b3:d5:7e:d0:04:12:34", " 70B3D57ED0041234 "]
)
async def test_add_device(
    hass: HomeAssistant, setup_integration: MockConfigEntry, typed: str
) -> None:
    hub = setup_integration.runtime_data
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": typed, "model": "elsys_ers_co2", "name": " Gympasalen "}
    )
    result = await _choose_role(hass, result)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Gympasalen"
    assert result["unique_id"] == UNKNOWN
    assert result["data"] == {"dev_eui": UNKNOWN, "model": "elsys_ers_co2", "name": "Gympasalen"}
    sub = _subentry(setup_integration, UNKNOWN)
    assert sub.subentry_type == SUBENTRY_DEVICE
    assert sub.title == "Gympasalen"

    # Live, without a reload of the hub.
    assert setup_integration.runtime_data is hub
    assert UNKNOWN in hub.devices
    device = registry_device(hass, UNKNOWN)
    assert device is not None
    assert device.name == "Gympasalen"
    # Its diagnostic entities exist at once (disabled by default, since they change with
    # every uplink).
    ent = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{UNKNOWN}_last_seen")
    assert ent is not None


async def test_add_care_device(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "dev_eui": NEW_EUI,
            "model": "elsys_ems_door",
            "name": "Balkongdörr",
            "care_unit": " SOL-2 ",
            "room": "R14",
        },
    )
    result = await _choose_role(hass, result)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    # A care device is named from its codes, not from what was typed.
    assert result["data"] == {
        "dev_eui": NEW_EUI,
        "model": "elsys_ems_door",
        "name": "SOL-2 R14 Dörr",
        "care_unit": "SOL-2",
        "room": "R14",
    }
    assert setup_integration.runtime_data.devices[NEW_EUI].config.is_care


async def test_add_network_decoded_device_with_area(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_flow(hass, setup_integration)
    assert _default(result, "model") == "network_decoded"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"dev_eui": NEW_EUI, "name": "Pumpstation", "area": "garage", "care_unit": "", "room": ""},
    )
    result = await _choose_role(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "dev_eui": NEW_EUI,
        "model": "network_decoded",
        "name": "Pumpstation",
        "area": "garage",
    }


@pytest.mark.parametrize("typed", ["70b3d57ed00412", "70b3d57ed004123g", "70 b3 d5 7e d0 04 12 34"])
async def test_add_device_invalid_dev_eui(
    hass: HomeAssistant, setup_integration: MockConfigEntry, typed: str
) -> None:
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": typed, "model": "elsys_ers_co2", "name": "Gympasalen"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"dev_eui": "invalid_dev_eui"}
    # What was typed stays in the form.
    assert _default(result, "dev_eui") == typed
    assert _default(result, "name") == "Gympasalen"
    assert not _has_device(hass, UNKNOWN)


async def test_add_device_already_on_this_hub(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"dev_eui": "A8-17-58-FF-FE-03-12-AB", "model": "elsys_ers", "name": "Kopia"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"dev_eui": "already_configured"}
    assert len(setup_integration.subentries) == 3
    assert _subentry(setup_integration, ERS_CO2).title == "Dagrum Solgården"


async def test_add_device_already_on_another_hub(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    _add_hub(hass, network="tts", devices=[device_subentry(UNKNOWN, "elsys_ers", "Annat nav")])
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": UNKNOWN, "model": "elsys_ers", "name": "Kopia"}
    )
    assert result["errors"] == {"dev_eui": "already_configured"}
    assert UNKNOWN not in setup_integration.runtime_data.devices


async def test_add_device_unknown_model_is_refused(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _device_flow(hass, setup_integration)
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"dev_eui": NEW_EUI, "model": "acme_widget", "name": "X"}
        )
    assert "model" in err.value.schema_errors
    assert not _has_device(hass, NEW_EUI)


def test_validate_device_unknown_model() -> None:
    """Behind the selector, the validation itself refuses a model without a codec."""
    data, errors = validate_device({"dev_eui": NEW_EUI, "model": "acme_widget", "name": "X"})
    assert errors == {"model": "unknown_model"}
    _, errors = validate_device({"dev_eui": NEW_EUI, "name": "X"})
    assert errors == {"model": "unknown_model"}


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"care_unit": "SOL-2"}, {"base": "care_needs_unit_and_room"}),
        ({"room": "R12"}, {"base": "care_needs_unit_and_room"}),
        ({"care_unit": "SOL-2", "room": "19121212-1212"}, {"room": "identity_number"}),
        ({"care_unit": "121212-1212", "room": "R12"}, {"care_unit": "identity_number"}),
        ({"care_unit": "SOL-2", "room": "Rum 121272-1219"}, {"room": "identity_number"}),
        ({"care_unit": "!!", "room": "R12"}, {"care_unit": "invalid_code"}),
        ({"care_unit": "SOL-2", "room": "!!"}, {"room": "invalid_code"}),
        ({"care_unit": "SOL-2", "room": "R" * 40}, {"room": "invalid_code"}),
        # One field only, with an error of its own: that error is what the form shows.
        ({"room": "201212121212"}, {"room": "identity_number"}),
        ({"care_unit": "!!"}, {"care_unit": "invalid_code"}),
    ],
)
async def test_add_device_care_code_errors(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    extra: dict[str, str],
    errors: dict[str, str],
) -> None:
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"dev_eui": NEW_EUI, "model": "elsys_ems_door", "name": "Dörr", **extra},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert not _has_device(hass, NEW_EUI)


@pytest.mark.parametrize(
    "name", ["201212121212", "19121212-1212", "Anna 121212-1212", "121272-1219", "121212+1212"]
)
async def test_add_device_identity_number_in_name(
    hass: HomeAssistant, setup_integration: MockConfigEntry, name: str
) -> None:
    result = await _device_flow(hass, setup_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": NEW_EUI, "model": "elsys_ers", "name": name}
    )
    assert result["errors"] == {"name": "identity_number"}
    assert not _has_device(hass, NEW_EUI)


async def test_reconfigure_device(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    sub = _subentry(setup_integration, ERS_CO2)
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, SUBENTRY_DEVICE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["description_placeholders"] == {"dev_eui": ERS_CO2}
    assert "dev_eui" not in _fields(result)
    assert _default(result, "model") == "elsys_ers_co2"
    assert _default(result, "name") == "Dagrum Solgården"

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "elsys_ers", "name": "Matsalen"}
    )
    result = await _choose_role(hass, result)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    sub = setup_integration.subentries[sub.subentry_id]
    assert sub.title == "Matsalen"
    assert sub.unique_id == ERS_CO2
    assert dict(sub.data) == {"dev_eui": ERS_CO2, "model": "elsys_ers", "name": "Matsalen"}
    assert setup_integration.runtime_data.devices[ERS_CO2].config.model == "elsys_ers"


async def test_reconfigure_device_errors(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    sub = _subentry(setup_integration, CARE_DOOR)
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, SUBENTRY_DEVICE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id},
    )
    assert _default(result, "care_unit") == "SOL-2"
    assert _default(result, "room") == "R12"

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "model": "elsys_ems_door",
            "name": "Ytterdörr",
            "care_unit": "SOL-2",
            "room": "121212-1212",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"room": "identity_number"}
    assert result["description_placeholders"] == {"dev_eui": CARE_DOOR}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "elsys_ems_door", "name": "Ytterdörr", "care_unit": "SOL-2"}
    )
    assert result["errors"] == {"base": "care_needs_unit_and_room"}
    assert dict(setup_integration.subentries[sub.subentry_id].data)["room"] == "R12"

    # Taking both codes away makes it an ordinary device.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "elsys_ems_door", "name": "Ytterdörr"}
    )
    result = await _choose_role(hass, result)
    assert result["reason"] == "reconfigure_successful"
    assert dict(setup_integration.subentries[sub.subentry_id].data) == {
        "dev_eui": CARE_DOOR,
        "model": "elsys_ems_door",
        "name": "Ytterdörr",
    }


async def test_reconfigure_device_keeps_settings_the_form_does_not_show(
    hass: HomeAssistant,
) -> None:
    entry = _add_hub(
        hass,
        devices=[
            device_subentry(
                NEW_EUI, "network_decoded", "Snöstation Kläppen", mounting_height_cm=250
            )
        ],
    )
    sub = _subentry(entry, NEW_EUI)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "network_decoded", "name": "Snöstation Ånge"}
    )
    # A device set up by mounting height alone is a snow station; its role and settings come back.
    assert result["step_id"] == "role"
    assert _default(result, "role") == "snow_station"
    result = await _choose_role(hass, result, "snow_station")
    assert result["step_id"] == "settings"
    assert _default(result, "mounting_height_cm") == 250
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"mounting_height_cm": 250})
    assert result["reason"] == "reconfigure_successful"
    data = entry.subentries[sub.subentry_id].data
    assert data["name"] == "Snöstation Ånge"
    assert data.get("mounting_height_cm") == 250
    assert data.get("role") == "snow_station"


# ------------------------------------------------------------------ discovery


async def test_discovery_confirm_adds_device_with_its_uplink(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    flow = _discovery_flows(hass)[0]
    assert flow["step_id"] == "discovery_confirm"
    # "Test device" is not code-shaped (it may be a resident's name), so the card shows the
    # model guessed from the profile, then the DevEUI.
    assert flow["context"]["title_placeholders"] == {"name": "Elsys ERS CO2", "dev_eui": UNKNOWN}

    # The form the installer sees: model guessed from the profile name.
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {"dev_eui": UNKNOWN, "profile": "ELSYS ERS-CO2"}
    assert "dev_eui" not in _fields(result)
    assert _default(result, "model") == "elsys_ers_co2"
    assert _default(result, "name") == "Test device"

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Gympasalen"}
    )
    result = await _choose_role(hass, result)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_added"
    assert result["description_placeholders"] == {"name": "Gympasalen"}
    assert _discovery_flows(hass) == []
    sub = _subentry(setup_integration, UNKNOWN)
    assert sub.subentry_type == SUBENTRY_DEVICE
    assert sub.title == "Gympasalen"
    assert dict(sub.data) == {"dev_eui": UNKNOWN, "model": "elsys_ers_co2", "name": "Gympasalen"}
    # No config entry is created for the device itself.
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1

    # The uplink that arrived before the device was added is not lost.
    assert float(state_of(hass, "sensor", UNKNOWN, "temperature").state) == pytest.approx(22.6)
    assert state_of(hass, "sensor", UNKNOWN, "co2").state == "776"
    assert state_of(hass, "sensor", UNKNOWN, "last_seen").state != "unknown"


async def test_discovery_confirm_with_defaults_and_care_codes(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"care_unit": "SOL-2", "room": "R15"}
    )
    result = await _choose_role(hass, result)
    await hass.async_block_till_done()

    assert result["reason"] == "device_added"
    assert dict(_subentry(setup_integration, UNKNOWN).data) == {
        "dev_eui": UNKNOWN,
        "model": "elsys_ers_co2",
        # The network server's name is not kept for a care device.
        "name": "SOL-2 R15 Klimat",
        "care_unit": "SOL-2",
        "room": "R15",
    }
    temperature = state_of(hass, "sensor", UNKNOWN, "temperature")
    assert temperature.attributes["category"] == "care"


async def test_discovery_confirm_with_identity_number(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "19121212-1212"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["errors"] == {"name": "identity_number"}
    assert _default(result, "name") == "19121212-1212"
    assert not _has_device(hass, UNKNOWN)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Rum R12", "care_unit": "SOL-2"}
    )
    assert result["errors"] == {"base": "care_needs_unit_and_room"}
    assert not _has_device(hass, UNKNOWN)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Gympasalen"}
    )
    result = await _choose_role(hass, result)
    assert result["reason"] == "device_added"
    assert _has_device(hass, UNKNOWN)


async def test_discovery_without_names(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A network server that says nothing about the device: the DevEUI names it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={
            "hub_entry_id": setup_integration.entry_id,
            "dev_eui": NEW_EUI,
            "model": None,
            "device_name": None,
            "profile_name": None,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {"dev_eui": NEW_EUI, "profile": "-"}
    assert _default(result, "model") == "network_decoded"
    assert _default(result, "name") == NEW_EUI
    flow = _discovery_flows(hass)[0]
    # The card reads "LoRaWAN (<DevEUI>)": nothing is known but the DevEUI, shown once.
    assert flow["context"]["title_placeholders"] == {"name": "LoRaWAN", "dev_eui": NEW_EUI}


async def test_discovery_ignored_stays_ignored(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    chirpstack_up: Envelope,
) -> None:
    await _discover_and_ignore(hass, hass_client_no_auth, hass_ws_client, chirpstack_up)
    assert _discovery_flows(hass) == []
    ignored = [e for e in hass.config_entries.async_entries(DOMAIN) if e.source == "ignore"]
    assert [e.unique_id for e in ignored] == [UNKNOWN]

    # Even after a restart of the hub, a later uplink starts no new discovery.
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    status, _ = await post(
        client, chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 8, profile="ELSYS ERS-CO2")
    )
    await hass.async_block_till_done()
    assert status == 200
    assert _discovery_flows(hass) == []
    assert not _has_device(hass, UNKNOWN)

    # And a discovery of it that does start is aborted by the flow itself.
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"hub_entry_id": setup_integration.entry_id, "dev_eui": UNKNOWN},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_unignored_device_is_discovered_again(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    chirpstack_up: Envelope,
) -> None:
    await _discover_and_ignore(hass, hass_client_no_auth, hass_ws_client, chirpstack_up)
    ignored = next(e for e in hass.config_entries.async_entries(DOMAIN) if e.source == "ignore")

    # Un-ignoring deletes the ignored entry; the next uplink is discovered again.
    await hass.config_entries.async_remove(ignored.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 9, profile="ELSYS ERS-CO2"))
    await hass.async_block_till_done()
    assert len(_discovery_flows(hass)) == 1


async def test_adding_discovered_device_by_hand_closes_discovery(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    await _discover(hass, hass_client_no_auth, chirpstack_up)
    assert len(_discovery_flows(hass)) == 1
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, SUBENTRY_DEVICE), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": UNKNOWN, "model": "elsys_ers_co2", "name": "Förråd"}
    )
    result = await _choose_role(hass, result)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _discovery_flows(hass) == []
    # The uplink heard before it was added is not lost.
    assert state_of(hass, "sensor", UNKNOWN, "co2").state == "776"


async def test_discovery_of_another_hubs_device(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    _add_hub(hass, network="tts", devices=[device_subentry(UNKNOWN, "elsys_ers", "Annat nav")])

    client = await hass_client_no_auth()
    await post(client, chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 1, profile="ELSYS ERS-CO2"))
    await hass.async_block_till_done()
    assert _discovery_flows(hass) == []

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"hub_entry_id": setup_integration.entry_id, "dev_eui": UNKNOWN},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert UNKNOWN not in setup_integration.runtime_data.devices


async def test_discovery_of_a_device_of_the_same_hub(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"hub_entry_id": setup_integration.entry_id, "dev_eui": AM307},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discovery_for_a_hub_that_is_gone(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"hub_entry_id": "no-such-entry", "dev_eui": UNKNOWN, "device_name": "x"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "hub_not_found"


async def test_discovery_hub_removed_before_confirming(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    await hass.config_entries.async_remove(setup_integration.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Gympasalen"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "hub_not_found"
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_discovery_device_added_elsewhere_before_confirming(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)

    # Meanwhile the device is added to another hub that is not running (so nothing
    # closes this discovery): confirming must not add it twice.
    other = _add_hub(hass, network="tts")
    hass.config_entries.async_add_subentry(
        other,
        ConfigSubentry(
            data=MappingProxyType({"dev_eui": UNKNOWN, "model": "elsys_ers_co2", "name": "För hand"}),
            subentry_type=SUBENTRY_DEVICE,
            title="För hand",
            unique_id=UNKNOWN,
        ),
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Gympasalen"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert all(sub.unique_id != UNKNOWN for sub in setup_integration.subentries.values())


# ------------------------------------------------------------------ translations


def test_every_reason_the_flows_use_is_translated() -> None:
    """Each error and abort key the flows return has an English text."""
    config = STRINGS["config"]
    for key in (
        "mqtt_missing",
        "mqtt_not_connected",
        "invalid_topic",
        "invalid_dev_eui",
        "identity_number",
        "invalid_code",
        "care_needs_unit_and_room",
        "unknown_model",
    ):
        assert key in config["error"]
    for key in ("already_configured", "device_added", "hub_not_found", "reconfigure_successful"):
        assert key in config["abort"]
    for step in (
        "user",
        "mqtt_topic",
        "finish_chirpstack",
        "finish_tts",
        "finish_generic",
        "finish_mqtt",
        "reconfigure",
        "discovery_confirm",
    ):
        assert step in config["step"]
    # The webhook URL's warnings show as a base error in the finish steps and the Connection step.
    warnings = {
        "address_private",
        "address_unknown",
        "plain_http",
        "address_private_plain_http",
        "address_unknown_plain_http",
    }
    assert warnings <= set(config["error"])
    assert {"invalid_topic", "invalid_url"} | warnings <= set(STRINGS["options"]["error"])
    device = STRINGS["config_subentries"]["device"]
    assert {"user", "reconfigure"} <= set(device["step"])
    assert {
        "invalid_dev_eui",
        "already_configured",
        "identity_number",
        "invalid_code",
        "care_needs_unit_and_room",
        "unknown_model",
    } <= set(device["error"])
    assert "reconfigure_successful" in device["abort"]


# ------------------------------------------------------------------ device roles


async def _add_with_role(
    hass: HomeAssistant, entry: MockConfigEntry, role: str, model: str = "network_decoded"
) -> ConfigFlowResult:
    result = await _device_flow(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"dev_eui": UNKNOWN, "model": model, "name": "Enhet"}
    )
    return await _choose_role(hass, result, role)


@pytest.mark.parametrize(
    ("role", "settings", "stored"),
    [
        (
            "snow_station",
            {"mounting_height_cm": 220, "location": {"latitude": 62.52, "longitude": 15.66}},
            {"mounting_height_cm": 220, "latitude": 62.52, "longitude": 15.66},
        ),
        ("waste_bin", {"bin_depth_cm": 110, "fill_threshold": 85}, {"bin_depth_cm": 110, "fill_threshold": 85}),
        ("lake", {"bathing_fresh_from": 16, "bathing_warm_from": 21}, {"bathing_fresh_from": 16, "bathing_warm_from": 21}),
        ("freezer", {"temp_max": -18, "out_of_range_minutes": 20}, {"temp_max": -18, "out_of_range_minutes": 20}),
        ("water_meter", {"meter_id": "ÅNG-0042", "place": "Storgatan 3"}, {"meter_id": "ÅNG-0042", "place": "Storgatan 3"}),
        ("trail", {"season_start": "05-15"}, {"season_start": "05-15"}),
        ("intrusion", {"schedule_entity": "schedule.oppettider"}, {"schedule_entity": "schedule.oppettider"}),
    ],
)
async def test_add_device_with_role_settings(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    role: str,
    settings: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    result = await _add_with_role(hass, setup_integration, role)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "settings"
    assert result["description_placeholders"] == {"name": "Enhet"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], settings)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "dev_eui": UNKNOWN, "model": "network_decoded", "name": "Enhet", "role": role, **stored,
    }


async def test_role_defaults_follow_food_safety_practice(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    result = await _add_with_role(hass, setup_integration, "fridge")
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["temp_max"].description == {"suggested_value": 8.0}
    assert _default(result, "out_of_range_minutes") == 30
    result = await _add_with_role(hass, setup_integration, "waste_bin")
    assert _default(result, "fill_threshold") == 80.0


@pytest.mark.parametrize(
    ("role", "settings", "errors"),
    [
        ("lake", {"bathing_fresh_from": 20, "bathing_warm_from": 18}, {"bathing_warm_from": "warm_not_above_fresh"}),
        ("fridge", {"temp_min": 8, "temp_max": 2, "out_of_range_minutes": 30}, {"temp_max": "max_not_above_min"}),
        ("trail", {"season_start": "13-45"}, {"season_start": "invalid_season_start"}),
        ("trail", {"season_start": "maj"}, {"season_start": "invalid_season_start"}),
    ],
)
async def test_role_settings_errors(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    role: str,
    settings: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await _add_with_role(hass, setup_integration, role)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], settings)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert not _has_device(hass, UNKNOWN)


async def test_reconfigure_changes_role_and_drops_old_settings(hass: HomeAssistant) -> None:
    entry = _add_hub(
        hass,
        devices=[
            device_subentry(
                NEW_EUI, "network_decoded", "Kärl 1", role="waste_bin", bin_depth_cm=100,
                fill_threshold=80, latitude=62.5, longitude=15.6,
            )
        ],
    )
    sub = _subentry(entry, NEW_EUI)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id},
    )
    assert "role" not in _fields(result)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "network_decoded", "name": "Kärl 1"}
    )
    assert _default(result, "role") == "waste_bin"
    result = await _choose_role(hass, result, "waste_bin")
    # Same role: the form shows the stored settings, position included.
    assert _default(result, "bin_depth_cm") == 100
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["location"].description == {"suggested_value": {"latitude": 62.5, "longitude": 15.6}}
    hass.config_entries.subentries.async_abort(result["flow_id"])

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"model": "network_decoded", "name": "Kärl 1"}
    )
    result = await _choose_role(hass, result, "none")
    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.subentries[sub.subentry_id].data) == {
        "dev_eui": NEW_EUI, "model": "network_decoded", "name": "Kärl 1",
    }


async def test_discovered_device_with_role(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Kylrum"}
    )
    result = await _choose_role(hass, result, "cold_room")
    assert result["step_id"] == "discovery_settings"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"temp_min": 10, "temp_max": 4, "out_of_range_minutes": 30}
    )
    assert result["errors"] == {"temp_max": "max_not_above_min"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"temp_max": 4, "out_of_range_minutes": 45}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_added"
    assert dict(_subentry(setup_integration, UNKNOWN).data) == {
        "dev_eui": UNKNOWN, "model": "elsys_ers_co2", "name": "Kylrum", "role": "cold_room",
        "temp_max": 4, "out_of_range_minutes": 45,
    }


async def test_discovered_device_settings_after_hub_removed(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Frys"}
    )
    result = await _choose_role(hass, result, "freezer")
    await hass.config_entries.async_remove(setup_integration.entry_id)
    result = await hass.config_entries.flow.async_configure(flow_id, {"out_of_range_minutes": 30})
    assert result["reason"] == "hub_not_found"


async def test_ice_place_flow(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    entry = setup_integration
    result = await hass.config_entries.subentries.async_init((entry.entry_id, "ice_place"), context={"source": "user"})
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"name": " Vojen "})
    await hass.async_block_till_done()
    assert result["data"] == {"name": "Vojen"}
    sub = next(s for s in entry.subentries.values() if s.subentry_type == "ice_place")
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "ice_place"), context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id}
    )
    assert _default(result, "name") == "Vojen"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Vojen norra", "location": {"latitude": 62.4, "longitude": 15.5}}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.subentries[sub.subentry_id].data) == {"name": "Vojen norra", "latitude": 62.4, "longitude": 15.5}
    # A changed ice place reloads the hub, so its entity follows.
    states = hass.states.async_all("number")
    assert [s.attributes.get("latitude") for s in states] == [62.4]


async def test_discovered_device_added_by_hand_meanwhile(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    flow_id = await _discover(hass, hass_client_no_auth, chirpstack_up)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"model": "elsys_ers_co2", "name": "Frys"}
    )
    result = await _choose_role(hass, result, "freezer")
    assert result["step_id"] == "discovery_settings"
    hass.config_entries.async_add_subentry(
        setup_integration,
        ConfigSubentry(
            data=MappingProxyType({"dev_eui": UNKNOWN, "model": "elsys_ers_co2", "name": "Frys"}),
            subentry_type=SUBENTRY_DEVICE, title="Frys", unique_id=UNKNOWN,
        ),
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"out_of_range_minutes": 30})
    assert result["reason"] == "already_configured"


def test_devices_set_up_by_size_alone_keep_their_role() -> None:
    assert role_of({"bin_depth_cm": 90}) == "waste_bin"
    assert role_of({"mounting_height_cm": 200}) == "snow_station"
    assert role_of({"role": "bogus"}) == "none"
