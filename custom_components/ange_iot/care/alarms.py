"""The care alarm lifecycle: one state machine for every kind of care alarm.

An alarm is ``triggered``, may become ``escalated`` when nobody acknowledges it within its
unit's time limit, is ``acknowledged`` by a member of staff (who and when), who is then
``on_the_way`` and has ``arrived`` (presence in the room), and it is finally ``resolved``
with an outcome. Allowed moves::

    triggered    -> escalated | acknowledged | on_the_way | arrived | resolved
    escalated    -> acknowledged | on_the_way | arrived | resolved
    acknowledged -> escalated | on_the_way | arrived | resolved
    on_the_way   -> escalated | arrived | resolved
    arrived      -> resolved

``acknowledged -> escalated`` and ``on_the_way -> escalated`` are the re-escalation of an
alarm somebody took but nobody reached in time. A further escalation (tier 3) keeps the
state ``escalated`` and raises :attr:`Alarm.escalation_level`.

Everything else raises a ``CareError`` subclass (:mod:`.alarm_errors`) whose
``translation_key`` the Home Assistant glue turns into a translated
``ServiceValidationError``. The alarm itself, and the ``ange_iot_alarm`` event data that
DESIGN.md fixes, are in :mod:`.alarm_record`.

Nothing here reads the clock: every operation takes the moment it happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
import uuid

from .alarm_errors import (
    AlarmClosedError,
    AlreadyAcknowledgedError,
    AlreadyInStateError,
    ArrivalRequiredError,
    IllegalTransitionError,
    InvalidOutcomeError,
    UnknownAlarmError,
)
from .alarm_record import Alarm, AlarmKind, AlarmState, Outcome
from .errors import InvalidCodeError, StoredDataError
from .identity import is_stored_code
from .moments import optional_iso, require_aware, utc
from .privacy import plain_mapping

# The record and the refusals live in alarm_record.py and alarm_errors.py; the care runtime
# takes the names it needs together with the book, from here.
__all__ = [
    "ALLOWED_TRANSITIONS",
    "DEFAULT_CLOSED_KEEP",
    "STORE_VERSION",
    "TAKEN_STATES",
    "Alarm",
    "AlarmBook",
    "AlarmKind",
    "AlarmState",
    "Outcome",
    "UnknownAlarmError",
    "check_transition",
    "default_source_key",
]

STORE_VERSION = 1
# Closed alarms are kept so that a late "acknowledge" of a resolved alarm is answered
# "already closed" rather than "unknown". The audit log, not this book, is the history.
DEFAULT_CLOSED_KEEP = 200

# States in which somebody has taken the alarm on and nobody needs to be paged for it.
TAKEN_STATES: frozenset[AlarmState] = frozenset(
    {AlarmState.ACKNOWLEDGED, AlarmState.ON_THE_WAY, AlarmState.ARRIVED}
)

_ON_THE_WAY, _ARRIVED = AlarmState.ON_THE_WAY, AlarmState.ARRIVED
ALLOWED_TRANSITIONS: Mapping[AlarmState, frozenset[AlarmState]] = {
    AlarmState.TRIGGERED: frozenset(
        {AlarmState.ESCALATED, AlarmState.ACKNOWLEDGED, _ON_THE_WAY, _ARRIVED, AlarmState.RESOLVED}
    ),
    AlarmState.ESCALATED: frozenset(
        {AlarmState.ACKNOWLEDGED, _ON_THE_WAY, _ARRIVED, AlarmState.RESOLVED}
    ),
    AlarmState.ACKNOWLEDGED: frozenset(
        {AlarmState.ESCALATED, _ON_THE_WAY, _ARRIVED, AlarmState.RESOLVED}
    ),
    _ON_THE_WAY: frozenset({AlarmState.ESCALATED, _ARRIVED, AlarmState.RESOLVED}),
    _ARRIVED: frozenset({AlarmState.RESOLVED}),
    AlarmState.RESOLVED: frozenset(),
}


def _default_alarm_id() -> str:
    # A letter first: templates turn an all-digit id into a number, and then it no longer
    # matches the alarm's events in a blueprint.
    return f"alarm-{uuid.uuid4().hex}"


def default_source_key(kind: AlarmKind, care_unit: str, room: str, dev_eui: str | None) -> str:
    """The source of an alarm when the caller names none: its kind and device, else its room.

    Two triggers with the same source while the first alarm is open are one alarm.
    """
    return f"{kind}:{dev_eui}" if dev_eui else f"{kind}:{care_unit}/{room}"


def check_transition(alarm: Alarm, target: AlarmState) -> None:
    """Raise unless ``alarm`` may move to ``target`` now."""
    if not alarm.is_open:
        raise AlarmClosedError(
            f"alarm {alarm.alarm_id} is already resolved", alarm_id=alarm.alarm_id
        )
    if target is AlarmState.ACKNOWLEDGED and alarm.state in TAKEN_STATES:
        raise AlreadyAcknowledgedError(
            f"alarm {alarm.alarm_id} is already acknowledged",
            alarm_id=alarm.alarm_id,
            user=alarm.acknowledged_by or "",
            time=optional_iso(alarm.acknowledged_at) or "",
        )
    if target in (_ON_THE_WAY, _ARRIVED) and target not in ALLOWED_TRANSITIONS[alarm.state]:
        by, at = (
            (alarm.arrived_by, alarm.arrived_at)
            if alarm.state is _ARRIVED
            else (alarm.on_the_way_by, alarm.on_the_way_at)
        )
        raise AlreadyInStateError(
            f"alarm {alarm.alarm_id} is already {alarm.state}",
            alarm_id=alarm.alarm_id,
            state=alarm.state.value,
            user=by or "",
            time=optional_iso(at) or "",
        )
    if target not in ALLOWED_TRANSITIONS[alarm.state]:
        raise IllegalTransitionError(
            f"alarm {alarm.alarm_id} cannot go from {alarm.state} to {target}",
            alarm_id=alarm.alarm_id,
            state=alarm.state.value,
            target=target.value,
        )


class AlarmBook:
    """The open care alarms of a hub, plus the most recently closed ones.

    ``id_factory`` makes the opaque alarm ids (random by default; tests inject their own).
    """

    def __init__(
        self,
        *,
        id_factory: Callable[[], str] = _default_alarm_id,
        closed_keep: int = DEFAULT_CLOSED_KEEP,
    ) -> None:
        self._id_factory = id_factory
        self._closed_keep = closed_keep
        self._open: dict[str, Alarm] = {}
        # Insertion order is closing order, so the oldest closed alarm is dropped first.
        self._closed: dict[str, Alarm] = {}

    def trigger(
        self,
        kind: AlarmKind | str,
        care_unit: str,
        room: str,
        dev_eui: str | None,
        at: datetime,
        source_key: str | None = None,
        *,
        detail: Mapping[str, object] | None = None,
    ) -> tuple[Alarm, bool]:
        """Raise an alarm, or record a repeat on the open alarm of the same source.

        Returns the alarm and whether it is new. ``source_key`` (default: kind plus device,
        or kind plus room) decides what counts as "the same source": a call button pressed
        again while its alarm is open must not page staff twice.
        """
        kind = AlarmKind(kind)
        require_aware(at, "at")
        for code, what in ((care_unit, "care_unit"), (room, "room")):
            if not is_stored_code(code):
                raise InvalidCodeError(f"{what} is not a valid pseudonymous code", field=what)
        key = source_key or default_source_key(kind, care_unit, room, dev_eui)
        plain_detail = plain_mapping(detail, "detail")
        for alarm in self._open.values():
            if alarm.source_key == key:
                alarm.repeats.append(at)
                return alarm, False
        alarm_id = self._id_factory()
        if alarm_id in self._open or alarm_id in self._closed:
            raise RuntimeError("the alarm id factory returned an id already in use")
        alarm = Alarm(
            alarm_id=alarm_id,
            kind=kind,
            care_unit=care_unit,
            room=room,
            dev_eui=dev_eui,
            triggered_at=at,
            source_key=key,
            detail=plain_detail,
        )
        self._open[alarm_id] = alarm
        return alarm, True

    def get(self, alarm_id: str) -> Alarm:
        """The alarm with this id, open or recently closed; ``UnknownAlarmError`` otherwise."""
        alarm = self._open.get(alarm_id) or self._closed.get(alarm_id)
        if alarm is None:
            raise UnknownAlarmError(f"no alarm {alarm_id}", alarm_id=alarm_id)
        return alarm

    def escalate(self, alarm_id: str, at: datetime) -> Alarm:
        """Mark an unacknowledged alarm as escalated."""
        require_aware(at, "at")
        alarm = self.get(alarm_id)
        check_transition(alarm, AlarmState.ESCALATED)
        alarm.state = AlarmState.ESCALATED
        alarm.escalated_at = at
        alarm.escalation_level = max(alarm.escalation_level + (0 if alarm.is_acknowledged else 1), 1)
        return alarm

    def escalate_further(self, alarm_id: str, at: datetime) -> Alarm:
        """Page the next tier for an alarm that is escalated and still unacknowledged."""
        require_aware(at, "at")
        alarm = self.get(alarm_id)
        if alarm.state is not AlarmState.ESCALATED:
            check_transition(alarm, AlarmState.ESCALATED)
            raise IllegalTransitionError(
                f"alarm {alarm.alarm_id} is not escalated",
                alarm_id=alarm.alarm_id, state=alarm.state.value, target=AlarmState.ESCALATED.value,
            )
        alarm.escalation_level += 1
        alarm.escalated_at = at
        return alarm

    def escalate_due(
        self, now: datetime, limit_for_unit: Callable[[str], timedelta | None]
    ) -> list[Alarm]:
        """Escalate every triggered alarm unacknowledged for at least its unit's limit.

        ``limit_for_unit(care_unit)`` gives the unit's limit, or ``None`` for a unit that
        does not escalate. An alarm escalates once; returns the alarms escalated now,
        oldest first, so the glue fires one event for each.
        """
        require_aware(now, "now")
        escalated = []
        for alarm in self.open_alarms():
            if alarm.state is not AlarmState.TRIGGERED:
                continue
            limit = limit_for_unit(alarm.care_unit)
            if limit is not None and utc(now) - utc(alarm.triggered_at) >= limit:
                escalated.append(self.escalate(alarm.alarm_id, now))
        return escalated

    def acknowledge(self, alarm_id: str, user_id: str | None, at: datetime) -> Alarm:
        """Record who took the alarm on and when.

        ``user_id`` is the Home Assistant user id, ``None`` when the action ran without one.
        """
        require_aware(at, "at")
        alarm = self.get(alarm_id)
        check_transition(alarm, AlarmState.ACKNOWLEDGED)
        alarm.state = AlarmState.ACKNOWLEDGED
        alarm.acknowledged_at = at
        alarm.acknowledged_by = user_id
        return alarm

    def on_the_way(self, alarm_id: str, user_id: str | None, at: datetime) -> Alarm:
        """Somebody is on the way to the room; it acknowledges the alarm if nobody had."""
        require_aware(at, "at")
        alarm = self.get(alarm_id)
        check_transition(alarm, _ON_THE_WAY)
        self._take(alarm, user_id, at)
        alarm.state = _ON_THE_WAY
        alarm.on_the_way_at, alarm.on_the_way_by = at, user_id
        return alarm

    def arrived(self, alarm_id: str, user_id: str | None, at: datetime) -> Alarm:
        """Somebody is in the room (presence); it acknowledges the alarm if nobody had."""
        require_aware(at, "at")
        alarm = self.get(alarm_id)
        check_transition(alarm, _ARRIVED)
        self._take(alarm, user_id, at)
        alarm.state = _ARRIVED
        alarm.arrived_at, alarm.arrived_by = at, user_id
        return alarm

    @staticmethod
    def _take(alarm: Alarm, user_id: str | None, at: datetime) -> None:
        # Going there is taking the alarm on: an escalated (re-escalated) one is taken anew.
        if alarm.state in (AlarmState.TRIGGERED, AlarmState.ESCALATED):
            alarm.acknowledged_at, alarm.acknowledged_by = at, user_id

    def resolve(
        self,
        alarm_id: str,
        outcome: Outcome | str,
        user_id: str | None,
        at: datetime,
        *,
        require_arrival: bool = False,
    ) -> Alarm:
        """Close the alarm with an outcome; an unacknowledged alarm may be resolved directly.

        ``require_arrival`` (the unit's choice for this kind) refuses it until somebody
        has arrived in the room.
        """
        require_aware(at, "at")
        try:
            outcome = Outcome(outcome)
        except ValueError as err:
            raise InvalidOutcomeError(f"unknown outcome {outcome!r}", outcome=str(outcome)) from err
        alarm = self.get(alarm_id)
        check_transition(alarm, AlarmState.RESOLVED)
        if require_arrival and alarm.arrived_at is None:
            raise ArrivalRequiredError(
                f"alarm {alarm.alarm_id} needs an arrival first", alarm_id=alarm.alarm_id
            )
        alarm.state = AlarmState.RESOLVED
        alarm.resolved_at = at
        alarm.resolved_by = user_id
        alarm.outcome = outcome
        del self._open[alarm_id]
        self._closed[alarm_id] = alarm
        while len(self._closed) > self._closed_keep:
            del self._closed[next(iter(self._closed))]
        return alarm

    def open_alarms(self, care_unit: str | None = None) -> list[Alarm]:
        """Open alarms, of one unit or all, oldest first."""
        alarms: Iterable[Alarm] = self._open.values()
        if care_unit is not None:
            alarms = (alarm for alarm in alarms if alarm.care_unit == care_unit)
        # Python's sort is stable, so alarms triggered at the same moment keep their order.
        return sorted(alarms, key=lambda alarm: utc(alarm.triggered_at))

    def closed_alarms(self) -> list[Alarm]:
        """The recently closed alarms, in the order they were resolved."""
        return list(self._closed.values())

    def oldest_unacknowledged_age(self, care_unit: str, now: datetime) -> timedelta | None:
        """Age of the unit's oldest alarm nobody has acknowledged, ``None`` if there is none."""
        for alarm in self.open_alarms(care_unit):
            if not alarm.is_acknowledged:
                return alarm.age(now)
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for Home Assistant's storage; open alarms survive a restart."""
        return {
            "version": STORE_VERSION,
            "open": [alarm.as_dict() for alarm in self.open_alarms()],
            "closed": [alarm.as_dict() for alarm in self._closed.values()],
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        id_factory: Callable[[], str] = _default_alarm_id,
        closed_keep: int = DEFAULT_CLOSED_KEEP,
    ) -> AlarmBook:
        """Read a book back from :meth:`as_dict`; ``StoredDataError`` if it is damaged."""
        if data.get("version") != STORE_VERSION:
            raise StoredDataError("unsupported alarm book version")
        book = cls(id_factory=id_factory, closed_keep=closed_keep)
        try:
            open_records = list(data["open"])
            closed_records = list(data["closed"])
        except (KeyError, TypeError) as err:
            raise StoredDataError("stored alarm book is damaged") from err
        for record in open_records:
            alarm = Alarm.from_dict(record)
            if not alarm.is_open:
                raise StoredDataError("a resolved alarm is stored among the open ones")
            book._open[alarm.alarm_id] = alarm
        for record in closed_records:
            alarm = Alarm.from_dict(record)
            if alarm.is_open:
                raise StoredDataError("an open alarm is stored among the closed ones")
            book._closed[alarm.alarm_id] = alarm
        return book
