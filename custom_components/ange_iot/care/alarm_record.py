"""One care alarm as a record: what raised it, where it stands, how it ended, who did what.

:class:`Alarm` is what the :class:`~.alarms.AlarmBook` keeps and moves through the
lifecycle (see :mod:`.alarms`). :meth:`Alarm.event_data` gives the ``ange_iot_alarm`` event
data that DESIGN.md fixes and the blueprints build on; :meth:`Alarm.as_dict` the stored form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .errors import StoredDataError
from .moments import from_iso, optional_from_iso, optional_iso, to_iso, utc
from .privacy import JsonValue, plain_mapping


class AlarmKind(StrEnum):
    """What raised the alarm."""

    CALL_BUTTON = "call_button"
    MISSED_DOSE = "missed_dose"
    DISPENSER_FAULT = "dispenser_fault"
    NIGHT_DOOR = "night_door"
    OUT_OF_BED = "out_of_bed"
    INACTIVITY = "inactivity"
    WATER_LEAK = "water_leak"
    DEVICE_OFFLINE = "device_offline"
    BATTERY_LOW = "battery_low"
    # A night supervision check found no data: a physical visit is needed.
    SUPERVISION_NO_DATA = "supervision_no_data"
    # Home Assistant was down: alarms may have been missed while it was.
    SYSTEM_RESTART = "system_restart"


class AlarmState(StrEnum):
    """Where an alarm is in its lifecycle."""

    TRIGGERED = "triggered"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    ON_THE_WAY = "on_the_way"
    ARRIVED = "arrived"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    """How a resolved alarm was handled."""

    ON_SITE = "on_site"
    BY_PHONE = "by_phone"
    FALSE_ALARM = "false_alarm"
    OTHER = "other"


@dataclass(slots=True, kw_only=True)
class Alarm:
    """One care alarm and everything that happened to it.

    ``detail`` holds non-personal extra data (for example an error code); ``repeats`` the
    moments the same source triggered again while this alarm was open.
    """

    alarm_id: str
    kind: AlarmKind
    care_unit: str
    room: str
    dev_eui: str | None
    triggered_at: datetime
    source_key: str
    state: AlarmState = AlarmState.TRIGGERED
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: Outcome | None = None
    repeats: list[datetime] = field(default_factory=list)
    detail: dict[str, JsonValue] = field(default_factory=dict)
    # 0 = tier 1 only, 1 = tier 2 paged as well, 2 = tier 3 paged as well.
    escalation_level: int = 0
    on_the_way_at: datetime | None = None
    on_the_way_by: str | None = None
    arrived_at: datetime | None = None
    arrived_by: str | None = None
    # When the phones were last paged for it, so re-notification keeps its rhythm.
    notified_at: datetime | None = None
    # A test alarm (provlarm): it runs the whole chain, marked as a test everywhere.
    test: bool = False

    @property
    def press_count(self) -> int:
        """How often the source triggered while this alarm was open (the first press too)."""
        return 1 + len(self.repeats)

    @property
    def is_open(self) -> bool:
        """Whether the alarm still needs someone (not resolved)."""
        return self.state is not AlarmState.RESOLVED

    @property
    def is_acknowledged(self) -> bool:
        """Whether someone has taken the alarm on (acknowledged, or resolved after that)."""
        return self.acknowledged_at is not None

    def age(self, now: datetime) -> timedelta:
        """Time since the alarm was triggered."""
        return utc(now, "now") - utc(self.triggered_at)

    def event_data(self) -> dict[str, str | None]:
        """The ``ange_iot_alarm`` event data, exactly the fields DESIGN.md names."""
        data: dict[str, str | None] = {
            "alarm_id": self.alarm_id,
            "kind": self.kind.value,
            "state": self.state.value,
            "care_unit": self.care_unit,
            "room": self.room,
            "dev_eui": self.dev_eui,
            "triggered_at": to_iso(self.triggered_at),
        }
        if self.is_acknowledged:
            data["acknowledged_by"] = self.acknowledged_by
        if self.state is AlarmState.RESOLVED and self.outcome is not None:
            data["outcome"] = self.outcome.value
        return data

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for Home Assistant's storage."""
        return {
            "alarm_id": self.alarm_id,
            "kind": self.kind.value,
            "state": self.state.value,
            "care_unit": self.care_unit,
            "room": self.room,
            "dev_eui": self.dev_eui,
            "source_key": self.source_key,
            "triggered_at": to_iso(self.triggered_at),
            "escalated_at": optional_iso(self.escalated_at),
            "acknowledged_at": optional_iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "resolved_at": optional_iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "outcome": None if self.outcome is None else self.outcome.value,
            "repeats": [to_iso(moment) for moment in self.repeats],
            "detail": dict(self.detail),
            "escalation_level": self.escalation_level,
            "on_the_way_at": optional_iso(self.on_the_way_at),
            "on_the_way_by": self.on_the_way_by,
            "arrived_at": optional_iso(self.arrived_at),
            "arrived_by": self.arrived_by,
            "notified_at": optional_iso(self.notified_at),
            "test": self.test,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alarm:
        """Read an alarm back from :meth:`as_dict`; ``StoredDataError`` if it is damaged."""
        try:
            outcome = data.get("outcome")
            dev_eui = data.get("dev_eui")
            return cls(
                alarm_id=_str(data["alarm_id"]),
                kind=AlarmKind(data["kind"]),
                state=AlarmState(data["state"]),
                care_unit=_str(data["care_unit"]),
                room=_str(data["room"]),
                dev_eui=None if dev_eui is None else _str(dev_eui),
                source_key=_str(data["source_key"]),
                triggered_at=from_iso(data["triggered_at"]),
                escalated_at=optional_from_iso(data.get("escalated_at")),
                acknowledged_at=optional_from_iso(data.get("acknowledged_at")),
                acknowledged_by=_optional_str(data.get("acknowledged_by")),
                resolved_at=optional_from_iso(data.get("resolved_at")),
                resolved_by=_optional_str(data.get("resolved_by")),
                outcome=None if outcome is None else Outcome(outcome),
                repeats=[from_iso(text) for text in data.get("repeats", [])],
                detail=plain_mapping(data.get("detail"), "detail"),
                escalation_level=int(data.get("escalation_level") or 0),
                on_the_way_at=optional_from_iso(data.get("on_the_way_at")),
                on_the_way_by=_optional_str(data.get("on_the_way_by")),
                arrived_at=optional_from_iso(data.get("arrived_at")),
                arrived_by=_optional_str(data.get("arrived_by")),
                notified_at=optional_from_iso(data.get("notified_at")),
                test=data.get("test") is True,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise StoredDataError(f"stored alarm is damaged: {err}") from err


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _optional_str(value: object) -> str | None:
    return None if value is None else _str(value)
