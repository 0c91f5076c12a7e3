"""The hub's options: a menu of the hub's connection details and its settings.

A menu, so steps can be added (importing devices, for example) without crowding one form.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_APPLICATION_ID,
    CONF_MQTT_TOPIC,
    CONF_NETWORK,
    CONF_OFFLINE_TIMEOUT,
    CONF_TRANSPORT,
    CONF_WEBHOOK_SECRET,
    DEFAULT_OFFLINE_TIMEOUT_MIN,
    TRANSPORT_MQTT,
)
from ..mqtt_transport import default_topic
from .connection import new_secret, valid_topic, webhook_placeholders, webhook_warnings
from .installer import INSTALLER_MENU, InstallerStepsMixin

CONF_ROTATE_SECRET: Final = "rotate_secret"
MENU: Final = ["connection", "settings", *INSTALLER_MENU]


class AngeIotOptionsFlow(InstallerStepsMixin):
    """Connection details (with a new secret on request), settings, and the installer's steps."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to look at or change."""
        return self.async_show_menu(step_id="init", menu_options=MENU)

    @property
    def _mqtt(self) -> bool:
        return self.config_entry.data.get(CONF_TRANSPORT) == TRANSPORT_MQTT

    def _topic(self) -> str:
        entry = self.config_entry
        return str(
            entry.options.get(CONF_MQTT_TOPIC)
            or default_topic(entry.data[CONF_NETWORK], entry.data.get(CONF_APPLICATION_ID))
        )

    def _done(self) -> ConfigFlowResult:
        """Close the flow; looking at the connection changes no option."""
        return self.async_create_entry(data=dict(self.config_entry.options))

    async def async_step_connection(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The webhook URL, header and secret, as when the hub was created; or a new secret."""
        if self._mqtt:
            return await self.async_step_connection_mqtt()
        entry = self.config_entry
        if user_input is not None:
            if not user_input.get(CONF_ROTATE_SECRET):
                return self._done()
            # The hub reloads on changed data, so the old secret stops working at once.
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_WEBHOOK_SECRET: new_secret()}
            )
            return await self.async_step_connection_rotated()
        placeholders = webhook_placeholders(self.hass, entry.data)
        return self.async_show_form(
            step_id="connection",
            data_schema=vol.Schema({vol.Optional(CONF_ROTATE_SECRET, default=False): BooleanSelector()}),
            errors=webhook_warnings(placeholders["url"]),
            description_placeholders=placeholders,
            last_step=True,
        )

    async def async_step_connection_rotated(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The new secret, to paste into the network server now."""
        if user_input is not None:
            return self._done()
        placeholders = webhook_placeholders(self.hass, self.config_entry.data)
        return self.async_show_form(
            step_id="connection_rotated",
            data_schema=vol.Schema({}),
            errors=webhook_warnings(placeholders["url"]),
            description_placeholders=placeholders,
            last_step=True,
        )

    async def async_step_connection_mqtt(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """An MQTT hub has no webhook: it shows the topic filter it subscribes to."""
        if user_input is not None:
            return self._done()
        return self.async_show_form(
            step_id="connection_mqtt",
            data_schema=vol.Schema({}),
            description_placeholders={"topic": self._topic()},
            last_step=True,
        )

    async def async_step_settings(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offline timeout, the MQTT topic of an MQTT hub, and the network server's API for downlinks."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {key: value for key, value in user_input.items() if value not in (None, "")}
            if self._mqtt and not valid_topic(str(options.get(CONF_MQTT_TOPIC, ""))):
                errors[CONF_MQTT_TOPIC] = "invalid_topic"
            url = str(options.get(CONF_API_URL, ""))
            if url and not url.startswith(("http://", "https://")):
                errors[CONF_API_URL] = "invalid_url"
            if not errors:
                return self.async_create_entry(data=options)
        current = {**entry.options, **(user_input or {})}
        fields: dict[Any, Any] = {
            vol.Required(
                CONF_OFFLINE_TIMEOUT,
                default=current.get(CONF_OFFLINE_TIMEOUT, DEFAULT_OFFLINE_TIMEOUT_MIN),
            ): NumberSelector(
                NumberSelectorConfig(
                    min=30, max=10080, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min"
                )
            ),
        }
        if self._mqtt:
            fields[vol.Required(CONF_MQTT_TOPIC, default=current.get(CONF_MQTT_TOPIC) or self._topic())] = (
                TextSelector()
            )
        fields[vol.Optional(CONF_API_URL, description={"suggested_value": current.get(CONF_API_URL)})] = (
            TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
        )
        fields[vol.Optional(CONF_API_KEY, description={"suggested_value": current.get(CONF_API_KEY)})] = (
            TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
        )
        return self.async_show_form(step_id="settings", data_schema=vol.Schema(fields), errors=errors)
