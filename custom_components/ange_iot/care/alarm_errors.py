"""What the care alarm lifecycle refuses, one ``CareError`` subclass per refusal.

The Home Assistant glue turns each ``translation_key`` into a translated
``ServiceValidationError``; the placeholders name the alarm and, where somebody already
took it on, who and when.
"""

from __future__ import annotations

from .errors import CareError


class UnknownAlarmError(CareError):
    """No alarm with this id is known (open or recently closed)."""

    translation_key = "unknown_alarm"


class AlarmClosedError(CareError):
    """The alarm is already resolved; nothing can move it any more."""

    translation_key = "alarm_closed"


class IllegalTransitionError(CareError):
    """The alarm is open but cannot make this move (for example acknowledged twice)."""

    translation_key = "illegal_alarm_transition"


class AlreadyAcknowledgedError(IllegalTransitionError):
    """Somebody already took the alarm on; the answer names who (user id) and when (ISO)."""

    translation_key = "alarm_already_acknowledged"


class AlreadyInStateError(IllegalTransitionError):
    """The alarm is already on the way or arrived; the answer names who and when."""

    translation_key = "alarm_already_in_state"


class ArrivalRequiredError(CareError):
    """The unit requires an arrival in the room before this kind of alarm is resolved."""

    translation_key = "alarm_arrival_required"


class InvalidOutcomeError(CareError):
    """A resolution outcome that is not one of :class:`Outcome`."""

    translation_key = "invalid_alarm_outcome"
