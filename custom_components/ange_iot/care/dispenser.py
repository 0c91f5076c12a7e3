"""The vendor-neutral medicine dispenser event API and a dispenser's state.

A dispenser's cloud, or a small adapter in front of it, posts one JSON object per event to
the hub's webhook. :data:`DISPENSER_EVENT_SCHEMA` documents the format (JSON Schema, draft
2020-12, for the README); :func:`parse_dispenser_event` checks a body against the same rules
without needing the ``jsonschema`` package, and additionally that ``at`` and
``scheduled_for`` are real dates and that the dispenser id is not a personal identity number.
Unknown fields are refused, so personal data a vendor might add cannot slip through.

:class:`DispenserState` applies validated events: duplicates (same ``event_id``) are ignored,
events out of order or from the future are refused with no change to the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
import math
import re
from typing import Any, Final

from .alarms import AlarmKind
from .errors import CareError, StoredDataError
from .identity import looks_like_identity_number
from .moments import from_iso, optional_from_iso, optional_iso, to_iso, utc

DEFAULT_HEARTBEAT_LIMIT = timedelta(minutes=60)
# Clocks of a vendor cloud and the hub differ a little; more than this is a wrong clock.
FUTURE_TOLERANCE = timedelta(minutes=5)
ADHERENCE_WINDOW = timedelta(days=7)
# Doses are kept a day longer than the adherence window needs, then forgotten.
DOSE_HISTORY = timedelta(days=8)
SEEN_EVENT_IDS = 1000
STORE_VERSION = 1


class DispenserEventType(StrEnum):
    """The ``event`` of a dispenser event."""

    DOSE_SCHEDULED = "dose_scheduled"
    DOSE_REMINDER = "dose_reminder"
    DOSE_TAKEN = "dose_taken"
    # The dose was not taken in time and moved to the dispenser's locked compartment.
    DOSE_MISSED = "dose_missed"
    DISPENSER_ERROR = "dispenser_error"
    HEARTBEAT = "heartbeat"


DOSE_EVENTS: Final = frozenset(
    {
        DispenserEventType.DOSE_SCHEDULED,
        DispenserEventType.DOSE_REMINDER,
        DispenserEventType.DOSE_TAKEN,
        DispenserEventType.DOSE_MISSED,
    }
)


class DispenserErrorCode(StrEnum):
    """The ``error`` of a ``dispenser_error`` event."""

    JAM = "jam"
    ROLL_EMPTY = "roll_empty"
    LOW_STOCK = "low_stock"
    POWER_LOSS = "power_loss"


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

_DATE_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_DATE_TIME = re.compile(_DATE_TIME_PATTERN.removeprefix("^").removesuffix("$"))
_ID = re.compile(_ID_PATTERN.removeprefix("^").removesuffix("$"))
_TEXT_ID_MAX = 128

DISPENSER_EVENT_SCHEMA: Final[Mapping[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:ange-iot:dispenser-event:1",
    "title": "Ånge IoT medicine dispenser event",
    "description": (
        "One event from a medicine dispenser, posted as JSON to the hub's webhook. "
        "Identifiers are pseudonymous: never a name or a personal identity number."
    ),
    "type": "object",
    "required": ["type", "dispenser_id", "event", "event_id", "at"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "dispenser_event"},
        "dispenser_id": {
            "description": "Pseudonymous id of the dispenser, as configured in Home Assistant.",
            "type": "string",
            "pattern": _ID_PATTERN,
        },
        "event": {"enum": [kind.value for kind in DispenserEventType]},
        "event_id": {
            "description": "Unique per event; a repeated event_id is ignored (safe retries).",
            "type": "string",
            "minLength": 1,
            "maxLength": _TEXT_ID_MAX,
        },
        "at": {
            "description": "When it happened: ISO 8601 with a UTC offset.",
            "type": "string",
            "format": "date-time",
            "pattern": _DATE_TIME_PATTERN,
        },
        "dose_id": {
            "description": "The dose the event is about (dose events only).",
            "type": "string",
            "minLength": 1,
            "maxLength": _TEXT_ID_MAX,
        },
        "scheduled_for": {
            "description": "When the dose is due: ISO 8601 with a UTC offset (dose events only).",
            "type": "string",
            "format": "date-time",
            "pattern": _DATE_TIME_PATTERN,
        },
        "error": {"enum": [code.value for code in DispenserErrorCode]},
        "doses_remaining": {"type": "integer", "minimum": 0},
        "battery": {
            "description": "Battery level, %.",
            "type": "number",
            "minimum": 0,
            "maximum": 100,
        },
    },
    "allOf": [
        {
            "if": {
                "required": ["event"],
                "properties": {"event": {"enum": sorted(kind.value for kind in DOSE_EVENTS)}},
            },
            "then": {"required": ["dose_id", "scheduled_for"]},
            "else": {"properties": {"dose_id": False, "scheduled_for": False}},
        },
        {
            "if": {
                "required": ["event"],
                "properties": {"event": {"const": DispenserEventType.DISPENSER_ERROR.value}},
            },
            "then": {"required": ["error"]},
            "else": {"properties": {"error": False}},
        },
    ],
}


class DispenserEventError(CareError):
    """A dispenser event that does not follow the API; the webhook answers 400."""

    translation_key = "dispenser_event_invalid"


class DispenserEventOutOfOrderError(DispenserEventError):
    """An event older than what is already known for its dose or dispenser (409)."""

    translation_key = "dispenser_event_out_of_order"


class DispenserEventInFutureError(DispenserEventError):
    """An event whose time lies ahead of the hub's clock (400)."""

    translation_key = "dispenser_event_in_future"


class WrongDispenserError(DispenserEventError):
    """An event for another dispenser than the state it was applied to."""

    translation_key = "dispenser_event_wrong_dispenser"


@dataclass(frozen=True, slots=True, kw_only=True)
class DispenserEvent:
    """A validated dispenser event."""

    dispenser_id: str
    event: DispenserEventType
    event_id: str
    at: datetime
    dose_id: str | None = None
    scheduled_for: datetime | None = None
    error: DispenserErrorCode | None = None
    doses_remaining: int | None = None
    battery: float | None = None


def _invalid(field: str, problem: str) -> DispenserEventError:
    return DispenserEventError(f"{field}: {problem}", field=field, problem=problem)


def _text(body: Mapping[str, Any], name: str, pattern: re.Pattern[str] | None = None) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise _invalid(name, "must be a string")
    if pattern is not None and not pattern.fullmatch(value):
        raise _invalid(name, "has the wrong format")
    if not 1 <= len(value) <= _TEXT_ID_MAX:
        raise _invalid(name, f"must be 1 to {_TEXT_ID_MAX} characters")
    return value


def _moment(body: Mapping[str, Any], name: str) -> datetime:
    text = _text(body, name, _DATE_TIME)
    try:
        # Kept in UTC, so comparisons are never made on wall clocks.
        return utc(from_iso(text, name))
    except ValueError as err:
        raise _invalid(name, "is not a real date and time") from err


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_dispenser_event(body: object) -> DispenserEvent:
    """Check a posted body against the event API; ``DispenserEventError`` names the problem."""
    if not isinstance(body, Mapping):
        raise _invalid("body", "must be a JSON object")
    allowed = DISPENSER_EVENT_SCHEMA["properties"]
    for name in body:
        if name not in allowed:
            # The field's name is not repeated: a sender could put anything there.
            raise _invalid("body", "has a field that is not part of the dispenser event API")
    for name in DISPENSER_EVENT_SCHEMA["required"]:
        if name not in body:
            raise _invalid(name, "is missing")
    if body["type"] != "dispenser_event":
        raise _invalid("type", "must be dispenser_event")
    dispenser_id = _text(body, "dispenser_id", _ID)
    if looks_like_identity_number(dispenser_id):
        raise _invalid("dispenser_id", "looks like a personal identity number")
    raw_event = body["event"]
    if not isinstance(raw_event, str) or raw_event not in set(DispenserEventType):
        raise _invalid("event", "is not a known event")
    event = DispenserEventType(raw_event)
    event_id = _text(body, "event_id")
    at = _moment(body, "at")

    dose_id: str | None = None
    scheduled_for: datetime | None = None
    if event in DOSE_EVENTS:
        for name in ("dose_id", "scheduled_for"):
            if name not in body:
                raise _invalid(name, f"is required for {event}")
        dose_id = _text(body, "dose_id")
        scheduled_for = _moment(body, "scheduled_for")
    else:
        for name in ("dose_id", "scheduled_for"):
            if name in body:
                raise _invalid(name, f"is only for dose events, not {event}")

    error: DispenserErrorCode | None = None
    if event is DispenserEventType.DISPENSER_ERROR:
        raw_error = body.get("error")
        if "error" not in body:
            raise _invalid("error", "is required for dispenser_error")
        if not isinstance(raw_error, str) or raw_error not in set(DispenserErrorCode):
            raise _invalid("error", "is not a known error")
        error = DispenserErrorCode(raw_error)
    elif "error" in body:
        raise _invalid("error", "is only for dispenser_error")

    doses_remaining: int | None = None
    if "doses_remaining" in body:
        value = body["doses_remaining"]
        # JSON Schema counts 12.0 as an integer; so does this check.
        if not _number(value) or value < 0 or not float(value).is_integer():
            raise _invalid("doses_remaining", "must be a whole number, 0 or more")
        doses_remaining = int(value)
    battery: float | None = None
    if "battery" in body:
        value = body["battery"]
        if not _number(value) or not 0 <= value <= 100:
            raise _invalid("battery", "must be a number from 0 to 100")
        battery = float(value)

    return DispenserEvent(
        dispenser_id=dispenser_id,
        event=event,
        event_id=event_id,
        at=at,
        dose_id=dose_id,
        scheduled_for=scheduled_for,
        error=error,
        doses_remaining=doses_remaining,
        battery=battery,
    )


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
