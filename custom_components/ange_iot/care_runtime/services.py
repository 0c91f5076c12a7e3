"""Care actions: acknowledge and resolve alarms, pause supervision, the night report.

The audit log's own actions are in care_audit_services. Every action here writes its audit
line before it changes anything, and fails with a translated error when it cannot.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Final, cast

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ..care.alarms import UnknownAlarmError
from ..care.audit import AuditAction
from ..care.errors import CareError
from ..care.supervision import NightLog, Pause, PauseReason, night_bounds, night_of
from ..const import DOMAIN
from ..services_common import loaded_hubs
from .acting_user import ATTR_USER_ID, actor_of
from .audit_services import async_setup_audit_services
from .consent_services import async_setup_consent_services
from .manager import CareManager
from .response_services import async_respond, async_setup_response_services

ATTR_ALARM_ID: Final = "alarm_id"
ATTR_OUTCOME: Final = "outcome"
ATTR_CARE_UNIT: Final = "care_unit"
ATTR_ROOM: Final = "room"
ATTR_NIGHT: Final = "night"
ATTR_REASON: Final = "reason"

ACK_SCHEMA = vol.Schema({vol.Required(ATTR_ALARM_ID): cv.string, vol.Optional(ATTR_USER_ID): cv.string})
RESOLVE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ALARM_ID): cv.string,
        # Checked by care/, so an unknown outcome gets its translated error.
        vol.Required(ATTR_OUTCOME): cv.string,
        vol.Optional(ATTR_USER_ID): cv.string,
    }
)
PAUSE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CARE_UNIT): cv.string,
        vol.Required(ATTR_ROOM): cv.string,
        vol.Optional(ATTR_NIGHT): cv.date,
        vol.Required(ATTR_REASON): vol.In([reason.value for reason in PauseReason]),
    }
)
REPORT_SCHEMA = vol.Schema({vol.Required(ATTR_CARE_UNIT): cv.string, vol.Optional(ATTR_NIGHT): cv.date})


def _validation_error(err: CareError) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders=dict(err.translation_placeholders),
    )


def _managers(hass: HomeAssistant) -> list[CareManager]:
    return [hub.care for hub in loaded_hubs(hass)]


def _manager_of_alarm(hass: HomeAssistant, alarm_id: str) -> CareManager:
    for manager in _managers(hass):
        try:
            manager.book.get(alarm_id)
        except UnknownAlarmError:
            continue
        return manager
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_alarm", translation_placeholders={"alarm_id": alarm_id}
    )


def _manager_of_unit(hass: HomeAssistant, code: str) -> CareManager:
    for manager in _managers(hass):
        if code in manager.unit_codes():
            return manager
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_care_unit", translation_placeholders={"care_unit": code}
    )


async def _user(call: ServiceCall) -> str | None:
    # A notification action's automation passes the tapping user on (it must be a user
    # HA knows); a dashboard button's call carries the user in its context.
    return await actor_of(call)


async def _acknowledge(call: ServiceCall) -> None:
    # The same path as a tap on the phone, with refusals in plain words (who, when).
    await async_respond(call, "acknowledge")


async def _resolve(call: ServiceCall) -> None:
    await async_respond(call, "resolve", call.data[ATTR_OUTCOME])


def _tonight(manager: CareManager, code: str) -> date:
    unit = manager.unit(code)
    now = dt_util.now()
    return night_of(now, unit.night_start, unit.night_end) or now.date()


async def _pause(call: ServiceCall) -> None:
    code, room = call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM]
    manager = _manager_of_unit(call.hass, code)
    if room not in manager.night.rooms(code):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="unknown_room",
            translation_placeholders={"care_unit": code, "room": room},
        )
    unit = manager.unit(code)
    night = call.data.get(ATTR_NIGHT) or _tonight(manager, code)
    user = await _user(call)
    now = dt_util.utcnow()

    def pause(nights: NightLog) -> tuple[Pause, bool]:
        return nights.pause(
            code, room, night, reason=call.data[ATTR_REASON], by=user, at=now,
            tz=dt_util.get_default_time_zone(), night_start=unit.night_start, night_end=unit.night_end,
        )

    try:
        # Tried on a copy first: the pause is kept only once its audit line is written.
        trial, is_new = pause(copy.deepcopy(manager.nights))
    except CareError as err:
        raise _validation_error(err) from err
    if is_new:
        await manager.audit_writer.async_write(
            AuditAction.SUPERVISION_PAUSED, actor=user, care_unit=code, room=room, at=now,
            data={"night": night.isoformat(), "reason": trial.reason.value},
        )
        pause(manager.nights)
        manager.sync()


async def _night_report(call: ServiceCall) -> ServiceResponse:
    code = call.data[ATTR_CARE_UNIT]
    manager = _manager_of_unit(call.hass, code)
    night = call.data.get(ATTR_NIGHT)
    if night is None:
        # During the night, tonight's; in the daytime, the night that ended this morning.
        unit, now = manager.unit(code), dt_util.now()
        night = night_of(now, unit.night_start, unit.night_end)
        if night is None:
            night = now.date() - timedelta(days=1) if unit.night_end <= unit.night_start else now.date()
    report = manager.night_report(code, night)
    unit = manager.unit(code)
    start, end = night_bounds(night, dt_util.get_default_time_zone(), unit.night_start, unit.night_end)
    # The camera's looks sit next to the sensor checks. Padded: a look may open up to a
    # window's margin before the first check of the night. Imported here: the camera
    # services import this module's helpers.
    from .camera_services import add_looks_to_report

    add_looks_to_report(call.hass, report, start - timedelta(hours=1), end + timedelta(hours=1))
    # Reading the report is an access to care data: recorded before the answer leaves.
    await manager.audit_writer.async_write(
        AuditAction.NIGHT_REPORT_READ, actor=call.context.user_id, care_unit=code,
        data={"night": night.isoformat()},
    )
    return cast(ServiceResponse, report)


@callback
def async_setup_care_services(hass: HomeAssistant) -> None:
    """Register the care actions."""
    register = hass.services.async_register
    register(DOMAIN, "acknowledge_alarm", _acknowledge, schema=ACK_SCHEMA)
    register(DOMAIN, "resolve_alarm", _resolve, schema=RESOLVE_SCHEMA)
    async_setup_response_services(hass)
    register(DOMAIN, "pause_supervision", _pause, schema=PAUSE_SCHEMA)
    register(DOMAIN, "night_report", _night_report, schema=REPORT_SCHEMA, supports_response=SupportsResponse.ONLY)
    async_setup_audit_services(hass)
    async_setup_consent_services(hass)
