"""The device subentry flow: add a LoRaWAN device by its DevEUI, or change one."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigSubentryFlow, SubentryFlowResult

from ..const import CONF_DEV_EUI, CONF_NAME
from ..derived.roles import Role
from ..device_settings import (
    needs_settings,
    role_of,
    settings_schema,
    validate_settings,
)
from .device_form import (
    CONF_BACK,
    DEVICE_FORM_KEYS,
    close_discoveries,
    dev_eui_in_use,
    device_data,
    device_schema,
    needs_role_step,
    role_placeholders,
    role_schema,
    validate_device,
    validate_role,
)


class DeviceSubentryFlow(ConfigSubentryFlow):
    """Device, then its role (when its model can serve one), then that role's settings."""

    def __init__(self) -> None:
        """Start with no device; going back from the role step shows what was entered."""
        super().__init__()
        self._device: dict[str, Any] = {}
        self._role = Role.NONE

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a device."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = validate_device(user_input)
            if not errors and dev_eui_in_use(self.hass, data[CONF_DEV_EUI]):
                errors[CONF_DEV_EUI] = "already_configured"
            if not errors:
                self._device = data
                return await self._after_device()
        return self.async_show_form(
            step_id="user",
            data_schema=device_schema(user_input or self._device, with_dev_eui=True),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a device's model, name, area or care codes, then its role; the DevEUI stays."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = validate_device(user_input)
            if not errors:
                # Settings this form does not show (the role, a mounting height) are kept.
                kept = {k: v for k, v in subentry.data.items() if k not in DEVICE_FORM_KEYS}
                self._device = kept | data
                self._device[CONF_DEV_EUI] = subentry.data[CONF_DEV_EUI]
                return await self._after_device()
        defaults = user_input or self._device or dict(subentry.data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=device_schema(defaults, with_dev_eui=False),
            errors=errors,
            description_placeholders={"dev_eui": subentry.data[CONF_DEV_EUI]},
        )

    async def _after_device(self) -> SubentryFlowResult:
        if needs_role_step(self._device):
            return await self.async_step_role()
        return self._save(Role.NONE, {})

    async def async_step_role(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """What the device is used for: only the roles its model's readings can serve."""
        errors: dict[str, str] = {}
        refused: Role | None = None
        if user_input is not None:
            if user_input.get(CONF_BACK):
                if self.source == SOURCE_RECONFIGURE:
                    return await self.async_step_reconfigure()
                return await self.async_step_user()
            role, errors = validate_role(self._device, user_input)
            if errors:
                refused = role
            else:
                self._role = role
                if needs_settings(role):
                    return await self.async_step_settings()
                return self._save(role, {})
        return self.async_show_form(
            step_id="role",
            data_schema=role_schema(self._device),
            errors=errors,
            description_placeholders=role_placeholders(self._device, refused),
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The settings of the device's role, such as a snow station's mounting height."""
        role = self._role
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = validate_settings(role, user_input)
            if not errors:
                return self._save(role, settings)
        # A device keeps its settings when only its name changes, so show them again.
        defaults = user_input or (self._device if role_of(self._device) == role else {})
        return self.async_show_form(
            step_id="settings",
            data_schema=settings_schema(role, defaults),
            errors=errors,
            description_placeholders={"name": self._device[CONF_NAME]},
        )

    def _save(self, role: Role, settings: dict[str, Any]) -> SubentryFlowResult:
        data = device_data(self._device, role, settings)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_and_abort(
                self._get_entry(), self._get_reconfigure_subentry(), title=data[CONF_NAME], data=data
            )
        close_discoveries(self.hass, data[CONF_DEV_EUI])
        return self.async_create_entry(title=data[CONF_NAME], data=data, unique_id=data[CONF_DEV_EUI])
