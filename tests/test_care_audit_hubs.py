"""The audit log in Home Assistant: one folder and key per hub, no line ever dropped,
reads logged (HSLF-FS 2016:40), log checks (loggkontroll) and the key kept out of diagnostics."""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
from typing import Any
from unittest.mock import patch
import uuid

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.ange_iot.care.audit import AuditLog
from custom_components.ange_iot.care.identity import looks_like_identity_number
from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.diagnostics import async_get_config_entry_diagnostics

from .test_care_alarms import (
    BUTTON,
    UNIT,
    WS101_PRESS,
    care_device,
    care_hub_fixture,
    care_unit,
    open_alarms,
    production_loop_fixture,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)
pytestmark = pytest.mark.usefixtures("production_loop")

DAY = {"start": "2026-01-14T00:00:00", "end": "2026-01-15T00:00:00"}


def hub_folder(hass: HomeAssistant, entry_id: str) -> Path:
    return Path(hass.config.path("ange_iot/audit")) / entry_id


def lines_in(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(raw) for path in sorted(folder.glob("audit-*.jsonl")) for raw in path.read_text().splitlines()]


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], user: str | None = None) -> Any:
    answers = service not in ("acknowledge_alarm", "resolve_alarm")
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=answers, context=Context(user_id=user)
    )


def audit_key(hass_storage: dict[str, Any], entry_id: str) -> str:
    """The hub's HMAC key as HA's storage holds it (in <config>/.storage/)."""
    key: str = hass_storage[f"ange_iot.{entry_id}.care"]["data"]["audit_key"]
    return key


async def second_hub(hass: HomeAssistant, hub_data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Hub 2", data={**hub_data, "webhook_id": "second_hub_webhook"},
        subentries_data=[care_unit("SOL-3")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_two_hubs_keep_their_own_folders_and_verify_independently(
    hass: HomeAssistant, care_hub: Callable[..., Any], hub_data: dict[str, Any], hass_storage: dict[str, Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    other = await second_hub(hass, hub_data)
    reader = (await hass.auth.async_create_user("Nattsjuksköterska")).id
    await hub.send(BUTTON, WS101_PRESS)
    await call(hass, "night_report", {"care_unit": UNIT}, reader)
    await call(hass, "night_report", {"care_unit": "SOL-3"}, reader)

    result = await call(hass, "verify_audit_log", {})
    assert result["ok"] is True
    assert {log["config_entry_id"] for log in result["logs"]} == {hub.entry.entry_id, other.entry_id}
    first, second = hub_folder(hass, hub.entry.entry_id), hub_folder(hass, other.entry_id)
    # Each hub's lines in its own folder, none of the other's.
    assert {line["care_unit"] for line in lines_in(first)} == {UNIT, None}
    assert {line["care_unit"] for line in lines_in(second)} == {"SOL-3", None}
    # The keys differ: one hub's lines do not verify under the other's key.
    keys = [bytes.fromhex(audit_key(hass_storage, entry_id)) for entry_id in (hub.entry.entry_id, other.entry_id)]
    assert keys[0] != keys[1]
    assert AuditLog(second, key=keys[1]).verify().ok
    assert not AuditLog(second, key=keys[0]).verify().ok

    # Tampering with hub 2's log breaks only hub 2's verification.
    month = next(second.glob("audit-*.jsonl"))
    month.write_text(month.read_text().replace('"SOL-3"', '"SOL-4"'))
    result = await call(hass, "verify_audit_log", {})
    by_hub = {log["config_entry_id"]: log for log in result["logs"]}
    assert result["ok"] is False
    assert by_hub[hub.entry.entry_id]["ok"] is True
    assert by_hub[other.entry_id]["ok"] is False
    # One hub can be checked on its own.
    only = await call(hass, "verify_audit_log", {"config_entry_id": hub.entry.entry_id})
    assert [log["config_entry_id"] for log in only["logs"]] == [hub.entry.entry_id]


async def test_a_shared_folder_of_an_older_version_is_adopted_by_its_hub(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    await hub.send(BUTTON, WS101_PRESS)
    await hub.manager.async_flush_audit()
    folder = hub_folder(hass, hub.entry.entry_id)
    before = lines_in(folder)
    # As an older version left it: the hub's files directly in ange_iot/audit/.
    await hass.config_entries.async_unload(hub.entry.entry_id)
    for path in list(folder.iterdir()):
        path.rename(folder.parent / path.name)
    folder.rmdir()

    await hass.config_entries.async_setup(hub.entry.entry_id)
    await hass.async_block_till_done()
    assert lines_in(folder)[: len(before)] == before
    assert not list(folder.parent.glob("audit-*.jsonl"))
    assert (await call(hass, "verify_audit_log", {}))["ok"] is True


async def test_a_line_that_cannot_be_written_fails_the_action_and_changes_nothing(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]
    nurse = (await hass.auth.async_create_user("Natt 1")).id

    # The disk refuses the write (the operating system is the boundary mocked here).
    with (
        patch("custom_components.ange_iot.care.audit.os.fsync", side_effect=OSError(28, "No space left")),
        pytest.raises(HomeAssistantError) as err,
    ):
        await call(hass, "acknowledge_alarm", {"alarm_id": alarm_id, "user_id": nurse})
    assert err.value.translation_key == "audit_write_failed"
    # Nothing changed: the alarm is still waiting, no event was fired, nothing half-written.
    assert [alarm["state"] for alarm in open_alarms(hass)] == ["triggered"]
    assert [e.data["state"] for e in events] == ["triggered"]

    # Once the disk is back, the same action works and both lines verify.
    await call(hass, "acknowledge_alarm", {"alarm_id": alarm_id, "user_id": nurse})
    assert [alarm["state"] for alarm in open_alarms(hass)] == ["acknowledged"]
    assert (await call(hass, "verify_audit_log", {}))["ok"] is True
    acks = [line for line in lines_in(hub_folder(hass, hub.entry.entry_id)) if line["action"] == "alarm_acknowledged"]
    assert [line["actor"] for line in acks] == [nurse]


async def test_a_failed_night_report_line_withholds_the_report(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    with (
        patch("custom_components.ange_iot.care.audit.os.fsync", side_effect=OSError(5, "I/O error")),
        pytest.raises(HomeAssistantError) as err,
    ):
        await call(hass, "night_report", {"care_unit": UNIT})
    assert err.value.translation_key == "audit_write_failed"


async def test_user_ids_that_look_like_personnummer_are_never_lost(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    # Real HA user ids are uuid4 hex; pick ones whose digits pass for a personnummer.
    ids: list[str] = []
    while len(ids) < 12:
        candidate = uuid.uuid4().hex
        if looks_like_identity_number(candidate):
            ids.append(candidate)
    ids += [uuid.uuid4().hex for _ in range(4)]
    for user_id in ids:
        MockUser(id=user_id, name="Personal").add_to_hass(hass)
    events = async_capture_events(hass, "ange_iot_alarm")
    for user_id in ids:
        await hub.send(BUTTON, WS101_PRESS)
        alarm_id = events[-1].data["alarm_id"]
        await call(hass, "acknowledge_alarm", {"alarm_id": alarm_id, "user_id": user_id})
        await call(hass, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, user_id)
    await hub.manager.async_flush_audit()
    lines = lines_in(hub_folder(hass, hub.entry.entry_id))
    assert [line["actor"] for line in lines if line["action"] == "alarm_acknowledged"] == ids
    assert [line["actor"] for line in lines if line["action"] == "alarm_resolved"] == ids


async def test_an_unknown_user_id_is_refused_and_nothing_changes(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    for bad in ("Anna Svensson", "19121212-1212", uuid.uuid4().hex):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "acknowledge_alarm", {"alarm_id": events[0].data["alarm_id"], "user_id": bad})
        assert err.value.translation_key == "unknown_user"
    assert [alarm["state"] for alarm in open_alarms(hass)] == ["triggered"]
    with pytest.raises(ServiceValidationError):
        await call(hass, "export_audit_log", {**DAY, "user_id": "Greta"})


async def test_reads_are_logged_and_log_checks_filter_and_report(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_unit("SOL-3"), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    nurse = (await hass.auth.async_create_user("Natt 1")).id
    auditor = (await hass.auth.async_create_user("Revisor")).id
    await call(hass, "night_report", {"care_unit": UNIT}, nurse)
    await call(hass, "night_report", {"care_unit": "SOL-3"}, nurse)
    await call(hass, "night_report", {"care_unit": UNIT, "night": "2026-01-13"}, auditor)

    # Loggkontroll: one user's night-report reads in one unit.
    result = await call(
        hass, "export_audit_log", {**DAY, "care_unit": UNIT, "user_id": nurse, "action": "night_report_read"}, auditor
    )
    assert [(line["actor"], line["care_unit"], line["data"]) for line in result["lines"]] == [
        (nurse, UNIT, {"night": "2026-01-13"})
    ]
    await call(hass, "verify_audit_log", {}, auditor)

    report = await call(hass, "audit_access_report", {"month": "2026-01"}, auditor)
    [hub_report] = report["hubs"]
    assert hub_report["config_entry_id"] == hub.entry.entry_id
    users = {row["user_id"]: row["units"] for row in hub_report["users"]}
    assert {unit["care_unit"]: unit["actions"] for unit in users[nurse]} == {
        UNIT: {"night_report_read": 1}, "SOL-3": {"night_report_read": 1},
    }
    # The auditor's own reads are accesses too: the report, the export and the check.
    assert {unit["care_unit"]: unit["actions"] for unit in users[auditor]} == {
        None: {"audit_verified": 1},
        UNIT: {"audit_exported": 1, "night_report_read": 1},
    }
    # ... and the report itself is recorded.
    lines = lines_in(hub_folder(hass, hub.entry.entry_id))
    assert lines[-1]["action"] == "audit_access_report"
    assert lines[-1]["actor"] == auditor
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "audit_access_report", {"month": "januari"})
    assert err.value.translation_key == "invalid_month"


async def test_the_audit_key_never_reaches_diagnostics(
    hass: HomeAssistant, care_hub: Callable[..., Any], hass_storage: dict[str, Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    await hub.send(BUTTON, WS101_PRESS)
    await hub.manager.async_flush_audit()
    key = audit_key(hass_storage, hub.entry.entry_id)
    # The key is in the config folder (so HA backups hold it), outside the audit folder.
    assert not any(key in path.read_text() for path in hub_folder(hass, hub.entry.entry_id).iterdir())
    diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, hub.entry))
    assert key not in diagnostics
    assert "audit_key" not in diagnostics


async def test_a_line_of_the_integrations_own_doing_that_fails_raises_a_repair(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    # The setup's own lines are on disk first: the disk fills up from the press on.
    await hub.manager.async_flush_audit()
    real_fsync = os.fsync

    def audit_disk_full(fd: int) -> None:
        # Only the audit log's disk is full: HA's own storage writes (which also fsync, from
        # other threads) go on, as they would with the log on a volume of its own.
        if "/ange_iot/audit/" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    with patch("custom_components.ange_iot.care.audit.os.fsync", side_effect=audit_disk_full):
        await hub.send(BUTTON, WS101_PRESS)
        await hub.manager.async_flush_audit()
    # The alarm still reaches staff (an uplink cannot be refused) ...
    assert [e.data["state"] for e in events] == ["triggered"]
    # ... and the missing line is not silent: a repair issue says the log could not be written.
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"audit_write_failed_{hub.entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "audit_write_failed"
    # Nothing half-written is left behind: the log still verifies.
    assert (await call(hass, "verify_audit_log", {}))["ok"] is True


async def test_a_shared_folder_that_is_not_the_hubs_is_left_alone(
    hass: HomeAssistant, care_hub: Callable[..., Any], tmp_path: Path
) -> None:
    # Another hub's log (another key) in the shared folder of an older version.
    shared = Path(str(tmp_path)) / "ange_iot" / "audit"
    other = AuditLog(shared, key=b"o" * 32)
    other.append("care_unit_changed", at=dt_util.utcnow(), actor=None, care_unit="SOL-9")
    before = sorted(path.name for path in shared.iterdir())
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    # Kept where it is as evidence; the hub writes to its own folder.
    assert sorted(path.name for path in shared.iterdir() if path.is_file()) == before
    assert other.verify().ok
    await call(hass, "night_report", {"care_unit": UNIT})
    assert [line["action"] for line in lines_in(hub_folder(hass, hub.entry.entry_id))][-1] == "night_report_read"
