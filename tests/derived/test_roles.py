"""Which roles a model can serve: the readings each role works from, against each codec's keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.ange_iot.derived import ROLE, build_features
from custom_components.ange_iot.derived.roles import (
    CARE_ROLES,
    STORAGE_ROLES,
    FeatureName,
    Role,
    readings_for_role,
    role_fits_model,
    roles_for_model,
)
from custom_components.ange_iot.device_settings import needs_settings, role_of, settings_schema
from custom_components.ange_iot.intrusion import presence_in
from custom_components.ange_iot.lorawan.codecs import MODELS

NOW = datetime(2026, 1, 15, 8, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
KITCHEN = STORAGE_ROLES


def test_a_room_sensor_is_no_snow_station() -> None:
    """The case from the issue: an Elsys ERS measures no distance."""
    roles = roles_for_model("elsys_ers")
    assert Role.SNOW_STATION not in roles
    assert Role.WASTE_BIN not in roles
    assert roles == {Role.NONE, Role.LAKE, *KITCHEN, Role.TRAIL, Role.INTRUSION, Role.ROOM_PRESENCE}
    assert not role_fits_model("snow_station", "elsys_ers")
    assert role_fits_model("fridge", "elsys_ers")


@pytest.mark.parametrize(
    ("model", "roles"),
    [
        ("dragino_ldds75", {Role.NONE, Role.SNOW_STATION, Role.WASTE_BIN, Role.LAKE}),
        ("milesight_ts101", {Role.NONE, Role.LAKE}),
        ("axioma_qalcosonic_w1", {Role.NONE, Role.WATER_METER}),
        ("milesight_vs133", {Role.NONE, Role.TRAIL}),
        ("netvox_r311wa", {Role.NONE, Role.INTRUSION, Role.BED, Role.ROOM_PRESENCE}),
        ("elsys_ems_door", {Role.NONE, Role.INTRUSION, Role.OUTER_DOOR}),
        ("dragino_lwl02", {Role.NONE}),
        ("milesight_ws101", {Role.NONE}),
    ],
)
def test_roles_follow_the_codecs_readings(model: str, roles: set[Role]) -> None:
    assert roles_for_model(model) == roles


def test_network_decoded_devices_may_serve_any_role() -> None:
    """The network server's decoder may send anything, so nothing is ruled out."""
    assert roles_for_model("network_decoded") == set(Role)


def test_unknown_models_and_roles() -> None:
    assert roles_for_model("acme_widget") == {Role.NONE}
    assert role_fits_model("none", "acme_widget")
    assert not role_fits_model("lake", "acme_widget")
    assert not role_fits_model("bogus", "elsys_ers")
    assert not role_fits_model("", "network_decoded")


def test_every_role_but_none_needs_a_reading_and_some_model_has_it() -> None:
    assert readings_for_role(Role.NONE) == frozenset()
    for role in Role:
        if role is not Role.NONE:
            assert readings_for_role(role), role
            assert any(role in roles_for_model(model_id) for model_id in MODELS), role


def test_vocabulary() -> None:
    assert {str(role) for role in CARE_ROLES} == {"bed", "outer_door", "room_presence"}
    assert {str(role) for role in KITCHEN} == {"fridge", "freezer", "cold_room", "dry_store"}
    assert [str(name) for name in FeatureName] == ["snow", "bin", "lake", "cold_chain", "water_meter", "visitors"]
    # A stored role string reads back as the same member.
    assert role_of({ROLE: "lake"}) is Role.LAKE


# A role's feature, as the hub builds it from the role's settings.
_SETTINGS: dict[Role, dict[str, Any]] = {
    Role.SNOW_STATION: {"mounting_height_cm": 200},
    Role.WASTE_BIN: {"bin_depth_cm": 100},
}
_VALUES: dict[str, tuple[Any, Any]] = {
    "distance": (1500, 1400),
    "temperature": (4.0, 12.0),
    "external_temperature": (16.0, 17.0),
    "water_temperature": (16.0, 17.0),
    "volume": (100.0, 100.5),
    "people_in": (3, 4),
    "people_total": (10, 14),
    "motion": (2, 3),
}


@pytest.mark.parametrize(
    "role", [role for role in Role if role not in CARE_ROLES and role not in (Role.NONE, Role.INTRUSION)]
)
def test_each_reading_a_role_accepts_drives_its_feature(role: Role) -> None:
    """The readings listed for a role are the ones its feature really reads."""
    for key in readings_for_role(role):
        features = build_features({ROLE: str(role), **_SETTINGS.get(role, {})}, None)
        assert features, role
        produced: dict[str, Any] = {}
        for step, value in enumerate(_VALUES[key]):
            at = NOW + timedelta(minutes=31 * step)
            for feature in features.values():
                feature.tick(at)
                produced |= feature.update({key: value}, {key}, at)
        assert produced, f"{role} ignores {key}"


def test_intrusion_readings_are_presence() -> None:
    for key in readings_for_role(Role.INTRUSION):
        value = 1 if key == "motion" else True
        assert presence_in({key: value}) is True, key


@pytest.mark.parametrize("role", [Role.NONE, *sorted(CARE_ROLES)])
def test_roles_without_settings_skip_the_settings_step(role: Role) -> None:
    assert not needs_settings(role)
    assert settings_schema(role, {}).schema == {}
