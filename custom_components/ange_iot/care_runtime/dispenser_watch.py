"""What the medicine dispensers report, and the alarms read from it.

A dispenser posts its events to the hub's webhook; the pure rules (care/dispenser.py)
decide whether an event counts and which alarm, if any, it raises. A dispenser that stops
reporting past its heartbeat limit raises one ``device_offline`` alarm per silence. The
dispensers' settings and states stay on the manager, which takes them from the subentries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..care.alarms import AlarmKind
from ..care.dispenser import ALARM_KIND_FOR_EVENT, DispenserEvent, parse_dispenser_event

if TYPE_CHECKING:
    from .manager import CareManager


class UnknownDispenserError(ValueError):
    """A dispenser event names a dispenser no subentry knows."""


class DispenserWatch:
    """The events and heartbeats of one hub's dispensers."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        # Dispenser silences already alarmed, so a resolved one is not raised again.
        self._raised_episodes: set[str] = set()

    @callback
    def handle_event(self, body: object) -> tuple[DispenserEvent, bool]:
        """Apply one posted event; whether it counted. Raises DispenserEventError or UnknownDispenserError."""
        manager = self.manager
        event = parse_dispenser_event(body)
        config = manager.dispensers.get(event.dispenser_id)
        state = manager.dispenser_states.get(event.dispenser_id)
        if config is None or state is None:
            raise UnknownDispenserError(event.dispenser_id)
        applied = state.apply(event, dt_util.utcnow())
        if not applied:
            return event, False
        if (kind := ALARM_KIND_FOR_EVENT.get(event.event)) is not None:
            manager.trigger(
                kind, config.care_unit, config.client, None, event.at,
                source_key=f"{kind.value}:{config.dispenser_id}:{event.dose_id or event.error}",
                detail={"dispenser_id": config.dispenser_id},
            )
        return event, True

    @callback
    def sweep_heartbeats(self, now: datetime) -> None:
        """Every minute: one ``device_offline`` alarm per dispenser silent past its limit."""
        manager = self.manager
        for dispenser_id, state in manager.dispenser_states.items():
            config = manager.dispensers[dispenser_id]
            if not state.heartbeat_overdue(now, config.heartbeat_limit):
                continue
            # One alarm per silence: keyed by the last sign of life.
            silent_since = state.last_seen or state.tracking_since
            key = f"dispenser_offline:{dispenser_id}:{silent_since.astimezone(UTC).isoformat()}"
            if key in self._raised_episodes or manager.is_open(key):
                continue
            self._raised_episodes.add(key)
            manager.trigger(
                AlarmKind.DEVICE_OFFLINE, config.care_unit, config.client, None, now,
                source_key=key, detail={"dispenser_id": dispenser_id},
            )
