"""What the care rooms' sensors report, and the alarms read from it.

A call button, a water leak, a low battery, an outer door at night or a silent sensor
raise their alarm as soon as the device reports it. Bed, door and presence reports are
also kept per room (:class:`RoomActivity`, saved with the care state), for the night
checks and for the manager's minute sweeps here: out of bed too long at night, and no
activity in a room by the unit's morning time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..care.alarms import AlarmKind
from ..care.consent import ConsentScope
from ..care.supervision import BedChange, is_night
from ..derived import ROLE
from .config import ROLE_BED, ROLE_OUTER_DOOR, ROLE_ROOM_PRESENCE, CareUnitConfig

if TYPE_CHECKING:
    from ..device import Device
    from .manager import CareManager

# Bed changes kept per room: a night and a half is enough for every check.
_BED_HISTORY: Final = timedelta(hours=36)
_LOW_BATTERY_PERCENT: Final = 15


@dataclass(slots=True)
class RoomActivity:
    """What a room's sensors said recently, for supervision and inactivity."""

    bed_changes: list[BedChange] = field(default_factory=list)
    door_openings: list[datetime] = field(default_factory=list)
    last_activity: datetime | None = None
    # Whether a presence sensor has reported at all; a room without any report yet has no
    # evidence of inactivity (its silence is the device_offline alarm's business).
    presence_reported: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, so a restart does not forget the night so far."""
        return {
            "bed_changes": [[change.at.isoformat(), change.occupied] for change in self.bed_changes],
            "door_openings": [moment.isoformat() for moment in self.door_openings],
            "last_activity": None if self.last_activity is None else self.last_activity.isoformat(),
            "presence_reported": self.presence_reported,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoomActivity:
        """Read as_dict() output; damaged parts are left out."""
        room = cls(presence_reported=data.get("presence_reported") is True)
        for item in data.get("bed_changes") or []:
            if isinstance(item, list) and len(item) == 2 and (at := dt_util.parse_datetime(str(item[0]))):
                room.bed_changes.append(BedChange(at=at, occupied=item[1] is True))
        for item in data.get("door_openings") or []:
            if (at := dt_util.parse_datetime(str(item))) is not None:
                room.door_openings.append(at)
        if isinstance(last := data.get("last_activity"), str):
            room.last_activity = dt_util.parse_datetime(last)
        return room


class RoomWatch:
    """The recent activity of one hub's care rooms, and the alarms its sensors raise."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        self.rooms: dict[tuple[str, str], RoomActivity] = {}
        self._inactivity_done: dict[tuple[str, str], date] = {}
        # Out-of-bed episodes already alarmed, so a resolved one is not raised again.
        self._raised_episodes: set[str] = set()

    # ------------------------------------------------------------------ device input

    @callback
    def on_readings(self, device: Device, changed: frozenset[str], at: datetime) -> None:
        """Turn what a care device reported into alarms and supervision input."""
        manager = self.manager
        config = device.config
        if not config.is_care or config.care_unit is None or config.room is None:
            return
        unit, room, values = manager.unit(config.care_unit), config.room, device.values
        role = config.settings.get(ROLE)
        activity = self.rooms.setdefault((unit.code, room), RoomActivity())
        night = is_night(at, unit.night_start, unit.night_end, tz=dt_util.get_default_time_zone())
        if "button" in changed and isinstance(values.get("button"), str):
            manager.trigger(AlarmKind.CALL_BUTTON, unit.code, room, device.dev_eui, at)
        if "water_leak" in changed and values.get("water_leak") is True:
            manager.trigger(AlarmKind.WATER_LEAK, unit.code, room, device.dev_eui, at)
        battery = values.get("battery")
        low = values.get("battery_low") is True or (
            "battery" in changed and isinstance(battery, int) and battery < _LOW_BATTERY_PERCENT
        )
        if low and ({"battery_low", "battery"} & changed):
            manager.trigger(AlarmKind.BATTERY_LOW, unit.code, room, device.dev_eui, at)
        if "door_open" in changed and values.get("door_open") is True and role in (ROLE_OUTER_DOOR, None):
            activity.door_openings.append(at)
            if night:
                manager.trigger(AlarmKind.NIGHT_DOOR, unit.code, room, device.dev_eui, at)
        if "occupancy" in changed and isinstance(occupied := values.get("occupancy"), bool):
            if role == ROLE_BED:
                activity.bed_changes.append(BedChange(at=at, occupied=occupied))
            else:
                activity.presence_reported = True
                if occupied:
                    activity.last_activity = at
        if role in (ROLE_ROOM_PRESENCE, None) and "motion" in changed:
            motion = values.get("motion")
            if isinstance(motion, int) and not isinstance(motion, bool):
                activity.presence_reported = True
                if motion > 0:
                    activity.last_activity = at
        manager.save_soon()
        cutoff = at - _BED_HISTORY
        activity.door_openings = [moment for moment in activity.door_openings if moment >= cutoff]
        # Keep the last change before the window: it says where the resident was.
        while len(activity.bed_changes) > 1 and activity.bed_changes[1].at < cutoff:
            activity.bed_changes.pop(0)

    @callback
    def on_offline(self, device: Device, at: datetime) -> None:
        """A silent care sensor must never look like "all is well"."""
        config = device.config
        if config.is_care and config.care_unit and config.room:
            self.manager.trigger(AlarmKind.DEVICE_OFFLINE, config.care_unit, config.room, device.dev_eui, at)

    # ------------------------------------------------------------------ activity

    def activity(self, code: str, room: str) -> RoomActivity:
        """What a room's sensors said recently."""
        return self.rooms.setdefault((code, room), RoomActivity())

    @staticmethod
    def _out_of_bed_key(code: str, room: str, out_since: datetime) -> str:
        # One episode out of bed is one alarm, whether the sweep or a night check sees it.
        return f"out_of_bed:{code}/{room}:{out_since.astimezone(UTC).isoformat()}"

    def sweep_out_of_bed(self, unit: CareUnitConfig, now: datetime, tz: Any) -> None:
        """At night: one alarm per resident out of bed for longer than the unit's limit."""
        manager = self.manager
        if not is_night(now, unit.night_start, unit.night_end, tz=tz):
            return
        for (code, room), activity in self.rooms.items():
            if code != unit.code or not activity.bed_changes:
                continue
            if not manager.night.consents.allows(code, room, ConsentScope.NIGHT_SUPERVISION):
                continue
            last = activity.bed_changes[-1]
            if last.occupied or now - last.at <= unit.out_of_bed_limit:
                continue
            out_since = last.at
            for change in reversed(activity.bed_changes):
                if change.occupied:
                    break
                out_since = change.at
            key = self._out_of_bed_key(code, room, out_since)
            if key in self._raised_episodes or manager.is_open(key):
                continue
            self._raised_episodes.add(key)
            bed = next((d for d in manager.room_devices(code, room) if d.config.settings.get(ROLE) == ROLE_BED), None)
            manager.trigger(AlarmKind.OUT_OF_BED, code, room, bed.dev_eui if bed else None, now, source_key=key)

    def raise_out_of_bed(self, code: str, room: str, out_since: datetime, at: datetime) -> None:
        """One alarm per episode out of bed, whether the sweep or a night check sees it."""
        key = self._out_of_bed_key(code, room, out_since)
        if key in self._raised_episodes or self.manager.is_open(key):
            return
        self._raised_episodes.add(key)
        self.manager.trigger(AlarmKind.OUT_OF_BED, code, room, None, at, source_key=key)

    def sweep_inactivity(self, unit: CareUnitConfig, now: datetime, tz: Any) -> None:
        """Once a day, from the unit's time: an alarm for a room with no activity since morning."""
        manager = self.manager
        local = now.astimezone(tz)
        if local.time() < unit.inactive_by:
            return
        morning = local.replace(hour=unit.night_end.hour, minute=unit.night_end.minute, second=0, microsecond=0)
        for room in manager.rooms_of(unit.code):
            key = (unit.code, room)
            if self._inactivity_done.get(key) == local.date():
                continue
            if not manager.night.consents.allows(unit.code, room, ConsentScope.INACTIVITY):
                continue
            self._inactivity_done[key] = local.date()
            presence = [
                d for d in manager.room_devices(unit.code, room)
                if d.config.settings.get(ROLE) == ROLE_ROOM_PRESENCE
            ]
            if not presence:
                continue
            activity = self.rooms.setdefault(key, RoomActivity())
            if not activity.presence_reported:
                continue
            last = activity.last_activity
            if last is None or last < morning:
                manager.trigger(
                    AlarmKind.INACTIVITY, unit.code, room, presence[0].dev_eui, now,
                    source_key=f"inactivity:{unit.code}/{room}:{local.date().isoformat()}",
                )
