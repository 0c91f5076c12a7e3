"""Paging the phones: the companion app payload of a care alarm, and sending it.

The payload follows the Home Assistant companion app's documented notification data:
one ``tag`` per alarm so an update replaces the old notification, ``clear_notification``
once it is resolved, Android's ``alarm_stream`` channel with high priority, no time to
live, persistent and sticky, and iOS's critical interruption level with a critical sound.
The lock-screen text holds only the unit and room codes and the alarm kind in Swedish.

The action ids carry the alarm id, so :mod:`care_actions_listener` can map a tap back to
the alarm without any automation.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from datetime import timedelta
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_cached_translations, async_get_translations
import voluptuous as vol

from ..care.alarms import Alarm, AlarmKind
from ..const import DOMAIN, LOGGER

NOTIFY_DOMAIN: Final = "notify"
ACTION_PREFIX: Final = "ANGE_"
# Action id verb -> what the tap does. The id is ANGE_<VERB>_<alarm id>.
ACTION_VERBS: Final = {"ACK": "acknowledge", "ONWAY": "on_the_way", "ARRIVED": "arrived", "RESOLVE": "resolve"}
CLEAR_NOTIFICATION: Final = "clear_notification"
# Push text is Swedish whatever the server's language: it is read by Swedish care staff.
PUSH_LANGUAGE: Final = "sv"
_SELECTOR: Final = f"component.{DOMAIN}.selector"
# Used only when the translations could not be loaded: the lock screen must never be empty.
_FALLBACK_ACTIONS: Final = {
    "acknowledge": "Kvittera", "on_the_way": "Jag går", "arrived": "På plats", "resolve": "Löst",
}


async def async_load_labels(hass: HomeAssistant) -> None:
    """Load the labels of push texts and logbook lines into HA's translation cache."""
    for language in {PUSH_LANGUAGE, hass.config.language}:
        await async_get_translations(hass, language, "selector", [DOMAIN])


@callback
def label(hass: HomeAssistant, group: str, key: str, language: str = PUSH_LANGUAGE) -> str:
    """A translated label of the ``group`` selector; the key itself if none is loaded."""
    texts = async_get_cached_translations(hass, language, "selector", DOMAIN)
    return texts.get(f"{_SELECTOR}.{group}.options.{key}") or key


def action_id(verb: str, alarm_id: str) -> str:
    """The notification action id of one response to one alarm."""
    return f"{ACTION_PREFIX}{verb}_{alarm_id}"


def parse_action_id(action: object) -> tuple[str, str] | None:
    """``(response, alarm id)`` of one of our action ids, ``None`` for anything else."""
    if not isinstance(action, str) or not action.startswith(ACTION_PREFIX):
        return None
    verb, sep, alarm_id = action.removeprefix(ACTION_PREFIX).partition("_")
    if not sep or not alarm_id or verb not in ACTION_VERBS:
        return None
    return ACTION_VERBS[verb], alarm_id


def format_gap(gap: timedelta) -> str:
    """A down time as staff read it: "45 min" or "2 h 15 min"."""
    minutes = max(int(gap.total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


@callback
def alarm_text(hass: HomeAssistant, alarm: Alarm) -> tuple[str, str]:
    """``(title, message)``: only codes and the kind, marked when it is a test alarm."""
    kind = label(hass, "alarm_kind", alarm.kind.value)
    prefix = f"{label(hass, 'alarm_text', 'test')} " if alarm.test else ""
    if alarm.kind is AlarmKind.SYSTEM_RESTART:
        gap = alarm.detail.get("gap_minutes")
        minutes = gap if isinstance(gap, int) else 0
        title = f"{prefix}{alarm.care_unit}"
        return title, f"{title}: {kind} ({format_gap(timedelta(minutes=minutes))})"
    title = f"{prefix}{alarm.care_unit} {alarm.room}"
    return title, f"{title}: {kind}"


@callback
def alarm_payload(hass: HomeAssistant, alarm: Alarm) -> dict[str, Any]:
    """The notify action data of an open alarm, as the companion app documents it."""
    title, message = alarm_text(hass, alarm)
    return {
        "title": title,
        "message": message,
        "data": {
            "tag": alarm.alarm_id,
            "channel": "alarm_stream",
            "priority": "high",
            "ttl": 0,
            "persistent": True,
            "sticky": True,
            "push": {
                "interruption-level": "critical",
                "sound": {"name": "default", "critical": 1, "volume": 1.0},
            },
            "actions": [
                {"action": action_id(verb, alarm.alarm_id), "title": _action_title(hass, response)}
                for verb, response in ACTION_VERBS.items()
            ],
        },
    }


def clear_payload(alarm: Alarm) -> dict[str, Any]:
    """Removes the alarm's notification from the phones once it is resolved."""
    return {"message": CLEAR_NOTIFICATION, "data": {"tag": alarm.alarm_id}}


def _action_title(hass: HomeAssistant, response: str) -> str:
    title = label(hass, "alarm_action", response)
    return _FALLBACK_ACTIONS[response] if title == response else title


@callback
def async_send(hass: HomeAssistant, targets: Iterable[str], payload: dict[str, Any]) -> None:
    """Send one payload to each ``notify.*`` target, each on its own.

    A phone that is gone must not keep the others from being paged, so each call runs
    as its own task and a failure is logged (the target and the error only).
    """
    for target in targets:
        domain, _, service = target.partition(".")
        if domain != NOTIFY_DOMAIN or not service:
            LOGGER.warning("Care notify target %s is not a notify action; skipped", target)
            continue
        hass.async_create_task(_send_one(hass, service, deepcopy(payload)), f"ange_iot notify {target}")


async def _send_one(hass: HomeAssistant, service: str, payload: dict[str, Any]) -> None:
    if not hass.services.has_service(NOTIFY_DOMAIN, service):
        LOGGER.warning("Care notify target notify.%s does not exist; the alarm did not reach it", service)
        return
    try:
        await hass.services.async_call(NOTIFY_DOMAIN, service, payload, blocking=True)
    except (HomeAssistantError, ValueError, vol.Invalid) as err:
        # A notify platform that refuses part of the payload must not cost the other phones.
        LOGGER.warning("Care notify target notify.%s failed: %s", service, err)
