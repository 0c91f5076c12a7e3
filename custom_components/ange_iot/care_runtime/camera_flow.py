"""Subentry flow for a care camera: which room it watches and how to reach it.

The unit and room must already exist (a care unit subentry, a care device in that room), so
a camera can never watch a room no consent or check time belongs to. The password field is
a password selector; the URLs and credentials are stored in the subentry's data only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..care.camera_gate import DEFAULT_MARGIN, DEFAULT_MAX_LOOK
from ..const import CONF_CARE_UNIT, CONF_ROOM, SUBENTRY_DEVICE
from .camera_config import (
    CONF_LOOK_MARGIN,
    CONF_MAX_LOOK,
    CONF_STILL_IMAGE_URL,
    CONF_STREAM_URL,
    SUBENTRY_CARE_CAMERA,
)
from .config import CONF_CODE, SUBENTRY_CARE_UNIT
from .flow import code_errors


def _url_ok(value: str, schemes: tuple[str, ...]) -> bool:
    parts = urlsplit(value)
    return parts.scheme in schemes and bool(parts.hostname)


def _schema(defaults: dict[str, Any], *, with_room: bool = True) -> vol.Schema:
    def suggested(key: str) -> dict[str, Any]:
        return {"suggested_value": defaults.get(key)}

    fields: dict[Any, Any] = {}
    if with_room:
        fields[vol.Required(CONF_CARE_UNIT, default=defaults.get(CONF_CARE_UNIT, vol.UNDEFINED))] = TextSelector()
        fields[vol.Required(CONF_ROOM, default=defaults.get(CONF_ROOM, vol.UNDEFINED))] = TextSelector()
    return vol.Schema(
        {
            **fields,
            vol.Required(CONF_STILL_IMAGE_URL, description=suggested(CONF_STILL_IMAGE_URL)): TextSelector(
                TextSelectorConfig(type=TextSelectorType.URL)
            ),
            vol.Optional(CONF_STREAM_URL, description=suggested(CONF_STREAM_URL)): TextSelector(),
            vol.Optional(CONF_USERNAME, description=suggested(CONF_USERNAME)): TextSelector(),
            vol.Optional(CONF_PASSWORD): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
            vol.Required(
                CONF_LOOK_MARGIN, default=defaults.get(CONF_LOOK_MARGIN, DEFAULT_MARGIN.total_seconds() / 60)
            ): NumberSelector(NumberSelectorConfig(min=1, max=30, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min")),
            vol.Required(
                CONF_MAX_LOOK, default=defaults.get(CONF_MAX_LOOK, DEFAULT_MAX_LOOK.total_seconds())
            ): NumberSelector(NumberSelectorConfig(min=10, max=300, step=5, mode=NumberSelectorMode.BOX, unit_of_measurement="s")),
        }
    )


class CareCameraSubentryFlow(ConfigSubentryFlow):
    """Add a safety camera to a room of a care unit."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for the room and the camera's still-image URL and credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {key: value.strip() if isinstance(value, str) else value for key, value in user_input.items()}
            errors = code_errors(data, CONF_CARE_UNIT, CONF_ROOM)
            subentries = list(self._get_entry().subentries.values())
            code, room = data[CONF_CARE_UNIT], data[CONF_ROOM]
            if not errors and not any(
                s.subentry_type == SUBENTRY_CARE_UNIT and s.data.get(CONF_CODE) == code for s in subentries
            ):
                errors[CONF_CARE_UNIT] = "unknown_care_unit"
            elif not errors and not any(
                s.subentry_type == SUBENTRY_DEVICE and s.data.get(CONF_CARE_UNIT) == code and s.data.get(CONF_ROOM) == room
                for s in subentries
            ):
                errors[CONF_ROOM] = "unknown_room"
            elif not errors and any(
                s.subentry_type == SUBENTRY_CARE_CAMERA and s.data.get(CONF_CARE_UNIT) == code and s.data.get(CONF_ROOM) == room
                for s in subentries
            ):
                errors[CONF_ROOM] = "camera_exists"
            errors.update(_url_errors(data))
            if not errors:
                for key in (CONF_STREAM_URL, CONF_USERNAME, CONF_PASSWORD):
                    if not data.get(key):
                        data.pop(key, None)
                return self.async_create_entry(
                    title=f"{code} {room}", data=data, unique_id=f"care_camera_{code}_{room}"
                )
        defaults = {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD}
        return self.async_show_form(step_id="user", data_schema=_schema(defaults), errors=errors)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change the camera's address, login or look limits; its room stays.

        An empty password keeps the stored one, so it never has to be shown in the form.
        """
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {key: value.strip() if isinstance(value, str) else value for key, value in user_input.items()}
            errors = _url_errors(data)
            if not errors:
                for key in (CONF_STREAM_URL, CONF_USERNAME):
                    if not data.get(key):
                        data.pop(key, None)
                if not data.get(CONF_PASSWORD):
                    data.pop(CONF_PASSWORD, None)
                    if subentry.data.get(CONF_PASSWORD) and data.get(CONF_USERNAME):
                        data[CONF_PASSWORD] = subentry.data[CONF_PASSWORD]
                merged = {CONF_CARE_UNIT: subentry.data[CONF_CARE_UNIT], CONF_ROOM: subentry.data[CONF_ROOM], **data}
                return self.async_update_and_abort(self._get_entry(), subentry, data=merged)
        defaults = {k: v for k, v in (user_input or subentry.data).items() if k != CONF_PASSWORD}
        return self.async_show_form(
            step_id="reconfigure", data_schema=_schema(defaults, with_room=False), errors=errors
        )


def _url_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _url_ok(str(data.get(CONF_STILL_IMAGE_URL, "")), ("http", "https")):
        errors[CONF_STILL_IMAGE_URL] = "invalid_camera_url"
    if data.get(CONF_STREAM_URL) and not _url_ok(str(data[CONF_STREAM_URL]), ("http", "https", "rtsp", "rtsps")):
        errors[CONF_STREAM_URL] = "invalid_camera_url"
    return errors
