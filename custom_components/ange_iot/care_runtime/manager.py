"""The care runtime of a hub: alarms, night supervision, dispensers and the audit log.

The rules live in care/ (pure and tested on their own); this module feeds them what the
devices report and what time it is, and turns their answers into events, entities and
audit lines. Nothing here logs a payload, a name or anything but pseudonymous codes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import secrets
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import Context, CoreState, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..care.alarms import Alarm, AlarmBook, AlarmKind, AlarmState, Outcome
from ..care.audit import AuditAction, AuditLog, retention_cutoff
from ..care.consent import ConsentBook, ConsentScope
from ..care.dispenser import (
    ALARM_KIND_FOR_EVENT,
    DispenserEvent,
    DispenserState,
    parse_dispenser_event,
)
from ..care.errors import CareError
from ..care.response_stats import ResponseLog
from ..care.supervision import (
    BedChange,
    NightLog,
    is_night,
)
from ..const import DOMAIN, LOGGER
from ..derived import ROLE
from ..windowed_save import WindowedSave
from .actions_listener import async_listen_for_actions
from .audit_writer import AuditWriter
from .chain import AlarmChain
from .code_repairs import async_check_codes
from .config import (
    ROLE_BED,
    ROLE_OUTER_DOOR,
    ROLE_ROOM_PRESENCE,
    CareUnitConfig,
    DispenserConfig,
    care_units,
    dispensers,
)
from .deadlines import DeviceDeadlines
from .devices import remove_stale_care_devices
from .night import NightSupervision
from .notify import async_load_labels
from .provlarm import TestAlarms, test_mark
from .users import async_refresh_user_names

if TYPE_CHECKING:
    from ..device import Device
    from .host import CareHost

EVENT_ALARM: Final = f"{DOMAIN}_alarm"
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 5
# Bed changes kept per room: a night and a half is enough for every check.
_BED_HISTORY: Final = timedelta(hours=36)
_LOW_BATTERY_PERCENT: Final = 15


def signal_care_update(entry_id: str) -> str:
    """Dispatcher signal: alarms, supervision results or dispensers changed."""
    return f"{DOMAIN}_{entry_id}_care"


class UnknownDispenserError(ValueError):
    """A dispenser event names a dispenser no subentry knows."""


@dataclass(slots=True)
class RoomActivity:
    """What a room's sensors said recently, for supervision and inactivity."""

    bed_changes: list[BedChange] = field(default_factory=list)
    door_openings: list[datetime] = field(default_factory=list)
    last_activity: datetime | None = None
    # Whether a presence sensor has reported at all; a room without any report yet has no
    # evidence of inactivity (its silence is the device_offline alarm's business).
    presence_reported: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, so a restart does not forget the night so far."""
        return {
            "bed_changes": [[change.at.isoformat(), change.occupied] for change in self.bed_changes],
            "door_openings": [moment.isoformat() for moment in self.door_openings],
            "last_activity": None if self.last_activity is None else self.last_activity.isoformat(),
            "presence_reported": self.presence_reported,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoomActivity:
        """Read as_dict() output; damaged parts are left out."""
        room = cls(presence_reported=data.get("presence_reported") is True)
        for item in data.get("bed_changes") or []:
            if isinstance(item, list) and len(item) == 2 and (at := dt_util.parse_datetime(str(item[0]))):
                room.bed_changes.append(BedChange(at=at, occupied=item[1] is True))
        for item in data.get("door_openings") or []:
            if (at := dt_util.parse_datetime(str(item))) is not None:
                room.door_openings.append(at)
        if isinstance(last := data.get("last_activity"), str):
            room.last_activity = dt_util.parse_datetime(last)
        return room


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
        self.rooms: dict[tuple[str, str], RoomActivity] = {}
        self.units: dict[str, CareUnitConfig] = {}
        self.dispensers: dict[str, DispenserConfig] = {}
        self.audit_writer = AuditWriter(hass, self.entry_id)
        # The audit log's HMAC key lives in HA's private storage, away from the log itself.
        self._audit_key = secrets.token_bytes(32)
        self._last_check: dict[str, datetime] = {}
        self._inactivity_done: dict[tuple[str, str], date] = {}
        # Out-of-bed episodes already alarmed, so a resolved one is not raised again.
        self._raised_episodes: set[str] = set()
        self._purged_on: date | None = None
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{self.entry_id}.care", private=True
        )
        self._signal = signal_care_update(self.entry_id)
        self.chain = AlarmChain(self)
        self.deadlines: DeviceDeadlines = DeviceDeadlines(self)
        self.tests = TestAlarms(self)
        self.responses = ResponseLog()
        self._save_soon = WindowedSave(self._store, self._storage_data, SAVE_DELAY)
        # Until the stored state is loaded, nothing may be saved over it.
        self._started = False
        # Staff actions are applied one at a time, each after its audit line is written.
        self._staff_lock = asyncio.Lock()

    # ------------------------------------------------------------------ lifecycle

    async def async_start(self) -> None:
        """Load open alarms, night results and dispensers; open the audit log."""
        stored = await self._store.async_load() or {}
        key_hex = stored.get("audit_key")
        if isinstance(key_hex, str):
            self._audit_key = bytes.fromhex(key_hex)
        key = self._audit_key
        if isinstance(book := stored.get("alarms"), dict):
            self.book = AlarmBook.from_dict(book)
        if isinstance(nights := stored.get("nights"), dict):
            self.nights = NightLog.from_dict(nights)
        if isinstance(consents := stored.get("consents"), dict):
            self.night.consents = ConsentBook.from_dict(consents)
        for dispenser_id, data in (stored.get("dispensers") or {}).items():
            self.dispenser_states[dispenser_id] = DispenserState.from_dict(data)
        for room_key, data in (stored.get("rooms") or {}).items():
            code, _, room = str(room_key).partition("/")
            if room and isinstance(data, dict):
                self.rooms[(code, room)] = RoomActivity.from_dict(data)
        for unit, moment in (stored.get("last_check") or {}).items():
            if (parsed := dt_util.parse_datetime(moment)) is not None:
                self._last_check[unit] = parsed
        self.deadlines.load(stored.get("deadlines"))
        self.tests.load(stored.get("tests"))
        self.responses = ResponseLog.from_dict(stored.get("responses"))
        await self.audit_writer.async_open(key)
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
        await self._save()

    async def async_stop(self) -> None:
        """Write out what is queued for the audit log, then the state."""
        if not self._started:
            return
        await self.audit_writer.async_close()
        await self._save()

    async def _save(self) -> None:
        await self._store.async_save(self._storage_data())

    @callback
    def _storage_data(self) -> dict[str, Any]:
        return {
            "audit_key": self._audit_key.hex(),
            "alarms": self.book.as_dict(),
            "nights": self.nights.as_dict(),
            "consents": self.night.consents.as_dict(),
            "dispensers": {key: state.as_dict() for key, state in self.dispenser_states.items()},
            "last_check": {unit: moment.isoformat() for unit, moment in self._last_check.items()},
            "rooms": {f"{code}/{room}": activity.as_dict() for (code, room), activity in self.rooms.items()},
            "deadlines": self.deadlines.as_dict(),
            "tests": self.tests.as_dict(),
            "responses": self.responses.as_dict(),
        }

    @callback
    def _changed(self) -> None:
        if not self._started:
            return
        self._save_soon.schedule()
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

    async def async_staff_change(
        self,
        action: AuditAction | str,
        user_id: str | None,
        change: Callable[[AlarmBook, datetime], Alarm],
        data: Callable[[Alarm], Mapping[str, object]] | None = None,
    ) -> Alarm:
        """Apply a staff action to an alarm only once its audit line is written.

        ``change`` is tried on a copy of the book first (a bad id or transition raises the
        care/ error and nothing changes), then the line is written and awaited, and only
        then is the real book changed and the event fired. A line that cannot be written
        fails the action with a translated error: no alarm moves without its line.
        """
        async with self._staff_lock:
            now = dt_util.utcnow()
            trial = change(copy.deepcopy(self.book), now)
            await self.audit_writer.async_write(
                action, actor=user_id, care_unit=trial.care_unit, room=trial.room, at=now,
                data={"alarm_id": trial.alarm_id, "kind": trial.kind.value, **(data(trial) if data else {})},
            )
            alarm = change(self.book, now)
        self.fire(alarm, user_id)
        # The logbook names who responded; a new user is known by the next line.
        self.hass.async_create_task(async_refresh_user_names(self.hass), "ange_iot user names")
        return alarm

    async def async_acknowledge(
        self, alarm_id: str, user_id: str | None, *, phone: str | None = None
    ) -> Alarm:
        """Staff took the alarm: who and when. Raises the care/ errors for bad ids."""
        return await self.async_respond("acknowledge", alarm_id, user_id, phone=phone)

    async def async_resolve(
        self, alarm_id: str, outcome: Outcome | str, user_id: str | None, *, phone: str | None = None
    ) -> Alarm:
        """Staff closed the alarm with an outcome (an invalid one raises the care/ error)."""
        return await self.async_respond("resolve", alarm_id, user_id, outcome=outcome, phone=phone)

    async def async_respond(
        self,
        response: str,
        alarm_id: str,
        user_id: str | None,
        *,
        outcome: Outcome | str | None = None,
        phone: str | None = None,
    ) -> Alarm:
        """One staff response (acknowledge, on_the_way, arrived, resolve), from a phone or not.

        Its audit line is written before the alarm moves (``async_staff_change``). Raises
        the care/ errors, unchanged, when the alarm cannot make that move.
        """
        if response not in {"acknowledge", "on_the_way", "arrived", "resolve"}:
            raise CareError(f"unknown response {response}")

        def change(book: AlarmBook, now: datetime) -> Alarm:
            if response == "resolve":
                current = book.get(alarm_id)
                chosen = outcome
                if chosen is None:
                    chosen = Outcome.ON_SITE if current.arrived_at is not None else Outcome.OTHER
                required = current.kind.value in self.unit(current.care_unit).arrival_required
                return book.resolve(alarm_id, chosen, user_id, now, require_arrival=required)
            if response == "on_the_way":
                return book.on_the_way(alarm_id, user_id, now)
            if response == "arrived":
                return book.arrived(alarm_id, user_id, now)
            return book.acknowledge(alarm_id, user_id, now)

        def details(alarm: Alarm) -> dict[str, object]:
            data: dict[str, object] = dict(test_mark(alarm))
            if alarm.outcome is not None and response == "resolve":
                data["outcome"] = alarm.outcome.value
            if phone is not None:
                data["phone"] = phone
            return data

        state = {"acknowledge": "acknowledged", "resolve": "resolved"}.get(response, response)
        return await self.async_staff_change(f"alarm_{state}", user_id, change, details)

    @callback
    def fire(self, alarm: Alarm, user_id: str | None = None) -> None:
        """Tell HA about a transition: the event (with who made it), the entities, the phones."""
        context = Context(user_id=user_id) if user_id else None
        self.responses.update(alarm)
        self.hass.bus.async_fire(EVENT_ALARM, alarm.event_data(), context=context)
        async_dispatcher_send(self.hass, f"{self._signal}_alarm", alarm)
        self.chain.on_transition(alarm)
        self._changed()

    _fire = fire

    # ------------------------------------------------------------------ device input

    @callback
    def on_readings(self, device: Device, changed: frozenset[str], at: datetime) -> None:
        """Turn what a care device reported into alarms and supervision input."""
        config = device.config
        if not config.is_care or config.care_unit is None or config.room is None:
            return
        unit, room, values = self.unit(config.care_unit), config.room, device.values
        role = config.settings.get(ROLE)
        activity = self.rooms.setdefault((unit.code, room), RoomActivity())
        night = is_night(at, unit.night_start, unit.night_end, tz=dt_util.get_default_time_zone())
        if "button" in changed and isinstance(values.get("button"), str):
            self.trigger(AlarmKind.CALL_BUTTON, unit.code, room, device.dev_eui, at)
        if "water_leak" in changed and values.get("water_leak") is True:
            self.trigger(AlarmKind.WATER_LEAK, unit.code, room, device.dev_eui, at)
        battery = values.get("battery")
        low = values.get("battery_low") is True or (
            "battery" in changed and isinstance(battery, int) and battery < _LOW_BATTERY_PERCENT
        )
        if low and ({"battery_low", "battery"} & changed):
            self.trigger(AlarmKind.BATTERY_LOW, unit.code, room, device.dev_eui, at)
        if "door_open" in changed and values.get("door_open") is True and role in (ROLE_OUTER_DOOR, None):
            activity.door_openings.append(at)
            if night:
                self.trigger(AlarmKind.NIGHT_DOOR, unit.code, room, device.dev_eui, at)
        if "occupancy" in changed and isinstance(occupied := values.get("occupancy"), bool):
            if role == ROLE_BED:
                activity.bed_changes.append(BedChange(at=at, occupied=occupied))
            else:
                activity.presence_reported = True
                if occupied:
                    activity.last_activity = at
        if role in (ROLE_ROOM_PRESENCE, None) and "motion" in changed:
            motion = values.get("motion")
            if isinstance(motion, int) and not isinstance(motion, bool):
                activity.presence_reported = True
                if motion > 0:
                    activity.last_activity = at
        if self._started:
            self._save_soon.schedule()
        cutoff = at - _BED_HISTORY
        activity.door_openings = [moment for moment in activity.door_openings if moment >= cutoff]
        # Keep the last change before the window: it says where the resident was.
        while len(activity.bed_changes) > 1 and activity.bed_changes[1].at < cutoff:
            activity.bed_changes.pop(0)

    @callback
    def on_offline(self, device: Device, at: datetime) -> None:
        """A silent care sensor must never look like "all is well"."""
        config = device.config
        if config.is_care and config.care_unit and config.room:
            self.trigger(AlarmKind.DEVICE_OFFLINE, config.care_unit, config.room, device.dev_eui, at)

    # ------------------------------------------------------------------ dispensers

    @callback
    def handle_dispenser_event(self, body: object) -> tuple[DispenserEvent, bool]:
        """Apply one posted event; raises DispenserEventError or UnknownDispenserError."""
        event = parse_dispenser_event(body)
        config = self.dispensers.get(event.dispenser_id)
        state = self.dispenser_states.get(event.dispenser_id)
        if config is None or state is None:
            raise UnknownDispenserError(event.dispenser_id)
        applied = state.apply(event, dt_util.utcnow())
        if not applied:
            return event, False
        if (kind := ALARM_KIND_FOR_EVENT.get(event.event)) is not None:
            self.trigger(
                kind, config.care_unit, config.client, None, event.at,
                source_key=f"{kind.value}:{config.dispenser_id}:{event.dose_id or event.error}",
                detail={"dispenser_id": config.dispenser_id},
            )
        self._changed()
        return event, True

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
            self._out_of_bed(unit, now, tz)
            self._night_checks(unit, now, tz)
            self._inactivity(unit, now, tz)
        for dispenser_id, state in self.dispenser_states.items():
            config = self.dispensers[dispenser_id]
            if not state.heartbeat_overdue(now, config.heartbeat_limit):
                continue
            # One alarm per silence: keyed by the last sign of life.
            silent_since = state.last_seen or state.tracking_since
            key = f"dispenser_offline:{dispenser_id}:{silent_since.astimezone(UTC).isoformat()}"
            if key in self._raised_episodes or self._is_open(key):
                continue
            self._raised_episodes.add(key)
            self.trigger(
                AlarmKind.DEVICE_OFFLINE, config.care_unit, config.client, None, now,
                source_key=key, detail={"dispenser_id": dispenser_id},
            )
        today = dt_util.as_local(now).date()
        if self._purged_on != today and self.audit is not None:
            self._purged_on = today
            audit, cutoff = self.audit, retention_cutoff(now)
            self.audit_writer.queue_job(lambda: audit.purge_older_than(cutoff, at=now))
        async_dispatcher_send(self.hass, f"{self._signal}_tick")

    def is_open(self, source_key: str) -> bool:
        """Whether an alarm from this source is open."""
        return self._is_open(source_key)

    def _is_open(self, source_key: str) -> bool:
        return any(alarm.source_key == source_key for alarm in self.book.open_alarms())

    @staticmethod
    def _out_of_bed_key(code: str, room: str, out_since: datetime) -> str:
        # One episode out of bed is one alarm, whether the sweep or a night check sees it.
        return f"out_of_bed:{code}/{room}:{out_since.astimezone(UTC).isoformat()}"

    def room_devices(self, code: str, room: str) -> list[Device]:
        """The care devices in one room of a unit."""
        return [
            d for d in self.hub.devices.values() if d.config.care_unit == code and d.config.room == room
        ]

    def _out_of_bed(self, unit: CareUnitConfig, now: datetime, tz: Any) -> None:
        if not is_night(now, unit.night_start, unit.night_end, tz=tz):
            return
        for (code, room), activity in self.rooms.items():
            if code != unit.code or not activity.bed_changes:
                continue
            if not self.night.consents.allows(code, room, ConsentScope.NIGHT_SUPERVISION):
                continue
            last = activity.bed_changes[-1]
            if last.occupied or now - last.at <= unit.out_of_bed_limit:
                continue
            out_since = last.at
            for change in reversed(activity.bed_changes):
                if change.occupied:
                    break
                out_since = change.at
            key = self._out_of_bed_key(code, room, out_since)
            if key in self._raised_episodes or self._is_open(key):
                continue
            self._raised_episodes.add(key)
            bed = next((d for d in self.room_devices(code, room) if d.config.settings.get(ROLE) == ROLE_BED), None)
            self.trigger(AlarmKind.OUT_OF_BED, code, room, bed.dev_eui if bed else None, now, source_key=key)

    def _night_checks(self, unit: CareUnitConfig, now: datetime, tz: Any) -> None:
        last = self._last_check.get(unit.code)
        self._last_check[unit.code] = now
        if last is None:
            return
        if self.night.run(unit, last, now, tz):
            self._changed()

    def activity(self, code: str, room: str) -> RoomActivity:
        """What a room's sensors said recently."""
        return self.rooms.setdefault((code, room), RoomActivity())

    def raise_out_of_bed(self, code: str, room: str, out_since: datetime, at: datetime) -> None:
        """One alarm per episode out of bed, whether the sweep or a night check sees it."""
        key = self._out_of_bed_key(code, room, out_since)
        if key in self._raised_episodes or self._is_open(key):
            return
        self._raised_episodes.add(key)
        self.trigger(AlarmKind.OUT_OF_BED, code, room, None, at, source_key=key)

    def _inactivity(self, unit: CareUnitConfig, now: datetime, tz: Any) -> None:
        local = now.astimezone(tz)
        if local.time() < unit.inactive_by:
            return
        morning = local.replace(hour=unit.night_end.hour, minute=unit.night_end.minute, second=0, microsecond=0)
        for room in self.rooms_of(unit.code):
            key = (unit.code, room)
            if self._inactivity_done.get(key) == local.date():
                continue
            if not self.night.consents.allows(unit.code, room, ConsentScope.INACTIVITY):
                continue
            self._inactivity_done[key] = local.date()
            presence = [
                d for d in self.room_devices(unit.code, room)
                if d.config.settings.get(ROLE) == ROLE_ROOM_PRESENCE
            ]
            if not presence:
                continue
            activity = self.rooms.setdefault(key, RoomActivity())
            if not activity.presence_reported:
                continue
            last = activity.last_activity
            if last is None or last < morning:
                self.trigger(
                    AlarmKind.INACTIVITY, unit.code, room, presence[0].dev_eui, now,
                    source_key=f"inactivity:{unit.code}/{room}:{local.date().isoformat()}",
                )

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
