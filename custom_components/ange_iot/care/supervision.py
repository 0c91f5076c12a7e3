"""Digital night supervision (digital tillsyn): scheduled checks from a room's sensors.

At each check time a room gets one result:

* ``in_bed``;
* ``out_of_bed`` since HH:MM;
* ``door_opened``: the outer door opened at HH:MM since the previous check of the night
  (the first check of a night looks back to the night's start);
* ``not_supervised``: no usable data, so staff must visit. Its ``reason`` says why: a sensor
  is offline (``sensor_offline``), the bed state is unknown (``no_bed_data``), Home
  Assistant was not running at the check time (``ha_down``, scored when it is back), or
  the room has no bed sensor (``no_sensor``). It never looks like a quiet night;
* ``paused``: supervision of the room was paused for the night, or consent to it is
  withdrawn (``reason`` ``consent_withdrawn``, see :mod:`.consent`).

``not_supervised`` and out of bed for longer than the limit raise alarms. A night is named by the
date it starts on, so the night from Tuesday 22:00 to Wednesday 07:00 is Tuesday's night.
Times are aware datetimes passed in by the caller; wall-clock rules (check times, night
hours) are read in the unit's time zone, which keeps them right across daylight saving time.

This module evaluates a check. The night's wall clock is in :mod:`.night_clock`, the
statuses and the result in :mod:`.check_result`, pauses and kept results in
:mod:`.night_log`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from .check_result import (
    CONSENT_WITHDRAWN_REASON,
    CheckResult,
    CheckStatus,
    NotSupervisedReason,
    _code,
)
from .moments import require_aware, utc
from .night_clock import (
    DEFAULT_CHECK_TIMES,
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    CheckSchedule,
    is_night,
    night_bounds,
    night_of,
)
from .night_log import NightLog, Pause, PauseReason

# The clock, the result and the log live in their own modules; the care runtime takes
# everything about night supervision from here.
__all__ = [
    "DEFAULT_CHECK_TIMES",
    "DEFAULT_NIGHT_END",
    "DEFAULT_NIGHT_START",
    "DEFAULT_OUT_OF_BED_LIMIT",
    "BedChange",
    "CheckResult",
    "CheckSchedule",
    "CheckStatus",
    "NightLog",
    "NotSupervisedReason",
    "Pause",
    "PauseReason",
    "RoomSensors",
    "consent_withdrawn",
    "evaluate",
    "is_night",
    "night_bounds",
    "night_of",
    "not_supervised",
]

DEFAULT_OUT_OF_BED_LIMIT = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class BedChange:
    """The bed sensor reported ``occupied`` at ``at``."""

    at: datetime
    occupied: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomSensors:
    """What a room's sensors say at a check.

    ``bed_changes`` must include the last change before the check window (Home Assistant's
    ``last_changed`` of the bed sensor is enough). ``door_online`` is ``None`` for a room
    without an outer door sensor; ``door_openings`` are the moments the door opened.
    """

    bed_online: bool
    bed_changes: Sequence[BedChange] = ()
    door_online: bool | None = None
    door_openings: Sequence[datetime] = ()


def _hhmm(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def evaluate(
    care_unit: str,
    room: str,
    sensors: RoomSensors,
    *,
    at: datetime,
    since: datetime,
    tz: tzinfo,
    out_of_bed_limit: timedelta = DEFAULT_OUT_OF_BED_LIMIT,
    paused: bool = False,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
) -> CheckResult:
    """The result of the check at ``at``; ``since`` starts the door window (previous check, or night start).

    Order of precedence: paused, no data, out of bed, door opened, in bed. Out of bed raises
    an alarm only when it has lasted longer than ``out_of_bed_limit`` (exactly the limit
    does not).
    """
    require_aware(at, "at")
    require_aware(since, "since")
    _code(care_unit, "care_unit")
    _code(room, "room")
    night = night_of(at, night_start, night_end, tz=tz)
    if night is None:
        # A check outside night hours is filed under the night that began before it.
        local = at.astimezone(tz)
        night = local.date() - timedelta(days=1) if local.time() < night_start else local.date()
    openings = sorted(
        (moment for moment in sensors.door_openings if utc(since) < utc(moment) <= utc(at)), key=utc
    )
    door_at = openings[0] if openings else None
    result = CheckResult(
        care_unit=care_unit,
        room=room,
        night=night,
        checked_at=at,
        status=CheckStatus.IN_BED,
        alarm=False,
        door_opened_at=door_at,
        door_openings=len(openings),
    )
    if paused:
        return replace(result, status=CheckStatus.PAUSED, door_opened_at=None, door_openings=0)
    earlier = sorted(
        (change for change in sensors.bed_changes if utc(change.at) <= utc(at)),
        key=lambda change: utc(change.at),
    )
    if not sensors.bed_online or sensors.door_online is False:
        return replace(
            result, status=CheckStatus.NOT_SUPERVISED, alarm=True,
            reason=NotSupervisedReason.SENSOR_OFFLINE.value,
        )
    if not earlier:
        return replace(
            result, status=CheckStatus.NOT_SUPERVISED, alarm=True,
            reason=NotSupervisedReason.NO_BED_DATA.value,
        )
    if not earlier[-1].occupied:
        # Repeated "empty" reports do not restart the time out of bed.
        out_since = earlier[-1].at
        for change in reversed(earlier):
            if change.occupied:
                break
            out_since = change.at
        return replace(
            result,
            status=CheckStatus.OUT_OF_BED,
            alarm=utc(at) - utc(out_since) > out_of_bed_limit,
            clock=_hhmm(out_since, tz),
            out_of_bed_since=out_since,
        )
    if door_at is not None:
        return replace(result, status=CheckStatus.DOOR_OPENED, clock=_hhmm(door_at, tz))
    return result


def not_supervised(
    care_unit: str,
    room: str,
    *,
    at: datetime,
    reason: NotSupervisedReason,
    tz: tzinfo,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
) -> CheckResult:
    """A check that had nothing to evaluate: no sensor, or Home Assistant was not running."""
    return replace(
        evaluate(
            care_unit, room, RoomSensors(bed_online=False), at=at, since=at, tz=tz,
            night_start=night_start, night_end=night_end,
        ),
        reason=reason.value,
    )


def consent_withdrawn(
    care_unit: str,
    room: str,
    *,
    at: datetime,
    tz: tzinfo,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
) -> CheckResult:
    """A check of a room whose consent is withdrawn: paused, and no alarm."""
    return replace(
        evaluate(
            care_unit, room, RoomSensors(bed_online=False), at=at, since=at, tz=tz, paused=True,
            night_start=night_start, night_end=night_end,
        ),
        reason=CONSENT_WITHDRAWN_REASON,
    )
