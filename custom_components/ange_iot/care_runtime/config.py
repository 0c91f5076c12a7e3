"""Care units and medicine dispensers as the hub reads them from its subentries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry

from ..care.supervision import DEFAULT_CHECK_TIMES, DEFAULT_NIGHT_END, DEFAULT_NIGHT_START
from ..derived.roles import Role

SUBENTRY_CARE_UNIT: Final = "care_unit"
SUBENTRY_DISPENSER: Final = "dispenser"
# A resident's room: its own check times (the unit's are the default for rooms without one).
SUBENTRY_CARE_ROOM: Final = "care_room"

CONF_CODE: Final = "code"
CONF_NOTIFY: Final = "notify_targets"
CONF_NOTIFY_TIER2: Final = "notify_targets_tier2"
CONF_NOTIFY_TIER3: Final = "notify_targets_tier3"
CONF_TIER3_AFTER: Final = "tier3_after_minutes"
CONF_RENOTIFY: Final = "renotify_minutes"
CONF_REESCALATE: Final = "reescalate_minutes"
CONF_ARRIVAL_KINDS: Final = "arrival_required_kinds"
CONF_TEST_INTERVAL: Final = "test_interval_days"
CONF_NIGHT_START: Final = "night_start"
CONF_NIGHT_END: Final = "night_end"
CONF_ESCALATE_AFTER: Final = "escalate_after_minutes"
CONF_CHECK_TIMES: Final = "check_times"
CONF_OUT_OF_BED: Final = "out_of_bed_minutes"
CONF_INACTIVE_BY: Final = "inactive_by"
CONF_DISPENSER_ID: Final = "dispenser_id"
CONF_CLIENT: Final = "client"
CONF_HEARTBEAT: Final = "heartbeat_minutes"

DEFAULT_ESCALATE_AFTER: Final = 5
DEFAULT_TIER3_AFTER: Final = 5
DEFAULT_RENOTIFY: Final = 3
DEFAULT_REESCALATE: Final = 10
DEFAULT_TEST_INTERVAL: Final = 30
DEFAULT_OUT_OF_BED: Final = 30
DEFAULT_INACTIVE_BY: Final = time(10, 0)
DEFAULT_HEARTBEAT: Final = 60

# Roles of care devices, picked in the device form; derived/roles.py names every role.
ROLE_BED: Final = Role.BED
ROLE_OUTER_DOOR: Final = Role.OUTER_DOOR
ROLE_ROOM_PRESENCE: Final = Role.ROOM_PRESENCE
CARE_ROLES: Final = (ROLE_BED, ROLE_OUTER_DOOR, ROLE_ROOM_PRESENCE)


def parse_clock(value: object, default: time) -> time:
    """A wall-clock time "HH:MM" from settings; the default when missing or invalid."""
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            return default
    return default


def _targets(value: object) -> tuple[str, ...]:
    return tuple(str(t) for t in value) if isinstance(value, list) else ()


def _optional_minutes(value: object) -> timedelta | None:
    # 0 switches a rhythm off (no re-notification, no re-escalation).
    minutes = float(value) if isinstance(value, int | float | str) else 0.0
    return timedelta(minutes=minutes) if minutes > 0 else None


@dataclass(frozen=True, slots=True)
class CareUnitConfig:
    """One care unit: on-duty targets, night hours and limits."""

    code: str
    notify_targets: tuple[str, ...] = ()
    night_start: time = DEFAULT_NIGHT_START
    night_end: time = DEFAULT_NIGHT_END
    escalate_after: timedelta = timedelta(minutes=DEFAULT_ESCALATE_AFTER)
    check_times: tuple[time, ...] = DEFAULT_CHECK_TIMES
    out_of_bed_limit: timedelta = timedelta(minutes=DEFAULT_OUT_OF_BED)
    inactive_by: time = DEFAULT_INACTIVE_BY
    notify_tier2: tuple[str, ...] = ()
    notify_tier3: tuple[str, ...] = ()
    tier3_after: timedelta = timedelta(minutes=DEFAULT_TIER3_AFTER)
    renotify_every: timedelta | None = timedelta(minutes=DEFAULT_RENOTIFY)
    reescalate_after: timedelta | None = timedelta(minutes=DEFAULT_REESCALATE)
    arrival_required: frozenset[str] = frozenset()
    test_interval: timedelta = timedelta(days=DEFAULT_TEST_INTERVAL)

    def targets_up_to(self, level: int) -> tuple[str, ...]:
        """The notify services of tier 1 and of every tier an alarm has escalated to."""
        tiers = (self.notify_targets, self.notify_tier2, self.notify_tier3)[: level + 1]
        return tuple(dict.fromkeys(target for tier in tiers for target in tier))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CareUnitConfig:
        """Read a care-unit subentry's data."""
        times = parse_check_times(data.get(CONF_CHECK_TIMES), DEFAULT_CHECK_TIMES)
        return cls(
            code=str(data[CONF_CODE]),
            notify_targets=_targets(data.get(CONF_NOTIFY)),
            notify_tier2=_targets(data.get(CONF_NOTIFY_TIER2)),
            notify_tier3=_targets(data.get(CONF_NOTIFY_TIER3)),
            tier3_after=timedelta(minutes=float(data.get(CONF_TIER3_AFTER, DEFAULT_TIER3_AFTER))),
            renotify_every=_optional_minutes(data.get(CONF_RENOTIFY, DEFAULT_RENOTIFY)),
            reescalate_after=_optional_minutes(data.get(CONF_REESCALATE, DEFAULT_REESCALATE)),
            arrival_required=frozenset(str(kind) for kind in data.get(CONF_ARRIVAL_KINDS) or ()),
            test_interval=timedelta(days=float(data.get(CONF_TEST_INTERVAL, DEFAULT_TEST_INTERVAL))),
            night_start=parse_clock(data.get(CONF_NIGHT_START), DEFAULT_NIGHT_START),
            night_end=parse_clock(data.get(CONF_NIGHT_END), DEFAULT_NIGHT_END),
            escalate_after=timedelta(minutes=float(data.get(CONF_ESCALATE_AFTER, DEFAULT_ESCALATE_AFTER))),
            check_times=times,
            out_of_bed_limit=timedelta(minutes=float(data.get(CONF_OUT_OF_BED, DEFAULT_OUT_OF_BED))),
            inactive_by=parse_clock(data.get(CONF_INACTIVE_BY), DEFAULT_INACTIVE_BY),
        )


@dataclass(frozen=True, slots=True)
class DispenserConfig:
    """A medicine dispenser in home care, known only by pseudonymous codes."""

    subentry_id: str
    dispenser_id: str
    care_unit: str
    client: str
    heartbeat_limit: timedelta = timedelta(minutes=DEFAULT_HEARTBEAT)

    @property
    def device_identifier(self) -> str:
        """Its device-registry identifier."""
        return f"dispenser_{self.dispenser_id}"


def parse_check_times(value: object, default: tuple[time, ...]) -> tuple[time, ...]:
    """Sorted check times from settings; ``default`` when missing or empty."""
    if not isinstance(value, list) or not value:
        return default
    return tuple(sorted({parse_clock(item, DEFAULT_NIGHT_START) for item in value}))


@dataclass(frozen=True, slots=True)
class RoomConfig:
    """A resident's room with its own night check times."""

    care_unit: str
    room: str
    check_times: tuple[time, ...] = DEFAULT_CHECK_TIMES


def care_rooms(entry: ConfigEntry) -> dict[tuple[str, str], RoomConfig]:
    """The rooms set up as subentries, by (unit, room)."""
    rooms = {}
    for sub in entry.subentries.values():
        if sub.subentry_type != SUBENTRY_CARE_ROOM:
            continue
        data = sub.data
        room = RoomConfig(
            care_unit=str(data["care_unit"]),
            room=str(data["room"]),
            check_times=parse_check_times(data.get(CONF_CHECK_TIMES), DEFAULT_CHECK_TIMES),
        )
        rooms[(room.care_unit, room.room)] = room
    return rooms


def care_units(entry: ConfigEntry) -> dict[str, CareUnitConfig]:
    """The care units set up as subentries, by code."""
    units = {}
    for sub in entry.subentries.values():
        if sub.subentry_type == SUBENTRY_CARE_UNIT and CONF_CODE in sub.data:
            unit = CareUnitConfig.from_data(sub.data)
            units[unit.code] = unit
    return units


def dispensers(entry: ConfigEntry) -> dict[str, DispenserConfig]:
    """The medicine dispensers set up as subentries, by dispenser id."""
    found = {}
    for sub in entry.subentries.values():
        if sub.subentry_type != SUBENTRY_DISPENSER:
            continue
        data = sub.data
        config = DispenserConfig(
            subentry_id=sub.subentry_id,
            dispenser_id=str(data[CONF_DISPENSER_ID]),
            care_unit=str(data["care_unit"]),
            client=str(data[CONF_CLIENT]),
            heartbeat_limit=timedelta(minutes=float(data.get(CONF_HEARTBEAT, DEFAULT_HEARTBEAT))),
        )
        found[config.dispenser_id] = config
    return found
