"""Cold chain in production kitchens: out of range only after the grace period."""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.ange_iot.derived.cold_chain import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_LIMITS,
    LIMIT_HIGH,
    LIMIT_LOW,
    OUT_OF_RANGE,
    ColdChain,
    StorageRole,
)

from .common import Device, from_utc, local

T0 = local(2025, 2, 12, 10, 0)
GRACE = timedelta(minutes=30)


def fridge(grace: timedelta = GRACE) -> tuple[ColdChain, Device]:
    chain = ColdChain(StorageRole.FRIDGE, *DEFAULT_LIMITS[StorageRole.FRIDGE], grace)
    return chain, Device(chain)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def test_defaults_follow_swedish_food_safety_practice() -> None:
    assert DEFAULT_LIMITS[StorageRole.FRIDGE] == (None, 8.0)
    assert DEFAULT_LIMITS[StorageRole.FREEZER] == (None, -18.0)
    assert DEFAULT_LIMITS[StorageRole.COLD_ROOM] == (None, 8.0)
    assert DEFAULT_LIMITS[StorageRole.DRY_STORE] == (None, 25.0)
    assert DEFAULT_GRACE_MINUTES == 30
    assert ColdChain(StorageRole.FRIDGE, None, 8.0).grace == GRACE


def test_first_temperature_publishes_limits_and_state() -> None:
    _, device = fridge()
    assert device.uplink(T0, temperature=4.0) == {
        LIMIT_LOW: None,
        LIMIT_HIGH: 8.0,
        OUT_OF_RANGE: False,
    }


def test_out_of_range_only_after_the_grace_period() -> None:
    chain, device = fridge()
    # The door was opened to load goods: warm, but not yet an alarm.
    assert device.uplink(T0, temperature=9.5)[OUT_OF_RANGE] is False
    assert device.uplink(T0 + minutes(20), temperature=10.0)[OUT_OF_RANGE] is False
    assert chain.tick(T0 + minutes(29)) == {}
    # Exactly N minutes outside counts.
    assert chain.tick(T0 + minutes(30)) == {OUT_OF_RANGE: True}
    assert chain.tick(T0 + minutes(31)) == {}
    assert device.uplink(T0 + minutes(40), temperature=10.5)[OUT_OF_RANGE] is True


def test_exactly_n_minutes_at_an_uplink_turns_it_on() -> None:
    _, device = fridge()
    device.uplink(T0, temperature=12.0)
    assert device.uplink(T0 + minutes(30), temperature=12.0)[OUT_OF_RANGE] is True


def test_back_in_range_turns_it_off() -> None:
    chain, device = fridge()
    device.uplink(T0, temperature=11.0)
    chain.tick(T0 + minutes(45))
    assert device.uplink(T0 + minutes(50), temperature=6.0) == {
        LIMIT_LOW: None,
        LIMIT_HIGH: 8.0,
        OUT_OF_RANGE: False,
    }
    assert chain.tick(T0 + minutes(120)) == {}


def test_back_in_range_restarts_the_clock() -> None:
    chain, device = fridge()
    device.uplink(T0, temperature=11.0)
    device.uplink(T0 + minutes(20), temperature=7.0)  # door closed, cooled down
    device.uplink(T0 + minutes(25), temperature=9.0)  # out again
    # 50 minutes since the first deviation, but only 25 since this one.
    assert chain.tick(T0 + minutes(50)) == {}
    assert chain.tick(T0 + minutes(55)) == {OUT_OF_RANGE: True}


@pytest.mark.parametrize(
    ("celsius", "inside"),
    [(8.0, True), (8.01, False), (7.9, True), (-3.0, True)],
)
def test_high_limit_is_inclusive(celsius: float, inside: bool) -> None:
    chain, _ = fridge()
    assert chain.in_range(celsius) is inside


@pytest.mark.parametrize(
    ("celsius", "inside"),
    [(1.9, False), (2.0, True), (5.0, True), (6.0, True), (6.1, False)],
)
def test_low_and_high_limits_are_inclusive(celsius: float, inside: bool) -> None:
    chain = ColdChain(StorageRole.COLD_ROOM, 2.0, 6.0, GRACE)
    assert chain.in_range(celsius) is inside
    device = Device(chain)
    device.uplink(T0, temperature=celsius)
    assert chain.tick(T0 + GRACE) == ({} if inside else {OUT_OF_RANGE: True})


def test_too_cold_is_out_of_range_too() -> None:
    chain = ColdChain(StorageRole.COLD_ROOM, 0.0, 8.0, minutes(15))
    device = Device(chain)
    assert device.uplink(T0, temperature=-1.5)[OUT_OF_RANGE] is False
    assert chain.tick(T0 + minutes(15)) == {OUT_OF_RANGE: True}


@pytest.mark.parametrize(("celsius", "alarm"), [(-22.0, False), (-18.0, False), (-17.9, True)])
def test_freezer_default_is_at_most_minus_18(celsius: float, alarm: bool) -> None:
    chain = ColdChain(StorageRole.FREEZER, *DEFAULT_LIMITS[StorageRole.FREEZER])
    device = Device(chain)
    assert device.uplink(T0, temperature=celsius)[LIMIT_HIGH] == -18.0
    assert chain.tick(T0 + GRACE) == ({OUT_OF_RANGE: True} if alarm else {})


def test_no_limits_never_alarms() -> None:
    chain = ColdChain(StorageRole.DRY_STORE, None, None, GRACE)
    device = Device(chain)
    device.uplink(T0, temperature=45.0)
    assert chain.tick(T0 + timedelta(days=1)) == {}


def test_custom_grace_period() -> None:
    chain, device = fridge(grace=minutes(5))
    device.uplink(T0, temperature=9.0)
    assert chain.tick(T0 + minutes(4)) == {}
    assert chain.tick(T0 + minutes(5)) == {OUT_OF_RANGE: True}


def test_tick_with_nothing_happening_returns_nothing() -> None:
    chain, device = fridge()
    assert chain.tick(T0) == {}
    device.uplink(T0, temperature=4.0)
    assert chain.tick(T0 + timedelta(hours=5)) == {}


def test_uplinks_without_temperature() -> None:
    _, device = fridge()
    # Before any temperature the limits are still worth drawing on the dashboard.
    assert device.uplink(T0, battery_voltage=3.6) == {LIMIT_LOW: None, LIMIT_HIGH: 8.0}
    device.uplink(T0 + minutes(10), temperature=4.0)
    assert device.uplink(T0 + minutes(20), humidity=55.0) == {}


def test_invalid_temperature_does_not_silence_a_running_deviation() -> None:
    chain, device = fridge()
    device.uplink(T0, temperature=12.0)
    # A sensor hiccup is no evidence the fridge cooled down.
    assert device.uplink(T0 + minutes(10), temperature=None) == {}
    assert chain.tick(T0 + minutes(30)) == {OUT_OF_RANGE: True}


def test_invalid_temperature_does_not_start_a_deviation() -> None:
    chain, device = fridge()
    device.uplink(T0, temperature=4.0)
    device.uplink(T0 + minutes(10), temperature=None)
    assert chain.tick(T0 + timedelta(hours=2)) == {}


def test_restart_keeps_the_running_clock() -> None:
    chain, device = fridge()
    device.uplink(T0, temperature=10.0)
    stored = json.loads(json.dumps(chain.as_dict()))

    restored, _ = fridge()
    restored.restore(stored)
    # The deviation began before the restart; it does not start over.
    assert restored.tick(T0 + minutes(29)) == {}
    assert restored.tick(T0 + minutes(30)) == {OUT_OF_RANGE: True}


def test_restart_keeps_an_active_alarm_without_announcing_it_again() -> None:
    chain, device = fridge()
    device.uplink(T0, temperature=10.0)
    chain.tick(T0 + minutes(30))

    restored, again = fridge()
    restored.restore(json.loads(json.dumps(chain.as_dict())))
    assert restored.active is True
    assert restored.tick(T0 + minutes(40)) == {}
    assert again.uplink(T0 + minutes(45), temperature=5.0)[OUT_OF_RANGE] is False


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"outside_since": "ten past", "active": "yes"},
        {"outside_since": "2025-02-12T10:00:00", "active": 1},
    ],
)
def test_restore_ignores_damaged_data(stored: dict[str, object]) -> None:
    chain, _ = fridge()
    chain.restore(stored)
    assert chain.outside_since is None
    assert chain.active is False
    assert chain.tick(T0 + timedelta(hours=3)) == {}


def test_grace_period_is_real_time_when_summer_time_ends() -> None:
    chain = ColdChain(StorageRole.FREEZER, None, -18.0, GRACE)
    device = Device(chain)
    # 2025-10-26: 03:00 CEST becomes 02:00 CET. 00:40 UTC is 02:40 CEST.
    device.uplink(from_utc(2025, 10, 26, 0, 40), temperature=-12.0)
    # 01:59 UTC is 02:59 CET: 79 minutes later, though the wall clock moved only 19.
    assert chain.tick(from_utc(2025, 10, 26, 1, 59)) == {OUT_OF_RANGE: True}


def test_grace_period_is_real_time_when_summer_time_starts() -> None:
    chain, device = fridge()
    # 2025-03-30: 02:00 CET becomes 03:00 CEST. 00:50 UTC is 01:50 CET.
    device.uplink(from_utc(2025, 3, 30, 0, 50), temperature=11.0)
    # 01:05 UTC is 03:05 CEST: 15 real minutes, 75 on the wall clock.
    assert chain.tick(from_utc(2025, 3, 30, 1, 5)) == {}
