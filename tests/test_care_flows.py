"""Subentry flows of care units and medicine dispensers: codes only, never personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.ange_iot.care_runtime.config import SUBENTRY_CARE_UNIT, SUBENTRY_DISPENSER
from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import (
    BUTTON,
    UNIT,
    care_device,
    care_hub_fixture,
    care_unit,
    dispenser,
    production_loop_fixture,
    unit_entity,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)


@pytest.fixture(autouse=True)
def duty_phones(hass: HomeAssistant) -> None:
    """The notify actions the forms pick: the flow accepts only existing ones (issue 11)."""
    for name in ("mobile_app_natt_1", "mobile_app_natt_2", "mobile_app_natt_sol_2"):
        async_mock_service(hass, "notify", name)

UNIT_FORM = {
    "notify_targets": ["notify.mobile_app_natt_1", " ", "notify.mobile_app_natt_2"],
    "night_start": "21:30:00",
    "night_end": "06:30:00",
    "check_times": ["23:00", "02:30", "05:00"],
    "escalate_after_minutes": 3,
    "out_of_bed_minutes": 20,
    "inactive_by": "09:30:00",
}
# Personal identity numbers in the shapes staff type them: with and without century and
# separator, and a samordningsnummer (day + 60).
IDENTITY_NUMBERS = ["19121212-1212", "191212121212", "121212-1212", "1212121212", "121272+1219", "Rum 19121212-1212"]


async def start(hass: HomeAssistant, entry: Any, kind: str) -> Any:
    result = await hass.config_entries.subentries.async_init((entry.entry_id, kind), context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def submit(hass: HomeAssistant, result: Any, data: dict[str, Any]) -> Any:
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], data)
    await hass.async_block_till_done()
    return result


def subentries(entry: Any, kind: str) -> list[Any]:
    return [sub for sub in entry.subentries.values() if sub.subentry_type == kind]


async def test_add_a_care_unit(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub()
    result = await start(hass, hub.entry, SUBENTRY_CARE_UNIT)
    fields = [str(key) for key in result["data_schema"].schema]
    tiers = ["notify_targets", "notify_targets_tier2", "notify_targets_tier3"]
    chain = ["tier3_after_minutes", "renotify_minutes", "reescalate_minutes", "arrival_required_kinds", "test_interval_days"]
    assert fields == ["code", *tiers, *[key for key in UNIT_FORM if key != "notify_targets"], *chain]

    result = await submit(hass, result, {"code": " SOL-2 ", **UNIT_FORM})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == UNIT
    assert result["unique_id"] == f"care_unit_{UNIT}"
    assert result["data"] == {
        **UNIT_FORM, "code": UNIT, "notify_targets": ["notify.mobile_app_natt_1", "notify.mobile_app_natt_2"],
        "notify_targets_tier2": [], "notify_targets_tier3": [], "tier3_after_minutes": 5, "renotify_minutes": 3,
        "reescalate_minutes": 10, "test_interval_days": 30,
    }
    # Live: the unit's settings apply and its entities exist without a reload.
    unit = hub.manager.units[UNIT]
    assert unit.escalate_after.total_seconds() == 180
    assert [t.isoformat() for t in unit.check_times] == ["02:30:00", "05:00:00", "23:00:00"]
    state = hass.states.get(unit_entity(hass, "sensor", "open_alarms"))
    assert state is not None
    assert state.attributes["notify_targets"] == ["notify.mobile_app_natt_1", "notify.mobile_app_natt_2"]


async def test_care_unit_form_defaults(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub()
    result = await start(hass, hub.entry, SUBENTRY_CARE_UNIT)
    result = await submit(hass, result, {"code": "SOL-3"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "code": "SOL-3",
        "notify_targets": [],
        "night_start": "22:00:00",
        "night_end": "07:00:00",
        "check_times": ["23:00", "02:00", "05:00"],
        "escalate_after_minutes": 5,
        "out_of_bed_minutes": 30,
        "inactive_by": "10:00:00",
        "notify_targets_tier2": [],
        "notify_targets_tier3": [],
        "tier3_after_minutes": 5,
        "renotify_minutes": 3,
        "reescalate_minutes": 10,
        "test_interval_days": 30,
    }


@pytest.mark.parametrize("code", IDENTITY_NUMBERS)
async def test_care_unit_refuses_identity_numbers(hass: HomeAssistant, care_hub: Callable[..., Any], code: str) -> None:
    hub = await care_hub()
    result = await submit(hass, await start(hass, hub.entry, SUBENTRY_CARE_UNIT), {"code": code, **UNIT_FORM})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"code": "identity_number"}
    assert subentries(hub.entry, SUBENTRY_CARE_UNIT) == []


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"code": "SOL-2!"}, {"code": "invalid_code"}),
        ({"code": ""}, {"code": "invalid_code"}),
        ({"code": "x" * 33}, {"code": "invalid_code"}),
        ({"check_times": ["23:00", "25:00"]}, {"check_times": "invalid_check_time"}),
        ({"check_times": ["kvart i tolv"]}, {"check_times": "invalid_check_time"}),
        ({"check_times": ["02:60"]}, {"check_times": "invalid_check_time"}),
    ],
)
async def test_care_unit_form_errors(
    hass: HomeAssistant, care_hub: Callable[..., Any], change: dict[str, Any], errors: dict[str, str]
) -> None:
    hub = await care_hub()
    result = await start(hass, hub.entry, SUBENTRY_CARE_UNIT)
    result = await submit(hass, result, {"code": UNIT, **UNIT_FORM, **change})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # Corrected, the same flow goes through.
    result = await submit(hass, result, {"code": UNIT, **UNIT_FORM})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_care_unit_exists(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit())
    result = await submit(hass, await start(hass, hub.entry, SUBENTRY_CARE_UNIT), {"code": UNIT, **UNIT_FORM})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"code": "unit_exists"}
    assert len(subentries(hub.entry, SUBENTRY_CARE_UNIT)) == 1


@pytest.mark.usefixtures("production_loop")
async def test_reconfigure_a_care_unit(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(escalate_after_minutes=5), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    [sub] = subentries(hub.entry, SUBENTRY_CARE_UNIT)
    result = await hass.config_entries.subentries.async_init(
        (hub.entry.entry_id, SUBENTRY_CARE_UNIT), context={"source": SOURCE_RECONFIGURE, "subentry_id": sub.subentry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # The code is the unit's identity in alarms and the audit log: it cannot be changed.
    assert "code" not in [str(key) for key in result["data_schema"].schema]

    result = await submit(hass, result, {**UNIT_FORM, "check_times": ["24:00"]})
    assert result["errors"] == {"check_times": "invalid_check_time"}
    result = await submit(hass, result, {**UNIT_FORM, "escalate_after_minutes": 15})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert sub.subentry_id in hub.entry.subentries
    assert hub.entry.subentries[sub.subentry_id].data["code"] == UNIT
    assert hub.entry.subentries[sub.subentry_id].data["escalate_after_minutes"] == 15
    assert hub.manager.units[UNIT].escalate_after.total_seconds() == 15 * 60

    # The change is in the audit log.
    result = await hass.services.async_call(
        DOMAIN, "export_audit_log", {"start": "2026-01-14T00:00:00", "end": "2026-01-15T00:00:00", "care_unit": UNIT},
        blocking=True, return_response=True,
    )
    changes = [line["data"] for line in result["lines"] if line["action"] == "care_unit_changed"]  # type: ignore[index, union-attr]
    assert changes == [{"change": "settings"}, {"change": "settings"}]


async def test_add_a_dispenser(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub()
    result = await start(hass, hub.entry, SUBENTRY_DISPENSER)
    assert [str(key) for key in result["data_schema"].schema] == ["dispenser_id", "care_unit", "client", "heartbeat_minutes"]

    result = await submit(
        hass, result, {"dispenser_id": " EV-0042 ", "care_unit": "HT-1", "client": "K-17", "heartbeat_minutes": 45}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "HT-1 K-17"
    assert result["unique_id"] == "dispenser_EV-0042"
    assert result["data"] == {"dispenser_id": "EV-0042", "care_unit": "HT-1", "client": "K-17", "heartbeat_minutes": 45}
    assert hub.manager.dispensers["EV-0042"].heartbeat_limit.total_seconds() == 45 * 60
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, "dispenser_EV-0042_dispenser_status")
    assert found is not None
    assert hass.states.get(found).state == "ok"  # type: ignore[union-attr]


@pytest.mark.parametrize("field", ["dispenser_id", "care_unit", "client"])
@pytest.mark.parametrize("value", ["19121212-1212", "121212-1212", "191212121212"])
async def test_dispenser_refuses_identity_numbers(
    hass: HomeAssistant, care_hub: Callable[..., Any], field: str, value: str
) -> None:
    hub = await care_hub()
    data = {"dispenser_id": "EV-0042", "care_unit": "HT-1", "client": "K-17", "heartbeat_minutes": 60, field: value}
    result = await submit(hass, await start(hass, hub.entry, SUBENTRY_DISPENSER), data)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "identity_number"}
    assert subentries(hub.entry, SUBENTRY_DISPENSER) == []


async def test_dispenser_form_errors(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser())
    base = {"dispenser_id": "EV-0050", "care_unit": "HT-1", "client": "K-20", "heartbeat_minutes": 60}
    result = await start(hass, hub.entry, SUBENTRY_DISPENSER)
    result = await submit(hass, result, {**base, "client": "Klient <20>", "care_unit": ""})
    assert result["errors"] == {"client": "invalid_code", "care_unit": "invalid_code"}
    result = await submit(hass, result, {**base, "dispenser_id": "EV-0042"})
    assert result["errors"] == {"dispenser_id": "dispenser_exists"}
    result = await submit(hass, result, base)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(subentries(hub.entry, SUBENTRY_DISPENSER)) == 2
