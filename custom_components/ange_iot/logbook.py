"""Logbook lines for care alarms: room, kind, what happened and who.

"R3: nattlarm ytterdörr – kvitterat av Nattpersonal 1". The texts come from the
integration's translations in the server's language; the name is the HA user's display
name (staff accounts, never residents). Only pseudonymous codes name the place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.components.logbook.models import LazyEventPartialState
from homeassistant.core import HomeAssistant, callback

from .care_runtime.manager import EVENT_ALARM
from .care_runtime.notify import label
from .care_runtime.users import user_name
from .const import DOMAIN

# States whose line names the member of staff who made the move.
_WITH_USER = frozenset({"acknowledged", "on_the_way", "arrived", "resolved"})


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[LazyEventPartialState], dict[str, Any]]], None],
) -> None:
    """Describe the ``ange_iot_alarm`` events."""

    @callback
    def describe(event: LazyEventPartialState) -> dict[str, Any]:
        return {
            LOGBOOK_ENTRY_NAME: str(event.data.get("care_unit") or DOMAIN),
            LOGBOOK_ENTRY_MESSAGE: alarm_line(hass, event.data, event.context_user_id),
        }

    async_describe_event(DOMAIN, EVENT_ALARM, describe)


def alarm_line(hass: HomeAssistant, data: Mapping[str, Any], context_user_id: str | None) -> str:
    """One alarm transition as staff read it in the logbook."""
    language = hass.config.language
    kind = label(hass, "alarm_kind", str(data.get("kind")), language)
    kind = kind[:1].lower() + kind[1:]
    state = str(data.get("state"))
    what = label(hass, "alarm_logbook", state, language)
    line = f"{data.get('room')}: {kind} – {what}"
    if state in _WITH_USER:
        line = f"{line} {user_name(hass, context_user_id or data.get('acknowledged_by'))}"
    return line
