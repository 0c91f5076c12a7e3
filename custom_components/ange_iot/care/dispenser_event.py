"""The vendor-neutral medicine dispenser event API: its format, its parser and its refusals.

A dispenser's cloud, or a small adapter in front of it, posts one JSON object per event to
the hub's webhook. :data:`DISPENSER_EVENT_SCHEMA` documents the format (JSON Schema, draft
2020-12, for the README); :func:`parse_dispenser_event` checks a body against the same rules
without needing the ``jsonschema`` package, and additionally that ``at`` and
``scheduled_for`` are real dates and that the dispenser id is not a personal identity number.
Unknown fields are refused, so personal data a vendor might add cannot slip through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math
import re
from typing import Any, Final

from .errors import CareError
from .identity import looks_like_identity_number
from .moments import from_iso, utc


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
