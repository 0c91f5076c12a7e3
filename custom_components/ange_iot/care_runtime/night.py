"""Night supervision in Home Assistant: every room of a unit, at each of its own check times.

No check ever passes in silence. A check time without usable data gets the result
``not_supervised`` (visit needed) with its reason: a sensor offline, no bed data, a room
without a bed sensor, or Home Assistant not running at that time (scored when it is back).
Each such result raises the ``supervision_no_data`` alarm, which goes through the alarm
chain like any other, and fires the ``ange_iot_supervision`` event so that any other
delivery (a notice, a logbook, the alarm receiver) can hook in. A room whose consent is
withdrawn is recorded as ``paused`` and not supervised until consent is recorded again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.util import dt as dt_util

from ..care.alarms import AlarmKind
from ..care.audit import AuditAction
from ..care.consent import ConsentBook, ConsentScope
from ..care.supervision import (
    CheckResult,
    CheckSchedule,
    CheckStatus,
    NotSupervisedReason,
    RoomSensors,
    consent_withdrawn,
    evaluate,
    night_bounds,
    night_of,
    not_supervised,
)
from ..const import DOMAIN
from ..derived import ROLE
from .config import ROLE_BED, ROLE_OUTER_DOOR, CareUnitConfig, care_rooms

if TYPE_CHECKING:
    from .manager import CareManager

EVENT_SUPERVISION: Final = f"{DOMAIN}_supervision"
# A check more than this late was not run at its time: Home Assistant was not running.
MISSED_AFTER: Final = timedelta(minutes=5)


class NightSupervision:
    """Runs the checks of one hub's units and answers the morning report."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        self.consents = ConsentBook()

    def rooms(self, code: str) -> list[str]:
        """Every room of a unit: those with care devices and those set up as rooms."""
        rooms = set(self.manager.rooms_of(code))
        rooms.update(room for unit, room in care_rooms(self.manager.hub.entry) if unit == code)
        return sorted(rooms)

    def supervised(self, code: str) -> list[str]:
        """Rooms under night supervision: with a bed sensor, or set up as a resident's room.

        A room set up as a resident's room but without a working bed sensor is checked all
        the same, and each check says "not supervised, visit needed". A room with only, say,
        a call button is not under night supervision; the report lists it as not supervised.
        """
        rooms = {
            d.config.room
            for d in self.manager.hub.devices.values()
            if d.config.care_unit == code and d.config.room and d.config.settings.get(ROLE) == ROLE_BED
        }
        rooms.update(room for unit, room in care_rooms(self.manager.hub.entry) if unit == code)
        return sorted(rooms)

    def check_times(self, unit: CareUnitConfig, room: str) -> CheckSchedule:
        """The room's own check times, else its unit's."""
        config = care_rooms(self.manager.hub.entry).get((unit.code, room))
        return CheckSchedule(config.check_times if config else unit.check_times)

    def run(self, unit: CareUnitConfig, last: datetime, now: datetime, tz: Any) -> bool:
        """Record every check due in ``(last, now]``; whether any was."""
        any_due = False
        for room in self.supervised(unit.code):
            schedule = self.check_times(unit, room)
            for check_at in schedule.due_checks(last, now, tz):
                any_due = True
                since = self._door_window_start(unit, schedule, check_at, tz)
                self._record(self._check(unit, room, check_at, since, now, tz))
        return any_due

    @staticmethod
    def _door_window_start(unit: CareUnitConfig, schedule: CheckSchedule, check_at: datetime, tz: Any) -> datetime:
        """Where a check starts looking for door openings: the previous check of the night.

        The first check of a night looks back to the night's start, not to the last check of
        the night before: the day's comings and goings are not the night's.
        """
        previous = schedule.due_checks(check_at - timedelta(days=1), check_at - timedelta(seconds=1), tz)
        since = previous[-1] if previous else check_at - timedelta(days=1)
        night = night_of(check_at, unit.night_start, unit.night_end, tz=tz)
        if night is None:
            return since
        night_start, _ = night_bounds(night, tz, unit.night_start, unit.night_end)
        return max(since, night_start)

    def _check(
        self, unit: CareUnitConfig, room: str, at: datetime, since: datetime, now: datetime, tz: Any
    ) -> CheckResult:
        bounds = {"tz": tz, "night_start": unit.night_start, "night_end": unit.night_end}
        if not self.consents.allows(unit.code, room, ConsentScope.NIGHT_SUPERVISION):
            return consent_withdrawn(unit.code, room, at=at, **bounds)
        if now - at > MISSED_AFTER:
            return not_supervised(unit.code, room, at=at, reason=NotSupervisedReason.HA_DOWN, **bounds)
        devices = self.manager.room_devices(unit.code, room)
        beds = [d for d in devices if d.config.settings.get(ROLE) == ROLE_BED]
        if not beds:
            return not_supervised(unit.code, room, at=at, reason=NotSupervisedReason.NO_SENSOR, **bounds)
        doors = [d for d in devices if d.config.settings.get(ROLE) == ROLE_OUTER_DOOR]
        activity = self.manager.activity(unit.code, room)
        night = night_of(at, unit.night_start, unit.night_end, tz=tz) or dt_util.as_local(at).date()
        sensors = RoomSensors(
            bed_online=all(d.available for d in beds),
            bed_changes=list(activity.bed_changes),
            door_online=all(d.available for d in doors) if doors else None,
            door_openings=list(activity.door_openings),
        )
        return evaluate(
            unit.code, room, sensors, at=at, since=since, out_of_bed_limit=unit.out_of_bed_limit,
            paused=self.manager.nights.is_paused(unit.code, room, night), **bounds,
        )

    def _record(self, result: CheckResult) -> None:
        manager = self.manager
        manager.nights.record(result)
        manager.audit_line(
            AuditAction.SUPERVISION_CHECK, actor=None, care_unit=result.care_unit, room=result.room,
            at=result.checked_at,
            data={"status": result.status.value, "clock": result.clock, "night": result.night.isoformat(), "reason": result.reason},
        )
        if result.status is CheckStatus.NOT_SUPERVISED:
            # The hook for any delivery besides the alarm chain (DESIGN.md: ange_iot_supervision).
            manager.hass.bus.async_fire(
                EVENT_SUPERVISION,
                {
                    "care_unit": result.care_unit,
                    "room": result.room,
                    "night": result.night.isoformat(),
                    "checked_at": result.checked_at.isoformat(),
                    "result": result.status.value,
                    "reason": result.reason,
                },
            )
        if not result.alarm:
            return
        if result.out_of_bed_since is not None and result.status is CheckStatus.OUT_OF_BED:
            manager.raise_out_of_bed(result.care_unit, result.room, result.out_of_bed_since, result.checked_at)
            return
        manager.trigger(
            AlarmKind.SUPERVISION_NO_DATA, result.care_unit, result.room, None, result.checked_at,
            source_key=f"supervision_no_data:{result.care_unit}/{result.room}:{result.checked_at.isoformat()}",
        )

    def report(self, code: str, night: date) -> dict[str, Any]:
        """Every room of the unit with every check of the night, never an empty list.

        A room with no result yet is listed with an empty ``checks`` list and its check times,
        so a report read before the first check says so instead of looking like a quiet night.
        """
        unit = self.manager.unit(code)
        results = self.manager.nights.morning_report(code, night)
        rooms = sorted(set(self.rooms(code)) | set(results))
        supervised = set(self.supervised(code))
        tz = dt_util.get_default_time_zone()
        start, end = night_bounds(night, tz, unit.night_start, unit.night_end)
        until = min(end, dt_util.utcnow())

        def checks(room: str) -> list[dict[str, Any]]:
            rows: list[tuple[datetime, dict[str, Any]]] = [
                (
                    result.checked_at,
                    {
                        "time": dt_util.as_local(result.checked_at).strftime("%H:%M"),
                        "result": result.status.value,
                        "reason": result.reason,
                        "since": result.clock,
                        "alarm": result.alarm,
                    },
                )
                for result in results.get(room, [])
            ]
            done = {moment for moment, _row in rows}
            # A check time that passed without any result (a room added since, a result lost,
            # or a room not under supervision) is listed too: no result is not a quiet check.
            missing = "no_result" if room in supervised else NotSupervisedReason.NO_SENSOR.value
            for moment in self.check_times(unit, room).due_checks(start - timedelta(seconds=1), until, tz):
                if moment not in done:
                    rows.append(
                        (
                            moment,
                            {
                                "time": dt_util.as_local(moment).strftime("%H:%M"),
                                "result": CheckStatus.NOT_SUPERVISED.value,
                                "reason": missing,
                                "since": None,
                                "alarm": False,
                            },
                        )
                    )
            return [row for _moment, row in sorted(rows, key=lambda item: item[0])]

        return {
            "care_unit": code,
            "night": night.isoformat(),
            "rooms": [
                {
                    "room": room,
                    "check_times": [clock.strftime("%H:%M") for clock in self.check_times(unit, room).times],
                    "consent": [
                        {
                            "scope": record.scope.value,
                            "in_force": record.in_force,
                            "recorded_at": record.recorded_at.isoformat(),
                            "withdrawn_at": None if record.withdrawn_at is None else record.withdrawn_at.isoformat(),
                        }
                        for record in self.consents.of_room(code, room)
                    ],
                    "checks": checks(room),
                }
                for room in rooms
            ],
        }
