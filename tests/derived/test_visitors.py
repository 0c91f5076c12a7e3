"""Visitor counting on S:t Olavsleden: today, this season and in total, across counter resets."""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.ange_iot.derived.visitors import (
    DEFAULT_SEASON_START,
    VISITORS_SEASON,
    VISITORS_TODAY,
    VISITORS_TOTAL,
    TrailCounter,
    parse_season_start,
)

from .common import Device, local

T0 = local(2025, 6, 14, 9, 0)


def counter(season_start: tuple[int, int] = (5, 1)) -> tuple[TrailCounter, Device]:
    trail = TrailCounter(season_start)
    return trail, Device(trail)


def counts(today: int, season: int, total: int) -> dict[str, int]:
    return {VISITORS_TODAY: today, VISITORS_SEASON: season, VISITORS_TOTAL: total}


# ---------------------------------------------------------------- period counts


def test_period_counts_add_up() -> None:
    _, device = counter()
    assert device.uplink(T0, people_in=3, people_out=1) == counts(3, 3, 3)
    assert device.uplink(T0 + timedelta(minutes=10), people_in=5, people_out=4) == counts(8, 8, 8)
    assert device.uplink(T0 + timedelta(minutes=20), people_in=0, people_out=2) == counts(8, 8, 8)


def test_pir_motion_counts_are_visitors() -> None:
    _, device = counter()
    device.uplink(T0, motion=4)
    assert device.uplink(T0 + timedelta(minutes=15), motion=2) == counts(6, 6, 6)


@pytest.mark.parametrize("bad", [None, -3, "many", True])
def test_bad_period_count_adds_nothing(bad: object) -> None:
    _, device = counter()
    device.uplink(T0, people_in=2)
    assert device.uplink(T0 + timedelta(minutes=10), people_in=bad) == {}
    assert device.uplink(T0 + timedelta(minutes=20), people_in=1) == counts(3, 3, 3)


def test_uplink_without_counts_changes_nothing() -> None:
    _, device = counter()
    device.uplink(T0, people_in=2)
    assert device.uplink(T0 + timedelta(minutes=10), battery=88, occupancy=True) == {}


# ---------------------------------------------------------------- running totals


def test_first_running_total_is_only_a_baseline() -> None:
    _, device = counter()
    # 15 230 people passed before we started listening; none of them are today's visitors.
    assert device.uplink(T0, people_total=15230) == counts(0, 0, 0)
    assert device.uplink(T0 + timedelta(minutes=10), people_total=15242) == counts(12, 12, 12)
    assert device.uplink(T0 + timedelta(minutes=20), people_total=15242) == counts(12, 12, 12)


def test_counter_reset_counts_the_new_value_not_a_negative() -> None:
    _, device = counter()
    device.uplink(T0, people_total=900)
    device.uplink(T0 + timedelta(minutes=10), people_total=910)
    # The device restarted (or its counter wrapped) and has counted 5 since.
    assert device.uplink(T0 + timedelta(minutes=20), people_total=5) == counts(15, 15, 15)
    assert device.uplink(T0 + timedelta(minutes=30), people_total=9) == counts(19, 19, 19)


def test_counter_reset_to_zero_adds_nothing() -> None:
    _, device = counter()
    device.uplink(T0, people_total=65530)
    device.uplink(T0 + timedelta(minutes=10), people_total=65535)
    assert device.uplink(T0 + timedelta(minutes=20), people_total=0) == counts(5, 5, 5)


@pytest.mark.parametrize("bad", [None, -1, "lots"])
def test_bad_running_total_is_skipped_and_does_not_move_the_baseline(bad: object) -> None:
    _, device = counter()
    device.uplink(T0, people_total=100)
    assert device.uplink(T0 + timedelta(minutes=10), people_total=bad) == {}
    assert device.uplink(T0 + timedelta(minutes=20), people_total=104) == counts(4, 4, 4)


def test_device_sending_both_counts_is_not_double_counted() -> None:
    # A VS133 report carries line 1's period count and its running total together.
    _, device = counter()
    assert device.uplink(T0, people_in=4, people_total=1004) == counts(4, 4, 4)
    assert device.uplink(T0 + timedelta(minutes=10), people_in=3, people_total=1007) == counts(
        7, 7, 7
    )
    # Even a reset of the running total does not disturb the period counts.
    assert device.uplink(T0 + timedelta(minutes=20), people_in=2, people_total=2) == counts(9, 9, 9)


def test_counts_and_totals_in_separate_uplinks_are_not_double_counted() -> None:
    trail, device = counter()
    device.uplink(T0, people_total=1000)
    device.uplink(T0 + timedelta(minutes=10), people_in=5)
    # The device's total now includes those 5 people: nothing new.
    assert device.uplink(T0 + timedelta(minutes=20), people_total=1005) == {}
    assert (trail.today, trail.season, trail.total) == (5, 5, 5)


# ---------------------------------------------------------------- days and seasons


def test_visitors_today_resets_at_local_midnight() -> None:
    trail, device = counter()
    device.uplink(local(2025, 6, 14, 22, 0), people_in=7)
    assert trail.tick(local(2025, 6, 14, 23, 59)) == {}
    assert trail.tick(local(2025, 6, 15, 0, 0)) == {VISITORS_TODAY: 0}
    assert trail.tick(local(2025, 6, 15, 0, 5)) == {}
    assert device.uplink(local(2025, 6, 15, 8, 0), people_in=2) == counts(2, 9, 9)


def test_visitors_today_resets_with_the_first_uplink_of_the_day() -> None:
    _, device = counter()
    device.uplink(local(2025, 6, 14, 23, 30), people_in=7)
    assert device.uplink(local(2025, 6, 15, 0, 30), people_in=1) == counts(1, 8, 8)


def test_new_day_uplink_without_counts_reports_the_reset() -> None:
    _, device = counter()
    device.uplink(local(2025, 6, 14, 20, 0), people_in=7)
    assert device.uplink(local(2025, 6, 15, 7, 0), battery=90) == {VISITORS_TODAY: 0}


def test_first_tick_only_starts_the_day() -> None:
    trail, device = counter()
    assert trail.tick(T0) == {}
    assert device.uplink(T0 + timedelta(hours=1), people_in=2) == counts(2, 2, 2)


def test_season_resets_at_its_start_date() -> None:
    trail, device = counter((5, 1))
    device.uplink(local(2025, 4, 30, 18, 0), people_in=40)
    assert trail.tick(local(2025, 5, 1, 0, 0)) == {VISITORS_TODAY: 0, VISITORS_SEASON: 0}
    # The total is all-time: it never resets.
    assert device.uplink(local(2025, 5, 1, 10, 0), people_in=3) == counts(3, 3, 43)


def test_season_start_is_configurable() -> None:
    trail, device = counter((6, 15))
    device.uplink(local(2025, 6, 14, 12, 0), people_in=10)
    assert trail.tick(local(2025, 6, 15, 0, 0)) == {VISITORS_TODAY: 0, VISITORS_SEASON: 0}
    assert device.uplink(local(2025, 6, 15, 9, 0), people_in=1) == counts(1, 1, 11)


def test_winter_season_runs_across_new_year() -> None:
    trail, device = counter((11, 1))
    device.uplink(local(2024, 12, 31, 15, 0), people_in=6)
    # New Year is a new day, not a new season.
    assert trail.tick(local(2025, 1, 1, 0, 0)) == {VISITORS_TODAY: 0}
    assert device.uplink(local(2025, 1, 1, 11, 0), people_in=2) == counts(2, 8, 8)
    assert trail.tick(local(2025, 11, 1, 0, 0)) == {VISITORS_TODAY: 0, VISITORS_SEASON: 0}


def test_season_from_leap_day_starts_on_first_of_march_in_other_years() -> None:
    trail, device = counter((2, 29))
    device.uplink(local(2025, 2, 28, 12, 0), people_in=5)
    assert trail.tick(local(2025, 3, 1, 0, 0)) == {VISITORS_TODAY: 0, VISITORS_SEASON: 0}


def test_long_silence_across_the_season_start_resets_the_season() -> None:
    trail, device = counter((5, 1))
    device.uplink(local(2024, 9, 30, 12, 0), people_in=500)
    # The counter was taken in for the winter and comes back mid-season next year.
    assert device.uplink(local(2025, 6, 1, 9, 0), people_in=4) == counts(4, 4, 504)
    assert trail.season == 4


def test_default_season_starts_on_first_of_may() -> None:
    assert DEFAULT_SEASON_START == "05-01"
    assert parse_season_start(DEFAULT_SEASON_START) == TrailCounter().season_start == (5, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("05-01", (5, 1)), ("12-31", (12, 31)), ("1-9", (1, 9)), ("02-29", (2, 29))],
)
def test_parse_season_start(text: str, expected: tuple[int, int]) -> None:
    assert parse_season_start(text) == expected


@pytest.mark.parametrize(
    "text",
    [None, 501, "", "05", "13-01", "00-10", "02-30", "04-31", "may-01", "05/01", "05-01-2025"],
)
def test_parse_season_start_rejects_bad_input(text: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every bad input is one kind of error
        parse_season_start(text)


# ---------------------------------------------------------------- persistence


def test_counts_survive_a_restart() -> None:
    trail, device = counter()
    device.uplink(T0, people_total=2000)
    device.uplink(T0 + timedelta(minutes=10), people_total=2012)
    stored = json.loads(json.dumps(trail.as_dict()))

    restored = TrailCounter((5, 1))
    restored.restore(stored)
    assert restored.as_dict() == trail.as_dict()
    again = Device(restored)
    # The running total continues from the stored baseline; no visitor is counted twice.
    later = T0 + timedelta(minutes=20)
    assert again.uplink(later, people_total=2015) == device.uplink(later, people_total=2015)
    assert again.values[VISITORS_TOTAL] == 15
    next_day = local(2025, 6, 15, 0, 0)
    assert restored.tick(next_day) == trail.tick(next_day) == {VISITORS_TODAY: 0}


def test_restore_ignores_damaged_data() -> None:
    trail = TrailCounter()
    trail.restore(
        {
            "today": -4,
            "season": "12",
            "total": 3.5,
            "day": 20250614,
            "season_id": None,
            "last_device_total": "2000",
        }
    )
    assert trail.as_dict() == TrailCounter().as_dict()
    assert Device(trail).uplink(T0, people_total=2010) == counts(0, 0, 0)


def test_restore_of_nothing_leaves_a_fresh_counter() -> None:
    trail = TrailCounter()
    trail.restore({})
    assert trail.as_dict() == TrailCounter().as_dict()
