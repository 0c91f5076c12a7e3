"""What adding a device by hand and confirming a discovered one share: the forms and their checks.

A device is added in up to three steps: the device (model, name, place, care codes), its
role (only the roles the model's readings can serve), and that role's settings. The
device subentry flow and the discovery flow both walk these steps with these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    AreaSelector,
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..care.identity import looks_like_identity_number
from ..care_runtime.deadlines import CONF_REPORT_DEADLINE
from ..care_runtime.flow import code_errors
from ..care_runtime.naming import care_device_name
from ..const import (
    CONF_AREA,
    CONF_CARE_UNIT,
    CONF_DEV_EUI,
    CONF_MODEL,
    CONF_NAME,
    CONF_ROOM,
    DOMAIN,
    MODEL_NETWORK_DECODED,
)
from ..derived import ROLE
from ..derived.roles import Role, readings_for_role, roles_for_model
from ..device_settings import merge_role, role_of
from ..lorawan.codecs import MODELS
from ..lorawan.uplink import normalize_dev_eui

CONF_BACK: Final = "back"
DEVICE_FORM_KEYS: Final = frozenset(
    {CONF_MODEL, CONF_NAME, CONF_AREA, CONF_CARE_UNIT, CONF_ROOM, CONF_REPORT_DEADLINE}
)


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


def device_schema(defaults: Mapping[str, Any], *, with_dev_eui: bool) -> vol.Schema:
    """The device step: DevEUI (when adding by hand), model, name, area and care codes."""
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
            # Care devices only: overrides the reporting deadline taken from the model.
            vol.Optional(
                CONF_REPORT_DEADLINE, description={"suggested_value": defaults.get(CONF_REPORT_DEADLINE)}
            ): NumberSelector(
                NumberSelectorConfig(min=5, max=10080, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min")
            ),
        }
    )
    return vol.Schema(fields)


def validate_device(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the device step's answers; return them with the form errors found."""
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


def needs_role_step(device: Mapping[str, Any]) -> bool:
    """Whether the model can serve any role at all; a leak sensor or a button cannot."""
    return roles_for_model(device[CONF_MODEL]) != {Role.NONE}


class _RolePicker(SelectSelector):
    """Lists only the roles the model serves, yet accepts every role.

    A role the model cannot serve (posted by a script, or kept from before the model
    changed) then reaches the flow, which refuses it with a message that says why,
    instead of the bare "value must be one of" the schema would give.
    """

    def __call__(self, data: Any) -> Any:
        return vol.In([role.value for role in Role])(vol.Schema(str)(data))


def role_schema(device: Mapping[str, Any]) -> vol.Schema:
    """The role step: the roles the device's model can serve, the current one preselected.

    A "back" box returns to the device step, to change the model or the name.
    """
    fitting = roles_for_model(device[CONF_MODEL])
    current = role_of(device)
    return vol.Schema(
        {
            vol.Required(ROLE, default=str(current if current in fitting else Role.NONE)): _RolePicker(
                SelectSelectorConfig(
                    options=[role.value for role in Role if role in fitting],
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key=ROLE,
                )
            ),
            vol.Optional(CONF_BACK, default=False): BooleanSelector(),
        }
    )


def validate_role(device: Mapping[str, Any], user_input: Mapping[str, Any]) -> tuple[Role, dict[str, str]]:
    """The chosen role, or the error that it needs readings the model does not measure."""
    role = Role(user_input[ROLE])
    if role not in roles_for_model(device[CONF_MODEL]):
        return role, {ROLE: "role_needs_reading"}
    return role, {}


def role_placeholders(device: Mapping[str, Any], refused: Role | None = None) -> dict[str, str]:
    """Name the device and its model; with a refused role, the readings that role needs."""
    model = MODELS.get(device[CONF_MODEL])
    placeholders = {
        "name": device[CONF_NAME],
        "model": model.title if model is not None else device[CONF_MODEL],
        "readings": "",
    }
    if refused is not None:
        placeholders["readings"] = ", ".join(sorted(readings_for_role(refused)))
    return placeholders


def dev_eui_in_use(hass: HomeAssistant, dev_eui: str) -> bool:
    """Whether any hub already has a device with this DevEUI."""
    return any(
        sub.unique_id == dev_eui
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        for sub in entry.subentries.values()
    )


def close_discoveries(hass: HomeAssistant, dev_eui: str) -> None:
    """A device added by hand leaves no "Discovered" card behind."""
    for flow in hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"unique_id": dev_eui}
    ):
        hass.config_entries.flow.async_abort(flow["flow_id"])


def device_data(previous: Mapping[str, Any], role: Role, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a device subentry stores: the form, its role and settings.

    A care device is named from its codes, never from what was typed or discovered: the
    network server's name is often the resident's.
    """
    data = merge_role(previous, role, settings)
    if data.get(CONF_CARE_UNIT) and data.get(CONF_ROOM):
        data[CONF_NAME] = care_device_name(data[CONF_CARE_UNIT], data[CONF_ROOM], data.get(ROLE), data.get(CONF_MODEL))
    return data
