"""What one night check found: its status, why a room was not supervised, the result kept.

:class:`CheckResult` is what :func:`.supervision.evaluate` returns, what the
:class:`~.night_log.NightLog` keeps for the morning report and what the audit log records;
:mod:`.supervision` describes each status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from .errors import InvalidCodeError, StoredDataError
from .identity import is_stored_code
from .moments import from_iso, optional_from_iso, optional_iso, to_iso


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


def _code(value: str, what: str) -> str:
    if not is_stored_code(value):
        raise InvalidCodeError(f"{what} is not a valid pseudonymous code", field=what)
    return value


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
