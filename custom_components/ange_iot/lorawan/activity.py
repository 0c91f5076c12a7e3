"""When a device counts as silent: from its usual reporting interval."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

_INTERVALS_KEPT = 9
# Gaps shorter than this are retries or bursts, not the device's reporting interval.
_MIN_INTERVAL = timedelta(seconds=30)


@dataclass(slots=True)
class ActivityTracker:
    """Last-seen time and usual interval of one device."""

    last_seen: datetime | None = None
    intervals: deque[float] = field(default_factory=lambda: deque(maxlen=_INTERVALS_KEPT))

    def seen(self, when: datetime) -> None:
        """Record an uplink received at ``when``."""
        if self.last_seen is not None:
            gap = when - self.last_seen
            if gap < timedelta(0):
                return
            if gap >= _MIN_INTERVAL:
                self.intervals.append(gap.total_seconds())
        self.last_seen = when

    @property
    def usual_interval(self) -> timedelta | None:
        """The median gap between uplinks, once there is one."""
        if not self.intervals:
            return None
        return timedelta(seconds=median(self.intervals))

    def offline_timeout(self, floor: timedelta) -> timedelta:
        """Silence longer than this means offline: 3x the usual interval, at least ``floor``."""
        interval = self.usual_interval
        if interval is None:
            return floor
        return max(3 * interval, floor)

    def is_silent(self, now: datetime, floor: timedelta) -> bool:
        """Whether the device has been silent longer than its offline timeout."""
        if self.last_seen is None:
            return False
        return now - self.last_seen > self.offline_timeout(floor)

    def as_dict(self) -> dict[str, object]:
        """Return what must survive a restart."""
        return {
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "intervals": list(self.intervals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ActivityTracker:
        """Rebuild from as_dict() output, tolerating missing or odd values."""
        tracker = cls()
        last_seen = data.get("last_seen")
        if isinstance(last_seen, str):
            try:
                parsed = datetime.fromisoformat(last_seen)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                tracker.last_seen = parsed
        intervals = data.get("intervals")
        if isinstance(intervals, list):
            tracker.intervals.extend(
                float(i) for i in intervals if isinstance(i, (int, float)) and i > 0
            )
        return tracker
