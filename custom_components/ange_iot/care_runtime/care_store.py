"""The care state of one hub in Home Assistant's private storage, so a restart forgets nothing.

Open alarms, night results, consents, dispensers, room activity, deadlines, test mode and
response times are saved here together with the audit log's HMAC key. Uplinks change the
state all the time, so a save is windowed: at most one per ``SAVE_DELAY``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..care.alarms import AlarmBook
from ..care.consent import ConsentBook
from ..care.dispenser import DispenserState
from ..care.response_stats import ResponseLog
from ..care.supervision import NightLog
from ..const import DOMAIN
from ..windowed_save import WindowedSave
from .room_watch import RoomActivity

if TYPE_CHECKING:
    from .manager import CareManager

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 5


class CareStore:
    """Reads the care manager's state at start and writes it back."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        # The audit log's HMAC key lives in HA's private storage, away from the log itself.
        self.audit_key = secrets.token_bytes(32)
        self._store: Store[dict[str, Any]] = Store(
            manager.hass, STORAGE_VERSION, f"{DOMAIN}.{manager.entry_id}.care", private=True
        )
        self._save_soon = WindowedSave(self._store, self._storage_data, SAVE_DELAY)

    async def async_load(self) -> None:
        """Put the stored state into the manager; what is missing keeps its starting value."""
        manager = self.manager
        stored = await self._store.async_load() or {}
        key_hex = stored.get("audit_key")
        if isinstance(key_hex, str):
            self.audit_key = bytes.fromhex(key_hex)
        if isinstance(book := stored.get("alarms"), dict):
            manager.book = AlarmBook.from_dict(book)
        if isinstance(nights := stored.get("nights"), dict):
            manager.nights = NightLog.from_dict(nights)
        if isinstance(consents := stored.get("consents"), dict):
            manager.night.consents = ConsentBook.from_dict(consents)
        for dispenser_id, data in (stored.get("dispensers") or {}).items():
            manager.dispenser_states[dispenser_id] = DispenserState.from_dict(data)
        for room_key, data in (stored.get("rooms") or {}).items():
            code, _, room = str(room_key).partition("/")
            if room and isinstance(data, dict):
                manager.room_watch.rooms[(code, room)] = RoomActivity.from_dict(data)
        for unit, moment in (stored.get("last_check") or {}).items():
            if (parsed := dt_util.parse_datetime(moment)) is not None:
                manager.last_check[unit] = parsed
        manager.deadlines.load(stored.get("deadlines"))
        manager.tests.load(stored.get("tests"))
        manager.responses = ResponseLog.from_dict(stored.get("responses"))

    async def async_save(self) -> None:
        """Write the state now."""
        await self._store.async_save(self._storage_data())

    @callback
    def schedule_save(self) -> None:
        """Write the state within the window, if no write is waiting yet."""
        self._save_soon.schedule()

    @callback
    def _storage_data(self) -> dict[str, Any]:
        manager = self.manager
        return {
            "audit_key": self.audit_key.hex(),
            "alarms": manager.book.as_dict(),
            "nights": manager.nights.as_dict(),
            "consents": manager.night.consents.as_dict(),
            "dispensers": {key: state.as_dict() for key, state in manager.dispenser_states.items()},
            "last_check": {unit: moment.isoformat() for unit, moment in manager.last_check.items()},
            "rooms": {
                f"{code}/{room}": activity.as_dict() for (code, room), activity in manager.room_watch.rooms.items()
            },
            "deadlines": manager.deadlines.as_dict(),
            "tests": manager.tests.as_dict(),
            "responses": manager.responses.as_dict(),
        }
