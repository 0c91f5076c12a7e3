"""Repair flows: a device silent for more than a day, a water meter that went backwards."""

from __future__ import annotations

from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig, SelectSelectorMode
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .care_runtime.code_repairs import ISSUE_PREFIX as CARE_CODE_ISSUE, CareCodeRepairFlow
from .const import DOMAIN
from .derived.roles import FeatureName
from .derived.water_meter import WaterMeter
from .hub import Hub
from .meter_backwards import meter_backwards_issue_id

ACTION_REMOVE = "remove"
ACTION_KEEP = "keep"


class _DeviceIssueRepairFlow(RepairsFlow):
    """A repair about one device of one hub, answered in a single confirm step."""

    def __init__(self, entry_id: str, dev_eui: str) -> None:
        """Remember which device the issue is about."""
        self._entry_id = entry_id
        self._dev_eui = dev_eui

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Offer the choices."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Apply the choice; each repair implements it."""
        raise NotImplementedError


class SilentDeviceRepairFlow(_DeviceIssueRepairFlow):
    """Remove a device that has gone silent, or keep it and wait."""

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Apply the installer's choice."""
        if user_input is not None:
            if user_input["action"] == ACTION_REMOVE:
                entry = self.hass.config_entries.async_get_entry(self._entry_id)
                if entry is not None:
                    for subentry in list(entry.subentries.values()):
                        if subentry.unique_id == self._dev_eui:
                            self.hass.config_entries.async_remove_subentry(
                                entry, subentry.subentry_id
                            )
            ir.async_delete_issue(self.hass, DOMAIN, f"device_silent_{self._dev_eui}")
            return self.async_create_entry(data={})
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, f"device_silent_{self._dev_eui}")
        placeholders = issue.translation_placeholders if issue else None
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema(
                {vol.Required("action", default=ACTION_KEEP): vol.In([ACTION_KEEP, ACTION_REMOVE])}
            ),
            description_placeholders=placeholders,
        )


ACTION_REPLACED = "replaced"
ACTION_GLITCH = "glitch"


class MeterBackwardsRepairFlow(_DeviceIssueRepairFlow):
    """Staff say whether a meter that went backwards was replaced, or the reading was wrong."""

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """A replacement counts from the new meter's first reading; a glitch keeps waiting."""
        issue_id = meter_backwards_issue_id(self._dev_eui)
        if user_input is not None:
            entry = self.hass.config_entries.async_get_entry(self._entry_id)
            hub: Hub | None = getattr(entry, "runtime_data", None) if entry else None
            device = hub.devices.get(self._dev_eui) if hub else None
            if hub is None or device is None:
                return self.async_abort(reason="device_gone")
            meter = device.features.get(FeatureName.WATER_METER)
            if user_input["action"] == ACTION_REPLACED and isinstance(meter, WaterMeter):
                hub.apply_derived(device, meter.confirm_replacement(dt_util.now()))
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return self.async_create_entry(data={})
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id)
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema(
                {
                    vol.Required("action"): SelectSelector(
                        SelectSelectorConfig(
                            options=[ACTION_REPLACED, ACTION_GLITCH],
                            translation_key="meter_action",
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
            description_placeholders=issue.translation_placeholders if issue else None,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow that fixes ``issue_id``."""
    if issue_id.startswith(CARE_CODE_ISSUE) and data is not None:
        return CareCodeRepairFlow(str(data["entry_id"]), str(data["subentry_id"]))
    if data is None or "entry_id" not in data or "dev_eui" not in data:
        raise ValueError(f"Issue {issue_id} carries no device")
    if issue_id.startswith(meter_backwards_issue_id("")):
        return MeterBackwardsRepairFlow(str(data["entry_id"]), str(data["dev_eui"]))
    return SilentDeviceRepairFlow(str(data["entry_id"]), str(data["dev_eui"]))
