"""A local clock and a device's value store, as the hub feeds features.

The hub keeps each device's latest values, merges every uplink into them, and hands a
feature the whole store plus the keys this uplink changed. ``Device`` does the same, so
the tests exercise the features exactly as they run, without the hub around them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from custom_components.ange_iot.derived import Feature, Value, Values

TZ = ZoneInfo("Europe/Stockholm")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware local time, as the hub passes it (dt_util.as_local)."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def from_utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Local time of a UTC instant; around DST changes this sets ``fold`` as HA does."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC).astimezone(TZ)


class Device:
    """One device's value store with a single feature attached."""

    def __init__(self, feature: Feature) -> None:
        self.feature = feature
        self.values: dict[str, Value] = {}

    def uplink(self, now: datetime, **readings: Any) -> Values:
        """Deliver one uplink; None marks a measurement the sensor flagged as invalid."""
        self.values.update(readings)
        derived = self.feature.update(self.values, set(readings), now)
        self.values.update(derived)
        return derived

    def tick(self, now: datetime) -> Values:
        """Time passes without an uplink."""
        derived = self.feature.tick(now)
        self.values.update(derived)
        return derived
