"""Night supervision that never looks like a quiet night: Home Assistant down at a check time,
per-room check times, and consent recorded and withdrawn per room."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.ange_iot.care_runtime.config import SUBENTRY_CARE_ROOM
from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import (
    BED,
    R311WA_IN_BED,
    ROOM,
    ROOM_2,
    UNIT,
    care_device,
    care_hub_fixture,
    care_unit,
    local,
    production_loop_fixture,
)
from .test_care_supervision import BED_2, CHECKS, care_room, night_report, supervision

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)


async def audit_lines(hass: HomeAssistant, action: str) -> list[dict[str, Any]]:
    result = await hass.services.async_call(
        DOMAIN, "export_audit_log",
        {"start": "2026-01-14T00:00:00", "end": "2026-01-16T00:00:00", "action": action},
        blocking=True, return_response=True,
    )
    return list(result["lines"])  # type: ignore[index]


async def test_checks_missed_while_home_assistant_was_down_are_not_supervised(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS), care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T22:30:00", options={"offline_timeout": 1440},
    )
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-14T22:31:00")
    # Home Assistant stops at 22:40 and is back at 02:30: the 23:00 and 02:00 checks never ran.
    await hub.at("2026-01-14T22:40:00")
    assert await hass.config_entries.async_unload(hub.entry.entry_id)
    await hass.async_block_till_done()
    hub.freezer.move_to(local("2026-01-15T02:30:00"))
    events = async_capture_events(hass, "ange_iot_alarm")
    notices = async_capture_events(hass, "ange_iot_supervision")
    assert await hass.config_entries.async_setup(hub.entry.entry_id)
    await hass.async_block_till_done()
    await hub.at("2026-01-15T02:31:00")

    # Scored when HA is back: not supervised, visit needed; never a quiet night.
    report = await night_report(hass)
    assert report["rooms"][0]["checks"] == [
        {"time": "23:00", "result": "not_supervised", "reason": "ha_down", "since": None, "alarm": True},
        {"time": "02:00", "result": "not_supervised", "reason": "ha_down", "since": None, "alarm": True},
    ]
    assert supervision(hass).state == "not_supervised"
    assert [e.data["reason"] for e in notices] == ["ha_down", "ha_down"]
    # Each missed check is an alarm of its own; the gap itself is the unit's system_restart notice.
    assert {e.data["kind"] for e in events} == {"supervision_no_data", "system_restart"}
    # The next check, with HA running and the bed in use, is a real one again.
    await hub.at("2026-01-15T05:00:00")
    assert supervision(hass).state == "in_bed"


async def test_each_room_has_its_own_check_times(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        care_room(UNIT, ROOM_2, ["01:00"]),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        care_device(BED_2, "netvox_r311wa", "Säng R14", room=ROOM_2, role="bed"),
        start="2026-01-14T22:30:00", options={"offline_timeout": 1440},
    )
    await hub.send(BED, R311WA_IN_BED)
    await hub.send(BED_2, R311WA_IN_BED)
    for moment in ("22:31", "23:00"):
        await hub.at(f"2026-01-14T{moment}:00")
    for moment in ("01:00", "02:00", "05:00"):
        await hub.at(f"2026-01-15T{moment}:00")
    await hub.at("2026-01-15T08:00:00")
    report = {room["room"]: room for room in (await night_report(hass))["rooms"]}
    # R12 keeps the unit's times (the default); R14 is checked at its own.
    assert [c["time"] for c in report[ROOM]["checks"]] == ["23:00", "02:00", "05:00"]
    assert [c["time"] for c in report[ROOM_2]["checks"]] == ["01:00"]
    assert report[ROOM_2]["check_times"] == ["01:00"]


async def test_the_room_flow(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(check_times=CHECKS))
    flow = await hass.config_entries.subentries.async_init((hub.entry.entry_id, SUBENTRY_CARE_ROOM), context={"source": SOURCE_USER})
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], {"care_unit": UNIT, "room": "Greta", "check_times": ["25:00"]}
    )
    assert result["errors"] == {"room": "invalid_code", "check_times": "invalid_check_time"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"care_unit": UNIT, "room": "R9", "check_times": ["00:30", "04:00"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"{UNIT} R9"
    sub = next(s for s in hub.entry.subentries.values() if s.subentry_type == SUBENTRY_CARE_ROOM)
    flow = await hass.config_entries.subentries.async_init(
        (hub.entry.entry_id, SUBENTRY_CARE_ROOM), context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id}
    )
    result = await hass.config_entries.subentries.async_configure(flow["flow_id"], {"check_times": ["03:00"]})
    assert result["reason"] == "reconfigure_successful"
    assert hub.entry.subentries[sub.subentry_id].data["check_times"] == ["03:00"]
    # A configured room belongs to the unit even before it has a device.
    assert "R9" in [room["room"] for room in (await night_report(hass))["rooms"]]


@pytest.mark.usefixtures("production_loop")
async def test_withdrawn_consent_stops_supervision_until_recorded_again(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS), care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T15:00:00", options={"offline_timeout": 1440},
    )
    nurse = (await hass.auth.async_create_user("Sjuksköterska")).id
    events = async_capture_events(hass, "ange_iot_alarm")
    await hass.services.async_call(
        DOMAIN, "withdraw_consent", {"care_unit": UNIT, "room": ROOM}, blocking=True, context=Context(user_id=nurse)
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "withdraw_consent", {"care_unit": UNIT, "room": ROOM}, blocking=True)
    assert err.value.translation_key == "no_consent_to_withdraw"
    for day, moment in (("14", "22:30"), ("14", "23:00"), ("15", "02:00")):
        await hub.at(f"2026-01-{day}T{moment}:00")
    # No bed data at all, but no alarm: the room is not supervised by the resident's wish.
    assert supervision(hass).state == "paused"
    assert supervision(hass).attributes["reason"] == "consent_withdrawn"
    assert events == []

    # Consent recorded again (who and when are kept): supervision runs from the next check.
    await hass.services.async_call(
        DOMAIN, "record_consent", {"care_unit": UNIT, "room": ROOM, "scope": "night_supervision", "user_id": nurse},
        blocking=True,
    )
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-15T05:00:00")
    assert supervision(hass).state == "in_bed"
    [room] = (await night_report(hass))["rooms"]
    assert room["consent"] == [
        {
            "scope": "night_supervision", "in_force": True,
            "recorded_at": local("2026-01-15T02:00:00").astimezone(UTC).isoformat(),
            "withdrawn_at": None,
        }
    ]
    lines = await audit_lines(hass, "consent_withdrawn") + await audit_lines(hass, "consent_recorded")
    assert [(line["action"], line["actor"], line["room"], line["data"]) for line in lines] == [
        ("consent_withdrawn", nurse, ROOM, {"scope": "night_supervision"}),
        ("consent_recorded", nurse, ROOM, {"scope": "night_supervision"}),
    ]


async def test_consent_needs_a_known_room_and_scope(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    await care_hub(care_unit(), care_device(BED, "netvox_r311wa", "Säng R12", role="bed"))
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "record_consent", {"care_unit": UNIT, "room": "R99"}, blocking=True)
    assert err.value.translation_key == "unknown_room"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "record_consent", {"care_unit": "SOL-9", "room": ROOM}, blocking=True)
    assert err.value.translation_key == "unknown_care_unit"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "record_consent", {"care_unit": UNIT, "room": ROOM, "user_id": "Anna Svensson"}, blocking=True
        )
    assert err.value.translation_key == "unknown_user"
