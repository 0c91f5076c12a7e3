"""Hub options steps for installers: device lists, the network server's devices, gateways.

A base class of the hub's options flow, whose menu offers these steps. Both imports end in the same preview and the same checks as the
``ange_iot.import_devices`` action: a device list fetched from the network server becomes
a CSV the installer can complete (a meter id, a mounting height) before the preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
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
import voluptuous as vol

from ..const import CONF_API_URL, CONF_APPLICATION_ID, CONF_NETWORK, MODEL_NETWORK_DECODED
from ..derived.roles import Role, role_fits_model
from ..device_import.apply import apply_plan, build_plan, existing_devices
from ..device_import.csv_format import write
from ..device_import.network_server import (
    SERVER_CHIRPSTACK,
    SERVER_TTS,
    NetworkServerError,
    ServerDevice,
    async_list_devices,
)
from ..device_import.plan import ImportPlan
from ..device_import.problems import ImportProblem
from ..device_import.validation import ROLES
from ..gateways import CONF_GATEWAY_SILENT, DEFAULT_GATEWAY_SILENT_MIN

# Where the device-list API is kept: in entry.data, like the webhook secret.
CONF_DEVICE_API_URL: Final = "device_api_url"
CONF_DEVICE_API_KEY: Final = "device_api_key"
CONF_SERVER: Final = "server"
CONF_CSV: Final = "csv"
CONF_DEVICES: Final = "devices"
CONF_ROLE: Final = "role"
PREVIEW_LINES: Final = 40

INSTALLER_MENU: Final = ("import_devices", "network_import", "gateway_health")


def _preview(plan: ImportPlan) -> str:
    """The preview's list: what each device would become, the changes first."""
    lines: list[str] = []
    for mark, changes in (("+", plan.create), ("~", plan.update), ("=", plan.unchanged)):
        lines.extend(f"{mark} {c.name} ({c.dev_eui})" for c in changes)
    if len(lines) > PREVIEW_LINES:
        lines = [*lines[:PREVIEW_LINES], f"… (+{len(lines) - PREVIEW_LINES})"]
    return "\n".join(lines)


def _csv_for(devices: list[ServerDevice], chosen: list[str], role: str) -> str:
    """A device list for the import step from the network server's devices."""
    rows = []
    for device in devices:
        if device.dev_eui not in chosen:
            continue
        model = device.suggested_model or MODEL_NETWORK_DECODED
        rows.append(
            {
                "dev_eui": device.dev_eui,
                "model": model,
                "name": device.name,
                "role": role if role != Role.NONE and role_fits_model(role, model) else "",
            }
        )
    return write(rows)


class InstallerStepsMixin(OptionsFlow):
    """Options-flow steps for bulk onboarding and gateway health."""

    _import_csv: str = ""
    _server_devices: list[ServerDevice]

    async def async_step_import_devices(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Paste a device list (CSV); the next step shows what it would do."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            self._import_csv = str(user_input.get(CONF_CSV, ""))
            try:
                build_plan(self.hass, self.config_entry, self._import_csv)
            except ImportProblem as problem:
                errors["base"] = problem.translation_key
                placeholders = problem.placeholders
            else:
                return await self.async_step_import_preview()
        return self.async_show_form(
            step_id="import_devices",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_CSV, default=self._import_csv or vol.UNDEFINED): TextSelector(
                        TextSelectorConfig(multiline=True)
                    )
                }
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_import_preview(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show what would be created, updated or left alone; confirming applies it all."""
        try:
            # Checked again: another flow may have changed the hub since.
            plan = build_plan(self.hass, self.config_entry, self._import_csv)
        except ImportProblem as problem:
            return self.async_show_form(
                step_id="import_devices",
                data_schema=vol.Schema({vol.Required(CONF_CSV, default=self._import_csv): TextSelector(TextSelectorConfig(multiline=True))}),
                errors={"base": problem.translation_key},
                description_placeholders=problem.placeholders,
            )
        if user_input is not None:
            apply_plan(self.hass, self.config_entry, plan)
            return self.async_create_entry(data=dict(self.config_entry.options))
        return self.async_show_form(
            step_id="import_preview",
            data_schema=vol.Schema({}),
            description_placeholders={
                "created": str(len(plan.create)),
                "updated": str(len(plan.update)),
                "unchanged": str(len(plan.unchanged)),
                "devices": _preview(plan),
                "ignored": ", ".join(plan.ignored_columns) or "-",
            },
        )

    async def async_step_network_import(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Connect to the network server's API and read the application's devices."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                self._server_devices = await async_list_devices(
                    async_get_clientsession(self.hass),
                    user_input[CONF_SERVER],
                    user_input[CONF_DEVICE_API_URL],
                    user_input[CONF_DEVICE_API_KEY],
                    user_input[CONF_APPLICATION_ID],
                )
            except NetworkServerError as err:
                errors["base"] = err.reason
            else:
                if not self._server_devices:
                    errors["base"] = "no_devices"
                else:
                    self._remember_api(user_input)
                    return await self.async_step_network_pick()
        current: Mapping[str, Any] = user_input or {}
        network = entry.data.get(CONF_NETWORK)
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SERVER,
                    default=current.get(CONF_SERVER) or (network if network in (SERVER_CHIRPSTACK, SERVER_TTS) else SERVER_CHIRPSTACK),
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[SERVER_CHIRPSTACK, SERVER_TTS], mode=SelectSelectorMode.LIST, translation_key=CONF_SERVER
                    )
                ),
                vol.Required(
                    CONF_DEVICE_API_URL,
                    default=current.get(CONF_DEVICE_API_URL)
                    or entry.data.get(CONF_DEVICE_API_URL)
                    or entry.options.get(CONF_API_URL)
                    or vol.UNDEFINED,
                ): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
                vol.Required(
                    CONF_DEVICE_API_KEY,
                    default=current.get(CONF_DEVICE_API_KEY) or entry.data.get(CONF_DEVICE_API_KEY) or vol.UNDEFINED,
                ): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
                vol.Required(
                    CONF_APPLICATION_ID,
                    default=current.get(CONF_APPLICATION_ID) or entry.data.get(CONF_APPLICATION_ID) or vol.UNDEFINED,
                ): TextSelector(),
            }
        )
        return self.async_show_form(step_id="network_import", data_schema=schema, errors=errors)

    def _remember_api(self, user_input: Mapping[str, Any]) -> None:
        """Keep the URL and key for next time (the key like the webhook secret)."""
        entry = self.config_entry
        url, key = user_input[CONF_DEVICE_API_URL], user_input[CONF_DEVICE_API_KEY]
        if entry.data.get(CONF_DEVICE_API_URL) != url or entry.data.get(CONF_DEVICE_API_KEY) != key:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_DEVICE_API_URL: url, CONF_DEVICE_API_KEY: key}
            )

    async def async_step_network_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick devices and one role for them; the import step then shows them as CSV."""
        if user_input is not None:
            self._import_csv = _csv_for(self._server_devices, list(user_input[CONF_DEVICES]), user_input[CONF_ROLE])
            return await self.async_step_import_devices()
        known = existing_devices(self.config_entry)
        options = [
            SelectOptionDict(
                value=device.dev_eui,
                label=f"{device.name} · {device.profile or '-'} → {device.suggested_model or MODEL_NETWORK_DECODED}"
                + (" ✓" if device.dev_eui in known else ""),
            )
            for device in self._server_devices
        ]
        new = [device.dev_eui for device in self._server_devices if device.dev_eui not in known]
        schema = vol.Schema(
            {
                vol.Required(CONF_DEVICES, default=new): SelectSelector(
                    SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.LIST)
                ),
                vol.Required(CONF_ROLE, default=Role.NONE.value): SelectSelector(
                    SelectSelectorConfig(options=list(ROLES), mode=SelectSelectorMode.DROPDOWN, translation_key=CONF_ROLE)
                ),
            }
        )
        return self.async_show_form(
            step_id="network_pick",
            data_schema=schema,
            description_placeholders={"count": str(len(self._server_devices)), "new": str(len(new))},
        )

    async def async_step_gateway_health(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How long a gateway may stay quiet before it counts as silent."""
        options = dict(self.config_entry.options)
        if user_input is not None:
            return self.async_create_entry(data=options | {CONF_GATEWAY_SILENT: user_input[CONF_GATEWAY_SILENT]})
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_GATEWAY_SILENT, default=options.get(CONF_GATEWAY_SILENT, DEFAULT_GATEWAY_SILENT_MIN)
                ): NumberSelector(
                    NumberSelectorConfig(min=5, max=1440, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min")
                )
            }
        )
        return self.async_show_form(step_id="gateway_health", data_schema=schema)

