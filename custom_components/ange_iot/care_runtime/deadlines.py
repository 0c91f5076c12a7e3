"""Technical supervision of the alarm chain: silent care devices and Home Assistant down time.

Every care device must report within a deadline that comes from its model's reporting
interval (a call button's heartbeat, a door sensor's periodic report): twice the
interval, so one lost LoRaWAN frame is no alarm, plus a margin. The device's setting
``report_deadline_minutes`` overrides it. A device silent past its deadline, or one that
has never reported since it was added, raises a ``device_offline`` alarm, which goes
through the same chain as a resident's alarm (tier 1 first).

The care state also records the last moment Home Assistant was running. When it comes
back after a longer gap, every care unit gets one ``system_restart`` alarm naming the
gap: alarms may have been missed while nobody was listening.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..care.alarms import AlarmKind
from ..lorawan.codecs import MODELS
from ..lorawan.codecs.model import Category

if TYPE_CHECKING:
    from ..device import Device
    from .manager import CareManager

CONF_REPORT_DEADLINE: Final = "report_deadline_minutes"
# Heartbeat / periodic report intervals (minutes) by kind of device: the longest interval
# the care installation guide (README, Care) lets a device be configured with. A device set
# to report more often gets a shorter deadline through report_deadline_minutes.
REPORT_INTERVALS: Final[Mapping[Category, int]] = {
    Category.BUTTON: 720,
    Category.DOOR: 720,
    Category.LEAK: 720,
    Category.PRESENCE: 720,
}
DEFAULT_INTERVAL: Final = 720
# On top of two intervals: the network server and the radio may delay a frame.
DEADLINE_MARGIN: Final = timedelta(minutes=15)
# A gap shorter than this is an ordinary restart; the minute sweep records life each minute.
RESTART_NOTICE_AFTER: Final = timedelta(minutes=5)


def report_deadline(model: str | None, settings: Mapping[str, Any]) -> timedelta:
    """How long a care device may be silent: its override, else from its model's interval."""
    override = settings.get(CONF_REPORT_DEADLINE)
    if isinstance(override, int | float) and not isinstance(override, bool) and override > 0:
        return timedelta(minutes=float(override))
    info = MODELS.get(model or "")
    interval = REPORT_INTERVALS.get(info.category, DEFAULT_INTERVAL) if info else DEFAULT_INTERVAL
    return 2 * timedelta(minutes=interval) + DEADLINE_MARGIN


class DeviceDeadlines:
    """Deadlines of the hub's care devices and the record of Home Assistant being alive."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        # Since when each care device is watched: a device that never reports is late too.
        self.tracking_since: dict[str, datetime] = {}
        # The silence (its start) an alarm was already raised for, per device.
        self.raised: dict[str, datetime] = {}
        self.last_alive: datetime | None = None

    def load(self, data: object) -> None:
        """Read :meth:`as_dict` output; damaged parts are left out."""
        if not isinstance(data, dict):
            return
        for name, target in (("tracking_since", self.tracking_since), ("raised", self.raised)):
            for dev_eui, text in (data.get(name) or {}).items():
                if isinstance(text, str) and (moment := dt_util.parse_datetime(text)) is not None:
                    target[str(dev_eui)] = moment
        if isinstance(alive := data.get("last_alive"), str):
            self.last_alive = dt_util.parse_datetime(alive)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; saving is itself a sign of life, so it records the moment."""
        return {
            "tracking_since": {key: moment.isoformat() for key, moment in self.tracking_since.items()},
            "raised": {key: moment.isoformat() for key, moment in self.raised.items()},
            "last_alive": dt_util.utcnow().isoformat(),
        }

    @callback
    def after_start(self, now: datetime) -> None:
        """One ``system_restart`` alarm per care unit when HA was down for long."""
        last, self.last_alive = self.last_alive, now
        for device in self._care_devices():
            self.tracking_since.setdefault(device.dev_eui, now)
        if last is None or now - last < RESTART_NOTICE_AFTER:
            return
        gap_minutes = int((now - last).total_seconds() // 60)
        for code in self.manager.unit_codes():
            self.manager.trigger(
                AlarmKind.SYSTEM_RESTART, code, code, None, now,
                source_key=f"system_restart:{code}:{now.isoformat()}",
                detail={"gap_minutes": gap_minutes, "down_since": last.isoformat()},
            )

    @callback
    def tick(self, now: datetime) -> None:
        """Every minute: record life, raise ``device_offline`` for late care devices."""
        self.last_alive = now
        for device in self._care_devices():
            since = self.tracking_since.setdefault(device.dev_eui, now)
            silent_since = device.last_seen or since
            config = device.config
            if now - silent_since < report_deadline(config.model, config.settings):
                continue
            if self.raised.get(device.dev_eui) == silent_since:
                continue
            self.raised[device.dev_eui] = silent_since
            if self.manager.is_open(f"{AlarmKind.DEVICE_OFFLINE}:{device.dev_eui}"):
                continue  # the hub's own offline check raised it already
            self.manager.trigger(
                AlarmKind.DEVICE_OFFLINE, str(config.care_unit), str(config.room), device.dev_eui, now,
                detail={"reason": "silent" if device.last_seen else "never_reported"},
            )
        for dev_eui in set(self.tracking_since) - {d.dev_eui for d in self._care_devices()}:
            self.tracking_since.pop(dev_eui, None)
            self.raised.pop(dev_eui, None)

    def _care_devices(self) -> list[Device]:
        return [
            d for d in self.manager.hub.devices.values()
            if d.config.is_care and d.config.care_unit and d.config.room
        ]
