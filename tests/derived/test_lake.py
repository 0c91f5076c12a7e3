"""Lake water temperature, its bathing-water status, and when it was measured."""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.ange_iot.derived.lake import (
    ALL_SOURCES,
    BATHING_WATER,
    DEFAULT_FRESH_FROM,
    DEFAULT_WARM_FROM,
    MEASURED_AT,
    PROBE_SOURCES,
    WATER_TEMPERATURE,
    BathingWater,
    Lake,
)

from .common import Device, local

T0 = local(2025, 7, 2, 9, 0)


def test_default_limits_follow_the_issue() -> None:
    assert (DEFAULT_FRESH_FROM, DEFAULT_WARM_FROM) == (15.0, 20.0)


@pytest.mark.parametrize(
    ("celsius", "status"),
    [
        (0.2, "cold"),
        (-0.1, "cold"),
        (14.9, "cold"),
        (15.0, "fresh"),
        (17.5, "fresh"),
        (19.9, "fresh"),
        (19.99, "fresh"),
        (20.0, "warm"),
        (24.3, "warm"),
    ],
)
def test_bathing_status_with_default_limits(celsius: float, status: str) -> None:
    device = Device(Lake())
    derived = device.uplink(T0, external_temperature=celsius)
    assert derived[WATER_TEMPERATURE] == celsius
    assert derived[BATHING_WATER] == status
    # The state is plain text, so it is stored and shown like any enum sensor state.
    assert type(derived[BATHING_WATER]) is str


@pytest.mark.parametrize(
    ("celsius", "status"),
    [
        (11.9, BathingWater.COLD),
        (12.0, BathingWater.FRESH),
        (17.9, BathingWater.FRESH),
        (18.0, BathingWater.WARM),
    ],
)
def test_bathing_status_with_custom_limits(celsius: float, status: BathingWater) -> None:
    lake = Lake(fresh_from=12.0, warm_from=18.0)
    assert lake.status(celsius) is status
    assert Device(lake).uplink(T0, water_temperature=celsius)[BATHING_WATER] == status.value


def test_measured_at_is_the_time_of_the_reading() -> None:
    lake = Lake(sources=PROBE_SOURCES)
    device = Device(lake)
    assert device.uplink(T0, external_temperature=16.4) == {
        WATER_TEMPERATURE: 16.4,
        BATHING_WATER: "fresh",
        MEASURED_AT: T0,
    }
    later = T0 + timedelta(minutes=20)
    assert device.uplink(later, external_temperature=16.6)[MEASURED_AT] == later
    assert lake.measured_at == later


def test_probe_device_never_shows_the_board_temperature_as_water() -> None:
    # An ELT-2 in a box on the jetty: the board sensor reads the air in the housing.
    device = Device(Lake(sources=PROBE_SOURCES))
    assert device.uplink(T0, temperature=27.5, humidity=60.0) == {}
    assert WATER_TEMPERATURE not in device.values
    derived = device.uplink(T0 + timedelta(minutes=10), temperature=28.0, external_temperature=17.2)
    assert derived[WATER_TEMPERATURE] == 17.2
    assert derived[BATHING_WATER] == "fresh"


def test_probe_device_with_invalid_probe_is_unknown_not_board_temperature() -> None:
    lake = Lake(sources=PROBE_SOURCES)
    device = Device(lake)
    device.uplink(T0, external_temperature=18.0)
    derived = device.uplink(T0 + timedelta(minutes=10), external_temperature=None, temperature=26.0)
    assert derived == {WATER_TEMPERATURE: None, BATHING_WATER: None}
    # The last good measurement keeps its time; an invalid one is no new measurement.
    assert lake.measured_at == T0
    assert MEASURED_AT not in derived


def test_device_without_probe_uses_its_own_temperature() -> None:
    # A TS101 or DL-DS18 in the water, or a sensor whose network server says "temperature".
    device = Device(Lake(sources=ALL_SOURCES))
    assert device.uplink(T0, temperature=21.0)[BATHING_WATER] == "warm"


def test_sources_are_taken_in_order() -> None:
    device = Device(Lake(sources=ALL_SOURCES))
    derived = device.uplink(T0, temperature=25.0, external_temperature=14.0, water_temperature=16.0)
    assert derived[WATER_TEMPERATURE] == 16.0
    derived = device.uplink(T0 + timedelta(minutes=10), temperature=25.0, external_temperature=14.0)
    assert derived[WATER_TEMPERATURE] == 14.0


def test_invalid_first_source_does_not_fall_back_to_the_board() -> None:
    device = Device(Lake(sources=ALL_SOURCES))
    derived = device.uplink(T0, external_temperature=None, temperature=24.0)
    assert derived == {WATER_TEMPERATURE: None, BATHING_WATER: None}


def test_uplink_without_any_source_changes_nothing() -> None:
    lake = Lake()
    device = Device(lake)
    device.uplink(T0, external_temperature=12.0)
    assert device.uplink(T0 + timedelta(hours=1), battery_voltage=3.6) == {}
    assert lake.measured_at == T0
    assert lake.tick(T0 + timedelta(days=1)) == {}


def test_measured_at_survives_a_restart() -> None:
    lake = Lake()
    Device(lake).uplink(T0, external_temperature=12.0)
    restored = Lake()
    restored.restore(json.loads(json.dumps(lake.as_dict())))
    assert restored.measured_at == T0


@pytest.mark.parametrize("stored", [{}, {"measured_at": "noon"}, {"measured_at": 1720000000}])
def test_restore_ignores_missing_or_damaged_time(stored: dict[str, object]) -> None:
    lake = Lake()
    lake.restore(stored)
    assert lake.measured_at is None
    assert lake.as_dict() == {"measured_at": None}
