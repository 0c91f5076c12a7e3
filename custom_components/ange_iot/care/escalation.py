"""When an open alarm must page somebody again: the tiers and rhythms of a care unit.

A unit pages tier 1 when an alarm triggers. Nobody acknowledging within ``tier2_after``
escalates it to tier 2, and ``tier3_after`` more minutes to tier 3 (if the unit has one).
While nobody has taken it on, every ``renotify_every`` the phones of the tiers reached so
far are paged again. An alarm taken on (acknowledged or on the way) without anybody
arriving within ``reescalate_after`` escalates again.

Pure: :func:`next_step` only compares moments; the glue carries the step out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .alarm_record import Alarm, AlarmState
from .moments import utc


class Step(StrEnum):
    """What the glue must do with an alarm now."""

    ESCALATE = "escalate"  # to tier 2: the state becomes escalated
    ESCALATE_FURTHER = "escalate_further"  # to tier 3: still escalated, one level up
    REESCALATE = "reescalate"  # taken on, but nobody arrived in time
    RENOTIFY = "renotify"  # page the same phones again


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """A care unit's paging rhythm; ``None`` switches a step off."""

    tier2_after: timedelta
    tier3_after: timedelta | None = None
    renotify_every: timedelta | None = None
    reescalate_after: timedelta | None = None
    has_tier3: bool = False

    @property
    def top_level(self) -> int:
        """The highest escalation level this unit has (1 = tier 2, 2 = tier 3)."""
        return 2 if self.has_tier3 and self.tier3_after is not None else 1


def next_step(alarm: Alarm, now: datetime, policy: EscalationPolicy) -> Step | None:
    """The one step due for ``alarm`` at ``now``, or ``None``."""
    if not alarm.is_open:
        return None
    now = utc(now, "now")
    if alarm.state in (AlarmState.ACKNOWLEDGED, AlarmState.ON_THE_WAY):
        taken = alarm.acknowledged_at
        if policy.reescalate_after is not None and taken is not None and now - utc(taken) >= policy.reescalate_after:
            return Step.REESCALATE
        return None
    if alarm.state is AlarmState.TRIGGERED:
        if now - utc(alarm.triggered_at) >= policy.tier2_after:
            return Step.ESCALATE
    elif alarm.state is AlarmState.ESCALATED:
        since = alarm.escalated_at or alarm.triggered_at
        if (
            policy.tier3_after is not None
            and alarm.escalation_level < policy.top_level
            and now - utc(since) >= policy.tier3_after
        ):
            return Step.ESCALATE_FURTHER
    else:
        return None  # arrived: somebody is there
    last = alarm.notified_at or alarm.triggered_at
    if policy.renotify_every is not None and now - utc(last) >= policy.renotify_every:
        return Step.RENOTIFY
    return None
