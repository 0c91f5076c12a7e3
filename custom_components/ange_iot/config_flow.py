"""Config flows: the hub, its options, reconfiguration, devices and discovered devices."""

from __future__ import annotations

import secrets
from types import MappingProxyType
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    AreaSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import DiscoveryInfoType
import voluptuous as vol

from .care.identity import looks_like_identity_number
from .care_config import SUBENTRY_CARE_UNIT, SUBENTRY_DISPENSER
from .care_flow import CareUnitSubentryFlow, DispenserSubentryFlow, code_errors
from .const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_APPLICATION_ID,
    CONF_AREA,
    CONF_CARE_UNIT,
    CONF_DEV_EUI,
    CONF_MODEL,
    CONF_MQTT_TOPIC,
    CONF_NAME,
    CONF_NETWORK,
    CONF_OFFLINE_TIMEOUT,
    CONF_ROOM,
    CONF_TRANSPORT,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DEFAULT_OFFLINE_TIMEOUT_MIN,
    DOMAIN,
    MODEL_NETWORK_DECODED,
    NETWORKS,
    SUBENTRY_DEVICE,
    TRANSPORT_MQTT,
    TRANSPORT_WEBHOOK,
    TRANSPORTS,
    WEBHOOK_SECRET_HEADER,
)
from .derived import ROLE
from .device_settings import (
    merge_role,
    needs_settings,
    role_of,
    role_selector,
    settings_schema,
    validate_settings,
)
from .flows_import import INSTALLER_MENU, InstallerStepsMixin
from .ice import SUBENTRY_ICE_PLACE
from .ice_flow import IcePlaceSubentryFlow
from .lorawan.codecs import MODELS
from .lorawan.uplink import normalize_dev_eui
from .mqtt_transport import default_topic

NETWORK_TITLES = {"chirpstack": "ChirpStack v4", "tts": "The Things Stack v3", "generic": "Generic JSON"}


# ------------------------------------------------------------------ shared helpers


def _network_schema(defaults: dict[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_NETWORK, default=defaults.get(CONF_NETWORK, "chirpstack")): SelectSelector(
                SelectSelectorConfig(options=list(NETWORKS), translation_key=CONF_NETWORK)
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


async def _mqtt_problem(hass: HomeAssistant) -> str | None:
    """Why the MQTT transport cannot be used now, as an error key; None when it can."""
    if not hass.config_entries.async_entries("mqtt"):
        return "mqtt_missing"
    from homeassistant.components import mqtt

    if not await mqtt.async_wait_for_mqtt_client(hass) or not mqtt.is_connected(hass):
        return "mqtt_not_connected"
    return None


def _valid_topic(topic: str) -> bool:
    from homeassistant.components import mqtt

    try:
        mqtt.valid_subscribe_topic(topic)
    except vol.Invalid:
        return False
    return True


def _hub_unique_id(network: str, application_id: str | None) -> str | None:
    return f"{network}:{application_id.strip().lower()}" if application_id else None


def _hub_title(network: str, application_id: str | None) -> str:
    title = NETWORK_TITLES[network]
    return f"{title} ({application_id})" if application_id else title


def _webhook_url(hass: HomeAssistant, webhook_id: str) -> str:
    try:
        return webhook.async_generate_url(hass, webhook_id, allow_ip=True, prefer_external=True)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


def _model_selector() -> SelectSelector:
    options = [
        SelectOptionDict(value=model_id, label=info.title)
        for model_id, info in sorted(MODELS.items(), key=lambda item: item[1].title.lower())
    ]
    options.append(SelectOptionDict(value=MODEL_NETWORK_DECODED, label=MODEL_NETWORK_DECODED))
    return SelectSelector(
        SelectSelectorConfig(
            options=options, mode=SelectSelectorMode.DROPDOWN, translation_key=CONF_MODEL, sort=False
        )
    )


def _device_schema(defaults: dict[str, Any], *, with_dev_eui: bool) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if with_dev_eui:
        fields[vol.Required(CONF_DEV_EUI, default=defaults.get(CONF_DEV_EUI, vol.UNDEFINED))] = (
            TextSelector()
        )
    fields.update(
        {
            vol.Required(CONF_MODEL, default=defaults.get(CONF_MODEL) or MODEL_NETWORK_DECODED): _model_selector(),
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, vol.UNDEFINED)): TextSelector(),
            vol.Optional(CONF_AREA, description={"suggested_value": defaults.get(CONF_AREA)}): AreaSelector(),
            vol.Optional(
                CONF_CARE_UNIT, description={"suggested_value": defaults.get(CONF_CARE_UNIT)}
            ): TextSelector(),
            vol.Optional(CONF_ROOM, description={"suggested_value": defaults.get(CONF_ROOM)}): TextSelector(),
            vol.Required(ROLE, default=role_of(defaults)): role_selector(),
        }
    )
    return vol.Schema(fields)


_DEVICE_FORM_KEYS = frozenset({CONF_MODEL, CONF_NAME, CONF_AREA, CONF_CARE_UNIT, CONF_ROOM, ROLE})


def _validate_device(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean device settings; return them with the form errors found."""
    errors: dict[str, str] = {}
    data = {key: value for key, value in user_input.items() if value not in (None, "")}
    if CONF_DEV_EUI in data:
        try:
            data[CONF_DEV_EUI] = normalize_dev_eui(data[CONF_DEV_EUI])
        except ValueError:
            errors[CONF_DEV_EUI] = "invalid_dev_eui"
    data[CONF_NAME] = str(data.get(CONF_NAME, "")).strip()
    if looks_like_identity_number(data[CONF_NAME]):
        errors[CONF_NAME] = "identity_number"
    errors.update(code_errors(data, *(key for key in (CONF_CARE_UNIT, CONF_ROOM) if key in data)))
    if (CONF_CARE_UNIT in data) != (CONF_ROOM in data) and not errors:
        errors["base"] = "care_needs_unit_and_room"
    if data.get(CONF_MODEL) not in MODELS and data.get(CONF_MODEL) != MODEL_NETWORK_DECODED:
        errors[CONF_MODEL] = "unknown_model"
    return data, errors


def _close_discoveries(hass: HomeAssistant, dev_eui: str) -> None:
    """A device added by hand leaves no "Discovered" card behind."""
    for flow in hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"unique_id": dev_eui}
    ):
        hass.config_entries.flow.async_abort(flow["flow_id"])


def _dev_eui_in_use(hass: HomeAssistant, dev_eui: str) -> bool:
    return any(
        sub.unique_id == dev_eui
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        for sub in entry.subentries.values()
    )


# ------------------------------------------------------------------------ hub flow


class AngeIotConfigFlow(ConfigFlow, domain=DOMAIN):
    """Connect a network-server application, or confirm a discovered device."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with an empty hub."""
        self._hub: dict[str, Any] = {}
        self._options: dict[str, Any] = {}
        self._discovery: dict[str, Any] = {}
        self._device: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Hub options."""
        return AngeIotOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Devices, ice places, care units and dispensers are subentries of the hub."""
        return {
            SUBENTRY_DEVICE: DeviceSubentryFlow,
            SUBENTRY_ICE_PLACE: IcePlaceSubentryFlow,
            SUBENTRY_CARE_UNIT: CareUnitSubentryFlow,
            SUBENTRY_DISPENSER: DispenserSubentryFlow,
        }

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the network server and the transport."""
        errors: dict[str, str] = {}
        if user_input is not None:
            application_id = (user_input.get(CONF_APPLICATION_ID) or "").strip() or None
            unique_id = _hub_unique_id(user_input[CONF_NETWORK], application_id)
            # Set it even when None, so an earlier attempt's id does not stick.
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
            self._hub = {
                CONF_NETWORK: user_input[CONF_NETWORK],
                CONF_TRANSPORT: user_input[CONF_TRANSPORT],
                CONF_WEBHOOK_ID: webhook.async_generate_id(),
                CONF_WEBHOOK_SECRET: secrets.token_urlsafe(32),
            }
            if application_id:
                self._hub[CONF_APPLICATION_ID] = application_id
            if user_input[CONF_TRANSPORT] == TRANSPORT_MQTT:
                if (problem := await _mqtt_problem(self.hass)) is None:
                    return await self.async_step_mqtt_topic()
                errors["base"] = problem
            else:
                return await self.async_step_finish()
        return self.async_show_form(
            step_id="user", data_schema=_network_schema(user_input or {}), errors=errors
        )

    async def async_step_mqtt_topic(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the MQTT topic filter."""
        errors: dict[str, str] = {}
        suggested = default_topic(self._hub[CONF_NETWORK], self._hub.get(CONF_APPLICATION_ID))
        if user_input is not None:
            topic = user_input[CONF_MQTT_TOPIC].strip()
            if _valid_topic(topic):
                self._options[CONF_MQTT_TOPIC] = topic
                return await self.async_step_finish()
            errors[CONF_MQTT_TOPIC] = "invalid_topic"
        return self.async_show_form(
            step_id="mqtt_topic",
            data_schema=vol.Schema({vol.Required(CONF_MQTT_TOPIC, default=suggested): TextSelector()}),
            errors=errors,
        )

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show what to paste into the network server, then create the hub.

        Each network server has its own instructions, so the form's step id names it.
        """
        network = self._hub[CONF_NETWORK]
        title = _hub_title(network, self._hub.get(CONF_APPLICATION_ID))
        if user_input is not None:
            return self.async_create_entry(title=title, data=self._hub, options=self._options)
        placeholders = {
            "url": _webhook_url(self.hass, self._hub[CONF_WEBHOOK_ID]),
            "header": WEBHOOK_SECRET_HEADER,
            "secret": self._hub[CONF_WEBHOOK_SECRET],
            "topic": self._options.get(CONF_MQTT_TOPIC, ""),
            "network": NETWORK_TITLES[network],
        }
        step = "finish_mqtt" if self._hub[CONF_TRANSPORT] == TRANSPORT_MQTT else f"finish_{network}"
        return self.async_show_form(
            step_id=step,
            data_schema=vol.Schema({}),
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
            application_id = (user_input.get(CONF_APPLICATION_ID) or "").strip() or None
            unique_id = _hub_unique_id(user_input[CONF_NETWORK], application_id)
            if unique_id and unique_id != entry.unique_id:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            if user_input[CONF_TRANSPORT] == TRANSPORT_MQTT:
                errors["base"] = await _mqtt_problem(self.hass) or ""
                if not errors["base"]:
                    del errors["base"]
            if not errors:
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
                    title=_hub_title(data[CONF_NETWORK], application_id),
                    data=data,
                    options=options,
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_network_schema(user_input or dict(entry.data)),
            errors=errors,
        )

    # ------------------------------------------------------------- discovery

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """An uplink arrived from a DevEUI that no hub knows."""
        dev_eui = discovery_info[CONF_DEV_EUI]
        await self.async_set_unique_id(dev_eui)
        self._abort_if_unique_id_configured()
        hub = self.hass.config_entries.async_get_entry(discovery_info["hub_entry_id"])
        if hub is None:
            return self.async_abort(reason="hub_not_found")
        if _dev_eui_in_use(self.hass, dev_eui):
            return self.async_abort(reason="already_configured")
        self._discovery = dict(discovery_info)
        name = discovery_info.get("device_name") or dev_eui
        self.context["title_placeholders"] = {"name": name, "dev_eui": dev_eui}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the installer confirm the device, its model and its name."""
        dev_eui = self._discovery[CONF_DEV_EUI]
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate_device(user_input)
            hub = self.hass.config_entries.async_get_entry(self._discovery["hub_entry_id"])
            if hub is None:
                return self.async_abort(reason="hub_not_found")
            if _dev_eui_in_use(self.hass, dev_eui):
                return self.async_abort(reason="already_configured")
            if not errors:
                data[CONF_DEV_EUI] = dev_eui
                self._device = data
                if needs_settings(data[ROLE]):
                    return await self.async_step_discovery_settings()
                return self._add_discovered(hub, merge_role(data, data[ROLE], {}))
        defaults = {
            CONF_MODEL: self._discovery.get(CONF_MODEL),
            CONF_NAME: self._discovery.get("device_name") or dev_eui,
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=_device_schema(defaults, with_dev_eui=False),
            errors=errors,
            description_placeholders={
                "dev_eui": dev_eui,
                "profile": self._discovery.get("profile_name") or "-",
            },
        )


    async def async_step_discovery_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Settings of the role the installer picked for the discovered device."""
        role = self._device[ROLE]
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = validate_settings(role, user_input)
            hub = self.hass.config_entries.async_get_entry(self._discovery["hub_entry_id"])
            if hub is None:
                return self.async_abort(reason="hub_not_found")
            if not errors:
                return self._add_discovered(hub, merge_role(self._device, role, settings))
        return self.async_show_form(
            step_id="discovery_settings",
            data_schema=settings_schema(role, user_input or {}),
            errors=errors,
            description_placeholders={"name": self._device[CONF_NAME]},
        )

    def _add_discovered(self, hub: ConfigEntry, data: dict[str, Any]) -> ConfigFlowResult:
        if _dev_eui_in_use(self.hass, data[CONF_DEV_EUI]):
            return self.async_abort(reason="already_configured")
        self.hass.config_entries.async_add_subentry(
            hub,
            ConfigSubentry(
                data=MappingProxyType(data),
                subentry_type=SUBENTRY_DEVICE,
                title=data[CONF_NAME],
                unique_id=data[CONF_DEV_EUI],
            ),
        )
        return self.async_abort(
            reason="device_added", description_placeholders={"name": data[CONF_NAME]}
        )


# ---------------------------------------------------------------- options flow


class AngeIotOptionsFlow(InstallerStepsMixin):
    """Offline timeout, MQTT topic and the downlink API; bulk import and gateway health."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to change: the connection, or the installer's bulk steps."""
        return self.async_show_menu(step_id="init", menu_options=["connection", *INSTALLER_MENU])

    async def async_step_connection(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Edit the hub options."""
        entry = self.config_entry
        mqtt = entry.data.get(CONF_TRANSPORT) == TRANSPORT_MQTT
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {key: value for key, value in user_input.items() if value not in (None, "")}
            if mqtt and not _valid_topic(str(options.get(CONF_MQTT_TOPIC, ""))):
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
        if mqtt:
            fields[
                vol.Required(
                    CONF_MQTT_TOPIC,
                    default=current.get(CONF_MQTT_TOPIC)
                    or default_topic(entry.data[CONF_NETWORK], entry.data.get(CONF_APPLICATION_ID)),
                )
            ] = TextSelector()
        fields[vol.Optional(CONF_API_URL, description={"suggested_value": current.get(CONF_API_URL)})] = (
            TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
        )
        fields[vol.Optional(CONF_API_KEY, description={"suggested_value": current.get(CONF_API_KEY)})] = (
            TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
        )
        return self.async_show_form(step_id="connection", data_schema=vol.Schema(fields), errors=errors)


# --------------------------------------------------------------- device subentry


class DeviceSubentryFlow(ConfigSubentryFlow):
    """Add a LoRaWAN device by its DevEUI, or change one; then its role's settings."""

    _device: dict[str, Any]

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a device."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate_device(user_input)
            if not errors and _dev_eui_in_use(self.hass, data[CONF_DEV_EUI]):
                errors[CONF_DEV_EUI] = "already_configured"
            if not errors:
                self._device = data
                return await self._role_step()
        return self.async_show_form(
            step_id="user",
            data_schema=_device_schema(user_input or {}, with_dev_eui=True),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a device's model, name, area, care codes or role; the DevEUI stays."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate_device(user_input)
            if not errors:
                # Settings this form does not show (e.g. mounting height) are kept.
                kept = {k: v for k, v in subentry.data.items() if k not in _DEVICE_FORM_KEYS}
                self._device = kept | data
                self._device[CONF_DEV_EUI] = subentry.data[CONF_DEV_EUI]
                return await self._role_step()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_device_schema(user_input or dict(subentry.data), with_dev_eui=False),
            errors=errors,
            description_placeholders={"dev_eui": subentry.data[CONF_DEV_EUI]},
        )

    async def _role_step(self) -> SubentryFlowResult:
        if needs_settings(self._device[ROLE]):
            return await self.async_step_settings()
        return self._save({})

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The settings of the device's role, such as a snow station's mounting height."""
        role = self._device[ROLE]
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = validate_settings(role, user_input)
            if not errors:
                return self._save(settings)
        # A device keeps its settings when only its name changes, so show them again.
        defaults = user_input or (self._device if role_of(self._device) == role else {})
        return self.async_show_form(
            step_id="settings",
            data_schema=settings_schema(role, defaults),
            errors=errors,
            description_placeholders={"name": self._device[CONF_NAME]},
        )

    def _save(self, settings: dict[str, Any]) -> SubentryFlowResult:
        data = merge_role(self._device, self._device[ROLE], settings)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_and_abort(
                self._get_entry(), self._get_reconfigure_subentry(), title=data[CONF_NAME], data=data
            )
        _close_discoveries(self.hass, data[CONF_DEV_EUI])
        return self.async_create_entry(title=data[CONF_NAME], data=data, unique_id=data[CONF_DEV_EUI])
