"""The care audit log: what it records, export, verification, tampering, restarts and retention."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import time
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import (
    BUTTON,
    LEAK,
    R718WA_LEAK,
    ROOM,
    UNIT,
    WS101_PRESS,
    care_device,
    care_hub_fixture,
    care_unit,
    dispenser,
    production_loop_fixture,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)

DAY = {"start": "2026-01-14T00:00:00", "end": "2026-01-15T00:00:00"}


def audit_files(hass: HomeAssistant) -> list[Path]:
    """The month files of every hub (each hub has its own folder under ange_iot/audit)."""
    return sorted(Path(hass.config.path("ange_iot/audit")).glob("*/audit-*.jsonl"))


async def export(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "export_audit_log", {**DAY, **data}, blocking=True, return_response=True,
        context=Context(user_id="user-revisor"),
    )


async def verify(hass: HomeAssistant) -> Any:
    return await hass.services.async_call(DOMAIN, "verify_audit_log", {}, blocking=True, return_response=True)


async def staff(hass: HomeAssistant, name: str) -> str:
    """The id of a Home Assistant user of that name, created on first use."""
    for user in await hass.auth.async_get_users():
        if user.name == name:
            return user.id
    return (await hass.auth.async_create_user(name)).id


async def alarm_round(hass: HomeAssistant, hub: Any) -> str:
    """A call button alarm acknowledged and resolved by staff; returns its id."""
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id: str = events[0].data["alarm_id"]
    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id, "user_id": await staff(hass, "Natt 1")}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, blocking=True,
        context=Context(user_id=await staff(hass, "Natt 2")),
    )
    return alarm_id


async def test_audit_flush_is_thread_safe(
    hass: HomeAssistant, care_hub: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    # Step the flush by hand up to its wait: with the bug a task awaiting it would never wake
    # (its wake-up is lost), and would linger into later tests.
    flush = hub.manager.async_flush_audit()
    waiting = flush.send(None)
    woken: list[object] = []
    # What a task awaiting the flush does: be called back in the loop when it is done.
    waiting.add_done_callback(woken.append)
    try:
        # Real time for the writer thread; the frozen clock would never end an asyncio timeout.
        for _ in range(100):
            if woken:
                break
            await hass.async_add_executor_job(time.sleep, 0.01)
        assert "Could not write to the care audit log" not in caplog.text
        assert woken == [waiting]
    finally:
        flush.close()


@pytest.mark.usefixtures("production_loop")
async def test_alarm_transitions_are_audited_with_the_user(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(), care_unit("SOL-3"),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
        care_device(LEAK, "netvox_r718wa", "Läcka R3", unit="SOL-3", room="R3"),
    )
    alarm_id = await alarm_round(hass, hub)
    await hub.send(LEAK, R718WA_LEAK)

    result = await export(hass, care_unit=UNIT)

    lines = result["lines"]
    assert result["count"] == len(lines)
    # Only SOL-2's lines; the leak in SOL-3 is not in this extract.
    assert {line["care_unit"] for line in lines} == {UNIT}
    assert [(line["action"], line["actor"], line["data"]) for line in lines] == [
        ("care_unit_changed", "system", {"change": "settings"}),
        ("alarm_triggered", "system", {"alarm_id": alarm_id, "kind": "call_button", "dev_eui": BUTTON}),
        ("alarm_acknowledged", await staff(hass, "Natt 1"), {"alarm_id": alarm_id, "kind": "call_button"}),
        ("alarm_resolved", await staff(hass, "Natt 2"), {"alarm_id": alarm_id, "kind": "call_button", "outcome": "on_site"}),
    ]
    assert [line["room"] for line in lines] == [None, ROOM, ROOM, ROOM]
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)

    # The extract is a file of the log's own lines, under the config folder.
    [written] = [Path(name) for name in result["files"]]
    assert written.parent.parent == Path(hass.config.path("ange_iot/audit_exports"))
    assert written.name == "audit_20260114T0000_20260115T0000_SOL-2.jsonl"
    assert [json.loads(raw) for raw in written.read_text(encoding="utf-8").splitlines()] == lines

    # The export itself is logged, with who asked and what.
    everything = await export(hass)
    exported = [line for line in everything["lines"] if line["action"] == "audit_exported"]
    assert [(line["actor"], line["care_unit"], line["data"]["lines"], line["data"]["file"]) for line in exported] == [
        ("user-revisor", UNIT, 4, written.name)
    ]
    assert {line["care_unit"] for line in everything["lines"]} == {UNIT, "SOL-3"}
    assert Path(everything["files"][0]).name == "audit_20260114T0000_20260115T0000_all.jsonl"


@pytest.mark.usefixtures("production_loop")
async def test_escalation_and_repeats_are_audited(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(escalate_after_minutes=2), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(1)
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(1)
    actions = [line["action"] for line in (await export(hass, care_unit=UNIT))["lines"]]
    assert actions[-3:] == ["alarm_triggered", "alarm_repeated", "alarm_escalated"]


@pytest.mark.usefixtures("production_loop")
async def test_verify_detects_a_tampered_line(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    await alarm_round(hass, hub)

    result = await verify(hass)
    assert result == {
        "ok": True,
        "logs": [
            {
                "hub": "ChirpStack v4", "config_entry_id": hub.entry.entry_id, "ok": True, "lines_checked": 4,
                "first_bad_line": None, "reason": None,
            }
        ],
    }

    # Someone rewrites who acknowledged the alarm (line 3) in the month file.
    [month] = audit_files(hass)
    assert month.name == "audit-2026-01.jsonl"
    lines = month.read_text(encoding="utf-8").splitlines()
    natt_1 = await staff(hass, "Natt 1")
    assert f'"action":"alarm_acknowledged","actor":"{natt_1}"' in lines[2]
    lines[2] = lines[2].replace(natt_1, await staff(hass, "Natt 9"))
    month.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = await verify(hass)
    assert result["ok"] is False
    [log] = result["logs"]
    assert log["ok"] is False
    assert log["first_bad_line"] == ["audit-2026-01.jsonl", 3]
    assert log["reason"] == "hash_mismatch"


@pytest.mark.usefixtures("production_loop")
async def test_verify_detects_a_deleted_line(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    await alarm_round(hass, hub)
    assert (await verify(hass))["ok"] is True
    [month] = audit_files(hass)
    lines = month.read_text(encoding="utf-8").splitlines()
    # Four lines of the alarm, and the verification itself.
    assert [json.loads(line)["action"] for line in lines][-1] == "audit_verified"
    assert len(lines) == 5
    del lines[1]
    month.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [log] = (await verify(hass))["logs"]
    assert log["ok"] is False
    assert log["first_bad_line"] == ["audit-2026-01.jsonl", 2]


@pytest.mark.usefixtures("production_loop")
async def test_export_errors(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    with pytest.raises(ServiceValidationError) as err:
        await export(hass, start="2026-01-15T00:00:00", end="2026-01-14T00:00:00")
    assert err.value.translation_key == "end_before_start"
    with pytest.raises(ServiceValidationError) as err:
        await export(hass, care_unit="SOL-9")
    assert err.value.translation_key == "unknown_care_unit"
    assert err.value.translation_placeholders == {"care_unit": "SOL-9"}
    # Refused before anything was written or recorded as exported.
    exports = Path(hass.config.path("ange_iot/audit_exports"))
    assert not exports.exists() or not any(exports.rglob("*.jsonl"))
    assert "audit_exported" not in [line["action"] for line in (await export(hass))["lines"]]


@pytest.mark.usefixtures("production_loop")
async def test_audit_chain_continues_after_a_restart(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    first = await alarm_round(hass, hub)
    before = (await export(hass, care_unit=UNIT))["lines"]

    await hub.restart()
    second = await alarm_round(hass, hub)

    result = await verify(hass)
    assert result["ok"] is True
    after = (await export(hass, care_unit=UNIT))["lines"]
    assert after[: len(before)] == before
    seqs = [line["seq"] for line in after]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) or seqs == sorted(set(seqs))
    ids = [line["data"].get("alarm_id") for line in after if line["action"] == "alarm_resolved"]
    assert ids == [first, second]


@pytest.mark.usefixtures("production_loop")
async def test_retention_purges_months_older_than_five_years(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"), start="2020-03-10T14:00:00"
    )
    await alarm_round(hass, hub)
    await hub.at("2020-03-10T14:01:00")
    assert [path.name for path in audit_files(hass)] == ["audit-2020-03.jsonl"]

    # Four years on, the 2020 lines are kept; the log never loses what it must keep.
    await hub.at("2024-05-02T09:00:00")
    await hub.send(BUTTON, WS101_PRESS)
    assert (await verify(hass))["ok"] is True
    assert [path.name for path in audit_files(hass)] == ["audit-2020-03.jsonl", "audit-2024-05.jsonl"]

    # Six years on, the daily sweep deletes the 2020 month; the chain still verifies.
    await hub.at("2026-04-01T09:00:00")
    result = await verify(hass)
    assert result["ok"] is True
    assert [path.name for path in audit_files(hass)] == ["audit-2024-05.jsonl", "audit-2026-04.jsonl"]
    lines = (await export(hass, start="2020-01-01T00:00:00", end="2026-12-31T00:00:00"))["lines"]
    assert min(line["at"] for line in lines) >= "2024-05-02"
    [purged] = [line for line in lines if line["action"] == "audit_purged"]
    assert purged["data"]["files"] == ["audit-2020-03.jsonl"]


@pytest.mark.usefixtures("production_loop")
async def test_removed_units_and_dispensers_are_audited(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_unit("SOL-3"), dispenser(unit="SOL-3", client="K-17"))
    for sub in list(hub.entry.subentries.values()):
        if sub.data.get("code") == "SOL-3" or "dispenser_id" in sub.data:
            hass.config_entries.async_remove_subentry(hub.entry, sub.subentry_id)
    await hass.async_block_till_done()
    assert hub.manager.dispenser_states == {}
    lines = [line for line in (await export(hass))["lines"] if line["care_unit"] == "SOL-3"]
    assert [(line["action"], line["room"], line["data"]) for line in lines] == [
        ("care_unit_changed", None, {"change": "settings"}),
        ("care_device_changed", "K-17", {"device": "dispenser", "change": "settings"}),
        ("care_unit_changed", None, {"change": "removed"}),
    ]


@pytest.mark.usefixtures("production_loop")
async def test_a_removed_units_lines_can_be_exported(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_unit("SOL-3"))
    sub = next(sub for sub in hub.entry.subentries.values() if sub.data.get("code") == "SOL-3")
    hass.config_entries.async_remove_subentry(hub.entry, sub.subentry_id)
    await hass.async_block_till_done()
    lines = (await export(hass, care_unit="SOL-3"))["lines"]
    assert [line["data"]["change"] for line in lines] == ["settings", "removed"]
