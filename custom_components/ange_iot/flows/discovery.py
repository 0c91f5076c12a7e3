"""Discovery: a device that sends uplinks but is not added yet shows up as "Discovered".

The installer confirms its model and name, picks a role the model can serve (or goes
back to change the model) and fills in the role's settings; the device then becomes a
subentry of the hub that heard it. The steps use the same forms as the device flow.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, ConfigSubentry
from homeassistant.helpers.typing import DiscoveryInfoType

from ..care.identity import is_valid_code
from ..const import CONF_DEV_EUI, CONF_MODEL, CONF_NAME, SUBENTRY_DEVICE
from ..derived.roles import Role
from ..device_settings import needs_settings, settings_schema, validate_settings
from ..lorawan.codecs import MODELS
from .device_form import (
    CONF_BACK,
    dev_eui_in_use,
    device_data,
    device_schema,
    needs_role_step,
    role_placeholders,
    role_schema,
    validate_device,
    validate_role,
)

HUB_ENTRY_ID = "hub_entry_id"


class DiscoverySteps(ConfigFlow):
    """The discovery steps of the integration's config flow."""

    def __init__(self) -> None:
        """Nothing discovered yet."""
        super().__init__()
        self._discovery: dict[str, Any] = {}
        self._device: dict[str, Any] = {}
        self._role = Role.NONE

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """An uplink arrived from a DevEUI that no hub knows."""
        dev_eui = discovery_info[CONF_DEV_EUI]
        await self.async_set_unique_id(dev_eui)
        self._abort_if_unique_id_configured()
        if self.hass.config_entries.async_get_entry(discovery_info[HUB_ENTRY_ID]) is None:
            return self.async_abort(reason="hub_not_found")
        if dev_eui_in_use(self.hass, dev_eui):
            return self.async_abort(reason="already_configured")
        self._discovery = dict(discovery_info)
        # The network server's name is often the resident's: the "Discovered" card shows it
        # only when it is code-shaped, otherwise what the device is (its DevEUI follows).
        name = discovery_info.get("device_name") or ""
        self.context["title_placeholders"] = {
            "name": name if is_valid_code(name) else _model_name(discovery_info.get(CONF_MODEL)),
            "dev_eui": dev_eui,
        }
        return await self.async_step_discovery_confirm()

    def _hub_or_abort(self) -> ConfigEntry | ConfigFlowResult:
        """The hub that heard the device, or why the device can no longer be added."""
        hub = self.hass.config_entries.async_get_entry(self._discovery[HUB_ENTRY_ID])
        if hub is None:
            return self.async_abort(reason="hub_not_found")
        if dev_eui_in_use(self.hass, self._discovery[CONF_DEV_EUI]):
            return self.async_abort(reason="already_configured")
        return hub

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the installer confirm the device's model and give it a name."""
        dev_eui = self._discovery[CONF_DEV_EUI]
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = validate_device(user_input)
            if not isinstance(hub := self._hub_or_abort(), ConfigEntry):
                return hub
            if not errors:
                self._device = data | {CONF_DEV_EUI: dev_eui}
                if needs_role_step(self._device):
                    return await self.async_step_discovery_role()
                return self._add(hub, Role.NONE, {})
        defaults = user_input or self._device or {
            CONF_MODEL: self._discovery.get(CONF_MODEL),
            CONF_NAME: self._discovery.get("device_name") or dev_eui,
        }
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=device_schema(defaults, with_dev_eui=False),
            errors=errors,
            description_placeholders={
                "dev_eui": dev_eui,
                "profile": self._discovery.get("profile_name") or "-",
            },
        )

    async def async_step_discovery_role(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """What the device is used for, among the roles its model can serve; or go back."""
        errors: dict[str, str] = {}
        refused: Role | None = None
        if user_input is not None:
            if user_input.get(CONF_BACK):
                return await self.async_step_discovery_confirm()
            if not isinstance(hub := self._hub_or_abort(), ConfigEntry):
                return hub
            role, errors = validate_role(self._device, user_input)
            if errors:
                refused = role
            else:
                self._role = role
                if needs_settings(role):
                    return await self.async_step_discovery_settings()
                return self._add(hub, role, {})
        return self.async_show_form(
            step_id="discovery_role",
            data_schema=role_schema(self._device),
            errors=errors,
            description_placeholders=role_placeholders(self._device, refused),
        )

    async def async_step_discovery_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Settings of the role the installer picked for the discovered device."""
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = validate_settings(self._role, user_input)
            if not isinstance(hub := self._hub_or_abort(), ConfigEntry):
                return hub
            if not errors:
                return self._add(hub, self._role, settings)
        return self.async_show_form(
            step_id="discovery_settings",
            data_schema=settings_schema(self._role, user_input or {}),
            errors=errors,
            description_placeholders={"name": self._device[CONF_NAME]},
        )

    def _add(self, hub: ConfigEntry, role: Role, settings: dict[str, Any]) -> ConfigFlowResult:
        data = device_data(self._device, role, settings)
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


def _model_name(model_id: object) -> str:
    """A guessed model's maker and name, or plain LoRaWAN when nothing was guessed."""
    info = MODELS.get(model_id) if isinstance(model_id, str) else None
    return "LoRaWAN" if info is None else f"{info.manufacturer} {info.name}"
