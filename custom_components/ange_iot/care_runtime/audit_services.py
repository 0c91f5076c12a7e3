"""Audit log actions: export (with loggkontroll filters), verify, and the monthly access report.

Every one of them reads care data, so every one writes its own audit line (HSLF-FS 2016:40):
who (the calling user), when and which unit. Each hub's log is handled on its own.
"""

from __future__ import annotations

from datetime import datetime
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
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ..care.access_report import access_report, month_bounds, parse_month
from ..care.audit import AuditAction
from ..care.errors import CareError
from ..care.identity import is_stored_code
from ..const import DOMAIN
from ..services_common import loaded_hubs
from ..statistics_reader import as_aware
from .acting_user import ATTR_USER_ID, existing_user
from .manager import CareManager

ATTR_CARE_UNIT: Final = "care_unit"
ATTR_ACTION: Final = "action"
ATTR_MONTH: Final = "month"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
EXPORT_FOLDER: Final = "ange_iot/audit_exports"

_ACTION_NAMES = [action.value for action in AuditAction]

EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required("start"): cv.datetime,
        vol.Required("end"): cv.datetime,
        vol.Optional(ATTR_CARE_UNIT): cv.string,
        vol.Optional(ATTR_USER_ID): cv.string,
        vol.Optional(ATTR_ACTION): vol.All(cv.ensure_list, [vol.In(_ACTION_NAMES)]),
    }
)
VERIFY_SCHEMA = vol.Schema({vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string})
ACCESS_REPORT_SCHEMA = vol.Schema(
    {vol.Required(ATTR_MONTH): cv.string, vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
)


def _validation_error(err: CareError) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders=dict(err.translation_placeholders),
    )


def _unknown_unit(code: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_care_unit", translation_placeholders={"care_unit": code}
    )


def _managers(hass: HomeAssistant, entry_id: str | None = None) -> list[CareManager]:
    managers = [hub.care for hub in loaded_hubs(hass) if hub.care.audit is not None]
    if entry_id is None:
        return managers
    chosen = [manager for manager in managers if manager.entry_id == entry_id]
    if not chosen:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="unknown_hub", translation_placeholders={"entry_id": entry_id}
        )
    return chosen


async def _has_lines(manager: CareManager, start: datetime, end: datetime, code: str) -> bool:
    audit = manager.audit
    if audit is None:  # pragma: no cover - filtered by _managers
        return False
    await manager.async_flush_audit()
    return bool(await manager.hass.async_add_executor_job(audit.read, start, end, code))


async def _export_audit(call: ServiceCall) -> ServiceResponse:
    start, end = as_aware(call.data["start"]), as_aware(call.data["end"])
    if end <= start:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="end_before_start")
    code: str | None = call.data.get(ATTR_CARE_UNIT)
    user_filter = await existing_user(call.hass, call.data.get(ATTR_USER_ID))
    actions: list[str] | None = call.data.get(ATTR_ACTION) or None
    actor = call.context.user_id
    managers = _managers(call.hass)
    if code and not is_stored_code(code):
        raise _unknown_unit(code)
    if code and any(code in manager.unit_codes() for manager in managers):
        managers = [manager for manager in managers if code in manager.unit_codes()]
    elif code:
        # A unit removed since keeps its lines in the log; a code never seen has none, and
        # is refused before anything is written or recorded as exported.
        managers = [m for m in managers if await _has_lines(m, start, end, code)]
        if not managers:
            raise _unknown_unit(code)
    lines: list[dict[str, Any]] = []
    files: list[str] = []
    name = f"audit_{dt_util.as_local(start):%Y%m%dT%H%M}_{dt_util.as_local(end):%Y%m%dT%H%M}_{code or 'all'}"
    if user_filter or actions:
        name += f"_filtered_{dt_util.utcnow():%Y%m%dT%H%M%S}"
    for manager in managers:
        audit = manager.audit
        if audit is None:  # pragma: no cover - filtered by _managers
            continue
        # Refused before the file is written when the line recording the export would be.
        manager.audit_writer.check(AuditAction.AUDIT_EXPORTED, actor=actor, care_unit=code)
        await manager.async_flush_audit()
        target = Path(call.hass.config.path(EXPORT_FOLDER)) / manager.entry_id / f"{name}.jsonl"
        try:
            extract = await call.hass.async_add_executor_job(
                partial(
                    audit.export, start, end, code, target, at=dt_util.utcnow(), actor=actor,
                    user_id=user_filter, actions=actions,
                )
            )
        except CareError as err:
            raise _validation_error(err) from err
        except OSError as err:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="audit_write_failed") from err
        lines.extend(extract)
        files.append(str(target))
    return cast(ServiceResponse, {"files": files, "count": len(lines), "lines": lines})


async def _verify_audit(call: ServiceCall) -> ServiceResponse:
    results = []
    for manager in _managers(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID)):
        audit = manager.audit
        if audit is None:  # pragma: no cover - filtered by _managers
            continue
        manager.audit_writer.check(AuditAction.AUDIT_VERIFIED, actor=call.context.user_id)
        await manager.async_flush_audit()
        result = await call.hass.async_add_executor_job(audit.verify)
        # The check is recorded after it ran, so it verified the log as it was found.
        await manager.audit_writer.async_write(
            AuditAction.AUDIT_VERIFIED, actor=call.context.user_id,
            data={"ok": result.ok, "lines_checked": result.lines_checked, "reason": result.reason},
        )
        results.append(
            {
                "hub": manager.hub.entry.title,
                "config_entry_id": manager.entry_id,
                "ok": result.ok,
                "lines_checked": result.lines_checked,
                "first_bad_line": None if result.first_bad_line is None else list(result.first_bad_line),
                "reason": result.reason,
            }
        )
    return cast(ServiceResponse, {"ok": all(r["ok"] for r in results), "logs": results})


async def _access_report(call: ServiceCall) -> ServiceResponse:
    try:
        first = parse_month(call.data[ATTR_MONTH])
    except CareError as err:
        raise _validation_error(err) from err
    start, end = month_bounds(first)
    hubs = []
    for manager in _managers(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID)):
        audit = manager.audit
        if audit is None:  # pragma: no cover - filtered by _managers
            continue
        await manager.async_flush_audit()
        entries = await call.hass.async_add_executor_job(audit.read, start, end)
        # Recorded before the answer leaves: the report itself is an access to the log.
        await manager.audit_writer.async_write(
            AuditAction.AUDIT_ACCESS_REPORT, actor=call.context.user_id,
            data={"month": first.strftime("%Y-%m"), "lines": len(entries)},
        )
        hubs.append(
            {"hub": manager.hub.entry.title, "config_entry_id": manager.entry_id, "users": access_report(entries)}
        )
    return cast(ServiceResponse, {"month": first.strftime("%Y-%m"), "hubs": hubs})


@callback
def async_setup_audit_services(hass: HomeAssistant) -> None:
    """Register the audit log actions."""
    register = hass.services.async_register
    register(DOMAIN, "export_audit_log", _export_audit, schema=EXPORT_SCHEMA, supports_response=SupportsResponse.OPTIONAL)
    register(DOMAIN, "verify_audit_log", _verify_audit, schema=VERIFY_SCHEMA, supports_response=SupportsResponse.ONLY)
    register(
        DOMAIN, "audit_access_report", _access_report, schema=ACCESS_REPORT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
