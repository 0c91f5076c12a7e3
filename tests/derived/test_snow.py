"""Snow depth from a distance sensor: depth, calibration, 24-hour change, snowfall since clearing."""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.ange_iot.derived.snow import (
    LAST_CLEARED,
    SNOW_CHANGE_24H,
    SNOW_DEPTH,
    SNOWFALL_SINCE_CLEARING,
    NotCalibratableError,
    SnowStation,
)

from .common import Device, local

# A mast with the sensor 2 m above the ground; distances arrive in mm.
HEIGHT_CM = 200.0
T0 = local(2025, 1, 10, 6, 0)


def station(height_cm: float = HEIGHT_CM) -> tuple[SnowStation, Device]:
    snow = SnowStation(height_cm)
    return snow, Device(snow)


# ---------------------------------------------------------------- depth


@pytest.mark.parametrize(
    ("distance_mm", "depth_cm"),
    [
        (1500, 50.0),
        (1234, 76.6),  # 123.4 cm: one decimal survives, no float noise
        (1999, 0.1),
        (2000, 0.0),  # exactly the mounting height: bare ground
        (2500, 0.0),  # further than the ground (a hollow, a tilted mast): no negative snow
        (65000, 0.0),
        (0, 200.0),  # nothing between sensor and snow: snow up to the sensor
    ],
)
def test_depth_is_mounting_height_minus_distance_clamped_at_zero(
    distance_mm: int, depth_cm: float
) -> None:
    _, device = station()
    derived = device.uplink(T0, distance=distance_mm)
    assert derived[SNOW_DEPTH] == depth_cm


def test_first_reading_has_no_change_and_no_snowfall_yet() -> None:
    _, device = station()
    assert device.uplink(T0, distance=1500) == {
        SNOW_DEPTH: 50.0,
        SNOW_CHANGE_24H: None,
        SNOWFALL_SINCE_CLEARING: None,
        LAST_CLEARED: None,
    }


def test_uplink_without_distance_changes_nothing() -> None:
    _, device = station()
    device.uplink(T0, distance=1500)
    assert device.uplink(T0 + timedelta(minutes=10), battery_voltage=3.6, temperature=-12.0) == {}
    assert device.values[SNOW_DEPTH] == 50.0


def test_invalid_distance_makes_every_snow_value_unknown() -> None:
    snow, device = station()
    device.uplink(T0, distance=1500)
    snow.mark_cleared(T0)
    derived = device.uplink(T0 + timedelta(minutes=30), distance=None)
    # Unknown, not the previous depth and not a depth made up from "no echo".
    assert derived == {SNOW_DEPTH: None, SNOW_CHANGE_24H: None, SNOWFALL_SINCE_CLEARING: None}
    assert snow.depth is None


def test_invalid_reading_before_any_valid_one_is_unknown() -> None:
    _, device = station()
    assert device.uplink(T0, distance=None)[SNOW_DEPTH] is None


def test_valid_reading_after_invalid_one_gives_depth_again() -> None:
    _, device = station()
    device.uplink(T0, distance=None)
    assert device.uplink(T0 + timedelta(minutes=10), distance=1800)[SNOW_DEPTH] == 20.0


def test_tick_changes_nothing() -> None:
    snow, device = station()
    device.uplink(T0, distance=1500)
    assert snow.tick(T0 + timedelta(days=3)) == {}


# ---------------------------------------------------------------- calibration


def test_calibrate_makes_the_current_distance_read_zero() -> None:
    snow, device = station()
    # Uneven ground: on a snow-free day the sensor sees 1950 mm, not the 2000 mm mast height.
    assert device.uplink(T0, distance=1950)[SNOW_DEPTH] == 5.0
    assert snow.calibrate() == 195.0
    assert snow.depth == 0.0
    assert device.uplink(T0 + timedelta(minutes=10), distance=1950)[SNOW_DEPTH] == 0.0
    assert device.uplink(T0 + timedelta(minutes=20), distance=1850)[SNOW_DEPTH] == 10.0
    # Further than the new zero still reads bare ground, never negative.
    assert device.uplink(T0 + timedelta(minutes=30), distance=1990)[SNOW_DEPTH] == 0.0


def test_calibrate_works_beyond_the_mounting_height() -> None:
    snow, device = station()
    # The mast was set higher than entered: the distance exceeds the mounting height.
    device.uplink(T0, distance=2100)
    assert snow.calibrate() == 210.0
    assert device.uplink(T0 + timedelta(minutes=10), distance=2000)[SNOW_DEPTH] == 10.0


def test_calibrate_without_any_reading_fails() -> None:
    snow, _ = station()
    with pytest.raises(NotCalibratableError):
        snow.calibrate()


def test_calibrate_after_invalid_reading_fails_and_keeps_the_old_zero() -> None:
    snow, device = station()
    device.uplink(T0, distance=1950)
    device.uplink(T0 + timedelta(minutes=10), distance=None)
    with pytest.raises(NotCalibratableError, match="no valid distance"):
        snow.calibrate()
    assert snow.zero_distance_cm is None
    assert device.uplink(T0 + timedelta(minutes=20), distance=1950)[SNOW_DEPTH] == 5.0


def test_calibration_error_is_a_value_error() -> None:
    # The action layer turns ValueErrors into a translated ServiceValidationError.
    assert issubclass(NotCalibratableError, ValueError)


def test_calibrate_forgets_depths_measured_against_the_old_zero() -> None:
    snow, device = station()
    device.uplink(T0, distance=1900)  # 10 cm against the mast height
    device.uplink(T0 + timedelta(hours=23, minutes=50), distance=1950)
    snow.calibrate()
    # A 24-hour change mixing the old and the new zero would be meaningless.
    assert device.uplink(T0 + timedelta(hours=24), distance=1950)[SNOW_CHANGE_24H] is None


# ---------------------------------------------------------------- 24-hour change


def test_change_over_24_hours() -> None:
    _, device = station()
    device.uplink(T0, distance=1900)  # 10 cm
    device.uplink(T0 + timedelta(hours=12), distance=1800)  # 20 cm
    assert device.uplink(T0 + timedelta(hours=24), distance=1750)[SNOW_CHANGE_24H] == 15.0


def test_change_is_negative_when_snow_melts() -> None:
    _, device = station()
    device.uplink(T0, distance=1500)  # 50 cm
    assert device.uplink(T0 + timedelta(hours=24), distance=1620)[SNOW_CHANGE_24H] == -12.0


@pytest.mark.parametrize(
    ("age", "known"),
    [
        (timedelta(hours=22), True),
        (timedelta(hours=26), True),
        (timedelta(hours=21, minutes=59), False),
        (timedelta(hours=26, minutes=1), False),
        (timedelta(hours=3), False),
    ],
    ids=["22h", "26h", "just-under-22h", "just-over-26h", "3h"],
)
def test_change_needs_a_reading_about_a_day_old(age: timedelta, known: bool) -> None:
    _, device = station()
    device.uplink(T0, distance=1900)  # 10 cm
    change = device.uplink(T0 + age, distance=1800)[SNOW_CHANGE_24H]  # 20 cm
    assert change == (10.0 if known else None)


def test_change_uses_the_reading_closest_to_a_day_ago() -> None:
    _, device = station()
    device.uplink(T0, distance=1900)  # 10 cm, 24.5 h before the last reading
    device.uplink(T0 + timedelta(hours=1, minutes=30), distance=1850)  # 15 cm, 23 h before
    now = T0 + timedelta(hours=24, minutes=30)
    assert device.uplink(now, distance=1700)[SNOW_CHANGE_24H] == 20.0


def test_change_is_unknown_while_the_depth_is_unknown_and_back_after() -> None:
    _, device = station()
    device.uplink(T0, distance=1900)
    assert device.uplink(T0 + timedelta(hours=24), distance=None)[SNOW_CHANGE_24H] is None
    # An invalid reading does not wipe the history the change is computed from.
    assert (
        device.uplink(T0 + timedelta(hours=24, minutes=30), distance=1800)[SNOW_CHANGE_24H] == 10.0
    )


def test_readings_older_than_a_day_and_the_tolerance_are_forgotten() -> None:
    snow, device = station()
    for hour in range(0, 49, 2):
        device.uplink(T0 + timedelta(hours=hour), distance=1900)
    oldest = snow.samples[0][0]
    assert oldest >= T0 + timedelta(hours=48) - timedelta(hours=26)
    assert len(snow.samples) <= 14


# ---------------------------------------------------------------- snowfall since clearing


def test_snowfall_is_unknown_before_any_clearing() -> None:
    _, device = station()
    device.uplink(T0, distance=1500)
    assert device.uplink(T0 + timedelta(hours=1), distance=1400)[SNOWFALL_SINCE_CLEARING] is None


def test_snowfall_counts_from_the_depth_at_clearing() -> None:
    snow, device = station()
    device.uplink(T0, distance=1700)  # 30 cm left on the ground after clearing
    cleared_at = T0 + timedelta(minutes=5)
    assert snow.mark_cleared(cleared_at) == {
        SNOW_DEPTH: 30.0,
        SNOW_CHANGE_24H: None,
        SNOWFALL_SINCE_CLEARING: 0.0,
        LAST_CLEARED: cleared_at,
    }
    derived = device.uplink(T0 + timedelta(hours=3), distance=1580)
    assert derived[SNOWFALL_SINCE_CLEARING] == 12.0
    assert derived[LAST_CLEARED] == cleared_at


def test_snowfall_never_goes_negative_when_snow_settles() -> None:
    snow, device = station()
    device.uplink(T0, distance=1700)  # 30 cm
    snow.mark_cleared(T0)
    assert device.uplink(T0 + timedelta(hours=5), distance=1750)[SNOWFALL_SINCE_CLEARING] == 0.0


def test_snowfall_from_bare_ground() -> None:
    snow, device = station()
    device.uplink(T0, distance=2000)  # 0 cm
    snow.mark_cleared(T0)
    assert device.uplink(T0 + timedelta(hours=5), distance=1920)[SNOWFALL_SINCE_CLEARING] == 8.0


def test_a_new_clearing_restarts_the_snowfall_count() -> None:
    snow, device = station()
    device.uplink(T0, distance=1900)  # 10 cm
    snow.mark_cleared(T0)
    device.uplink(T0 + timedelta(hours=6), distance=1700)  # 30 cm: 20 cm fell
    second = T0 + timedelta(hours=7)
    assert snow.mark_cleared(second)[SNOWFALL_SINCE_CLEARING] == 0.0
    derived = device.uplink(T0 + timedelta(hours=9), distance=1650)
    assert derived[SNOWFALL_SINCE_CLEARING] == 5.0
    assert derived[LAST_CLEARED] == second


def test_clearing_while_depth_is_unknown_does_not_invent_snowfall() -> None:
    snow, device = station()
    device.uplink(T0, distance=1600)  # 40 cm of old snow
    device.uplink(T0 + timedelta(minutes=10), distance=None)  # no echo in the blizzard
    snow.mark_cleared(T0 + timedelta(minutes=15))
    # The same 40 cm seen again: no snow has fallen since the clearing.
    derived = device.uplink(T0 + timedelta(minutes=20), distance=1600)
    assert derived[SNOWFALL_SINCE_CLEARING] in (None, 0.0)


def test_mark_cleared_while_depth_unknown_reports_unknown_now() -> None:
    snow, device = station()
    device.uplink(T0, distance=None)
    derived = snow.mark_cleared(T0)
    assert derived[SNOW_DEPTH] is None
    assert derived[SNOWFALL_SINCE_CLEARING] is None
    assert derived[LAST_CLEARED] == T0


# ---------------------------------------------------------------- persistence


def _filled_station() -> tuple[SnowStation, Device]:
    snow, device = station()
    device.uplink(T0, distance=1960)
    snow.calibrate()  # zero at 196 cm
    device.uplink(T0 + timedelta(hours=2), distance=1860)  # 10 cm
    snow.mark_cleared(T0 + timedelta(hours=3))
    device.uplink(T0 + timedelta(hours=6), distance=1760)  # 20 cm
    return snow, device


def test_state_survives_a_restart() -> None:
    snow, device = _filled_station()
    stored = json.loads(json.dumps(snow.as_dict()))  # what the store writes is JSON

    restored = SnowStation(HEIGHT_CM)
    restored.restore(stored)
    assert restored.as_dict() == snow.as_dict()

    # The restored station carries on exactly like the one that never restarted.
    later = T0 + timedelta(hours=26)
    again = Device(restored)
    assert again.uplink(later, distance=1700) == device.uplink(later, distance=1700)
    assert again.values[SNOW_DEPTH] == 26.0  # calibrated zero kept
    assert again.values[SNOW_CHANGE_24H] == 16.0  # history from before the restart
    assert again.values[SNOWFALL_SINCE_CLEARING] == 16.0  # clearing kept
    assert again.values[LAST_CLEARED] == T0 + timedelta(hours=3)


def test_restored_station_can_calibrate_against_its_last_distance() -> None:
    snow, _ = _filled_station()
    restored = SnowStation(HEIGHT_CM)
    restored.restore(json.loads(json.dumps(snow.as_dict())))
    assert restored.calibrate() == 176.0


def test_restore_of_nothing_leaves_a_fresh_station() -> None:
    snow = SnowStation(HEIGHT_CM)
    snow.restore({})
    assert snow.as_dict() == SnowStation(HEIGHT_CM).as_dict()
    with pytest.raises(NotCalibratableError):
        snow.calibrate()


def test_restore_ignores_damaged_data() -> None:
    snow, _ = station()
    good_at = T0 - timedelta(hours=20)
    snow.restore(
        {
            "zero_distance_cm": "not a number",
            "distance_cm": True,
            "depth": [12],
            "cleared_at": "last tuesday",
            "depth_after_clearing": {"cm": 3},
            "samples": [
                ["2025-01-09T10:00:00", 4.0],  # naive time
                ["garbage", 4.0],
                [good_at.isoformat(), "deep"],
                [good_at.isoformat()],
                "2025-01-09T10:00:00+01:00",
                [good_at.isoformat(), 7.5],
            ],
        }
    )
    assert snow.zero_distance_cm is None
    assert snow.distance_cm is None
    assert snow.depth is None
    assert snow.cleared_at is None
    assert snow.depth_after_clearing is None
    assert snow.samples == [(good_at, 7.5)]


def test_restore_ignores_samples_that_are_not_a_list() -> None:
    snow, _ = station()
    snow.restore({"samples": {"2025-01-09T10:00:00+01:00": 4.0}})
    assert snow.samples == []
