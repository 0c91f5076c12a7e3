"""Repairs for care codes stored before codes had to be code-shaped.

Earlier versions accepted codes such as "Anna Svensson" or "Rum 4". They keep working (an
alarm must still reach staff), but each subentry holding one gets a repair issue that asks
for a new code. Nothing is renamed behind the operator's back: the repair flow asks, checks
the answer like the subentry flows do, and then updates the subentry, and for a care unit
also every device and dispenser that names it. The issue never shows the old code, which
may be exactly the personal data that must not be shown again.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from ..care.identity import is_valid_code
from ..const import CONF_CARE_UNIT, CONF_MODEL, CONF_NAME, CONF_ROOM, DOMAIN, SUBENTRY_DEVICE
from ..derived import ROLE
from .config import (
    CONF_CLIENT,
    CONF_CODE,
    CONF_DISPENSER_ID,
    SUBENTRY_CARE_ROOM,
    SUBENTRY_CARE_UNIT,
    SUBENTRY_DISPENSER,
)
from .flow import code_errors
from .naming import care_device_name

ISSUE_PREFIX: Final = "care_code_invalid_"

# The fields holding pseudonymous codes, per subentry type.
_CODE_FIELDS: Final = {
    SUBENTRY_CARE_UNIT: (CONF_CODE,),
    SUBENTRY_DISPENSER: (CONF_DISPENSER_ID, CONF_CARE_UNIT, CONF_CLIENT),
    SUBENTRY_DEVICE: (CONF_CARE_UNIT, CONF_ROOM),
    SUBENTRY_CARE_ROOM: (CONF_CARE_UNIT, CONF_ROOM),
}


def invalid_fields(subentry: ConfigSubentry) -> list[str]:
    """The code fields of a subentry whose stored value is not a valid code today."""
    return [
        key
        for key in _CODE_FIELDS.get(subentry.subentry_type, ())
        if (value := subentry.data.get(key)) and not is_valid_code(str(value))
    ]


@callback
def async_check_codes(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise an issue for every subentry with an old-style code; clear the fixed ones."""
    registry = ir.async_get(hass)
    wanted: set[str] = set()
    for subentry in entry.subentries.values():
        fields = invalid_fields(subentry)
        if not fields:
            continue
        issue_id = f"{ISSUE_PREFIX}{subentry.subentry_id}"
        wanted.add(issue_id)
        ir.async_create_issue(
            hass, DOMAIN, issue_id, is_fixable=True, is_persistent=False, severity=ir.IssueSeverity.WARNING,
            translation_key="care_code_invalid",
            translation_placeholders={"kind": subentry.subentry_type, "fields": ", ".join(fields)},
            data={"entry_id": entry.entry_id, "subentry_id": subentry.subentry_id},
        )
    for (domain, issue_id), issue in list(registry.issues.items()):
        if (
            domain == DOMAIN
            and issue_id.startswith(ISSUE_PREFIX)
            and issue_id not in wanted
            and (issue.data or {}).get("entry_id") == entry.entry_id
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


class CareCodeRepairFlow(RepairsFlow):
    """Ask for new codes for one subentry, check them, and store them."""

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Remember which subentry needs new codes."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> data_entry_flow.FlowResult:
        """Go straight to the form."""
        return await self.async_step_confirm()

    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> data_entry_flow.FlowResult:
        """One text field per invalid code; the old value is never shown."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        subentry = entry.subentries.get(self._subentry_id) if entry else None
        if entry is None or subentry is None:
            return self.async_abort(reason="subentry_gone")
        fields = invalid_fields(subentry)
        errors: dict[str, str] = {}
        if user_input is not None:
            answers = dict(user_input)
            errors = code_errors(answers, *fields)
            if not errors:
                self._apply(entry, subentry, {key: answers[key] for key in fields})
                ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_PREFIX}{self._subentry_id}")
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({vol.Required(key): TextSelector() for key in fields}),
            errors=errors,
            description_placeholders={"kind": subentry.subentry_type},
        )

    @callback
    def _apply(self, entry: ConfigEntry, subentry: ConfigSubentry, new: dict[str, Any]) -> None:
        data = {**subentry.data, **new}
        title = subentry.title
        if subentry.subentry_type == SUBENTRY_CARE_UNIT:
            title = data[CONF_CODE]
            old = subentry.data[CONF_CODE]
            # Devices and dispensers of the unit follow its new code.
            for other in list(entry.subentries.values()):
                if other.subentry_id != subentry.subentry_id and other.data.get(CONF_CARE_UNIT) == old:
                    self._update(entry, other, {**other.data, CONF_CARE_UNIT: data[CONF_CODE]})
        elif subentry.subentry_type == SUBENTRY_DISPENSER:
            title = f"{data[CONF_CARE_UNIT]} {data[CONF_CLIENT]}"
        self._update(entry, subentry, data, title)

    @callback
    def _update(
        self, entry: ConfigEntry, subentry: ConfigSubentry, data: dict[str, Any], title: str | None = None
    ) -> None:
        if subentry.subentry_type == SUBENTRY_DEVICE and data.get(CONF_CARE_UNIT) and data.get(CONF_ROOM):
            data[CONF_NAME] = care_device_name(data[CONF_CARE_UNIT], data[CONF_ROOM], data.get(ROLE), data.get(CONF_MODEL))
            title = data[CONF_NAME]
        elif subentry.subentry_type == SUBENTRY_CARE_ROOM:
            title = f"{data[CONF_CARE_UNIT]} {data[CONF_ROOM]}"
        self.hass.config_entries.async_update_subentry(
            entry, subentry, data=MappingProxyType(data), title=title or subentry.title
        )
