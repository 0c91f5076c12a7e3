"""Water meters: daily consumption, leak suspicion, and meters that go backwards.

The meter register only ever grows. When it goes backwards the meter was either
replaced (a new register starting near 0) or the reading was a glitch. Until staff
say which, nothing is counted from the lower readings, so daily consumption can never
go negative; a glitch resolves itself when the register passes the old value again.

Leak suspicion follows the usual rule for households: water has flowed in every hour
for 24 hours, with not one hour of zero flow. A meter that reports less often than
hourly cannot show a zero-flow hour, so its suspicion stays unknown rather than false
or true.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .feature import Value, Values, as_float, elapsed, iso, parse_time

METER_ID: Final = "meter_id"
PLACE: Final = "place"

DAILY_CONSUMPTION: Final = "daily_consumption"
LEAK_SUSPECTED: Final = "leak_suspected"

_HOUR: Final = timedelta(hours=1)
_DAY: Final = timedelta(hours=24)
# Readings further apart than this break the hourly coverage leak suspicion needs.
_MAX_GAP: Final = timedelta(minutes=75)


@dataclass(slots=True, frozen=True)
class Backwards:
    """A register that went backwards, waiting for staff to call it a replacement.

    ``first`` is the first lower reading, where a new meter starts counting; ``current``
    the latest, which staff see.
    """

    previous: float
    current: float
    at: datetime
    first: float


class WaterMeter:
    """Derived values of one water meter."""

    keys = frozenset({DAILY_CONSUMPTION, LEAK_SUSPECTED})

    def __init__(self) -> None:
        self.baseline: float | None = None
        self.last_at: datetime | None = None
        self.day: str | None = None
        self.daily = 0.0
        self.backwards: Backwards | None = None
        self.unchanged_since: datetime | None = None
        self.covered_since: datetime | None = None
        self.zero_flow_at: datetime | None = None

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """Count the increase since the last good reading."""
        out: Values = self._roll_day(now)
        if "flow" in changed and as_float(values.get("flow")) == 0:
            self.zero_flow_at = now
        if "volume" not in changed:
            return out
        volume = as_float(values.get("volume"))
        if volume is None:
            return out
        increased = self._count(volume, now)
        self._track_flow(increased, now)
        out[DAILY_CONSUMPTION] = round(self.daily, 3)
        out[LEAK_SUSPECTED] = self.leak_suspected(now)
        return out

    def _count(self, volume: float, now: datetime) -> bool:
        if self.baseline is None:
            self.baseline = volume
            return False
        if volume < self.baseline:
            if self.backwards is None:
                self.backwards = Backwards(previous=self.baseline, current=volume, at=now, first=volume)
            else:
                self.backwards = Backwards(self.backwards.previous, volume, self.backwards.at, self.backwards.first)
            return False
        # Back above the old register: the lower readings were a glitch.
        self.backwards = None
        delta = volume - self.baseline
        self.baseline = volume
        self.daily += delta
        return delta > 0

    def confirm_replacement(self, now: datetime) -> Values:
        """Staff confirmed a new meter: count from its first reading on."""
        if self.backwards is None:
            return {}
        replaced = self.backwards
        self.backwards = None
        out = self._roll_day(now)
        # What the new meter measured before staff confirmed counts too.
        self.daily += replaced.current - replaced.first
        self.baseline = replaced.current
        return {**out, DAILY_CONSUMPTION: round(self.daily, 3)}

    def _track_flow(self, increased: bool, now: datetime) -> None:
        if self.last_at is None or elapsed(self.last_at, now) > _MAX_GAP:
            self.covered_since = now
            self.unchanged_since = None if increased else now
        elif increased:
            self.unchanged_since = None
        elif self.unchanged_since is None:
            self.unchanged_since = self.last_at
        if self.unchanged_since is not None and elapsed(self.unchanged_since, now) >= _HOUR:
            self.zero_flow_at = now
        self.last_at = now

    def leak_suspected(self, now: datetime) -> bool | None:
        """True after 24 h of hourly coverage without a zero-flow hour."""
        if self.zero_flow_at is not None and elapsed(self.zero_flow_at, now) < _DAY:
            return False
        if self.covered_since is None or self.last_at is None or elapsed(self.last_at, now) > _MAX_GAP:
            return None
        start = self.covered_since
        if self.zero_flow_at is not None and elapsed(start, self.zero_flow_at) > timedelta(0):
            start = self.zero_flow_at
        return True if elapsed(start, now) >= _DAY else None

    def tick(self, now: datetime) -> Values:
        """Daily consumption starts again at local midnight."""
        return self._roll_day(now)

    def _roll_day(self, now: datetime) -> Values:
        today = now.date().isoformat()
        if self.day == today:
            return {}
        first = self.day is None
        self.day = today
        self.daily = 0.0
        # A device that never reported a volume is no meter: no entity for it.
        return {} if first or self.baseline is None else {DAILY_CONSUMPTION: 0.0}

    def as_dict(self) -> dict[str, Any]:
        """Baseline, today's count and the flow history leak suspicion needs."""
        backwards = self.backwards
        return {
            "baseline": self.baseline,
            "last_at": iso(self.last_at),
            "day": self.day,
            "daily": self.daily,
            "backwards": None
            if backwards is None
            else {
                "previous": backwards.previous,
                "current": backwards.current,
                "first": backwards.first,
                "at": iso(backwards.at),
            },
            "unchanged_since": iso(self.unchanged_since),
            "covered_since": iso(self.covered_since),
            "zero_flow_at": iso(self.zero_flow_at),
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load as_dict() output."""
        self.baseline = as_float(data.get("baseline"))
        self.last_at = parse_time(data.get("last_at"))
        day = data.get("day")
        self.day = day if isinstance(day, str) else None
        self.daily = as_float(data.get("daily")) or 0.0
        backwards = data.get("backwards")
        self.backwards = None
        if isinstance(backwards, dict):
            previous, current = as_float(backwards.get("previous")), as_float(backwards.get("current"))
            first = as_float(backwards.get("first"))
            at = parse_time(backwards.get("at"))
            if previous is not None and current is not None and at is not None:
                self.backwards = Backwards(previous, current, at, current if first is None else first)
        self.unchanged_since = parse_time(data.get("unchanged_since"))
        self.covered_since = parse_time(data.get("covered_since"))
        self.zero_flow_at = parse_time(data.get("zero_flow_at"))
