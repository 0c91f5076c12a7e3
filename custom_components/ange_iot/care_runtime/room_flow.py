"""Subentry flow for a resident's room: its own night check times.

Check times belong to the resident, not to the unit: one resident is checked at 23 and 03,
another only at 02. A room without this subentry is checked at its unit's times (the unit's
check times are the default, so units set up before rooms existed keep their schedule).
Consent is not a setting but a record with a date and a person: see the record_consent and
withdraw_consent actions.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..const import CONF_CARE_UNIT, CONF_ROOM
from .config import CONF_CHECK_TIMES, CONF_CODE, SUBENTRY_CARE_ROOM, SUBENTRY_CARE_UNIT
from .flow import CHECK_TIME_OPTIONS, code_errors, valid_clock


class CareRoomSubentryFlow(ConfigSubentryFlow):
    """Add or change a resident's room: unit, room code and check times."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a room."""
        return await self._form("user", user_input)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change a room's check times; its unit and code stay."""
        return await self._form("reconfigure", user_input)

    def _unit_defaults(self, code: str | None) -> list[str]:
        for sub in self._get_entry().subentries.values():
            if sub.subentry_type == SUBENTRY_CARE_UNIT and sub.data.get(CONF_CODE) == code:
                return list(sub.data.get(CONF_CHECK_TIMES) or [])
        return ["23:00", "02:00", "05:00"]

    async def _form(self, step: str, user_input: dict[str, Any] | None) -> SubentryFlowResult:
        reconfiguring = self.source == SOURCE_RECONFIGURE
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(user_input)
            if reconfiguring:
                stored = self._get_reconfigure_subentry().data
                data[CONF_CARE_UNIT], data[CONF_ROOM] = stored[CONF_CARE_UNIT], stored[CONF_ROOM]
            errors = code_errors(data, CONF_CARE_UNIT, CONF_ROOM)
            if not data.get(CONF_CHECK_TIMES) or not all(valid_clock(t) for t in data[CONF_CHECK_TIMES]):
                errors[CONF_CHECK_TIMES] = "invalid_check_time"
            if not reconfiguring and not errors and any(
                sub.subentry_type == SUBENTRY_CARE_ROOM
                and (sub.data.get(CONF_CARE_UNIT), sub.data.get(CONF_ROOM)) == (data[CONF_CARE_UNIT], data[CONF_ROOM])
                for sub in self._get_entry().subentries.values()
            ):
                errors[CONF_ROOM] = "room_exists"
            if not errors:
                title = f"{data[CONF_CARE_UNIT]} {data[CONF_ROOM]}"
                if reconfiguring:
                    return self.async_update_and_abort(
                        self._get_entry(), self._get_reconfigure_subentry(), title=title, data=data
                    )
                return self.async_create_entry(
                    title=title, data=data, unique_id=f"care_room_{data[CONF_CARE_UNIT]}_{data[CONF_ROOM]}"
                )
        defaults = user_input or (dict(self._get_reconfigure_subentry().data) if reconfiguring else {})
        fields: dict[Any, Any] = {}
        if not reconfiguring:
            fields[vol.Required(CONF_CARE_UNIT, default=defaults.get(CONF_CARE_UNIT, vol.UNDEFINED))] = TextSelector()
            fields[vol.Required(CONF_ROOM, default=defaults.get(CONF_ROOM, vol.UNDEFINED))] = TextSelector()
        fields[
            vol.Required(
                CONF_CHECK_TIMES,
                default=defaults.get(CONF_CHECK_TIMES) or self._unit_defaults(defaults.get(CONF_CARE_UNIT)),
            )
        ] = SelectSelector(
            SelectSelectorConfig(
                options=CHECK_TIME_OPTIONS, multiple=True, custom_value=True, mode=SelectSelectorMode.DROPDOWN
            )
        )
        return self.async_show_form(step_id=step, data_schema=vol.Schema(fields), errors=errors)
