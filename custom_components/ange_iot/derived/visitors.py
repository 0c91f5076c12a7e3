"""Visitor counts on a trail from people counters and PIR counters.

Counters report in one of two ways: the number of passers-by since the previous
uplink (people_in, or motion for PIR counters), or a running total kept in the device
(people_total). A running total falls back to 0 when the device restarts or its counter
wraps; the count after such a reset is taken as new visitors, never as a negative
number and never by counting the old total again.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import date, datetime
from typing import Any, Final

from .feature import Value, Values, as_float

SEASON_START: Final = "season_start"
DEFAULT_SEASON_START: Final = "05-01"

VISITORS_TODAY: Final = "visitors_today"
VISITORS_SEASON: Final = "visitors_season"
VISITORS_TOTAL: Final = "visitors_total"
# Readings that count passers-by since the previous uplink (a PIR counter's is motion).
_PERIOD_KEYS: Final = ("people_in", "motion")


def parse_season_start(text: object) -> tuple[int, int]:
    """A season start "MM-DD" as (month, day); raises ValueError when it is no date."""
    if not isinstance(text, str):
        raise ValueError("season start must be text like 05-01")
    month, _, day = text.partition("-")
    parsed = date(2024, int(month), int(day))  # a leap year accepts 02-29
    return parsed.month, parsed.day


class TrailCounter:
    """Visitors today, this season and in total."""

    keys = frozenset({VISITORS_TODAY, VISITORS_SEASON, VISITORS_TOTAL})

    def __init__(self, season_start: tuple[int, int] = (5, 1)) -> None:
        self.season_start = season_start
        self.today = 0
        self.season = 0
        self.total = 0
        self.day: str | None = None
        self.season_id: str | None = None
        self.last_device_total: int | None = None
        # Once a device sends period counts, its running total only keeps its baseline.
        self.period_counts = False

    def _season_of(self, now: datetime) -> str:
        month, day = self.season_start
        start_year = now.year if (now.month, now.day) >= (month, day) else now.year - 1
        return f"{start_year}-{month:02d}-{day:02d}"

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """Add the visitors this uplink reports."""
        out = self._roll(now)
        new = self._new_visitors(values, changed)
        if new is None:
            return out
        self.today += new
        self.season += new
        self.total += new
        return {VISITORS_TODAY: self.today, VISITORS_SEASON: self.season, VISITORS_TOTAL: self.total}

    def late(self, values: Mapping[str, Value], measured: datetime) -> Values:
        """Passers-by of an older uplink that arrived after newer ones (a backlog resent).

        Only period counts add up out of order; a running total that arrives late is
        older than the one already taken, which includes its visitors.
        """
        new = self._period_count(values, values.keys())
        if not new:
            return {}
        self.period_counts = True
        if measured.date().isoformat() == self.day:
            self.today += new
        if self._season_of(measured) == self.season_id:
            self.season += new
        self.total += new
        return {VISITORS_TODAY: self.today, VISITORS_SEASON: self.season, VISITORS_TOTAL: self.total}

    @staticmethod
    def _period_count(values: Mapping[str, Value], changed: Set[str]) -> int | None:
        """Passers-by since the previous uplink (people_in, or a PIR counter's motion)."""
        for key in _PERIOD_KEYS:
            if key in changed:
                count = as_float(values.get(key))
                return None if count is None or count < 0 else int(count)
        return None

    def _new_visitors(self, values: Mapping[str, Value], changed: Set[str]) -> int | None:
        # A device that sends both a period count and its running total would be counted
        # twice; the period count is the one that survives resets without guessing.
        period = self._period_count(values, changed)
        if any(key in changed for key in _PERIOD_KEYS):
            self.period_counts = True
        total = as_float(values.get("people_total")) if "people_total" in changed else None
        if total is None or total < 0:
            return period
        device_total, previous = int(total), self.last_device_total
        self.last_device_total = device_total
        if self.period_counts:
            return period
        if previous is None:
            return 0
        return device_total - previous if device_total >= previous else device_total

    def tick(self, now: datetime) -> Values:
        """Visitors today start again at midnight, the season at its start date."""
        return self._roll(now)

    def _roll(self, now: datetime) -> Values:
        out: Values = {}
        today, season = now.date().isoformat(), self._season_of(now)
        if self.day is not None and self.day != today:
            self.today = 0
            out[VISITORS_TODAY] = 0
        if self.season_id is not None and self.season_id != season:
            self.season = 0
            out[VISITORS_SEASON] = 0
        self.day, self.season_id = today, season
        return out

    def as_dict(self) -> dict[str, Any]:
        """The counts and the device's last running total."""
        return {
            "today": self.today,
            "season": self.season,
            "total": self.total,
            "day": self.day,
            "season_id": self.season_id,
            "last_device_total": self.last_device_total,
            "period_counts": self.period_counts,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load as_dict() output."""
        for name in ("today", "season", "total"):
            value = data.get(name)
            setattr(self, name, value if isinstance(value, int) and value >= 0 else 0)
        day, season_id = data.get("day"), data.get("season_id")
        self.day = day if isinstance(day, str) else None
        self.season_id = season_id if isinstance(season_id, str) else None
        last = data.get("last_device_total")
        self.last_device_total = last if isinstance(last, int) else None
        self.period_counts = data.get("period_counts") is True
