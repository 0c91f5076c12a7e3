"""Subentry flows for care units and medicine dispensers.

Only pseudonymous codes are accepted: a unit code such as SOL-2, a client code for
home care. Anything that looks like a personal identity number is refused.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
import voluptuous as vol

from ..care.alarms import AlarmKind
from ..care.identity import is_valid_code, looks_like_identity_number
from ..const import CONF_CARE_UNIT
from .config import (
    CONF_ARRIVAL_KINDS,
    CONF_CHECK_TIMES,
    CONF_CLIENT,
    CONF_CODE,
    CONF_DISPENSER_ID,
    CONF_ESCALATE_AFTER,
    CONF_HEARTBEAT,
    CONF_INACTIVE_BY,
    CONF_NIGHT_END,
    CONF_NIGHT_START,
    CONF_NOTIFY,
    CONF_NOTIFY_TIER2,
    CONF_NOTIFY_TIER3,
    CONF_OUT_OF_BED,
    CONF_REESCALATE,
    CONF_RENOTIFY,
    CONF_TEST_INTERVAL,
    CONF_TIER3_AFTER,
    DEFAULT_ESCALATE_AFTER,
    DEFAULT_HEARTBEAT,
    DEFAULT_OUT_OF_BED,
    DEFAULT_REESCALATE,
    DEFAULT_RENOTIFY,
    DEFAULT_TEST_INTERVAL,
    DEFAULT_TIER3_AFTER,
    SUBENTRY_CARE_UNIT,
    SUBENTRY_DISPENSER,
)

CHECK_TIME_OPTIONS = [f"{hour:02d}:{minute:02d}" for hour in (*range(20, 24), *range(9)) for minute in (0, 30)]


def _minutes(minimum: int, maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min")
    )


def code_errors(data: dict[str, Any], *keys: str) -> dict[str, str]:
    """Strip the pseudonymous codes under ``keys`` and name what is wrong with each."""
    errors: dict[str, str] = {}
    for key in keys:
        value = str(data.get(key, "")).strip()
        data[key] = value
        if looks_like_identity_number(value):
            errors[key] = "identity_number"
        elif not is_valid_code(value):
            errors[key] = "invalid_code"
    return errors


NOTIFY_TIERS = (CONF_NOTIFY, CONF_NOTIFY_TIER2, CONF_NOTIFY_TIER3)


def notify_services(hass: HomeAssistant) -> list[str]:
    """Every notify action HA has now, as ``notify.<name>``, for the target pickers."""
    return sorted(f"notify.{name}" for name in hass.services.async_services_for_domain("notify"))


def notify_errors(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, str]:
    """Clean the tiers' targets; each must be an existing notify action, not free text."""
    errors: dict[str, str] = {}
    for key in NOTIFY_TIERS:
        targets = [str(t).strip() for t in data.get(key, []) if str(t).strip()]
        data[key] = targets
        for target in targets:
            domain, _, name = target.partition(".")
            if domain != "notify" or not hass.services.has_service(domain, name):
                errors[key] = "notify_target_unknown"
    return errors


def _targets_selector(options: list[str]) -> SelectSelector:
    # custom_value keeps a typed target in the form, so it gets a translated error.
    return SelectSelector(SelectSelectorConfig(options=options, multiple=True, custom_value=True))


def _unit_schema(defaults: dict[str, Any], *, with_code: bool, notify: list[str]) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if with_code:
        fields[vol.Required(CONF_CODE, default=defaults.get(CONF_CODE, vol.UNDEFINED))] = TextSelector()
    fields.update(
        {
            vol.Optional(key, description={"suggested_value": defaults.get(key)}): _targets_selector(notify)
            for key in NOTIFY_TIERS
        }
    )
    fields.update(
        {
            vol.Required(CONF_NIGHT_START, default=defaults.get(CONF_NIGHT_START, "22:00:00")): TimeSelector(),
            vol.Required(CONF_NIGHT_END, default=defaults.get(CONF_NIGHT_END, "07:00:00")): TimeSelector(),
            vol.Required(
                CONF_CHECK_TIMES, default=defaults.get(CONF_CHECK_TIMES, ["23:00", "02:00", "05:00"])
            ): SelectSelector(
                SelectSelectorConfig(options=CHECK_TIME_OPTIONS, multiple=True, custom_value=True, mode=SelectSelectorMode.DROPDOWN)
            ),
            vol.Required(CONF_ESCALATE_AFTER, default=defaults.get(CONF_ESCALATE_AFTER, DEFAULT_ESCALATE_AFTER)): _minutes(1, 120),
            vol.Required(CONF_OUT_OF_BED, default=defaults.get(CONF_OUT_OF_BED, DEFAULT_OUT_OF_BED)): _minutes(5, 240),
            vol.Required(CONF_INACTIVE_BY, default=defaults.get(CONF_INACTIVE_BY, "10:00:00")): TimeSelector(),
            vol.Required(CONF_TIER3_AFTER, default=defaults.get(CONF_TIER3_AFTER, DEFAULT_TIER3_AFTER)): _minutes(1, 120),
            vol.Required(CONF_RENOTIFY, default=defaults.get(CONF_RENOTIFY, DEFAULT_RENOTIFY)): _minutes(0, 60),
            vol.Required(CONF_REESCALATE, default=defaults.get(CONF_REESCALATE, DEFAULT_REESCALATE)): _minutes(0, 120),
            vol.Optional(CONF_ARRIVAL_KINDS, description={"suggested_value": defaults.get(CONF_ARRIVAL_KINDS)}): SelectSelector(
                SelectSelectorConfig(
                    options=[kind.value for kind in AlarmKind], multiple=True, translation_key="alarm_kind",
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_TEST_INTERVAL, default=defaults.get(CONF_TEST_INTERVAL, DEFAULT_TEST_INTERVAL)): NumberSelector(
                NumberSelectorConfig(min=1, max=365, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="d")
            ),
        }
    )
    return vol.Schema(fields)


def valid_clock(value: object) -> bool:
    """Whether ``value`` is a wall-clock time "HH:MM" or "HH:MM:SS"."""
    if not isinstance(value, str):
        return False
    parts = value.split(":")
    return len(parts) in (2, 3) and all(p.isdigit() for p in parts) and int(parts[0]) < 24 and int(parts[1]) < 60


class CareUnitSubentryFlow(ConfigSubentryFlow):
    """Add or change a care unit: its code, on-duty targets, night hours and limits."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a care unit."""
        return await self._form("user", user_input)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change a care unit's settings; its code stays."""
        return await self._form("reconfigure", user_input)

    async def _form(self, step: str, user_input: dict[str, Any] | None) -> SubentryFlowResult:
        reconfiguring = self.source == SOURCE_RECONFIGURE
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(user_input)
            if reconfiguring:
                data[CONF_CODE] = self._get_reconfigure_subentry().data[CONF_CODE]
            errors = code_errors(data, CONF_CODE) | notify_errors(self.hass, data)
            if not all(valid_clock(t) for t in data.get(CONF_CHECK_TIMES, [])):
                errors[CONF_CHECK_TIMES] = "invalid_check_time"
            if not reconfiguring and any(
                sub.subentry_type == SUBENTRY_CARE_UNIT and sub.data.get(CONF_CODE) == data[CONF_CODE]
                for sub in self._get_entry().subentries.values()
            ):
                errors[CONF_CODE] = "unit_exists"
            if not errors:
                if reconfiguring:
                    return self.async_update_and_abort(
                        self._get_entry(), self._get_reconfigure_subentry(), title=data[CONF_CODE], data=data
                    )
                return self.async_create_entry(title=data[CONF_CODE], data=data, unique_id=f"care_unit_{data[CONF_CODE]}")
        defaults = user_input or (dict(self._get_reconfigure_subentry().data) if reconfiguring else {})
        return self.async_show_form(
            step_id=step, errors=errors,
            data_schema=_unit_schema(defaults, with_code=not reconfiguring, notify=notify_services(self.hass)),
        )


class DispenserSubentryFlow(ConfigSubentryFlow):
    """Add or change a medicine dispenser in home care."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a dispenser by the id its cloud or adapter uses."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(user_input)
            errors = code_errors(data, CONF_DISPENSER_ID, CONF_CARE_UNIT, CONF_CLIENT)
            if not errors and any(
                sub.subentry_type == SUBENTRY_DISPENSER and sub.data.get(CONF_DISPENSER_ID) == data[CONF_DISPENSER_ID]
                for sub in self._get_entry().subentries.values()
            ):
                errors[CONF_DISPENSER_ID] = "dispenser_exists"
            if not errors:
                return self.async_create_entry(
                    title=f"{data[CONF_CARE_UNIT]} {data[CONF_CLIENT]}", data=data,
                    unique_id=f"dispenser_{data[CONF_DISPENSER_ID]}",
                )
        defaults = user_input or {}
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_DISPENSER_ID, default=defaults.get(CONF_DISPENSER_ID, vol.UNDEFINED)): TextSelector(),
                    vol.Required(CONF_CARE_UNIT, default=defaults.get(CONF_CARE_UNIT, vol.UNDEFINED)): TextSelector(),
                    vol.Required(CONF_CLIENT, default=defaults.get(CONF_CLIENT, vol.UNDEFINED)): TextSelector(),
                    vol.Required(CONF_HEARTBEAT, default=defaults.get(CONF_HEARTBEAT, DEFAULT_HEARTBEAT)): _minutes(5, 1440),
                }
            ),
            errors=errors,
        )
