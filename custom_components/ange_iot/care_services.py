"""Care actions: acknowledge and resolve alarms, pause supervision, reports, the audit log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final, cast

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

from .care.alarms import UnknownAlarmError
from .care.audit import AuditAction
from .care.errors import CareError
from .care.identity import is_valid_code
from .care.supervision import PauseReason, night_bounds, night_of
from .care_camera_services import add_looks_to_report
from .care_manager import CareManager
from .const import DOMAIN
from .services_common import loaded_hubs
from .statistics_reader import as_aware

ATTR_ALARM_ID: Final = "alarm_id"
ATTR_OUTCOME: Final = "outcome"
ATTR_USER_ID: Final = "user_id"
ATTR_CARE_UNIT: Final = "care_unit"
ATTR_ROOM: Final = "room"
ATTR_NIGHT: Final = "night"
ATTR_REASON: Final = "reason"
EXPORT_FOLDER: Final = "ange_iot/audit_exports"

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
EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required("start"): cv.datetime,
        vol.Required("end"): cv.datetime,
        vol.Optional(ATTR_CARE_UNIT): cv.string,
    }
)


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


def _unknown_unit(code: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_care_unit", translation_placeholders={"care_unit": code}
    )


def _user(call: ServiceCall) -> str | None:
    # A notification action's automation passes the tapping user on; a dashboard
    # button's call carries the user in its context.
    return cast(str | None, call.data.get(ATTR_USER_ID) or call.context.user_id)


async def _acknowledge(call: ServiceCall) -> None:
    manager = _manager_of_alarm(call.hass, call.data[ATTR_ALARM_ID])
    try:
        manager.acknowledge(call.data[ATTR_ALARM_ID], _user(call))
    except CareError as err:
        raise _validation_error(err) from err


async def _resolve(call: ServiceCall) -> None:
    manager = _manager_of_alarm(call.hass, call.data[ATTR_ALARM_ID])
    try:
        manager.resolve(call.data[ATTR_ALARM_ID], call.data[ATTR_OUTCOME], _user(call))
    except CareError as err:
        raise _validation_error(err) from err


def _tonight(manager: CareManager, code: str) -> date:
    unit = manager.unit(code)
    now = dt_util.now()
    return night_of(now, unit.night_start, unit.night_end) or now.date()


async def _pause(call: ServiceCall) -> None:
    code, room = call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM]
    manager = _manager_of_unit(call.hass, code)
    if room not in manager.rooms_of(code):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="unknown_room",
            translation_placeholders={"care_unit": code, "room": room},
        )
    unit = manager.unit(code)
    night = call.data.get(ATTR_NIGHT) or _tonight(manager, code)
    try:
        pause, is_new = manager.nights.pause(
            code, room, night, reason=call.data[ATTR_REASON], by=_user(call), at=dt_util.utcnow(),
            tz=dt_util.get_default_time_zone(), night_start=unit.night_start, night_end=unit.night_end,
        )
    except CareError as err:
        raise _validation_error(err) from err
    if is_new:
        manager.audit_line(
            AuditAction.SUPERVISION_PAUSED, actor=_user(call), care_unit=code, room=room,
            data={"night": night.isoformat(), "reason": pause.reason.value},
        )
        manager.sync()


async def _night_report(call: ServiceCall) -> ServiceResponse:
    code = call.data[ATTR_CARE_UNIT]
    manager = _manager_of_unit(call.hass, code)
    night = call.data.get(ATTR_NIGHT)
    if night is None:
        # In the morning, the night that just ended.
        night = _tonight(manager, code)
        if dt_util.now().time() >= manager.unit(code).night_end and night == dt_util.now().date():
            night = night - timedelta(days=1)
    report = manager.night_report(code, night)
    unit = manager.unit(code)
    start, end = night_bounds(night, dt_util.get_default_time_zone(), unit.night_start, unit.night_end)
    # Padded: a look may open up to a window's margin before the first check of the night.
    add_looks_to_report(call.hass, report, start - timedelta(hours=1), end + timedelta(hours=1))
    return cast(ServiceResponse, report)


async def _export_audit(call: ServiceCall) -> ServiceResponse:
    start, end = as_aware(call.data["start"]), as_aware(call.data["end"])
    if end <= start:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="end_before_start")
    code: str | None = call.data.get(ATTR_CARE_UNIT)
    managers = _managers(call.hass)
    known = code is None or any(code in manager.unit_codes() for manager in managers)
    if code and known:
        managers = [_manager_of_unit(call.hass, code)]
    elif code and not is_valid_code(code):
        raise _unknown_unit(code)
    elif code:
        # A unit removed since keeps its lines in the log; a code never seen has none, and
        # is refused before anything is written or recorded as exported.
        managers = [m for m in managers if m.audit is not None and await _has_lines(m, start, end, code)]
        if not managers:
            raise _unknown_unit(code)
    lines: list[dict[str, Any]] = []
    files: list[str] = []
    for manager in managers:
        audit = manager.audit
        if audit is None:
            continue
        await manager.async_flush_audit()
        name = f"audit_{dt_util.as_local(start):%Y%m%dT%H%M}_{dt_util.as_local(end):%Y%m%dT%H%M}_{code or 'all'}.jsonl"
        target = Path(call.hass.config.path(EXPORT_FOLDER)) / manager.entry_id / name
        try:
            extract = await call.hass.async_add_executor_job(
                partial(audit.export, start, end, code, target, at=dt_util.utcnow(), actor=_user(call))
            )
        except CareError as err:
            raise _validation_error(err) from err
        lines.extend(extract)
        files.append(str(target))
    return cast(ServiceResponse, {"files": files, "count": len(lines), "lines": lines})


async def _has_lines(manager: CareManager, start: datetime, end: datetime, code: str) -> bool:
    audit = manager.audit
    if audit is None:  # pragma: no cover - filtered by the caller
        return False
    await manager.async_flush_audit()
    return bool(await manager.hass.async_add_executor_job(audit.read, start, end, code))


async def _verify_audit(call: ServiceCall) -> ServiceResponse:
    results = []
    for manager in _managers(call.hass):
        audit = manager.audit
        if audit is None:
            continue
        await manager.async_flush_audit()
        result = await call.hass.async_add_executor_job(audit.verify)
        results.append(
            {
                "hub": manager.hub.entry.title,
                "ok": result.ok,
                "lines_checked": result.lines_checked,
                "first_bad_line": None if result.first_bad_line is None else list(result.first_bad_line),
                "reason": result.reason,
            }
        )
    return cast(ServiceResponse, {"ok": all(r["ok"] for r in results), "logs": results})


@callback
def async_setup_care_services(hass: HomeAssistant) -> None:
    """Register the care actions."""
    register = hass.services.async_register
    register(DOMAIN, "acknowledge_alarm", _acknowledge, schema=ACK_SCHEMA)
    register(DOMAIN, "resolve_alarm", _resolve, schema=RESOLVE_SCHEMA)
    register(DOMAIN, "pause_supervision", _pause, schema=PAUSE_SCHEMA)
    register(DOMAIN, "night_report", _night_report, schema=REPORT_SCHEMA, supports_response=SupportsResponse.ONLY)
    register(DOMAIN, "export_audit_log", _export_audit, schema=EXPORT_SCHEMA, supports_response=SupportsResponse.OPTIONAL)
    register(DOMAIN, "verify_audit_log", _verify_audit, supports_response=SupportsResponse.ONLY)
