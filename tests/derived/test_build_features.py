"""Which derived features a device's settings give it, and what they are set up with."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from custom_components.ange_iot.derived import ROLE, STORAGE_ROLES, Feature, Role, build_features
from custom_components.ange_iot.derived.cold_chain import (
    DEFAULT_LIMITS,
    GRACE_MINUTES,
    TEMP_MAX,
    TEMP_MIN,
    ColdChain,
    StorageRole,
)
from custom_components.ange_iot.derived.lake import (
    ALL_SOURCES,
    FRESH_FROM,
    PROBE_SOURCES,
    WARM_FROM,
    Lake,
)
from custom_components.ange_iot.derived.snow import MOUNTING_HEIGHT, SNOW_DEPTH, SnowStation
from custom_components.ange_iot.derived.visitors import SEASON_START, TrailCounter
from custom_components.ange_iot.derived.waste_bin import (
    BIN_DEPTH,
    FILL_LEVEL,
    FILL_THRESHOLD,
    WasteBin,
)
from custom_components.ange_iot.derived.water_meter import DAILY_CONSUMPTION, WaterMeter
from custom_components.ange_iot.lorawan.codecs import MODELS, ModelInfo

from .common import Device, local

# Real models from the codec registry, one per kind of device the settings apply to.
DISTANCE = MODELS["milesight_em310_udl"]
ELT_2 = MODELS["elsys_elt_2"]  # board temperature plus an external probe
ELT_LITE = MODELS["elsys_elt_lite"]
CLIMATE = MODELS["elsys_ers"]
AXIOMA = MODELS["axioma_qalcosonic_w1"]
COUNTER = MODELS["milesight_vs133"]

T0 = local(2025, 1, 20, 10, 0)


def features(settings: dict[str, Any], model: ModelInfo | None = CLIMATE) -> dict[str, Feature]:
    return build_features(settings, model)


def test_plain_device_has_no_derived_features() -> None:
    assert features({}) == {}
    assert features({ROLE: Role.INTRUSION}, MODELS["elsys_ers_eye"]) == {}
    assert features({ROLE: "garage"}) == {}


# ---------------------------------------------------------------- snow and bins


@pytest.mark.parametrize("height", [250, 250.0, "250"])
def test_mounting_height_makes_a_snow_station(height: object) -> None:
    built = features({MOUNTING_HEIGHT: height}, DISTANCE)
    assert list(built) == ["snow"]
    snow = built["snow"]
    assert isinstance(snow, SnowStation)
    assert snow.mounting_height_cm == 250.0
    assert Device(snow).uplink(T0, distance=2300)[SNOW_DEPTH] == 20.0


@pytest.mark.parametrize("height", [None, 0, -30, "", "tall", True, [250]])
def test_bad_mounting_height_is_ignored(height: object) -> None:
    assert features({MOUNTING_HEIGHT: height}, DISTANCE) == {}


def test_bin_depth_makes_a_waste_bin_with_the_default_threshold() -> None:
    built = features({BIN_DEPTH: 120}, MODELS["netvox_r718x"])
    assert list(built) == ["bin"]
    waste_bin = built["bin"]
    assert isinstance(waste_bin, WasteBin)
    assert (waste_bin.depth_cm, waste_bin.threshold) == (120.0, 80.0)
    assert Device(waste_bin).uplink(T0, distance=300)[FILL_LEVEL] == 75.0


@pytest.mark.parametrize(
    ("threshold", "expected"), [(90, 90.0), ("65", 65.0), ("full", 80.0), (None, 80.0)]
)
def test_fill_threshold_setting(threshold: object, expected: float) -> None:
    waste_bin = features({BIN_DEPTH: 120, FILL_THRESHOLD: threshold}, DISTANCE)["bin"]
    assert isinstance(waste_bin, WasteBin)
    assert waste_bin.threshold == expected


@pytest.mark.parametrize("depth", [None, 0, -1, "deep", False])
def test_bad_bin_depth_is_ignored(depth: object) -> None:
    assert features({BIN_DEPTH: depth, FILL_THRESHOLD: 70}, DISTANCE) == {}


# ---------------------------------------------------------------- lakes


def test_lake_with_an_external_probe_reads_only_the_probe() -> None:
    for model in (ELT_2, ELT_LITE, MODELS["decentlab_dl_ds18"], MODELS["milesight_ts101"]):
        lake = features({ROLE: Role.LAKE}, model)["lake"]
        assert isinstance(lake, Lake)
        assert lake.sources == PROBE_SOURCES, model.model_id
    # The ELT-2's board sensor, warm in its box on the jetty, never becomes the water.
    lake = features({ROLE: Role.LAKE}, ELT_2)["lake"]
    assert Device(lake).uplink(T0, temperature=24.0) == {}


def test_lake_without_a_probe_reads_its_own_temperature() -> None:
    built = features({ROLE: Role.LAKE}, CLIMATE)
    assert list(built) == ["lake"]
    lake = built["lake"]
    assert isinstance(lake, Lake)
    assert lake.sources == ALL_SOURCES
    assert (lake.fresh_from, lake.warm_from) == (15.0, 20.0)


def test_lake_limits_from_settings() -> None:
    lake = features({ROLE: Role.LAKE, FRESH_FROM: 14, WARM_FROM: "19.5"}, ELT_2)["lake"]
    assert isinstance(lake, Lake)
    assert (lake.fresh_from, lake.warm_from) == (14.0, 19.5)


def test_bad_lake_limits_fall_back_to_defaults() -> None:
    lake = features({ROLE: Role.LAKE, FRESH_FROM: "warmish", WARM_FROM: None}, ELT_2)["lake"]
    assert isinstance(lake, Lake)
    assert (lake.fresh_from, lake.warm_from) == (15.0, 20.0)


def test_network_decoded_lake_reads_any_temperature() -> None:
    lake = features({ROLE: Role.LAKE}, None)["lake"]
    assert isinstance(lake, Lake)
    assert lake.sources == ALL_SOURCES


# ---------------------------------------------------------------- kitchens


@pytest.mark.parametrize("role", ["fridge", "freezer", "cold_room", "dry_store"])
def test_storage_roles_get_their_default_limits(role: str) -> None:
    assert role in STORAGE_ROLES
    built = features({ROLE: role}, MODELS["milesight_em300_th"])
    assert list(built) == ["cold_chain"]
    chain = built["cold_chain"]
    assert isinstance(chain, ColdChain)
    assert chain.role is StorageRole(role)
    assert (chain.low, chain.high) == DEFAULT_LIMITS[StorageRole(role)]
    assert chain.grace == timedelta(minutes=30)


def test_storage_limits_and_grace_from_settings() -> None:
    settings = {ROLE: "cold_room", TEMP_MIN: 0, TEMP_MAX: "4", GRACE_MINUTES: 15}
    chain = features(settings)["cold_chain"]
    assert isinstance(chain, ColdChain)
    # 0 °C is a real lower limit, not "no limit".
    assert (chain.low, chain.high, chain.grace) == (0.0, 4.0, timedelta(minutes=15))


@pytest.mark.parametrize("grace", [0, -10, "soon", None, True])
def test_bad_grace_period_falls_back_to_30_minutes(grace: object) -> None:
    chain = features({ROLE: "freezer", GRACE_MINUTES: grace})["cold_chain"]
    assert isinstance(chain, ColdChain)
    assert chain.grace == timedelta(minutes=30)


def test_bad_limits_fall_back_to_the_role_defaults() -> None:
    chain = features({ROLE: "freezer", TEMP_MIN: "cold", TEMP_MAX: ""})["cold_chain"]
    assert isinstance(chain, ColdChain)
    assert (chain.low, chain.high) == (None, -18.0)


# ---------------------------------------------------------------- water meters


def test_water_meter_role_makes_a_water_meter() -> None:
    assert list(features({ROLE: Role.WATER_METER}, MODELS["elsys_elt_lite"])) == ["water_meter"]


def test_water_meter_models_are_water_meters_without_a_role() -> None:
    for model_id in ("axioma_qalcosonic_w1", "elvaco_cmi4110", "elvaco_cmi4140", "elvaco_cmi4160"):
        built = features({}, MODELS[model_id])
        assert list(built) == ["water_meter"], model_id
        assert isinstance(built["water_meter"], WaterMeter)


def test_network_decoded_device_is_treated_as_a_possible_water_meter() -> None:
    # Meters whose network server decodes the volume have no model of ours.
    built = features({}, None)
    assert list(built) == ["water_meter"]


def test_network_decoded_lake_gets_no_daily_water_consumption() -> None:
    built = features({ROLE: Role.LAKE}, None)
    seen: set[str] = set()
    for day in (20, 21, 22):
        for feature in built.values():
            seen |= set(feature.tick(local(2025, 7, day, 0, 0)))
            seen |= set(
                feature.update(
                    {"water_temperature": 18.5}, {"water_temperature"}, local(2025, 7, day, 9, 0)
                )
            )
    assert DAILY_CONSUMPTION not in seen


# ---------------------------------------------------------------- trail counters


def test_trail_role_makes_a_visitor_counter_with_the_default_season() -> None:
    built = features({ROLE: Role.TRAIL}, COUNTER)
    assert list(built) == ["visitors"]
    trail = built["visitors"]
    assert isinstance(trail, TrailCounter)
    assert trail.season_start == (5, 1)


@pytest.mark.parametrize(
    ("season", "expected"), [("06-15", (6, 15)), ("99-99", (5, 1)), (615, (5, 1)), ("", (5, 1))]
)
def test_trail_season_start_setting(season: object, expected: tuple[int, int]) -> None:
    trail = features({ROLE: Role.TRAIL, SEASON_START: season}, COUNTER)["visitors"]
    assert isinstance(trail, TrailCounter)
    assert trail.season_start == expected


# ---------------------------------------------------------------- combinations and contract


def test_size_keys_and_a_role_combine() -> None:
    built = features({MOUNTING_HEIGHT: 200, ROLE: Role.LAKE}, MODELS["dragino_ldds75"])
    assert set(built) == {"snow", "lake"}
    # The LDDS75's optional probe is the only temperature it has.
    lake = built["lake"]
    assert isinstance(lake, Lake)
    assert lake.sources == PROBE_SOURCES


def test_roles_list_every_storage_role() -> None:
    assert set(Role) >= STORAGE_ROLES
    assert {role.value for role in StorageRole} == STORAGE_ROLES


def test_every_published_key_is_declared() -> None:
    # Feature.keys is the contract of what a feature can publish (see derived/feature.py).
    settings: list[tuple[dict[str, Any], ModelInfo]] = [
        ({MOUNTING_HEIGHT: 200}, DISTANCE),
        ({BIN_DEPTH: 100}, DISTANCE),
        ({ROLE: Role.LAKE}, ELT_2),
        ({ROLE: "fridge"}, CLIMATE),
        ({}, AXIOMA),
        ({ROLE: Role.TRAIL}, COUNTER),
    ]
    uplinks: list[dict[str, Any]] = [
        {"distance": 1500},
        {"distance": None},
        {"external_temperature": 16.0, "temperature": 20.0},
        {"external_temperature": None},
        {"temperature": 12.0},
        {"volume": 10.0, "flow": 0.0},
        {"volume": 10.5},
        {"volume": 2.0},
        {"people_in": 3, "people_total": 40},
        {"people_total": 45},
    ]
    for setting, model in settings:
        for feature in build_features(setting, model).values():
            device = Device(feature)
            published: set[str] = set()
            for hour, readings in enumerate(uplinks):
                published |= set(device.uplink(T0 + timedelta(hours=hour * 5), **readings))
                published |= set(device.tick(T0 + timedelta(hours=hour * 5 + 1)))
            assert published, setting
            assert published <= feature.keys, (setting, published - feature.keys)
