"""Staff responses to an alarm, each applied only once its audit line is written.

A tap on a phone's notification and the response actions both end here. One action at a
time: the change is tried on a copy of the alarm book first, then its audit line is
written and awaited, and only then does the real book change and the event fire, so no
alarm ever moves without its line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import copy
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.util import dt as dt_util

from ..care.alarms import Alarm, AlarmBook, Outcome
from ..care.audit import AuditAction
from ..care.errors import CareError
from .provlarm import test_mark
from .users import async_refresh_user_names

if TYPE_CHECKING:
    from .manager import CareManager


class StaffActions:
    """Applies staff responses to one hub's alarms, audit line first."""

    def __init__(self, manager: CareManager) -> None:
        self.manager = manager
        # Staff actions are applied one at a time, each after its audit line is written.
        self._lock = asyncio.Lock()

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
        manager = self.manager
        async with self._lock:
            now = dt_util.utcnow()
            trial = change(copy.deepcopy(manager.book), now)
            await manager.audit_writer.async_write(
                action, actor=user_id, care_unit=trial.care_unit, room=trial.room, at=now,
                data={"alarm_id": trial.alarm_id, "kind": trial.kind.value, **(data(trial) if data else {})},
            )
            alarm = change(manager.book, now)
        manager.fire(alarm, user_id)
        # The logbook names who responded; a new user is known by the next line.
        manager.hass.async_create_task(async_refresh_user_names(manager.hass), "ange_iot user names")
        return alarm

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
                required = current.kind.value in self.manager.unit(current.care_unit).arrival_required
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
