"""Test alarms (provlarm): a unit's test mode, and call buttons nobody has tested.

Staff switch a unit to test mode with the ``ange_iot.set_test_mode`` action, press the
buttons, and the alarms run the whole chain (phones, escalation, responses) marked as
tests: "PROVLARM" in the push text, ``test: true`` in the audit log. Test mode ends by
itself after its duration (default 60 minutes), so a forgotten test mode never turns a
real alarm into a test one for long.

A call button whose last test is older than the unit's interval (default 30 days), or
that was never tested since it was added, raises a repair issue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..care.alarms import Alarm, AlarmKind
from ..const import DOMAIN
from ..lorawan.codecs import MODELS
from ..lorawan.codecs.model import Category

if TYPE_CHECKING:
    from .manager import CareManager

DEFAULT_TEST_MINUTES: Final = 60
# Alarms a resident or a sensor raises; technical alarms are never tests.
TESTABLE_KINDS: Final = frozenset(
    {AlarmKind.CALL_BUTTON, AlarmKind.NIGHT_DOOR, AlarmKind.WATER_LEAK, AlarmKind.OUT_OF_BED}
)
_CHECK_EVERY: Final = timedelta(hours=1)


def untested_issue_id(dev_eui: str) -> str:
    """The repair issue of a call button that needs a test."""
    return f"call_button_untested_{dev_eui}"


class TestAlarms:
    """Which units are in test mode, and when each call button was last tested."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        self.until: dict[str, datetime] = {}
        self.last_tested: dict[str, datetime] = {}
        self._checked_at: datetime | None = None

    def load(self, data: object) -> None:
        """Read :meth:`as_dict` output; damaged parts are left out."""
        if not isinstance(data, dict):
            return
        for name, target in (("until", self.until), ("last_tested", self.last_tested)):
            for key, text in (data.get(name) or {}).items():
                if isinstance(text, str) and (moment := dt_util.parse_datetime(text)) is not None:
                    target[str(key)] = moment

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, so test mode and test dates survive a restart."""
        return {
            "until": {key: moment.isoformat() for key, moment in self.until.items()},
            "last_tested": {key: moment.isoformat() for key, moment in self.last_tested.items()},
        }

    @callback
    def set_mode(self, code: str, enabled: bool, minutes: float, user_id: str | None) -> datetime | None:
        """Switch a unit's test mode; returns when it ends (``None``: switched off)."""
        now = dt_util.utcnow()
        until = now + timedelta(minutes=minutes) if enabled else None
        if until is None:
            self.until.pop(code, None)
        else:
            self.until[code] = until
        self.manager.audit_line(
            "test_mode_changed", actor=user_id, care_unit=code, at=now,
            data={"enabled": enabled, "until": None if until is None else until.isoformat()},
        )
        self.manager.sync()
        return until

    def is_test(self, code: str, kind: AlarmKind) -> bool:
        """Whether an alarm of this kind raised now in the unit is a test alarm."""
        until = self.until.get(code)
        return kind in TESTABLE_KINDS and until is not None and dt_util.utcnow() < until

    @callback
    def pressed(self, dev_eui: str, alarm: Alarm, at: datetime) -> None:
        """A call button press: a test one counts as the button's test."""
        if not alarm.test:
            return
        self.last_tested[dev_eui] = at
        ir.async_delete_issue(self.manager.hass, DOMAIN, untested_issue_id(dev_eui))
        self.manager.audit_line(
            "call_button_tested", actor=None,
            care_unit=alarm.care_unit, room=alarm.room, at=at,
            data={"alarm_id": alarm.alarm_id, "dev_eui": dev_eui, "test": True},
        )

    @callback
    def tick(self, now: datetime) -> None:
        """End expired test modes; hourly, raise or clear the untested-button issues."""
        for code in [code for code, until in self.until.items() if now >= until]:
            del self.until[code]
            self.manager.audit_line("test_mode_changed", actor=None, care_unit=code, at=now, data={"enabled": False})
        if self._checked_at is not None and now - self._checked_at < _CHECK_EVERY:
            return
        self._checked_at = now
        hass = self.manager.hass
        for device in self.manager.hub.devices.values():
            config = device.config
            info = MODELS.get(config.model or "")
            if not (config.is_care and config.care_unit and config.room and info and info.category is Category.BUTTON):
                continue
            since = self.last_tested.get(device.dev_eui) or self.manager.deadlines.tracking_since.get(device.dev_eui, now)
            interval = self.manager.unit(config.care_unit).test_interval
            if now - since < interval:
                ir.async_delete_issue(hass, DOMAIN, untested_issue_id(device.dev_eui))
                continue
            ir.async_create_issue(
                hass, DOMAIN, untested_issue_id(device.dev_eui),
                is_fixable=False, is_persistent=False, severity=ir.IssueSeverity.WARNING,
                translation_key="call_button_untested",
                translation_placeholders={
                    "care_unit": config.care_unit, "room": config.room, "days": str(interval.days),
                },
            )


def test_mark(alarm: Alarm) -> dict[str, bool]:
    """The audit and event mark of a test alarm; nothing for a real one."""
    return {"test": True} if alarm.test else {}
