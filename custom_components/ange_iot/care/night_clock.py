"""The wall clock of night supervision: when a night is, and when its checks fall due.

A night is named by the date it starts on, so the night from Tuesday 22:00 to Wednesday
07:00 is Tuesday's night. Night hours and check times are wall-clock times read in the
unit's time zone, which keeps them right across daylight saving time; the instants computed
from them are in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .moments import require_aware, utc

DEFAULT_NIGHT_START = time(22, 0)
DEFAULT_NIGHT_END = time(7, 0)
DEFAULT_CHECK_TIMES = (time(23, 0), time(2, 0), time(5, 0))


def _spans_midnight(start: time, end: time) -> bool:
    return end <= start


def local_moment(day: date, clock: time, tz: tzinfo) -> datetime:
    """The instant (in UTC) the wall clock in ``tz`` first shows ``clock`` on ``day``.

    UTC, because Python compares a local time inside the autumn's repeated hour unequal to
    every other zone's. A time skipped by the spring change to daylight saving time maps to the instant the
    clock jumps over it (02:30 in Stockholm runs at 03:00 summer time); a time repeated in
    autumn maps to its first pass.
    """
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return first.astimezone(UTC)
    # Inside a gap: fold=1 reads the time with the later offset (an instant before the jump),
    # fold=0 with the earlier one (after it). The jump lies between; find it to the second.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def night_of(
    moment: datetime,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
    *,
    tz: tzinfo | None = None,
) -> date | None:
    """The night ``moment`` falls in (the date it started), or ``None`` in the daytime.

    The wall clock is read in ``tz``, or in ``moment``'s own zone when ``tz`` is ``None``.
    Night hours may span midnight (22:00-07:00) or not (00:30-05:00); the start is part
    of the night, the end is not.
    """
    require_aware(moment, "moment")
    local = moment.astimezone(tz) if tz is not None else moment
    clock = local.time()
    if _spans_midnight(night_start, night_end):
        if clock >= night_start:
            return local.date()
        if clock < night_end:
            return local.date() - timedelta(days=1)
        return None
    return local.date() if night_start <= clock < night_end else None


def is_night(
    moment: datetime,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
    *,
    tz: tzinfo | None = None,
) -> bool:
    """Whether ``moment`` is within night hours (for example for the night_door alarm)."""
    return night_of(moment, night_start, night_end, tz=tz) is not None


def night_bounds(
    night: date,
    tz: tzinfo,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
) -> tuple[datetime, datetime]:
    """The instants (in UTC) a night starts and ends."""
    end_day = night + timedelta(days=1) if _spans_midnight(night_start, night_end) else night
    return local_moment(night, night_start, tz), local_moment(end_day, night_end, tz)


@dataclass(frozen=True, slots=True)
class CheckSchedule:
    """A room's check times (wall clock in the unit's time zone)."""

    times: tuple[time, ...] = DEFAULT_CHECK_TIMES

    def due_checks(self, last_run: datetime, now: datetime, tz: tzinfo) -> list[datetime]:
        """Check instants (in UTC) after ``last_run`` up to and including ``now``, oldest first.

        Each check time gives one instant per calendar day, also on the nights the clocks
        change. After downtime this returns every missed check; the glue should record
        those it can no longer evaluate as ``not_supervised``, since an unsupervised hour is not
        an hour in which all was well.
        """
        require_aware(last_run, "last_run")
        require_aware(now, "now")
        if utc(now) <= utc(last_run):
            return []
        first_day = last_run.astimezone(tz).date() - timedelta(days=1)
        last_day = now.astimezone(tz).date()
        due = set()
        day = first_day
        while day <= last_day:
            for clock in self.times:
                moment = local_moment(day, clock, tz)
                if utc(last_run) < utc(moment) <= utc(now):
                    due.add(moment)
            day += timedelta(days=1)
        return sorted(due)
