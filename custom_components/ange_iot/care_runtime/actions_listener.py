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
from homeassistant.helpers import device_registry as dr

from ..care.alarms import UnknownAlarmError
from ..care.errors import CareError
from ..const import LOGGER
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
        try:
            manager.respond(response, alarm_id, user_id, phone=phone)
        except CareError as err:
            # Nobody waits for an answer on the phone: record the refusal so it is not lost.
            LOGGER.info("Notification action %s on alarm %s refused: %s", response, alarm_id, err.translation_key)
            manager.audit_line(
                "alarm_response_refused", actor=user_id, care_unit=alarm.care_unit, room=alarm.room,
                data={"alarm_id": alarm_id, "response": response, "reason": err.translation_key, "phone": phone},
            )

    return manager.hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, handle)


def phone_of(manager: CareManager, data: object) -> str | None:
    """The HA device id of the phone that sent the tap, when the event names it."""
    if not hasattr(data, "get"):
        return None
    registry = dr.async_get(manager.hass)
    for key in _APP_DEVICE_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            continue
        device = registry.async_get_device(identifiers={(_MOBILE_APP, value)})
        if device is not None:
            return device.id
        if _HA_DEVICE_ID.fullmatch(value) and registry.async_get(value) is not None:
            return value
    return None
