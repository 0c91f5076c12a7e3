"""Connection details the installer can find again: the finish steps and the hub's Connection step.

The URL shown is the one the network server must reach: Home Assistant's external URL
when one is set, with a warning when it is plain http or a private address. The warning
is the form's base error, which the frontend shows above the form in the installer's
language without stopping the form from being submitted. The secret can be replaced; the
old one then stops working at once. The texts are rendered with the frontend's own ICU
library, so what is asserted is what the installer reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.flows.connection import Address, address_of, webhook_warnings

from .conftest import ERS_CO2, ERS_CO2_PAYLOAD, SECRET, WEBHOOK_ID
from .helpers import post
from .icu import render

Envelope = Any
TRANSLATIONS = Path(__file__).parent.parent / "custom_components/ange_iot/translations"


def _text(language: str, *path: str) -> str:
    node: Any = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    for key in path:
        node = node[key]
    assert isinstance(node, str)
    return node


async def _open_connection(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    assert result["menu_options"] == ["connection", "settings", "import_devices", "network_import", "gateway_health"]
    return await hass.config_entries.options.async_configure(result["flow_id"], {"next_step_id": "connection"})


# ------------------------------------------------------------------ the address


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://ange.example.se/api/webhook/x", Address.PUBLIC),
        ("http://203.0.113.9:8123/api/webhook/x", Address.PRIVATE),  # documentation range: not global
        ("http://8.8.8.8:8123/api/webhook/x", Address.PUBLIC),
        ("http://192.168.1.20:8123/api/webhook/x", Address.PRIVATE),
        ("http://10.0.0.5:8123/api/webhook/x", Address.PRIVATE),
        ("http://100.64.0.7:8123/api/webhook/x", Address.PRIVATE),  # carrier-grade NAT
        ("http://[fd00::12]:8123/api/webhook/x", Address.PRIVATE),
        ("http://homeassistant.local:8123/api/webhook/x", Address.PRIVATE),
        ("http://homeassistant:8123/api/webhook/x", Address.PRIVATE),
        ("http://ha.home.arpa:8123/api/webhook/x", Address.PRIVATE),
        ("/api/webhook/x", Address.UNKNOWN),
    ],
)
def test_which_addresses_a_network_server_can_reach(url: str, address: Address) -> None:
    assert address_of(url) is address


@pytest.mark.parametrize(
    ("url", "warning"),
    [
        ("https://ange.example.se/api/webhook/x", None),
        ("http://iot.ange.se/api/webhook/x", "plain_http"),
        ("https://homeassistant.local:8123/api/webhook/x", "address_private"),
        ("http://192.168.1.20:8123/api/webhook/x", "address_private_plain_http"),
        ("/api/webhook/x", "address_unknown"),
        ("http:///api/webhook/x", "address_unknown_plain_http"),
    ],
)
def test_each_warning_has_a_text_in_both_languages(url: str, warning: str | None) -> None:
    """One error key per combination of warnings, each translated for the config and the options flow."""
    assert webhook_warnings(url) == ({"base": warning} if warning else {})
    if warning is None:
        return
    for language, word in (("en", "Warning:"), ("sv", "Varning:")):
        for section in ("config", "options"):
            text = _text(language, section, "error", warning)
            assert text.startswith(word)
            # The frontend shows a base error as plain text: no markdown, no placeholders.
            assert "**" not in text
            assert "{" not in text


@pytest.mark.parametrize(
    ("config", "url_start", "errors"),
    [
        ({"external_url": "https://ange.example.se", "internal_url": "http://192.168.1.20:8123"},
         "https://ange.example.se/api/webhook/", {}),
        ({"external_url": "http://iot.ange.se"}, "http://iot.ange.se/api/webhook/", {"base": "plain_http"}),
        ({"internal_url": "http://192.168.1.20:8123"}, "http://192.168.1.20:8123/api/webhook/",
         {"base": "address_private_plain_http"}),
        ({"internal_url": "https://homeassistant.local:8123"}, "https://homeassistant.local:8123/api/webhook/",
         {"base": "address_private"}),
    ],
)  # fmt: skip
async def test_connection_step_shows_the_url_the_network_server_must_reach(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    config: dict[str, str],
    url_start: str,
    errors: dict[str, str],
) -> None:
    await hass.config.async_update(**config)
    result = await _open_connection(hass, setup_integration)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connection"
    assert result["last_step"] is True
    assert result["description_placeholders"] == {
        "url": f"{url_start}{WEBHOOK_ID}",
        "header": "X-Ange-Iot-Secret",
        "secret": SECRET,
    }
    assert result["errors"] == errors


async def test_connection_without_a_known_address_shows_the_path(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    hass.config.api.local_ip = "127.0.0.1"  # type: ignore[union-attr]
    result = await _open_connection(hass, setup_integration)
    placeholders = result["description_placeholders"]
    assert placeholders["url"] == f"/api/webhook/{WEBHOOK_ID}"
    assert result["errors"] == {"base": "address_unknown"}
    warning = render(_text("en", "options", "error", "address_unknown"), placeholders)
    assert "Home Assistant knows no address of its own" in warning


@pytest.mark.parametrize("language", ["en", "sv"])
async def test_connection_text_as_the_installer_reads_it(
    hass: HomeAssistant, setup_integration: MockConfigEntry, language: str
) -> None:
    await hass.config.async_update(internal_url="http://192.168.1.20:8123")
    result = await _open_connection(hass, setup_integration)
    text = _text(language, "options", "step", "connection", "description")
    rendered = render(text, result["description_placeholders"])
    assert f"`http://192.168.1.20:8123/api/webhook/{WEBHOOK_ID}`" in rendered
    assert f"`{SECRET}`" in rendered
    assert "`X-Ange-Iot-Secret`" in rendered
    assert "{" not in rendered
    # Private and plain http: one alert above the form says both.
    warning = render(_text(language, "options", "error", result["errors"]["base"]), result["description_placeholders"])
    assert warning.startswith({"en": "Warning:", "sv": "Varning:"}[language])
    assert {"en": "private address", "sv": "privat adress"}[language] in warning
    assert {"en": "plain http", "sv": "http utan kryptering"}[language] in warning

    # The warning does not stop the installer from going on.
    done = await hass.config_entries.options.async_configure(result["flow_id"], {"rotate_secret": False})
    assert done["type"] is FlowResultType.CREATE_ENTRY

    await hass.config.async_update(external_url="https://ange.example.se")
    result = await _open_connection(hass, setup_integration)
    rendered = render(text, result["description_placeholders"])
    assert "https://ange.example.se/api/webhook/" in rendered
    assert result["errors"] == {}
    assert _text(language, "options", "step", "connection", "title") == {"en": "Connection", "sv": "Anslutning"}[language]


async def test_looking_at_the_connection_changes_nothing(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    entry = setup_integration
    hass.config_entries.async_update_entry(entry, options={"offline_timeout": 90})
    await hass.async_block_till_done()
    data = dict(entry.data)
    result = await _open_connection(hass, entry)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"rotate_secret": False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.data) == data
    assert dict(entry.options) == {"offline_timeout": 90}


async def test_rotating_the_secret(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    entry = setup_integration
    await hass.config.async_update(external_url="https://ange.example.se")
    result = await _open_connection(hass, entry)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"rotate_secret": True})
    await hass.async_block_till_done()

    # The new secret is shown at once, to paste into the network server.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connection_rotated"
    new = entry.data["webhook_secret"]
    assert new != SECRET
    assert len(new) >= 32
    assert result["description_placeholders"]["secret"] == new
    assert result["description_placeholders"]["url"] == f"https://ange.example.se/api/webhook/{WEBHOOK_ID}"
    assert result["errors"] == {}
    rendered = render(_text("sv", "options", "step", "connection_rotated", "description"), result["description_placeholders"])
    assert f"`{new}`" in rendered
    assert "Anslutning" in rendered

    # The hub took the new secret: the old one is refused, the new one accepted.
    client = await hass_client_no_auth()
    status, _ = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1))
    assert status == 401
    status, _ = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 2), secret=new)
    assert status == 200

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data["webhook_secret"] == new
    # The webhook id, and so the URL, stays.
    assert entry.data["webhook_id"] == WEBHOOK_ID


async def test_new_secret_on_a_private_address_still_warns(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    await hass.config.async_update(internal_url="https://homeassistant.local:8123")
    result = await _open_connection(hass, setup_integration)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"rotate_secret": True})
    await hass.async_block_till_done()
    assert result["step_id"] == "connection_rotated"
    assert result["errors"] == {"base": "address_private"}
    warning = render(_text("sv", "options", "error", "address_private"), result["description_placeholders"])
    assert "privat adress" in warning
    assert "http utan kryptering" not in warning


async def test_mqtt_hub_connection_shows_its_topic(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="The Things Stack v3",
        data={"network": "tts", "transport": "mqtt", "webhook_id": "w", "webhook_secret": "s",
              "application_id": "ange-iot@ttn"},
    )  # fmt: skip
    entry.add_to_hass(hass)
    result = await _open_connection(hass, entry)
    assert result["step_id"] == "connection_mqtt"
    assert result["description_placeholders"] == {"topic": "v3/ange-iot@ttn/devices/+/up"}
    rendered = render(_text("en", "options", "step", "connection_mqtt", "description"), result["description_placeholders"])
    assert "`v3/ange-iot@ttn/devices/+/up`" in rendered
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data["webhook_secret"] == "s"

    # A topic the installer set is the one shown.
    hass.config_entries.async_update_entry(entry, options={"mqtt_topic": "ange_iot/tts/+/+"})
    result = await _open_connection(hass, entry)
    assert result["description_placeholders"] == {"topic": "ange_iot/tts/+/+"}


# ------------------------------------------------------------------ the finish steps


@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize("network", ["chirpstack", "tts", "generic"])
async def test_finish_step_says_copy_now_and_where_to_find_it_later(
    hass: HomeAssistant, network: str, language: str
) -> None:
    await hass.config.async_update(internal_url="http://192.168.1.20:8123")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"network": network, "transport": "webhook"}
    )
    assert result["step_id"] == f"finish_{network}"
    placeholders = result["description_placeholders"]
    rendered = render(_text(language, "config", "step", f"finish_{network}", "description"), placeholders)
    assert placeholders["url"] in rendered
    assert placeholders["secret"] in rendered
    assert {"en": "Copy the URL and the secret now", "sv": "Kopiera adressen och hemligheten nu"}[language] in rendered
    assert {"en": "Configure → Connection", "sv": "Konfigurera → Anslutning"}[language] in rendered
    assert "{" not in rendered.replace(placeholders.get("example", ""), "")
    # Private and plain http: the alert above the form warns of both, in the installer's language.
    assert result["errors"] == {"base": "address_private_plain_http"}
    warning = render(_text(language, "config", "error", "address_private_plain_http"), placeholders)
    assert {"en": "private address", "sv": "privat adress"}[language] in warning
    assert {"en": "plain http", "sv": "http utan kryptering"}[language] in warning
    if network == "generic":
        example = json.loads(placeholders["example"])
        assert set(example) == {"devEui", "fPort", "fCnt", "data", "time"}
        assert placeholders["example"] in rendered

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # What was shown is what the hub checks.
    assert placeholders["secret"] == result["data"]["webhook_secret"]
    assert placeholders["url"].endswith(result["data"]["webhook_id"])


@pytest.mark.parametrize("language", ["en", "sv"])
async def test_mqtt_topic_step_renders(hass: HomeAssistant, language: str) -> None:
    """It used to show "Translation error: UNCLOSED_TAG"."""
    text = _text(language, "config", "step", "mqtt_topic", "description")
    rendered = render(text, {"bridge_topic": "ange_iot/chirpstack/+/+"})
    assert "`ange_iot/chirpstack/+/+`" in rendered
