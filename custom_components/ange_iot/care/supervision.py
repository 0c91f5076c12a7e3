"""Digital night supervision (digital tillsyn): scheduled checks from a room's sensors.

At each check time a room gets one result:

* ``in_bed``;
* ``out_of_bed`` since HH:MM;
* ``door_opened``: the outer door opened at HH:MM since the previous check;
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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from .errors import CareError, InvalidCodeError, StoredDataError
from .identity import is_stored_code
from .moments import from_iso, optional_from_iso, optional_iso, require_aware, to_iso, utc

DEFAULT_NIGHT_START = time(22, 0)
DEFAULT_NIGHT_END = time(7, 0)
DEFAULT_CHECK_TIMES = (time(23, 0), time(2, 0), time(5, 0))
DEFAULT_OUT_OF_BED_LIMIT = timedelta(minutes=30)
STORE_VERSION = 1


class CheckStatus(StrEnum):
    """What a night check found."""

    IN_BED = "in_bed"
    OUT_OF_BED = "out_of_bed"
    DOOR_OPENED = "door_opened"
    NOT_SUPERVISED = "not_supervised"
    PAUSED = "paused"


class NotSupervisedReason(StrEnum):
    """Why a check could not supervise the room."""

    SENSOR_OFFLINE = "sensor_offline"
    NO_BED_DATA = "no_bed_data"
    HA_DOWN = "ha_down"
    NO_SENSOR = "no_sensor"


# Results stored by earlier versions as "no_data" are read as not supervised.
_OLD_STATUS = {"no_data": (CheckStatus.NOT_SUPERVISED, NotSupervisedReason.SENSOR_OFFLINE.value)}
CONSENT_WITHDRAWN_REASON = "consent_withdrawn"


class PauseReason(StrEnum):
    """Why supervision of a room is paused; a fixed list, since free text could name people."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    AWAY = "away"
    OTHER = "other"


class SupervisionError(CareError):
    """A supervision request that cannot be carried out."""

    translation_key = "supervision_error"


class NightOverError(SupervisionError):
    """A pause for a night that has already ended."""

    translation_key = "supervision_night_over"


class InvalidPauseReasonError(SupervisionError):
    """A pause reason that is not one of :class:`PauseReason`."""

    translation_key = "invalid_pause_reason"


def _code(value: str, what: str) -> str:
    if not is_stored_code(value):
        raise InvalidCodeError(f"{what} is not a valid pseudonymous code", field=what)
    return value


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


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """One room's result at one check.

    ``clock`` is the HH:MM (unit's time zone) that goes with the status: since when the
    resident is out of bed, or when the door first opened. ``out_of_bed_since`` and
    ``door_opened_at`` are kept whatever the status, so a report can show both.
    """

    care_unit: str
    room: str
    night: date
    checked_at: datetime
    status: CheckStatus
    alarm: bool
    clock: str | None = None
    out_of_bed_since: datetime | None = None
    door_opened_at: datetime | None = None
    door_openings: int = 0
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for storage, the audit log and the morning report."""
        return {
            "reason": self.reason,
            "care_unit": self.care_unit,
            "room": self.room,
            "night": self.night.isoformat(),
            "checked_at": to_iso(self.checked_at),
            "status": self.status.value,
            "alarm": self.alarm,
            "clock": self.clock,
            "out_of_bed_since": optional_iso(self.out_of_bed_since),
            "door_opened_at": optional_iso(self.door_opened_at),
            "door_openings": self.door_openings,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        """Read a result back from :meth:`as_dict`; ``StoredDataError`` if it is damaged."""
        try:
            clock = data.get("clock")
            status, reason = _OLD_STATUS.get(
                str(data["status"]), (CheckStatus(data["status"]), data.get("reason"))
            )
            return cls(
                care_unit=_code(data["care_unit"], "care_unit"),
                room=_code(data["room"], "room"),
                night=date.fromisoformat(data["night"]),
                checked_at=from_iso(data["checked_at"]),
                status=status,
                reason=None if reason is None else str(reason),
                alarm=bool(data["alarm"]),
                clock=None if clock is None else str(clock),
                out_of_bed_since=optional_from_iso(data.get("out_of_bed_since")),
                door_opened_at=optional_from_iso(data.get("door_opened_at")),
                door_openings=int(data.get("door_openings", 0)),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise StoredDataError(f"stored check result is damaged: {err}") from err


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
    """The result of the check at ``at``; ``since`` starts the door window (previous check).

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause:
    """Supervision of a room paused for one night, and who paused it when."""

    care_unit: str
    room: str
    night: date
    reason: PauseReason
    paused_by: str | None
    paused_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for storage and the audit log."""
        return {
            "care_unit": self.care_unit,
            "room": self.room,
            "night": self.night.isoformat(),
            "reason": self.reason.value,
            "paused_by": self.paused_by,
            "paused_at": to_iso(self.paused_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pause:
        """Read a pause back from :meth:`as_dict`; ``StoredDataError`` if it is damaged."""
        try:
            by = data.get("paused_by")
            return cls(
                care_unit=_code(data["care_unit"], "care_unit"),
                room=_code(data["room"], "room"),
                night=date.fromisoformat(data["night"]),
                reason=PauseReason(data["reason"]),
                paused_by=None if by is None else str(by),
                paused_at=from_iso(data["paused_at"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise StoredDataError(f"stored pause is damaged: {err}") from err


@dataclass(slots=True)
class NightLog:
    """Pauses and check results of recent nights, for the entities and the morning report."""

    pauses: dict[tuple[str, str, date], Pause] = field(default_factory=dict)
    results: list[CheckResult] = field(default_factory=list)

    def pause(
        self,
        care_unit: str,
        room: str,
        night: date,
        *,
        reason: PauseReason | str,
        by: str | None,
        at: datetime,
        tz: tzinfo,
        night_start: time = DEFAULT_NIGHT_START,
        night_end: time = DEFAULT_NIGHT_END,
    ) -> tuple[Pause, bool]:
        """Pause a room for a night; returns the pause and whether it is new.

        Pausing a night that is already paused keeps the first pause (who and when).
        A night that has ended cannot be paused: its checks are history.
        """
        require_aware(at, "at")
        key = (_code(care_unit, "care_unit"), _code(room, "room"), night)
        if utc(night_bounds(night, tz, night_start, night_end)[1]) <= utc(at):
            raise NightOverError(
                f"the night of {night.isoformat()} is over", night=night.isoformat()
            )
        try:
            reason = PauseReason(reason)
        except ValueError as err:
            raise InvalidPauseReasonError("unknown pause reason", reason=str(reason)) from err
        if key in self.pauses:
            return self.pauses[key], False
        entry = Pause(
            care_unit=care_unit,
            room=room,
            night=night,
            reason=reason,
            paused_by=by,
            paused_at=at,
        )
        self.pauses[key] = entry
        return entry, True

    def is_paused(self, care_unit: str, room: str, night: date) -> bool:
        """Whether the room's supervision is paused that night."""
        return (care_unit, room, night) in self.pauses

    def record(self, result: CheckResult) -> None:
        """Keep a check result for the morning report."""
        self.results.append(result)

    def latest(self, care_unit: str, room: str) -> CheckResult | None:
        """The room's most recent result, for its entity."""
        found = [r for r in self.results if r.care_unit == care_unit and r.room == room]
        return max(found, key=lambda result: utc(result.checked_at)) if found else None

    def morning_report(self, care_unit: str, night: date) -> dict[str, list[CheckResult]]:
        """The night's results of a unit: rooms in code order, each room's checks in time order."""
        report: dict[str, list[CheckResult]] = {}
        chosen = (r for r in self.results if r.care_unit == care_unit and r.night == night)
        for result in sorted(chosen, key=lambda r: (r.room, utc(r.checked_at))):
            report.setdefault(result.room, []).append(result)
        return report

    def prune(self, before_night: date) -> None:
        """Forget pauses and results of nights before ``before_night`` (the audit log keeps them)."""
        self.pauses = {key: p for key, p in self.pauses.items() if p.night >= before_night}
        self.results = [r for r in self.results if r.night >= before_night]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for Home Assistant's storage."""
        return {
            "version": STORE_VERSION,
            "pauses": [p.as_dict() for p in self.pauses.values()],
            "results": [r.as_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NightLog:
        """Read a log back from :meth:`as_dict`; ``StoredDataError`` if it is damaged."""
        if data.get("version") != STORE_VERSION:
            raise StoredDataError("unsupported night log version")
        try:
            pauses: Iterable[Mapping[str, Any]] = list(data["pauses"])
            results: Iterable[Mapping[str, Any]] = list(data["results"])
        except (KeyError, TypeError) as err:
            raise StoredDataError("stored night log is damaged") from err
        log = cls()
        for record in pauses:
            pause = Pause.from_dict(record)
            log.pauses[(pause.care_unit, pause.room, pause.night)] = pause
        log.results = [CheckResult.from_dict(record) for record in results]
        return log
