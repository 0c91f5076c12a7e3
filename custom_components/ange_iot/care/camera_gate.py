"""Safety-camera looks (trygghetskamera): when a look may open, for how long, and why not.

Swedish municipal practice for camera supervision in special housing: staff may look only
at the times agreed with the resident (the room's check times, each with a short margin),
only briefly, only with the resident's documented consent to the camera (separate from the
consent to sensor supervision), and nothing is kept. These rules are pure functions and
small records here; the Home Assistant glue feeds them the clock, the user and the settings,
and writes every decision to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from .errors import CareError, StoredDataError
from .identity import is_valid_code
from .moments import optional_from_iso, optional_iso, require_aware, to_iso, utc
from .night_clock import is_night, local_moment

DEFAULT_MARGIN = timedelta(minutes=10)
DEFAULT_MAX_LOOK = timedelta(seconds=60)
# A look history long enough for the morning report of the night just ended.
LOOK_HISTORY = timedelta(hours=48)

# Audit actions (snake_case names the audit log takes besides its own AuditAction).
AUDIT_LOOK_OPENED = "camera_look_opened"
AUDIT_LOOK_ENDED = "camera_look_ended"
AUDIT_LOOK_REFUSED = "camera_look_refused"
AUDIT_CONSENT_RECORDED = "camera_consent_recorded"
AUDIT_CONSENT_WITHDRAWN = "camera_consent_withdrawn"


class Refusal(StrEnum):
    """Why a look does not open (each is a translation key in the glue)."""

    NO_USER = "no_user"
    NO_CAMERA = "no_camera"
    NO_CONSENT = "no_consent"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PAUSED = "paused"
    OUTSIDE_WINDOW = "outside_window"
    LOOK_ALREADY_OPEN = "look_already_open"


class LookEnd(StrEnum):
    """Why a look ended."""

    TIMEOUT = "timeout"
    ENDED_BY_USER = "ended_by_user"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CAMERA_REMOVED = "camera_removed"
    RESTART = "restart"


class ConsentScope(StrEnum):
    """What the resident agreed to: looks at night check times only, or at every check time."""

    NIGHT_CHECKS = "night_checks"
    CHECK_TIMES = "check_times"


class CameraGateError(CareError):
    """A camera request that cannot be carried out."""

    translation_key = "camera_gate_error"


class InvalidScopeError(CameraGateError):
    """A consent scope that is not one of ConsentScope."""

    translation_key = "camera_invalid_scope"


@dataclass(frozen=True, slots=True)
class LookWindow:
    """One agreed check time and the span around it in which a look may open."""

    check: datetime
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in the window (start inclusive, end exclusive)."""
        return utc(self.start) <= utc(moment) < utc(self.end)


def look_windows(
    check_times: Iterable[time],
    around: datetime,
    tz: tzinfo,
    margin: timedelta = DEFAULT_MARGIN,
) -> list[LookWindow]:
    """The windows of the day before, of and after ``around``'s local date, in time order.

    Three days, so a check at 00:05 with a 10-minute margin opens at 23:55 the evening
    before, and the next window after 23:50 is found on the following day.
    """
    require_aware(around, "around")
    if margin < timedelta(0):
        raise ValueError("margin must not be negative")
    today = around.astimezone(tz).date()
    windows = []
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        for clock in set(check_times):
            check = local_moment(day, clock, tz)
            windows.append(LookWindow(check=check, start=check - margin, end=check + margin))
    return sorted(windows, key=lambda window: window.start)


def window_at(
    check_times: Iterable[time], now: datetime, tz: tzinfo, margin: timedelta = DEFAULT_MARGIN
) -> LookWindow | None:
    """The window ``now`` falls in, or ``None``."""
    return next((w for w in look_windows(check_times, now, tz, margin) if w.contains(now)), None)


def next_window(
    check_times: Iterable[time], now: datetime, tz: tzinfo, margin: timedelta = DEFAULT_MARGIN
) -> LookWindow | None:
    """The window open now, else the next one to open; ``None`` without check times."""
    return next((w for w in look_windows(check_times, now, tz, margin) if utc(w.end) > utc(now)), None)


def checks_in_scope(
    check_times: Iterable[time], scope: ConsentScope, night_start: time, night_end: time
) -> tuple[time, ...]:
    """The check times the consent's scope covers."""
    times = sorted(set(check_times))
    if scope is ConsentScope.CHECK_TIMES:
        return tuple(times)
    # is_night works on moments; any date will do for a wall-clock test.
    probe = date(2000, 1, 3)
    return tuple(
        clock for clock in times if is_night(datetime.combine(probe, clock, UTC), night_start, night_end)
    )


@dataclass(frozen=True, slots=True)
class CameraConsent:
    """The resident's documented consent to camera looks in one room."""

    recorded_at: datetime
    recorded_by: str
    scope: ConsentScope
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    @property
    def active(self) -> bool:
        """Whether looks are allowed under this consent."""
        return self.withdrawn_at is None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "recorded_at": to_iso(self.recorded_at),
            "recorded_by": self.recorded_by,
            "scope": self.scope.value,
            "withdrawn_at": optional_iso(self.withdrawn_at),
            "withdrawn_by": self.withdrawn_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraConsent:
        """Read as_dict() output; ``StoredDataError`` when damaged."""
        try:
            recorded_at = optional_from_iso(data["recorded_at"], "recorded_at")
            if recorded_at is None:
                raise ValueError("recorded_at missing")
            withdrawn_by = data.get("withdrawn_by")
            return cls(
                recorded_at=recorded_at,
                recorded_by=str(data["recorded_by"]),
                scope=ConsentScope(data["scope"]),
                withdrawn_at=optional_from_iso(data.get("withdrawn_at"), "withdrawn_at"),
                withdrawn_by=None if withdrawn_by is None else str(withdrawn_by),
            )
        except (KeyError, ValueError, TypeError) as err:
            raise StoredDataError("camera consent record cannot be read") from err


def parse_scope(value: object) -> ConsentScope:
    """A consent scope from an action's field; ``InvalidScopeError`` otherwise."""
    try:
        return ConsentScope(str(value))
    except ValueError as err:
        raise InvalidScopeError("unknown consent scope", scope=str(value)[:32]) from err


@dataclass(slots=True)
class Look:
    """One look at a room's camera by one user."""

    look_id: str
    care_unit: str
    room: str
    user: str
    opened_at: datetime
    ends_at: datetime
    ended_at: datetime | None = None
    end_reason: LookEnd | None = None

    def is_open(self, now: datetime) -> bool:
        """Open until ended, and never past its maximum time, timer or not."""
        return self.ended_at is None and utc(now) < utc(self.ends_at)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "look_id": self.look_id,
            "care_unit": self.care_unit,
            "room": self.room,
            "user": self.user,
            "opened_at": to_iso(self.opened_at),
            "ends_at": to_iso(self.ends_at),
            "ended_at": optional_iso(self.ended_at),
            "end_reason": None if self.end_reason is None else self.end_reason.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Look:
        """Read as_dict() output; ``StoredDataError`` when damaged."""
        try:
            opened_at = optional_from_iso(data["opened_at"], "opened_at")
            ends_at = optional_from_iso(data["ends_at"], "ends_at")
            if opened_at is None or ends_at is None:
                raise ValueError("look times missing")
            reason = data.get("end_reason")
            return cls(
                look_id=str(data["look_id"]),
                care_unit=str(data["care_unit"]),
                room=str(data["room"]),
                user=str(data["user"]),
                opened_at=opened_at,
                ends_at=ends_at,
                ended_at=optional_from_iso(data.get("ended_at"), "ended_at"),
                end_reason=None if reason is None else LookEnd(reason),
            )
        except (KeyError, ValueError, TypeError) as err:
            raise StoredDataError("camera look record cannot be read") from err


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a look may open, and the window it opens in or why it does not."""

    refusal: Refusal | None
    window: LookWindow | None = None

    @property
    def allowed(self) -> bool:
        """Whether the look may open."""
        return self.refusal is None


def decide(
    *,
    user: str | None,
    has_camera: bool,
    consent: CameraConsent | None,
    paused: bool,
    window: LookWindow | None,
    open_look: Look | None,
) -> Decision:
    """Whether a look may open; the first rule broken is the reason.

    The order puts who and what first (a user, a camera, consent, no pause) before when,
    so a refusal names the most fundamental reason.
    """
    if not user:
        return Decision(Refusal.NO_USER)
    if not has_camera:
        return Decision(Refusal.NO_CAMERA)
    if consent is None:
        return Decision(Refusal.NO_CONSENT)
    if not consent.active:
        return Decision(Refusal.CONSENT_WITHDRAWN)
    if paused:
        return Decision(Refusal.PAUSED)
    if window is None:
        return Decision(Refusal.OUTSIDE_WINDOW)
    if open_look is not None:
        return Decision(Refusal.LOOK_ALREADY_OPEN, window)
    return Decision(None, window)


def look_end(opened_at: datetime, window: LookWindow, max_look: timedelta = DEFAULT_MAX_LOOK) -> datetime:
    """When a look opened at ``opened_at`` ends: after ``max_look``, and never past its window."""
    if max_look <= timedelta(0):
        raise ValueError("max_look must be positive")
    return min(utc(opened_at) + max_look, utc(window.end))


@dataclass(slots=True)
class CameraRecords:
    """Consent per room and recent looks of one hub, as stored between restarts."""

    consents: dict[tuple[str, str], CameraConsent] = field(default_factory=dict)
    looks: list[Look] = field(default_factory=list)

    def consent(self, care_unit: str, room: str) -> CameraConsent | None:
        """The room's consent record, if any."""
        return self.consents.get((care_unit, room))

    def record_consent(
        self, care_unit: str, room: str, *, by: str, scope: ConsentScope, at: datetime
    ) -> CameraConsent:
        """Record (or record again after a withdrawal) the room's consent."""
        for code in (care_unit, room):
            if not is_valid_code(code):
                raise CameraGateError("not a pseudonymous code", code=code[:16])
        consent = CameraConsent(recorded_at=require_aware(at, "at"), recorded_by=by, scope=scope)
        self.consents[(care_unit, room)] = consent
        return consent

    def withdraw_consent(self, care_unit: str, room: str, *, by: str, at: datetime) -> CameraConsent:
        """Withdraw the room's consent; recorded even when none was on file, so it is documented."""
        current = self.consents.get((care_unit, room))
        if current is None:
            current = CameraConsent(recorded_at=at, recorded_by=by, scope=ConsentScope.NIGHT_CHECKS)
        withdrawn = replace(current, withdrawn_at=require_aware(at, "at"), withdrawn_by=by)
        self.consents[(care_unit, room)] = withdrawn
        return withdrawn

    def open_look(self, care_unit: str, room: str, now: datetime) -> Look | None:
        """The room's look that is open now, if any."""
        return next(
            (look for look in self.looks if look.care_unit == care_unit and look.room == room and look.is_open(now)),
            None,
        )

    def find(self, look_id: str) -> Look | None:
        """A look by its id."""
        return next((look for look in self.looks if look.look_id == look_id), None)

    def end(self, look: Look, at: datetime, reason: LookEnd) -> bool:
        """End a look; ``False`` when it had already ended."""
        if look.ended_at is not None:
            return False
        look.ended_at = min(utc(at), utc(look.ends_at))
        look.end_reason = reason
        return True

    def looks_between(self, care_unit: str, start: datetime, end: datetime) -> list[Look]:
        """A unit's looks opened in ``[start, end)``, oldest first."""
        return sorted(
            (
                look
                for look in self.looks
                if look.care_unit == care_unit and utc(start) <= utc(look.opened_at) < utc(end)
            ),
            key=lambda look: look.opened_at,
        )

    def prune(self, now: datetime) -> None:
        """Forget ended looks older than LOOK_HISTORY (the audit log keeps them)."""
        cutoff = utc(now) - LOOK_HISTORY
        self.looks = [look for look in self.looks if look.ended_at is None or utc(look.opened_at) >= cutoff]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "consents": {f"{unit}/{room}": consent.as_dict() for (unit, room), consent in self.consents.items()},
            "looks": [look.as_dict() for look in self.looks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraRecords:
        """Read as_dict() output; damaged records are left out rather than guessed."""
        records = cls()
        for key, value in (data.get("consents") or {}).items():
            unit, _, room = str(key).partition("/")
            if room and isinstance(value, Mapping):
                try:
                    records.consents[(unit, room)] = CameraConsent.from_dict(value)
                except StoredDataError:
                    continue
        for value in data.get("looks") or []:
            if isinstance(value, Mapping):
                try:
                    records.looks.append(Look.from_dict(value))
                except StoredDataError:
                    continue
        return records
