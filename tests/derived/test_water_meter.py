"""Water meters: daily consumption, meters going backwards, and leak suspicion."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
import json

import pytest

from custom_components.ange_iot.derived.water_meter import (
    DAILY_CONSUMPTION,
    LEAK_SUSPECTED,
    Backwards,
    WaterMeter,
)

from .common import TZ, Device, local

T0 = local(2025, 1, 10, 8, 0)
HOUR = timedelta(hours=1)


def meter() -> tuple[WaterMeter, Device]:
    water = WaterMeter()
    return water, Device(water)


def feed(
    device: Device, start: datetime, step: timedelta, volumes: Iterable[float]
) -> list[object]:
    """Regular readings; returns the leak suspicion after each."""
    return [
        device.uplink(start + i * step, volume=volume)[LEAK_SUSPECTED]
        for i, volume in enumerate(volumes)
    ]


def rising(count: int, start: float = 100.0, per_reading: float = 0.01) -> list[float]:
    return [round(start + i * per_reading, 3) for i in range(count)]


# ---------------------------------------------------------------- daily consumption


def test_first_reading_is_the_baseline() -> None:
    _, device = meter()
    assert device.uplink(T0, volume=1234.567) == {DAILY_CONSUMPTION: 0.0, LEAK_SUSPECTED: None}


def test_daily_consumption_adds_up_the_increases() -> None:
    _, device = meter()
    device.uplink(T0, volume=100.0)
    assert device.uplink(T0 + HOUR, volume=100.12)[DAILY_CONSUMPTION] == 0.12
    assert device.uplink(T0 + 2 * HOUR, volume=100.12)[DAILY_CONSUMPTION] == 0.12
    assert device.uplink(T0 + 3 * HOUR, volume=100.25)[DAILY_CONSUMPTION] == 0.25


def test_daily_consumption_is_rounded_to_litres() -> None:
    _, device = meter()
    device.uplink(T0, volume=0.1)
    device.uplink(T0 + HOUR, volume=0.2)
    # 0.1 + 0.2 in floating point is 0.30000000000000004; a bill shows 0.3.
    assert device.uplink(T0 + 2 * HOUR, volume=0.4)[DAILY_CONSUMPTION] == 0.3


def test_invalid_volume_counts_nothing_and_keeps_the_baseline() -> None:
    _, device = meter()
    device.uplink(T0, volume=100.0)
    assert device.uplink(T0 + HOUR, volume=None) == {}
    assert device.uplink(T0 + 2 * HOUR, volume=100.3)[DAILY_CONSUMPTION] == 0.3


def test_uplink_without_volume_changes_nothing_the_same_day() -> None:
    _, device = meter()
    device.uplink(T0, volume=100.0)
    assert device.uplink(T0 + HOUR, battery_low=False, meter_alarm_leak=False) == {}


def test_daily_consumption_resets_at_local_midnight_by_tick() -> None:
    water, device = meter()
    device.uplink(local(2025, 1, 10, 22, 0), volume=100.0)
    device.uplink(local(2025, 1, 10, 23, 0), volume=100.4)
    assert water.tick(local(2025, 1, 10, 23, 59)) == {}
    assert water.tick(local(2025, 1, 11, 0, 0)) == {DAILY_CONSUMPTION: 0.0}
    assert water.tick(local(2025, 1, 11, 0, 1)) == {}
    # Counting goes on from the last reading, not from zero.
    assert device.uplink(local(2025, 1, 11, 1, 0), volume=100.5)[DAILY_CONSUMPTION] == 0.1


def test_daily_consumption_resets_at_local_midnight_by_uplink() -> None:
    _, device = meter()
    device.uplink(local(2025, 1, 10, 23, 30), volume=100.0)
    # 00:30 in Sweden is still 23:30 on the 10th in UTC: the local day decides.
    derived = device.uplink(local(2025, 1, 11, 0, 30), volume=100.05)
    assert derived[DAILY_CONSUMPTION] == 0.05


def test_new_day_without_volume_reports_the_reset() -> None:
    _, device = meter()
    device.uplink(local(2025, 1, 10, 23, 0), volume=100.0)
    device.uplink(local(2025, 1, 10, 23, 30), volume=100.2)
    assert device.uplink(local(2025, 1, 11, 6, 0), battery_low=False) == {DAILY_CONSUMPTION: 0.0}


def test_first_tick_only_starts_the_day() -> None:
    water, device = meter()
    assert water.tick(T0) == {}
    device.uplink(T0 + HOUR, volume=10.0)
    assert device.uplink(T0 + 2 * HOUR, volume=10.5)[DAILY_CONSUMPTION] == 0.5


# ---------------------------------------------------------------- meter exchange


def test_meter_exchange_counts_nothing_until_confirmed() -> None:
    water, device = meter()
    device.uplink(T0, volume=1234.567)
    device.uplink(T0 + HOUR, volume=1234.6)  # 0.033 today
    exchanged = T0 + 2 * HOUR
    # The new meter starts near 0.
    assert device.uplink(exchanged, volume=0.012)[DAILY_CONSUMPTION] == 0.033
    assert water.backwards == Backwards(previous=1234.6, current=0.012, at=exchanged, first=0.012)
    assert device.uplink(T0 + 3 * HOUR, volume=0.5)[DAILY_CONSUMPTION] == 0.033
    assert device.uplink(T0 + 4 * HOUR, volume=1.0)[DAILY_CONSUMPTION] == 0.033
    # The repair issue shows the old register and the latest reading; the time stays the first.
    assert water.backwards == Backwards(previous=1234.6, current=1.0, at=exchanged, first=0.012)


def test_confirmed_replacement_counts_from_the_new_meter() -> None:
    water, device = meter()
    device.uplink(T0, volume=1234.567)
    device.uplink(T0 + HOUR, volume=1234.6)
    device.uplink(T0 + 2 * HOUR, volume=0.012)
    assert water.confirm_replacement(T0 + 2 * HOUR + timedelta(minutes=5)) == {
        DAILY_CONSUMPTION: 0.033
    }
    assert water.backwards is None
    assert device.uplink(T0 + 3 * HOUR, volume=0.05)[DAILY_CONSUMPTION] == 0.071
    assert device.uplink(T0 + 4 * HOUR, volume=0.08)[DAILY_CONSUMPTION] == 0.101


def test_confirmed_replacement_counts_from_the_first_new_reading() -> None:
    water, device = meter()
    device.uplink(T0, volume=1234.6)
    device.uplink(T0 + HOUR, volume=0.012)  # new meter's first reading
    device.uplink(T0 + 2 * HOUR, volume=0.030)
    water.confirm_replacement(T0 + 2 * HOUR + timedelta(minutes=5))
    # 0.012 -> 0.050 on the new meter.
    assert device.uplink(T0 + 3 * HOUR, volume=0.050)[DAILY_CONSUMPTION] == 0.038


def test_confirm_without_a_pending_drop_changes_nothing() -> None:
    water, device = meter()
    assert water.confirm_replacement(T0) == {}
    device.uplink(T0, volume=10.0)
    device.uplink(T0 + HOUR, volume=10.2)
    assert water.confirm_replacement(T0 + 2 * HOUR) == {}
    assert device.uplink(T0 + 3 * HOUR, volume=10.3)[DAILY_CONSUMPTION] == 0.3


def test_confirm_on_a_later_day_reports_that_days_count() -> None:
    water, device = meter()
    device.uplink(local(2025, 1, 10, 20, 0), volume=500.0)
    device.uplink(local(2025, 1, 10, 21, 0), volume=500.4)
    device.uplink(local(2025, 1, 10, 22, 0), volume=0.003)
    assert water.confirm_replacement(local(2025, 1, 11, 9, 0)) == {DAILY_CONSUMPTION: 0.0}


def test_glitch_resolves_itself_without_double_counting() -> None:
    water, device = meter()
    device.uplink(T0, volume=500.0)
    # One bad reading far below the register.
    assert device.uplink(T0 + HOUR, volume=12.345)[DAILY_CONSUMPTION] == 0.0
    assert water.backwards is not None
    # Back above the old register: only the real increase since 500.0 counts.
    assert device.uplink(T0 + 2 * HOUR, volume=500.2)[DAILY_CONSUMPTION] == 0.2
    assert water.backwards is None
    assert device.uplink(T0 + 3 * HOUR, volume=500.3)[DAILY_CONSUMPTION] == 0.3


def test_several_low_readings_keep_the_old_register_as_reference() -> None:
    water, device = meter()
    device.uplink(T0, volume=500.0)
    device.uplink(T0 + HOUR, volume=499.0)
    device.uplink(T0 + 2 * HOUR, volume=498.5)
    assert water.backwards is not None
    assert water.backwards.previous == 500.0
    # Equal to the old register: resolved, nothing counted.
    assert device.uplink(T0 + 3 * HOUR, volume=500.0)[DAILY_CONSUMPTION] == 0.0
    assert water.backwards is None


def test_daily_consumption_never_goes_negative() -> None:
    _, device = meter()
    readings = [200.0, 200.5, 3.0, 199.0, 0.0, 200.4, 200.6, 201.0]
    seen: list[float] = []
    for i, volume in enumerate(readings):
        daily = device.uplink(T0 + i * HOUR, volume=volume)[DAILY_CONSUMPTION]
        assert isinstance(daily, float)
        assert daily >= 0
        seen.append(daily)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


# ---------------------------------------------------------------- leak suspicion


def test_flow_in_every_hour_for_a_day_suggests_a_leak() -> None:
    _, device = meter()
    leak = feed(device, T0, HOUR, rising(25))
    assert leak[:24] == [None] * 24  # not yet a full day of evidence
    assert leak[24] is True


def test_one_zero_flow_hour_in_the_last_day_rules_out_a_leak() -> None:
    _, device = meter()
    volumes = rising(40)
    volumes[11:] = [round(v - 0.01, 3) for v in volumes[11:]]  # hour 10-11: no flow
    leak = feed(device, T0, HOUR, volumes)
    assert leak[:11] == [None] * 11
    assert leak[11:35] == [False] * 24
    # 24 hours after the quiet hour, with flow all the time since.
    assert leak[35:] == [True] * 5


def test_a_zero_flow_hour_at_the_start_counts_too() -> None:
    _, device = meter()
    assert device.uplink(T0, volume=50.0)[LEAK_SUSPECTED] is None
    assert device.uplink(T0 + HOUR, volume=50.0)[LEAK_SUSPECTED] is False


def test_reported_zero_flow_counts_as_a_zero_flow_hour() -> None:
    _, device = meter()
    volumes = rising(25)
    leak = [
        device.uplink(T0 + i * HOUR, volume=volume, **({"flow": 0.0} if i == 12 else {}))[
            LEAK_SUSPECTED
        ]
        for i, volume in enumerate(volumes)
    ]
    assert leak[12:] == [False] * 13


def test_zero_flow_in_an_uplink_without_volume_counts() -> None:
    _, device = meter()
    feed(device, T0, HOUR, rising(20))
    assert device.uplink(T0 + timedelta(hours=19, minutes=30), flow=0) == {}
    assert feed(device, T0 + 20 * HOUR, HOUR, rising(10, start=100.2)) == [False] * 10


def test_reported_positive_flow_is_no_zero_flow() -> None:
    _, device = meter()
    leak = [
        device.uplink(T0 + i * HOUR, volume=volume, flow=0.6)[LEAK_SUSPECTED]
        for i, volume in enumerate(rising(25))
    ]
    assert leak[24] is True


def test_zero_flow_hour_seen_through_quarter_hourly_readings() -> None:
    _, device = meter()
    quarter = timedelta(minutes=15)
    volumes = [10.0] * 5 + rising(100, start=10.001, per_reading=0.001)
    leak = feed(device, T0, quarter, volumes)
    assert leak[:4] == [None] * 4
    # An hour of 15-minute readings without a change, then flow all the time.
    assert leak[4:100] == [False] * 96
    assert leak[100] is True  # a day after the quiet hour


def test_a_pause_shorter_than_an_hour_is_no_zero_flow_hour() -> None:
    _, device = meter()
    quarter = timedelta(minutes=15)
    volumes = rising(100, per_reading=0.001)
    volumes[41:44] = [volumes[40]] * 3  # 45 minutes without a change
    volumes[44:] = [round(v - 0.003, 3) for v in volumes[44:]]
    leak = feed(device, T0, quarter, volumes)
    assert False not in leak
    assert leak[96] is True  # 24 hours of 15-minute readings


def test_readings_75_minutes_apart_still_cover_every_hour() -> None:
    _, device = meter()
    leak = feed(device, T0, timedelta(minutes=75), rising(21))
    assert leak[19] is None  # 23 h 45 min
    assert leak[20] is True  # 25 h


def test_readings_further_apart_than_75_minutes_leave_it_unknown() -> None:
    _, device = meter()
    # An hour without flow could hide between two readings 76 minutes apart.
    leak = feed(device, T0, timedelta(minutes=76), rising(40))
    assert leak == [None] * 40


def test_a_gap_restarts_the_day_of_evidence() -> None:
    _, device = meter()
    assert feed(device, T0, HOUR, rising(25))[-1] is True
    after_gap = T0 + 24 * HOUR + timedelta(hours=3)
    leak = feed(device, after_gap, HOUR, rising(25, start=101.0))
    assert leak[:24] == [None] * 24
    assert leak[24] is True


def test_suspicion_is_unknown_once_the_meter_falls_silent() -> None:
    water, device = meter()
    feed(device, T0, HOUR, rising(25))
    last = T0 + 24 * HOUR
    assert water.leak_suspected(last + timedelta(minutes=75)) is True
    assert water.leak_suspected(last + timedelta(minutes=76)) is None


def test_no_readings_no_suspicion() -> None:
    water, _ = meter()
    assert water.leak_suspected(T0) is None


def test_zero_flow_hour_when_summer_time_ends() -> None:
    _, device = meter()
    # Hourly in real time from 2025-10-25 00:30 UTC to 2025-10-26 02:30 UTC (03:30 CET);
    # the hub hands features local times converted from UTC, as here.
    start = datetime(2025, 10, 25, 0, 30, tzinfo=UTC)
    times = [(start + i * HOUR).astimezone(TZ) for i in range(27)]
    volumes = rising(27)
    # No flow from 00:30 UTC (02:30 CEST) to 01:30 UTC (02:30 CET).
    volumes[25:] = [round(v - 0.01, 3) for v in volumes[25:]]
    for at, volume in zip(times, volumes, strict=True):
        derived = device.uplink(at, volume=volume)
    assert derived[LEAK_SUSPECTED] is False


# ---------------------------------------------------------------- persistence


def _busy_meter() -> tuple[WaterMeter, Device]:
    water, device = meter()
    feed(device, T0, HOUR, rising(6))
    device.uplink(T0 + 6 * HOUR, volume=100.05)  # no flow for an hour
    device.uplink(T0 + 7 * HOUR, volume=0.02)  # went backwards
    return water, device


def test_state_survives_a_restart() -> None:
    water, device = _busy_meter()
    stored = json.loads(json.dumps(water.as_dict()))
    assert stored["backwards"] is not None

    restored = WaterMeter()
    restored.restore(stored)
    assert restored.as_dict() == water.as_dict()
    assert restored.backwards == water.backwards

    again = Device(restored)
    for hours, volume in ((8, 0.04), (9, 100.1), (10, 100.15), (30, 100.2)):
        at = T0 + hours * HOUR
        assert again.uplink(at, volume=volume) == device.uplink(at, volume=volume)
    assert again.values[DAILY_CONSUMPTION] == 0.05  # next day: 100.15 -> 100.2


def test_restored_meter_can_confirm_the_pending_replacement() -> None:
    water, _ = _busy_meter()
    restored = WaterMeter()
    restored.restore(json.loads(json.dumps(water.as_dict())))
    assert restored.confirm_replacement(T0 + 8 * HOUR) == {DAILY_CONSUMPTION: 0.05}
    assert Device(restored).uplink(T0 + 9 * HOUR, volume=0.1)[DAILY_CONSUMPTION] == 0.13


def test_restore_ignores_damaged_data() -> None:
    water = WaterMeter()
    water.restore(
        {
            "baseline": "lots",
            "last_at": 1736500000,
            "day": 20250110,
            "daily": None,
            "backwards": {"previous": 500.0, "current": "low", "at": T0.isoformat()},
            "unchanged_since": "2025-01-10T08:00:00",
            "covered_since": "yesterday",
            "zero_flow_at": ["2025-01-10T08:00:00+01:00"],
        }
    )
    assert water.as_dict() == WaterMeter().as_dict()


@pytest.mark.parametrize("backwards", [None, [500.0, 0.1], {"previous": 500.0, "current": 0.1}])
def test_restore_ignores_an_incomplete_drop(backwards: object) -> None:
    water = WaterMeter()
    water.restore({"baseline": 0.1, "backwards": backwards})
    assert water.backwards is None
    assert water.baseline == 0.1
