"""The usual interval of a device and when its silence means offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ange_iot.lorawan.activity import ActivityTracker

T0 = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
FLOOR = timedelta(hours=2)


def test_never_seen_is_not_silent() -> None:
    tracker = ActivityTracker()
    assert tracker.usual_interval is None
    assert not tracker.is_silent(T0 + timedelta(days=3), FLOOR)
    assert tracker.offline_timeout(FLOOR) == FLOOR


def test_timeout_is_three_intervals_but_never_below_floor() -> None:
    tracker = ActivityTracker()
    for n in range(4):
        tracker.seen(T0 + timedelta(hours=n))
    assert tracker.usual_interval == timedelta(hours=1)
    assert tracker.offline_timeout(FLOOR) == timedelta(hours=3)
    last = T0 + timedelta(hours=3)
    assert not tracker.is_silent(last + timedelta(hours=3), FLOOR)
    assert tracker.is_silent(last + timedelta(hours=3, seconds=1), FLOOR)

    short = ActivityTracker()
    for n in range(4):
        short.seen(T0 + timedelta(minutes=10 * n))
    assert short.offline_timeout(FLOOR) == FLOOR


def test_median_ignores_one_long_gap_and_bursts() -> None:
    tracker = ActivityTracker()
    times = [T0, T0 + timedelta(minutes=15), T0 + timedelta(minutes=30), T0 + timedelta(hours=10)]
    for when in times:
        tracker.seen(when)
    # A retry seconds later is not an interval.
    tracker.seen(T0 + timedelta(hours=10, seconds=5))
    assert tracker.usual_interval == timedelta(minutes=15)


def test_out_of_order_time_is_ignored() -> None:
    tracker = ActivityTracker()
    tracker.seen(T0)
    tracker.seen(T0 - timedelta(minutes=5))
    assert tracker.last_seen == T0
    assert tracker.usual_interval is None


def test_round_trip_and_garbage() -> None:
    tracker = ActivityTracker()
    tracker.seen(T0)
    tracker.seen(T0 + timedelta(minutes=20))
    restored = ActivityTracker.from_dict(tracker.as_dict())
    assert restored.last_seen == tracker.last_seen
    assert restored.usual_interval == timedelta(minutes=20)

    broken = ActivityTracker.from_dict({"last_seen": "yesterday", "intervals": ["a", -1, 60]})
    assert broken.last_seen is None
    assert list(broken.intervals) == [60.0]
    naive = ActivityTracker.from_dict({"last_seen": "2026-01-01T00:00:00"})
    assert naive.last_seen is None
