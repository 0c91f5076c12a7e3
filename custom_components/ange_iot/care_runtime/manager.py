"""The care runtime of a hub: alarms, night supervision, dispensers and the audit log.

The rules live in care/ (pure and tested on their own); this module feeds them what the
devices report and what time it is, and turns their answers into events, entities and
audit lines. Nothing here logs a payload, a name or anything but pseudonymous codes.

The manager holds the state and is what the rest of the integration calls; each part of
the work is a collaborator it owns, in a module of its own: room_watch.py (the rooms'
sensors), dispenser_watch.py, staff_actions.py (responses, audit line first),
care_store.py (saving), chain.py (paging), night.py, deadlines.py and provlarm.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import Context, CoreState, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from ..care.alarms import Alarm, AlarmBook, AlarmKind, AlarmState
from ..care.audit import AuditAction, AuditLog, retention_cutoff
from ..care.dispenser import DispenserEvent, DispenserState
from ..care.response_stats import ResponseLog
from ..care.supervision import NightLog
from ..const import DOMAIN, LOGGER
from .actions_listener import async_listen_for_actions
from .audit_writer import AuditWriter
from .care_store import CareStore
from .chain import AlarmChain
from .code_repairs import async_check_codes
from .config import CareUnitConfig, DispenserConfig, care_units, dispensers
from .deadlines import DeviceDeadlines
from .devices import remove_stale_care_devices
from .dispenser_watch import DispenserWatch, UnknownDispenserError
from .night import NightSupervision
from .notify import async_load_labels
from .provlarm import TestAlarms, test_mark
from .room_watch import RoomActivity, RoomWatch
from .staff_actions import StaffActions
from .users import async_refresh_user_names

if TYPE_CHECKING:
    from ..device import Device
    from .host import CareHost

# UnknownDispenserError lives with the dispenser input; the webhook imports it from here.
__all__ = ["EVENT_ALARM", "CareManager", "UnknownDispenserError", "signal_care_update"]

EVENT_ALARM: Final = f"{DOMAIN}_alarm"


def signal_care_update(entry_id: str) -> str:
    """Dispatcher signal: alarms, supervision results or dispensers changed."""
    return f"{DOMAIN}_{entry_id}_care"


class CareManager:
    """Everything care for one hub."""

    def __init__(self, hass: HomeAssistant, hub: CareHost) -> None:
        self.hass = hass
        self.hub = hub
        self.entry_id = hub.entry.entry_id
        self.book: AlarmBook = AlarmBook()
        self.nights: NightLog = NightLog()
        self.night = NightSupervision(self)
        self.dispenser_states: dict[str, DispenserState] = {}
        self.room_watch = RoomWatch(self)
        self.dispenser_watch = DispenserWatch(self)
        self.units: dict[str, CareUnitConfig] = {}
        self.dispensers: dict[str, DispenserConfig] = {}
        self.audit_writer = AuditWriter(hass, self.entry_id)
        # When each unit's night checks last ran; public because the care store saves it.
        self.last_check: dict[str, datetime] = {}
        self._purged_on: date | None = None
        self._signal = signal_care_update(self.entry_id)
        self.chain = AlarmChain(self)
        self.deadlines: DeviceDeadlines = DeviceDeadlines(self)
        self.tests = TestAlarms(self)
        self.responses = ResponseLog()
        self.staff = StaffActions(self)
        self.store = CareStore(self)
        # Until the stored state is loaded, nothing may be saved over it.
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    async def async_start(self) -> None:
        """Load open alarms, night results and dispensers; open the audit log."""
        await self.store.async_load()
        await self.audit_writer.async_open(self.store.audit_key)
        await async_load_labels(self.hass)
        await async_refresh_user_names(self.hass)
        self._started = True
        self.sync()
        self.hub.add_unsubscriber(async_listen_for_actions(self))
        # Page what is open again, then say so if alarms may have been missed while HA was down.
        # While HA boots, the phones' notify actions may not exist yet: page once it has started.
        if self.hass.state is CoreState.running:
            self.chain.resend_open()
            self.deadlines.after_start(dt_util.utcnow())
        else:
            self.deadlines.after_start(dt_util.utcnow())
            self.hub.add_unsubscriber(async_at_started(self.hass, self.chain.async_resend_at_start))
        await self.store.async_save()

    async def async_stop(self) -> None:
        """Write out what is queued for the audit log, then the state."""
        if not self._started:
            return
        await self.audit_writer.async_close()
        await self.store.async_save()

    @callback
    def save_soon(self) -> None:
        """Save the state within the window, once it is loaded (never over the stored one)."""
        if self._started:
            self.store.schedule_save()

    @callback
    def _changed(self) -> None:
        if not self._started:
            return
        self.store.schedule_save()
        async_dispatcher_send(self.hass, self._signal)

    @property
    def audit(self) -> AuditLog | None:
        """The hub's own audit log, once started."""
        return self.audit_writer.log

    @callback
    def audit_line(
        self,
        action: AuditAction | str,
        *,
        actor: str | None,
        care_unit: str | None = None,
        room: str | None = None,
        data: Mapping[str, object] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Queue one line of the integration's own doing (see AuditWriter.queue)."""
        self.audit_writer.queue(action, actor=actor, care_unit=care_unit, room=room, data=data, at=at)

    async def async_flush_audit(self) -> None:
        """Wait until every queued audit line is written (exports read the file)."""
        await self.audit_writer.async_flush()

    # ------------------------------------------------------------------ configuration

    @callback
    def sync(self) -> None:
        """Take care units and dispensers from the subentries; audit what changed."""
        if not self._started:
            return
        units, found = care_units(self.hub.entry), dispensers(self.hub.entry)
        async_check_codes(self.hass, self.hub.entry)
        for code, unit in units.items():
            if self.units.get(code) != unit:
                self.audit_line(AuditAction.CARE_UNIT_CHANGED, actor=None, care_unit=code, data={"change": "settings"})
        for code in self.units.keys() - units.keys():
            self.audit_line(AuditAction.CARE_UNIT_CHANGED, actor=None, care_unit=code, data={"change": "removed"})
        self.units = units
        now = dt_util.utcnow()
        for dispenser_id, config in found.items():
            if dispenser_id not in self.dispenser_states:
                self.dispenser_states[dispenser_id] = DispenserState(dispenser_id, tracking_since=now)
            if self.dispensers.get(dispenser_id) != config:
                self.audit_line(
                    AuditAction.CARE_DEVICE_CHANGED, actor=None, care_unit=config.care_unit,
                    room=config.client, data={"device": "dispenser", "change": "settings"},
                )
        for dispenser_id in self.dispenser_states.keys() - found.keys():
            del self.dispenser_states[dispenser_id]
        self.dispensers = found
        # Units and dispensers that are gone take their registry devices with them.
        remove_stale_care_devices(self.hass, self.hub.entry.entry_id, self.unit_codes(), found.values())
        self._changed()

    @callback
    def device_changed(self, device: Device, change: str) -> None:
        """A care device was added, changed or removed."""
        config = device.config
        if config.is_care and change == "added":
            # Its reporting deadline runs from now: a device that never reports is late too.
            self.deadlines.tracking_since.setdefault(device.dev_eui, dt_util.utcnow())
        if config.is_care:
            self.audit_line(
                AuditAction.CARE_DEVICE_CHANGED, actor=None, care_unit=config.care_unit, room=config.room,
                data={"dev_eui": device.dev_eui, "model": config.model, "change": change},
            )

    def unit(self, code: str) -> CareUnitConfig:
        """A unit's settings; defaults for a unit that has devices but no subentry yet."""
        return self.units.get(code) or CareUnitConfig(code=code)

    def unit_codes(self) -> list[str]:
        """Every unit that has settings, devices or dispensers."""
        codes = set(self.units)
        codes.update(d.config.care_unit for d in self.hub.devices.values() if d.config.care_unit and d.config.room)
        codes.update(config.care_unit for config in self.dispensers.values())
        return sorted(codes)

    def rooms_of(self, code: str) -> list[str]:
        """A unit's rooms, from its care devices."""
        return sorted(
            {d.config.room for d in self.hub.devices.values() if d.config.care_unit == code and d.config.room}
        )

    def supervised_rooms(self, code: str) -> list[str]:
        """Rooms of a unit under night supervision (see care_night)."""
        return self.night.supervised(code)

    # ------------------------------------------------------------------ alarms

    @callback
    def trigger(
        self,
        kind: AlarmKind,
        care_unit: str,
        room: str,
        dev_eui: str | None,
        at: datetime,
        source_key: str | None = None,
        detail: Mapping[str, object] | None = None,
    ) -> Alarm:
        """Raise an alarm, or record a repeat on the open one from the same source."""
        alarm, is_new = self.book.trigger(kind, care_unit, room, dev_eui, at, source_key, detail=detail)
        if is_new:
            alarm.test = self.tests.is_test(care_unit, kind)
            LOGGER.info("Care alarm %s (%s) raised in unit %s", alarm.alarm_id, kind.value, care_unit)
            self.audit_line(
                AuditAction.ALARM_TRIGGERED, actor=None, care_unit=care_unit, room=room, at=at,
                data={"alarm_id": alarm.alarm_id, "kind": kind.value, "dev_eui": dev_eui, **test_mark(alarm)},
            )
            self.fire(alarm)
        else:
            self.audit_line(
                AuditAction.ALARM_REPEATED, actor=None, care_unit=care_unit, room=room, at=at,
                data={
                    "alarm_id": alarm.alarm_id, "kind": kind.value, "repeats": len(alarm.repeats),
                    "press_count": alarm.press_count, **test_mark(alarm),
                },
            )
            self.chain.on_repeat(alarm)
            self._changed()
        if kind is AlarmKind.CALL_BUTTON and dev_eui is not None:
            self.tests.pressed(dev_eui, alarm, at)
        return alarm

    @callback
    def fire(self, alarm: Alarm, user_id: str | None = None) -> None:
        """Tell HA about a transition: the event (with who made it), the entities, the phones."""
        context = Context(user_id=user_id) if user_id else None
        self.responses.update(alarm)
        self.hass.bus.async_fire(EVENT_ALARM, alarm.event_data(), context=context)
        async_dispatcher_send(self.hass, f"{self._signal}_alarm", alarm)
        self.chain.on_transition(alarm)
        self._changed()

    # ------------------------------------------------------------------ device input

    @callback
    def on_readings(self, device: Device, changed: frozenset[str], at: datetime) -> None:
        """Turn what a care device reported into alarms and supervision input."""
        self.room_watch.on_readings(device, changed, at)

    @callback
    def on_offline(self, device: Device, at: datetime) -> None:
        """A silent care sensor must never look like "all is well"."""
        self.room_watch.on_offline(device, at)

    # ------------------------------------------------------------------ dispensers

    @callback
    def handle_dispenser_event(self, body: object) -> tuple[DispenserEvent, bool]:
        """Apply one posted event; raises DispenserEventError or UnknownDispenserError."""
        event, applied = self.dispenser_watch.handle_event(body)
        if applied:
            self._changed()
        return event, applied

    # ------------------------------------------------------------------ time

    @callback
    def tick(self, now: datetime) -> None:
        """Every minute: escalation, night checks, out of bed, inactivity, heartbeats."""
        self.chain.tick(now)
        self.deadlines.tick(now)
        self.tests.tick(now)
        self.responses.purge(now)
        tz = dt_util.get_default_time_zone()
        for code in self.unit_codes():
            unit = self.unit(code)
            self.room_watch.sweep_out_of_bed(unit, now, tz)
            self._night_checks(unit, now, tz)
            self.room_watch.sweep_inactivity(unit, now, tz)
        self.dispenser_watch.sweep_heartbeats(now)
        today = dt_util.as_local(now).date()
        if self._purged_on != today and self.audit is not None:
            self._purged_on = today
            audit, cutoff = self.audit, retention_cutoff(now)
            self.audit_writer.queue_job(lambda: audit.purge_older_than(cutoff, at=now))
        async_dispatcher_send(self.hass, f"{self._signal}_tick")

    def is_open(self, source_key: str) -> bool:
        """Whether an alarm from this source is open."""
        return any(alarm.source_key == source_key for alarm in self.book.open_alarms())

    def room_devices(self, code: str, room: str) -> list[Device]:
        """The care devices in one room of a unit."""
        return [
            d for d in self.hub.devices.values() if d.config.care_unit == code and d.config.room == room
        ]

    def _night_checks(self, unit: CareUnitConfig, now: datetime, tz: Any) -> None:
        last = self.last_check.get(unit.code)
        self.last_check[unit.code] = now
        if last is None:
            return
        if self.night.run(unit, last, now, tz):
            self._changed()

    def activity(self, code: str, room: str) -> RoomActivity:
        """What a room's sensors said recently."""
        return self.room_watch.activity(code, room)

    def raise_out_of_bed(self, code: str, room: str, out_since: datetime, at: datetime) -> None:
        """One alarm per episode out of bed, whether the sweep or a night check sees it."""
        self.room_watch.raise_out_of_bed(code, room, out_since, at)

    # ------------------------------------------------------------------ reports

    def night_report(self, code: str, night: date) -> dict[str, Any]:
        """The night's checks of every room of a unit, for the morning report action."""
        return self.night.report(code, night)

    def open_alarms(self, code: str) -> list[Alarm]:
        """A unit's open alarms, oldest first."""
        return self.book.open_alarms(code)

    def alarm_state_counts(self, code: str) -> dict[str, int]:
        """How many open alarms are in each state."""
        counts = {state.value: 0 for state in AlarmState if state is not AlarmState.RESOLVED}
        for alarm in self.open_alarms(code):
            counts[alarm.state.value] += 1
        return counts
