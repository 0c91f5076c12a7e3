"""A medicine dispenser's state, built from the events of the dispenser event API.

:class:`DispenserState` applies validated events: duplicates (same ``event_id``) are ignored,
events out of order or from the future are refused with no change to the state. The event
API itself (its schema, parser and errors) is in :mod:`.dispenser_event`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Final

from .alarm_record import AlarmKind
from .dispenser_event import (
    DISPENSER_EVENT_SCHEMA,
    DOSE_EVENTS,
    DispenserErrorCode,
    DispenserEvent,
    DispenserEventError,
    DispenserEventInFutureError,
    DispenserEventOutOfOrderError,
    DispenserEventType,
    WrongDispenserError,
    parse_dispenser_event,
)
from .errors import StoredDataError
from .moments import from_iso, optional_from_iso, optional_iso, to_iso, utc

# The event API lives in dispenser_event.py; the webhook, the care manager and the docs
# name its schema, parser and refusals here, beside the state they feed.
__all__ = [
    "ADHERENCE_WINDOW",
    "ALARM_KIND_FOR_EVENT",
    "DEFAULT_HEARTBEAT_LIMIT",
    "DISPENSER_EVENT_SCHEMA",
    "DOSE_HISTORY",
    "FUTURE_TOLERANCE",
    "SEEN_EVENT_IDS",
    "STORE_VERSION",
    "DispenserEvent",
    "DispenserEventError",
    "DispenserEventInFutureError",
    "DispenserEventOutOfOrderError",
    "DispenserState",
    "DispenserStatus",
    "Dose",
    "DoseStatus",
    "parse_dispenser_event",
]

DEFAULT_HEARTBEAT_LIMIT = timedelta(minutes=60)
# Clocks of a vendor cloud and the hub differ a little; more than this is a wrong clock.
FUTURE_TOLERANCE = timedelta(minutes=5)
ADHERENCE_WINDOW = timedelta(days=7)
# Doses are kept a day longer than the adherence window needs, then forgotten.
DOSE_HISTORY = timedelta(days=8)
SEEN_EVENT_IDS = 1000
STORE_VERSION = 1


class DispenserStatus(StrEnum):
    """The dispenser status entity's states, most urgent first."""

    OFFLINE = "offline"
    ERROR_JAM = "error_jam"
    ERROR_ROLL_EMPTY = "error_roll_empty"
    POWER_LOSS = "power_loss"
    LOW_STOCK = "low_stock"
    DOSE_MISSED = "dose_missed"
    REMINDER = "reminder"
    OK = "ok"


_STATUS_FOR_ERROR: Final = {
    DispenserErrorCode.JAM: DispenserStatus.ERROR_JAM,
    DispenserErrorCode.ROLL_EMPTY: DispenserStatus.ERROR_ROLL_EMPTY,
    DispenserErrorCode.POWER_LOSS: DispenserStatus.POWER_LOSS,
    DispenserErrorCode.LOW_STOCK: DispenserStatus.LOW_STOCK,
}

# The care alarm each event raises; a silent dispenser raises device_offline (see
# DispenserState.heartbeat_overdue).
ALARM_KIND_FOR_EVENT: Final[Mapping[DispenserEventType, AlarmKind]] = {
    DispenserEventType.DOSE_MISSED: AlarmKind.MISSED_DOSE,
    DispenserEventType.DISPENSER_ERROR: AlarmKind.DISPENSER_FAULT,
}


class DoseStatus(StrEnum):
    """Where one scheduled dose stands."""

    SCHEDULED = "scheduled"
    REMINDED = "reminded"
    TAKEN = "taken"
    MISSED = "missed"


_FINAL = frozenset({DoseStatus.TAKEN, DoseStatus.MISSED})
_DOSE_STATUS_FOR_EVENT: Final = {
    DispenserEventType.DOSE_SCHEDULED: DoseStatus.SCHEDULED,
    DispenserEventType.DOSE_REMINDER: DoseStatus.REMINDED,
    DispenserEventType.DOSE_TAKEN: DoseStatus.TAKEN,
    DispenserEventType.DOSE_MISSED: DoseStatus.MISSED,
}


@dataclass(slots=True, kw_only=True)
class Dose:
    """One scheduled dose and its latest known status."""

    dose_id: str
    scheduled_for: datetime
    status: DoseStatus
    # ``at`` of the newest event applied to this dose; older events are refused.
    updated_at: datetime
    taken_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "dose_id": self.dose_id,
            "scheduled_for": to_iso(self.scheduled_for),
            "status": self.status.value,
            "updated_at": to_iso(self.updated_at),
            "taken_at": optional_iso(self.taken_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dose:
        """Inverse of :meth:`as_dict`."""
        return cls(
            dose_id=str(data["dose_id"]),
            scheduled_for=from_iso(data["scheduled_for"]),
            status=DoseStatus(data["status"]),
            updated_at=from_iso(data["updated_at"]),
            taken_at=optional_from_iso(data.get("taken_at")),
        )


class DispenserState:
    """What is known about one dispenser, built from its events.

    ``tracking_since`` is when the hub started to expect events from it, so a dispenser that
    never reports is overdue too.
    """

    def __init__(self, dispenser_id: str, *, tracking_since: datetime) -> None:
        self.dispenser_id = dispenser_id
        self.tracking_since = utc(tracking_since, "tracking_since")
        self.doses: dict[str, Dose] = {}
        self.last_heartbeat: datetime | None = None
        self.last_seen: datetime | None = None
        self.last_dose_taken: datetime | None = None
        self.doses_remaining: int | None = None
        self.battery: float | None = None
        self.active_error: DispenserErrorCode | None = None
        # ``at`` of the newest heartbeat or error: they form one stream, refused when older.
        self._device_at: datetime | None = None
        self._error_at: datetime | None = None
        self._remaining_at: datetime | None = None
        self._battery_at: datetime | None = None
        # Insertion-ordered, so the oldest ids are forgotten first.
        self._seen: dict[str, None] = {}

    def apply(self, event: DispenserEvent, now: datetime) -> bool:
        """Apply a validated event; ``False`` for a duplicate, which changes nothing.

        Raises ``WrongDispenserError``, ``DispenserEventInFutureError`` or
        ``DispenserEventOutOfOrderError`` with the state left exactly as it was.
        """
        now = utc(now, "now")
        if event.dispenser_id != self.dispenser_id:
            raise WrongDispenserError(
                "the event is for another dispenser", dispenser_id=event.dispenser_id
            )
        # A duplicate is checked first: a retried old event is answered "already have it".
        if event.event_id in self._seen:
            return False
        if event.at > now + FUTURE_TOLERANCE:
            raise DispenserEventInFutureError(
                "the event's time lies in the future", event_id=event.event_id
            )
        if event.event in DOSE_EVENTS:
            self._apply_dose(event)
        else:
            self._apply_device(event)
        self._apply_common(event)
        self._seen[event.event_id] = None
        while len(self._seen) > SEEN_EVENT_IDS:
            del self._seen[next(iter(self._seen))]
        self.doses = {
            key: dose
            for key, dose in self.doses.items()
            if dose.scheduled_for >= now - DOSE_HISTORY
        }
        return True

    def _apply_dose(self, event: DispenserEvent) -> None:
        if event.dose_id is None or event.scheduled_for is None:
            raise DispenserEventError("a dose event needs dose_id and scheduled_for")
        status = _DOSE_STATUS_FOR_EVENT[event.event]
        dose = self.doses.get(event.dose_id)
        if dose is not None:
            if event.at < dose.updated_at:
                raise DispenserEventOutOfOrderError(
                    "the dose already has a newer event", event_id=event.event_id
                )
            if dose.status in _FINAL and status not in _FINAL:
                raise DispenserEventOutOfOrderError(
                    "the dose is already taken or missed", event_id=event.event_id
                )
        taken_at = event.at if status is DoseStatus.TAKEN else None
        self.doses[event.dose_id] = Dose(
            dose_id=event.dose_id,
            scheduled_for=event.scheduled_for,
            status=status,
            updated_at=event.at,
            taken_at=taken_at,
        )
        if taken_at is not None:
            if self.last_dose_taken is None or taken_at > self.last_dose_taken:
                self.last_dose_taken = taken_at
            # A dose came out, so the dispenser works again, unless it reported a fault since.
            if self._error_at is not None and taken_at >= self._error_at:
                self.active_error = None

    def _apply_device(self, event: DispenserEvent) -> None:
        if self._device_at is not None and event.at < self._device_at:
            raise DispenserEventOutOfOrderError(
                "the dispenser already sent a newer heartbeat or error", event_id=event.event_id
            )
        self._device_at = event.at
        if event.event is DispenserEventType.HEARTBEAT:
            self.last_heartbeat = event.at
            # A heartbeat says the dispenser works; a lasting fault is reported again.
            self.active_error = None
        else:
            self.active_error = event.error
            self._error_at = event.at

    def _apply_common(self, event: DispenserEvent) -> None:
        if self.last_seen is None or event.at > self.last_seen:
            self.last_seen = event.at
        if event.doses_remaining is not None and (
            self._remaining_at is None or event.at >= self._remaining_at
        ):
            self.doses_remaining = event.doses_remaining
            self._remaining_at = event.at
        if event.battery is not None and (self._battery_at is None or event.at >= self._battery_at):
            self.battery = event.battery
            self._battery_at = event.at

    def heartbeat_overdue(self, now: datetime, limit: timedelta = DEFAULT_HEARTBEAT_LIMIT) -> bool:
        """Whether nothing has been heard for longer than ``limit``; any event is a sign of life."""
        reference = self.last_seen or self.tracking_since
        return utc(now, "now") - reference > limit

    def next_dose(self, now: datetime) -> datetime | None:
        """When the next dose not yet taken or missed is due, from ``now`` on."""
        now = utc(now, "now")
        upcoming = [
            dose.scheduled_for
            for dose in self.doses.values()
            if dose.status not in _FINAL and dose.scheduled_for >= now
        ]
        return min(upcoming, default=None)

    def _count_today(self, status: DoseStatus, now: datetime, tz: tzinfo) -> int:
        today = utc(now, "now").astimezone(tz).date()
        return sum(
            1
            for dose in self.doses.values()
            if dose.status is status and dose.scheduled_for.astimezone(tz).date() == today
        )

    def doses_taken_today(self, now: datetime, tz: tzinfo) -> int:
        """Doses due today (local day in ``tz``) that were taken."""
        return self._count_today(DoseStatus.TAKEN, now, tz)

    def doses_missed_today(self, now: datetime, tz: tzinfo) -> int:
        """Doses due today (local day in ``tz``) that were missed."""
        return self._count_today(DoseStatus.MISSED, now, tz)

    def adherence(self, now: datetime, window: timedelta = ADHERENCE_WINDOW) -> float | None:
        """Taken / (taken + missed) in %, over doses due in the ``window`` up to ``now``.

        ``None`` when no dose in the window is settled yet; doses still pending do not count.
        """
        now = utc(now, "now")
        settled = [
            dose
            for dose in self.doses.values()
            if dose.status in _FINAL and now - window < dose.scheduled_for <= now
        ]
        if not settled:
            return None
        taken = sum(1 for dose in settled if dose.status is DoseStatus.TAKEN)
        return 100 * taken / len(settled)

    def status(
        self, now: datetime, *, heartbeat_limit: timedelta = DEFAULT_HEARTBEAT_LIMIT
    ) -> DispenserStatus:
        """The dispenser's status: the most urgent condition that applies.

        In order: offline, an active error, the last settled dose missed, a reminder
        running; otherwise ok.
        """
        if self.heartbeat_overdue(now, heartbeat_limit):
            return DispenserStatus.OFFLINE
        if self.active_error is not None:
            return _STATUS_FOR_ERROR[self.active_error]
        settled = [dose for dose in self.doses.values() if dose.status in _FINAL]
        if settled and max(settled, key=lambda d: d.scheduled_for).status is DoseStatus.MISSED:
            return DispenserStatus.DOSE_MISSED
        if any(dose.status is DoseStatus.REMINDED for dose in self.doses.values()):
            return DispenserStatus.REMINDER
        return DispenserStatus.OK

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for Home Assistant's storage."""
        return {
            "version": STORE_VERSION,
            "dispenser_id": self.dispenser_id,
            "tracking_since": to_iso(self.tracking_since),
            "doses": [dose.as_dict() for dose in self.doses.values()],
            "last_heartbeat": optional_iso(self.last_heartbeat),
            "last_seen": optional_iso(self.last_seen),
            "last_dose_taken": optional_iso(self.last_dose_taken),
            "doses_remaining": self.doses_remaining,
            "battery": self.battery,
            "active_error": None if self.active_error is None else self.active_error.value,
            "device_at": optional_iso(self._device_at),
            "error_at": optional_iso(self._error_at),
            "remaining_at": optional_iso(self._remaining_at),
            "battery_at": optional_iso(self._battery_at),
            "seen_event_ids": list(self._seen),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DispenserState:
        """Read a state back from :meth:`as_dict`; ``StoredDataError`` if it is damaged."""
        if data.get("version") != STORE_VERSION:
            raise StoredDataError("unsupported dispenser state version")
        try:
            state = cls(str(data["dispenser_id"]), tracking_since=from_iso(data["tracking_since"]))
            for record in data["doses"]:
                dose = Dose.from_dict(record)
                state.doses[dose.dose_id] = dose
            state.last_heartbeat = optional_from_iso(data.get("last_heartbeat"))
            state.last_seen = optional_from_iso(data.get("last_seen"))
            state.last_dose_taken = optional_from_iso(data.get("last_dose_taken"))
            remaining = data.get("doses_remaining")
            state.doses_remaining = None if remaining is None else int(remaining)
            battery = data.get("battery")
            state.battery = None if battery is None else float(battery)
            error = data.get("active_error")
            state.active_error = None if error is None else DispenserErrorCode(error)
            state._device_at = optional_from_iso(data.get("device_at"))
            state._error_at = optional_from_iso(data.get("error_at"))
            state._remaining_at = optional_from_iso(data.get("remaining_at"))
            state._battery_at = optional_from_iso(data.get("battery_at"))
            state._seen = dict.fromkeys(str(event_id) for event_id in data["seen_event_ids"])
        except (KeyError, TypeError, ValueError) as err:
            raise StoredDataError(f"stored dispenser state is damaged: {err}") from err
        return state
