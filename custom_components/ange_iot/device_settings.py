"""The second step of adding a device: what it is used for, and that job's settings.

A snow station needs its mounting height, a bin its depth, a fridge its limits. Keys
are the DESIGN.md subentry keys where DESIGN.md names them (``mounting_height_cm``,
``bin_depth_cm``); derived/ reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    LocationSelector,
    LocationSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import voluptuous as vol

from .derived import ROLE
from .derived.cold_chain import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_LIMITS,
    GRACE_MINUTES,
    TEMP_MAX,
    TEMP_MIN,
    StorageRole,
)
from .derived.lake import DEFAULT_FRESH_FROM, DEFAULT_WARM_FROM, FRESH_FROM, WARM_FROM
from .derived.roles import CARE_ROLES, STORAGE_ROLES, Role
from .derived.snow import MOUNTING_HEIGHT
from .derived.visitors import DEFAULT_SEASON_START, SEASON_START, parse_season_start
from .derived.waste_bin import BIN_DEPTH, DEFAULT_FILL_THRESHOLD, FILL_THRESHOLD
from .derived.water_meter import METER_ID, PLACE

CONF_LOCATION: Final = "location"
CONF_LATITUDE: Final = "latitude"
CONF_LONGITUDE: Final = "longitude"
CONF_SCHEDULE: Final = "schedule_entity"

# Roles of devices at a place outdoors: their position goes on the map and into route planning.
_PLACED_ROLES: Final = frozenset({Role.SNOW_STATION, Role.WASTE_BIN, Role.LAKE, Role.TRAIL, Role.WATER_METER})

# Settings each role owns; switching role drops the old role's settings.
_ROLE_KEYS: Final = frozenset(
    {
        MOUNTING_HEIGHT, BIN_DEPTH, FILL_THRESHOLD, FRESH_FROM, WARM_FROM, TEMP_MIN, TEMP_MAX,
        GRACE_MINUTES, METER_ID, PLACE, SEASON_START, CONF_SCHEDULE, CONF_LATITUDE, CONF_LONGITUDE,
    }
)


def role_of(data: Mapping[str, Any]) -> Role:
    """The stored role; devices set up by size keys alone still count as snow or bin."""
    role = data.get(ROLE)
    if isinstance(role, str) and role in Role:
        return Role(role)
    if MOUNTING_HEIGHT in data:
        return Role.SNOW_STATION
    if BIN_DEPTH in data:
        return Role.WASTE_BIN
    return Role.NONE


def needs_settings(role: Role) -> bool:
    """Whether the role has a settings step (care roles need none)."""
    return role != Role.NONE and role not in CARE_ROLES


def _number(minimum: float, maximum: float, step: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX, unit_of_measurement=unit
        )
    )


def _default(defaults: Mapping[str, Any], key: str, fallback: Any = vol.UNDEFINED) -> Any:
    value = defaults.get(key)
    return fallback if value is None else value


def settings_schema(role: Role, defaults: Mapping[str, Any]) -> vol.Schema:
    """The fields of one role's settings step."""
    fields: dict[Any, Any] = {}
    if role == Role.SNOW_STATION:
        fields[vol.Required(MOUNTING_HEIGHT, default=_default(defaults, MOUNTING_HEIGHT))] = _number(10, 1000, 1, "cm")
    elif role == Role.WASTE_BIN:
        fields[vol.Required(BIN_DEPTH, default=_default(defaults, BIN_DEPTH))] = _number(10, 500, 1, "cm")
        fields[vol.Required(FILL_THRESHOLD, default=_default(defaults, FILL_THRESHOLD, DEFAULT_FILL_THRESHOLD))] = _number(10, 100, 1, "%")
    elif role == Role.LAKE:
        fields[vol.Required(FRESH_FROM, default=_default(defaults, FRESH_FROM, DEFAULT_FRESH_FROM))] = _number(0, 30, 0.5, "°C")
        fields[vol.Required(WARM_FROM, default=_default(defaults, WARM_FROM, DEFAULT_WARM_FROM))] = _number(0, 35, 0.5, "°C")
    elif role in STORAGE_ROLES:
        low, high = DEFAULT_LIMITS[StorageRole(role)]
        fields[vol.Optional(TEMP_MIN, description={"suggested_value": _default(defaults, TEMP_MIN, low)})] = _number(-40, 40, 0.5, "°C")
        fields[vol.Optional(TEMP_MAX, description={"suggested_value": _default(defaults, TEMP_MAX, high)})] = _number(-40, 40, 0.5, "°C")
        fields[vol.Required(GRACE_MINUTES, default=_default(defaults, GRACE_MINUTES, DEFAULT_GRACE_MINUTES))] = _number(1, 1440, 1, "min")
    elif role == Role.WATER_METER:
        fields[vol.Optional(METER_ID, description={"suggested_value": defaults.get(METER_ID)})] = TextSelector()
        fields[vol.Optional(PLACE, description={"suggested_value": defaults.get(PLACE)})] = TextSelector()
    elif role == Role.TRAIL:
        fields[vol.Required(SEASON_START, default=_default(defaults, SEASON_START, DEFAULT_SEASON_START))] = TextSelector()
    elif role == Role.INTRUSION:
        fields[vol.Required(CONF_SCHEDULE, default=_default(defaults, CONF_SCHEDULE))] = EntitySelector(
            EntitySelectorConfig(domain="schedule")
        )
    if role in _PLACED_ROLES:
        location = (
            {CONF_LATITUDE: defaults[CONF_LATITUDE], CONF_LONGITUDE: defaults[CONF_LONGITUDE]}
            if CONF_LATITUDE in defaults and CONF_LONGITUDE in defaults
            else None
        )
        fields[vol.Optional(CONF_LOCATION, description={"suggested_value": location})] = LocationSelector(
            LocationSelectorConfig(radius=False)
        )
    return vol.Schema(fields)


def validate_settings(role: Role, user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean one role's settings; return them with the form errors found."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        key: value for key, value in user_input.items() if value not in (None, "") and key != CONF_LOCATION
    }
    if isinstance(location := user_input.get(CONF_LOCATION), Mapping):
        data[CONF_LATITUDE] = float(location[CONF_LATITUDE])
        data[CONF_LONGITUDE] = float(location[CONF_LONGITUDE])
    if role == Role.LAKE and data[WARM_FROM] <= data[FRESH_FROM]:
        errors[WARM_FROM] = "warm_not_above_fresh"
    if TEMP_MIN in data and TEMP_MAX in data and data[TEMP_MIN] >= data[TEMP_MAX]:
        errors[TEMP_MAX] = "max_not_above_min"
    if role == Role.TRAIL:
        try:
            parse_season_start(data[SEASON_START])
        except ValueError:
            errors[SEASON_START] = "invalid_season_start"
    return data, errors


def merge_role(previous: Mapping[str, Any], role: Role, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Device data with the role's settings replacing any earlier role's."""
    kept = {key: value for key, value in previous.items() if key not in _ROLE_KEYS and key != ROLE}
    if role != Role.NONE:
        kept[ROLE] = str(role)
    return kept | dict(settings)
