"""The night log: rooms paused for a night, and the check results of recent nights.

Kept in Home Assistant's storage for the entities and the morning report; the audit log,
not this log, is the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any

from .check_result import CheckResult, _code
from .errors import CareError, StoredDataError
from .moments import from_iso, require_aware, to_iso, utc
from .night_clock import DEFAULT_NIGHT_END, DEFAULT_NIGHT_START, night_bounds

STORE_VERSION = 1


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
