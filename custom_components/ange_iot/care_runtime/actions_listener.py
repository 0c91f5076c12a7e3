"""Taps on an alarm notification, handled by the integration itself.

The companion app fires ``mobile_app_notification_action`` with the tapped action id in
``data.action`` and the phone's HA user in the event's context. The care manager listens
from the moment it starts, so the actions work after a restart and with no blueprint.
The action id (``ANGE_ACK_<alarm id>`` and so on, see :mod:`care_notify`) names the
alarm; an id of another hub or of another integration is left alone.

The phone is recorded as the Home Assistant device id of the companion app's device when
the event names the app's device (iOS sends ``sourceDevicePermanentID``; a ``device_id``
is taken too). Android's event does not name the phone; then only the user is known.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, Event, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr

from ..care.alarms import Alarm, UnknownAlarmError
from ..care.errors import CareError
from ..const import LOGGER
from ..ha_compat import device_by_identifier
from .notify import parse_action_id

if TYPE_CHECKING:
    from .manager import CareManager

EVENT_NOTIFICATION_ACTION: Final = "mobile_app_notification_action"
_MOBILE_APP: Final = "mobile_app"
_HA_DEVICE_ID: Final = re.compile(r"[0-9a-f]{32}")
_APP_DEVICE_KEYS: Final = ("device_id", "sourceDevicePermanentID", "sourceDeviceID")


@callback
def async_listen_for_actions(manager: CareManager) -> CALLBACK_TYPE:
    """Listen for notification taps on this hub's alarms; returns the unsubscriber."""

    @callback
    def handle(event: Event) -> None:
        parsed = parse_action_id(event.data.get("action"))
        if parsed is None:
            return
        response, alarm_id = parsed
        try:
            alarm = manager.book.get(alarm_id)
        except UnknownAlarmError:
            return  # another hub's alarm, or one closed so long ago it is forgotten
        user_id = event.context.user_id
        phone = phone_of(manager, event.data)
        manager.hass.async_create_task(
            _respond(manager, alarm, response, user_id, phone), f"ange_iot response {response}"
        )

    return manager.hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, handle)


async def _respond(
    manager: CareManager, alarm: Alarm, response: str, user_id: str | None, phone: str | None
) -> None:
    """Move the alarm; its audit line is written first (``async_staff_change``)."""
    try:
        await manager.staff.async_respond(response, alarm.alarm_id, user_id, phone=phone)
    except CareError as err:
        # Nobody waits for an answer on the phone: record the refusal so it is not lost.
        reason = err.translation_key
        LOGGER.info("Notification action %s on alarm %s refused: %s", response, alarm.alarm_id, reason)
        manager.audit_line(
            "alarm_response_refused", actor=user_id, care_unit=alarm.care_unit, room=alarm.room,
            data={"alarm_id": alarm.alarm_id, "response": response, "reason": reason, "phone": phone},
        )
    except HomeAssistantError as err:
        # The response's own audit line could not be written: the alarm did not move.
        LOGGER.error("Notification action %s on alarm %s not applied: %s", response, alarm.alarm_id, err)


def phone_of(manager: CareManager, data: object) -> str | None:
    """The HA device id of the phone that sent the tap, when the event names it."""
    if not hasattr(data, "get"):
        return None
    for key in _APP_DEVICE_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            continue
        device = device_by_identifier(manager.hass, (_MOBILE_APP, value))
        if device is not None:
            return device.id
        if _HA_DEVICE_ID.fullmatch(value) and dr.async_get(manager.hass).async_get(value) is not None:
            return value
    return None
