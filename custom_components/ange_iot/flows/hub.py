"""The hub flow: connect a network-server application, and change it later (reconfigure)."""

from __future__ import annotations

import json
from typing import Any, Final

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..const import (
    CONF_APPLICATION_ID,
    CONF_MQTT_TOPIC,
    CONF_NETWORK,
    CONF_TRANSPORT,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    TRANSPORT_MQTT,
    TRANSPORT_WEBHOOK,
    TRANSPORTS,
)
from ..lorawan.networks import Network
from ..mqtt_transport import BRIDGE_PREFIX, default_topic
from .connection import (
    mqtt_problem,
    new_secret,
    valid_topic,
    webhook_placeholders,
    webhook_warnings,
)

NETWORK_TITLES: Final = {
    Network.CHIRPSTACK: "ChirpStack v4",
    Network.TTS: "The Things Stack v3",
    Network.GENERIC: "Generic JSON",
}

# What a generic-JSON uplink looks like. A placeholder, because the frontend reads braces
# in a translation as ICU arguments.
GENERIC_EXAMPLE: Final = json.dumps(
    {"devEui": "a81758fffe0312ab", "fPort": 2, "fCnt": 1, "data": "AQDxAg==", "time": "2026-01-15T07:30:00Z"}
)


def network_schema(defaults: dict[str, Any]) -> vol.Schema:
    """Network server, transport and the optional application id."""
    return vol.Schema(
        {
            vol.Required(CONF_NETWORK, default=defaults.get(CONF_NETWORK, str(Network.CHIRPSTACK))): SelectSelector(
                SelectSelectorConfig(options=[network.value for network in Network], translation_key=CONF_NETWORK)
            ),
            vol.Required(
                CONF_TRANSPORT, default=defaults.get(CONF_TRANSPORT, TRANSPORT_WEBHOOK)
            ): SelectSelector(
                SelectSelectorConfig(
                    options=list(TRANSPORTS),
                    translation_key=CONF_TRANSPORT,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Optional(
                CONF_APPLICATION_ID,
                description={"suggested_value": defaults.get(CONF_APPLICATION_ID)},
            ): TextSelector(),
        }
    )


def hub_unique_id(network: str, application_id: str | None) -> str | None:
    """One hub per network-server application; hubs without an application id may repeat."""
    return f"{network}:{application_id.strip().lower()}" if application_id else None


def hub_title(network: str, application_id: str | None) -> str:
    """The network server's name, with the application id when there is one."""
    title = NETWORK_TITLES[Network(network)]
    return f"{title} ({application_id})" if application_id else title


def _application_id(user_input: dict[str, Any]) -> str | None:
    return (user_input.get(CONF_APPLICATION_ID) or "").strip() or None


class HubSteps(ConfigFlow):
    """The user and reconfigure steps of the integration's config flow."""

    def __init__(self) -> None:
        """Start with an empty hub."""
        super().__init__()
        self._hub: dict[str, Any] = {}
        self._options: dict[str, Any] = {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the network server and the transport."""
        errors: dict[str, str] = {}
        if user_input is not None:
            application_id = _application_id(user_input)
            # Set it even when None, so an earlier attempt's id does not stick.
            await self.async_set_unique_id(hub_unique_id(user_input[CONF_NETWORK], application_id))
            self._abort_if_unique_id_configured()
            self._hub = {
                CONF_NETWORK: user_input[CONF_NETWORK],
                CONF_TRANSPORT: user_input[CONF_TRANSPORT],
                CONF_WEBHOOK_ID: webhook.async_generate_id(),
                CONF_WEBHOOK_SECRET: new_secret(),
            }
            if application_id:
                self._hub[CONF_APPLICATION_ID] = application_id
            if user_input[CONF_TRANSPORT] != TRANSPORT_MQTT:
                return await self.async_step_finish()
            if (problem := await mqtt_problem(self.hass)) is None:
                return await self.async_step_mqtt_topic()
            errors["base"] = problem
        return self.async_show_form(
            step_id="user", data_schema=network_schema(user_input or {}), errors=errors
        )

    async def async_step_mqtt_topic(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the MQTT topic filter."""
        errors: dict[str, str] = {}
        network = self._hub[CONF_NETWORK]
        if user_input is not None:
            topic = user_input[CONF_MQTT_TOPIC].strip()
            if valid_topic(topic):
                self._options[CONF_MQTT_TOPIC] = topic
                return await self.async_step_finish()
            errors[CONF_MQTT_TOPIC] = "invalid_topic"
        suggested = default_topic(network, self._hub.get(CONF_APPLICATION_ID))
        return self.async_show_form(
            step_id="mqtt_topic",
            data_schema=vol.Schema({vol.Required(CONF_MQTT_TOPIC, default=suggested): TextSelector()}),
            errors=errors,
            description_placeholders={"bridge_topic": f"{BRIDGE_PREFIX}/{network}/+/+"},
        )

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show what to paste into the network server, then create the hub.

        Each network server has its own instructions, so the form's step id names it.
        """
        network = self._hub[CONF_NETWORK]
        if user_input is not None:
            title = hub_title(network, self._hub.get(CONF_APPLICATION_ID))
            return self.async_create_entry(title=title, data=self._hub, options=self._options)
        placeholders = {"network": NETWORK_TITLES[network]}
        # Warnings about the URL (private address, plain http) show above the form; the
        # installer can still submit it.
        warnings: dict[str, str] = {}
        if self._hub[CONF_TRANSPORT] == TRANSPORT_MQTT:
            step = "finish_mqtt"
            placeholders["topic"] = self._options[CONF_MQTT_TOPIC]
        else:
            step = f"finish_{network}"
            placeholders |= webhook_placeholders(self.hass, self._hub)
            warnings = webhook_warnings(placeholders["url"])
            if network == Network.GENERIC:
                placeholders["example"] = GENERIC_EXAMPLE
        return self.async_show_form(
            step_id=step,
            data_schema=vol.Schema({}),
            errors=warnings,
            description_placeholders=placeholders,
            last_step=True,
        )

    async def async_step_finish_chirpstack(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """ChirpStack HTTP integration instructions."""
        return await self.async_step_finish(user_input)

    async def async_step_finish_tts(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The Things Stack webhook instructions."""
        return await self.async_step_finish(user_input)

    async def async_step_finish_generic(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Generic JSON webhook instructions."""
        return await self.async_step_finish(user_input)

    async def async_step_finish_mqtt(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """MQTT instructions."""
        return await self.async_step_finish(user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the network server, transport or application of an existing hub."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            application_id = _application_id(user_input)
            unique_id = hub_unique_id(user_input[CONF_NETWORK], application_id)
            if unique_id and unique_id != entry.unique_id:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            if user_input[CONF_TRANSPORT] == TRANSPORT_MQTT and (problem := await mqtt_problem(self.hass)):
                errors["base"] = problem
            else:
                data = {
                    **entry.data,
                    CONF_NETWORK: user_input[CONF_NETWORK],
                    CONF_TRANSPORT: user_input[CONF_TRANSPORT],
                }
                data.pop(CONF_APPLICATION_ID, None)
                if application_id:
                    data[CONF_APPLICATION_ID] = application_id
                options = dict(entry.options)
                old_default = default_topic(entry.data[CONF_NETWORK], entry.data.get(CONF_APPLICATION_ID))
                if (
                    data[CONF_TRANSPORT] != entry.data.get(CONF_TRANSPORT)
                    or data[CONF_NETWORK] != entry.data[CONF_NETWORK]
                    or options.get(CONF_MQTT_TOPIC) == old_default
                ):
                    # A topic the installer typed stays; without one the hub subscribes to
                    # the default topic of its new settings.
                    options.pop(CONF_MQTT_TOPIC, None)
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=unique_id,
                    title=hub_title(data[CONF_NETWORK], application_id),
                    data=data,
                    options=options,
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=network_schema(user_input or dict(entry.data)),
            errors=errors,
        )
