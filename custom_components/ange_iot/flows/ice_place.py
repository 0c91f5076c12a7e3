"""Subentry flow for an ice place: a name and where it is."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers.selector import LocationSelector, LocationSelectorConfig, TextSelector
import voluptuous as vol

from ..device_settings import CONF_LATITUDE, CONF_LOCATION, CONF_LONGITUDE


def _schema(defaults: dict[str, Any]) -> vol.Schema:
    location = (
        {CONF_LATITUDE: defaults[CONF_LATITUDE], CONF_LONGITUDE: defaults[CONF_LONGITUDE]}
        if CONF_LATITUDE in defaults
        else None
    )
    return vol.Schema(
        {
            vol.Required("name", default=defaults.get("name", vol.UNDEFINED)): TextSelector(),
            vol.Optional(CONF_LOCATION, description={"suggested_value": location}): LocationSelector(
                LocationSelectorConfig(radius=False)
            ),
        }
    )


def _data(user_input: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": str(user_input["name"]).strip()}
    if isinstance(location := user_input.get(CONF_LOCATION), dict):
        data[CONF_LATITUDE] = float(location[CONF_LATITUDE])
        data[CONF_LONGITUDE] = float(location[CONF_LONGITUDE])
    return data


class IcePlaceSubentryFlow(ConfigSubentryFlow):
    """Add or change a place where staff measure ice thickness."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add an ice place."""
        if user_input is not None:
            data = _data(user_input)
            return self.async_create_entry(title=data["name"], data=data)
        return self.async_show_form(step_id="user", data_schema=_schema({}))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Rename or move an ice place."""
        subentry = self._get_reconfigure_subentry()
        if user_input is not None:
            data = _data(user_input)
            return self.async_update_and_abort(
                self._get_entry(), subentry, title=data["name"], data=data
            )
        return self.async_show_form(step_id="reconfigure", data_schema=_schema(dict(subentry.data)))
