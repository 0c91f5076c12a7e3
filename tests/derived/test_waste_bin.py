"""Waste-bin fill level from a distance sensor in the lid, and when a bin needs emptying."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.ange_iot.derived.waste_bin import (
    DEFAULT_FILL_THRESHOLD,
    FILL_LEVEL,
    NEEDS_EMPTYING,
    WasteBin,
)

from .common import Device, local

# A 120 cm deep container; distances arrive in mm from the lid down to the waste.
DEPTH_CM = 120.0
T0 = local(2025, 3, 4, 7, 0)


def bin_device(depth_cm: float = DEPTH_CM, threshold: float = DEFAULT_FILL_THRESHOLD) -> Device:
    return Device(WasteBin(depth_cm, threshold))


def test_default_threshold_is_80_percent() -> None:
    assert DEFAULT_FILL_THRESHOLD == 80.0
    assert WasteBin(DEPTH_CM).threshold == 80.0


@pytest.mark.parametrize(
    ("distance_mm", "fill"),
    [
        (1200, 0.0),  # the sensor sees the bottom: empty
        (600, 50.0),
        (300, 75.0),
        (241, 79.9),  # one decimal
        (90, 92.5),
        (0, 100.0),  # waste up against the lid
        (1201, 0.0),  # a reflection beyond the bottom still reads empty, never negative
        (4000, 0.0),
    ],
)
def test_fill_level_from_depth_and_distance(distance_mm: int, fill: float) -> None:
    device = bin_device()
    assert device.uplink(T0, distance=distance_mm)[FILL_LEVEL] == fill


@pytest.mark.parametrize(
    ("distance_mm", "needs"),
    [
        (241, False),  # 79.9 %
        (240, True),  # exactly 80 %: at the threshold counts
        (120, True),  # 90 %
        (0, True),  # 100 %
        (1500, False),
    ],
)
def test_needs_emptying_at_or_over_threshold(distance_mm: int, needs: bool) -> None:
    device = bin_device()
    assert device.uplink(T0, distance=distance_mm)[NEEDS_EMPTYING] is needs


def test_custom_threshold() -> None:
    device = bin_device(threshold=60.0)
    assert device.uplink(T0, distance=490) == {FILL_LEVEL: 59.2, NEEDS_EMPTYING: False}
    assert device.uplink(T0 + timedelta(hours=1), distance=480) == {
        FILL_LEVEL: 60.0,
        NEEDS_EMPTYING: True,
    }


def test_emptied_bin_no_longer_needs_emptying() -> None:
    device = bin_device()
    assert device.uplink(T0, distance=100)[NEEDS_EMPTYING] is True
    assert device.uplink(T0 + timedelta(hours=2), distance=1180) == {
        FILL_LEVEL: 1.7,
        NEEDS_EMPTYING: False,
    }


def test_bin_deeper_than_the_sensor_range_reads_unknown_when_out_of_range() -> None:
    # A 5 m container under a sensor that reaches less far: when the waste is low the
    # sensor flags the echo as out of range, which arrives here as distance None.
    device = bin_device(depth_cm=500.0)
    assert device.uplink(T0, distance=3500)[FILL_LEVEL] == 30.0
    derived = device.uplink(T0 + timedelta(hours=1), distance=None)
    # Unknown: neither an empty bin (0 %) nor a full one, nor the previous level.
    assert derived == {FILL_LEVEL: None, NEEDS_EMPTYING: None}


def test_uplink_without_distance_changes_nothing() -> None:
    device = bin_device()
    device.uplink(T0, distance=300)
    assert device.uplink(T0 + timedelta(minutes=30), battery_voltage=3.5, temperature=4.0) == {}
    assert device.values[FILL_LEVEL] == 75.0


def test_fill_level_of_one_distance() -> None:
    # The bins_to_empty action computes levels from stored distances with this method.
    waste_bin = WasteBin(80.0)
    assert waste_bin.fill_level(20.0) == 75.0
    assert waste_bin.fill_level(0.0) == 100.0
    assert waste_bin.fill_level(95.0) == 0.0


def test_time_and_restarts_change_nothing() -> None:
    waste_bin = WasteBin(DEPTH_CM, 70.0)
    assert waste_bin.tick(T0 + timedelta(days=2)) == {}
    assert waste_bin.as_dict() == {}
    waste_bin.restore({"fill_level": 99, "threshold": 10})
    assert waste_bin.threshold == 70.0
    assert waste_bin.depth_cm == DEPTH_CM
