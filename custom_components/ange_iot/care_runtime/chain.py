"""The alarm chain a care unit owns: who is paged, when, and again until somebody comes.

The manager tells the chain about every alarm transition and repeated press, and calls
:meth:`AlarmChain.tick` every minute. The chain pages the unit's tiers through
:mod:`care_notify`, escalates by the unit's :class:`EscalationPolicy`, and pages every
open alarm again when Home Assistant starts, so a phone that missed the first page (or a
restart that dropped it) gets it again. No automation or blueprint is involved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ..care.alarms import Alarm, AlarmState
from ..care.audit import AuditAction
from ..care.escalation import EscalationPolicy, Step, next_step
from .config import CareUnitConfig
from .notify import alarm_payload, async_send, clear_payload
from .provlarm import test_mark

if TYPE_CHECKING:
    from .manager import CareManager

# Transitions after which the phones need no new page: somebody has taken the alarm on.
_QUIET = frozenset({AlarmState.ACKNOWLEDGED, AlarmState.ON_THE_WAY, AlarmState.ARRIVED})


def policy_of(unit: CareUnitConfig) -> EscalationPolicy:
    """A unit's settings as the pure escalation rules read them."""
    return EscalationPolicy(
        tier2_after=unit.escalate_after,
        tier3_after=unit.tier3_after,
        renotify_every=unit.renotify_every,
        reescalate_after=unit.reescalate_after,
        has_tier3=bool(unit.notify_tier3),
    )


class AlarmChain:
    """Pages and escalates the alarms of one hub's care units."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        self.hass = manager.hass

    @callback
    def page(self, alarm: Alarm, now: datetime | None = None) -> None:
        """Page every phone of the tiers the alarm has reached."""
        if self.hass.state is not CoreState.running:
            return  # paged by async_resend_at_start once the phones' notify actions exist
        unit = self.manager.unit(alarm.care_unit)
        alarm.notified_at = now or dt_util.utcnow()
        async_send(self.hass, unit.targets_up_to(alarm.escalation_level), alarm_payload(self.hass, alarm))

    @callback
    def on_transition(self, alarm: Alarm) -> None:
        """An alarm moved: page on a new or escalated alarm, clear the phones once resolved."""
        if alarm.state is AlarmState.RESOLVED:
            unit = self.manager.unit(alarm.care_unit)
            async_send(self.hass, unit.targets_up_to(alarm.escalation_level), clear_payload(alarm))
        elif alarm.state not in _QUIET:
            self.page(alarm)

    @callback
    def on_repeat(self, alarm: Alarm) -> None:
        """The same button again while its alarm is open: page again, the count goes up."""
        if alarm.state is not AlarmState.ARRIVED:
            self.page(alarm)

    @callback
    def resend_open(self) -> None:
        """After a start: every open alarm is paged again, to the tiers it had reached."""
        for alarm in self.manager.book.open_alarms():
            self.page(alarm)

    @callback
    def async_resend_at_start(self, _hass: HomeAssistant) -> None:
        """HA has started: page every open alarm (the notify actions exist now)."""
        self.resend_open()

    @callback
    def tick(self, now: datetime) -> None:
        """Escalate, re-escalate and re-page what the units' rhythms say is due."""
        book = self.manager.book
        for alarm in book.open_alarms():
            step = next_step(alarm, now, policy_of(self.manager.unit(alarm.care_unit)))
            if step is None:
                continue
            if step is Step.RENOTIFY:
                self.page(alarm, now)
                continue
            if step is Step.ESCALATE_FURTHER:
                book.escalate_further(alarm.alarm_id, now)
            else:
                book.escalate(alarm.alarm_id, now)
            self.manager.audit_line(
                AuditAction.ALARM_ESCALATED, actor=None, care_unit=alarm.care_unit, room=alarm.room, at=now,
                data={
                    "alarm_id": alarm.alarm_id, "kind": alarm.kind.value, "level": alarm.escalation_level,
                    "reason": step.value, **test_mark(alarm),
                },
            )
            self.manager.fire(alarm)
