"""Medicine dispensers: the webhook's event API, the dispenser entities and their alarms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.ange_iot.const import DOMAIN

from .helpers import post, registry_device
from .test_care_alarms import (
    CLIENT,
    DISPENSER,
    care_hub_fixture,
    dispenser,
    iso,
    local,
    open_alarms,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)

HOME_CARE = "HT-1"
KEYS = (
    "next_dose", "last_dose_taken", "doses_taken_today", "doses_missed_today",
    "adherence_7d", "dispenser_status", "doses_remaining",
)


def event(kind: str, event_id: str, at: str, **fields: Any) -> dict[str, Any]:
    """A dispenser event as the README's event API describes it; times are Stockholm wall clock."""
    return {
        "type": "dispenser_event",
        "dispenser_id": DISPENSER,
        "event": kind,
        "event_id": event_id,
        "at": local(at).isoformat(),
        **fields,
    }


def dose(kind: str, event_id: str, at: str, dose_id: str, due: str, **fields: Any) -> dict[str, Any]:
    return event(kind, event_id, at, dose_id=dose_id, scheduled_for=local(due).isoformat(), **fields)


def sensor(hass: HomeAssistant, key: str, dispenser_id: str = DISPENSER) -> Any:
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"dispenser_{dispenser_id}_{key}")
    assert found is not None, f"no dispenser sensor {key}"
    state = hass.states.get(found)
    assert state is not None
    return state


def values(hass: HomeAssistant) -> dict[str, str]:
    return {key: sensor(hass, key).state for key in KEYS}


async def test_a_day_of_doses(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE, heartbeat=1440), start="2026-01-14T06:30:00")
    events = async_capture_events(hass, "ange_iot_alarm")
    assert values(hass) == {
        "next_dose": "unknown", "last_dose_taken": "unknown", "doses_taken_today": "0",
        "doses_missed_today": "0", "adherence_7d": "unknown", "dispenser_status": "ok", "doses_remaining": "unknown",
    }

    assert await hub.dispense(dose("dose_scheduled", "e1", "2026-01-14T06:30:00", "d-0800", "2026-01-14T08:00:00")) == (
        200, {"status": 200, "message": "ok", "event_id": "e1"}
    )
    await hub.dispense(dose("dose_scheduled", "e2", "2026-01-14T06:30:00", "d-1200", "2026-01-14T12:00:00"))
    await hub.dispense(event("heartbeat", "e3", "2026-01-14T06:30:00", doses_remaining=28, battery=90))
    assert sensor(hass, "next_dose").state == iso(local("2026-01-14T08:00:00"))
    assert sensor(hass, "doses_remaining").state == "28"

    await hub.at("2026-01-14T08:00:00")
    await hub.dispense(dose("dose_reminder", "e4", "2026-01-14T08:00:00", "d-0800", "2026-01-14T08:00:00"))
    assert sensor(hass, "dispenser_status").state == "reminder"

    await hub.at("2026-01-14T08:04:00")
    await hub.dispense(dose("dose_taken", "e5", "2026-01-14T08:04:00", "d-0800", "2026-01-14T08:00:00", doses_remaining=27))
    assert values(hass) == {
        "next_dose": iso(local("2026-01-14T12:00:00")),
        "last_dose_taken": iso(local("2026-01-14T08:04:00")),
        "doses_taken_today": "1",
        "doses_missed_today": "0",
        "adherence_7d": "100.0",
        "dispenser_status": "ok",
        "doses_remaining": "27",
    }
    assert sensor(hass, "adherence_7d").attributes["unit_of_measurement"] == "%"
    assert sensor(hass, "dispenser_status").attributes["options"] == [
        "offline", "error_jam", "error_roll_empty", "power_loss", "low_stock", "dose_missed", "reminder", "ok",
    ]
    assert events == []

    # The lunch dose is not taken and goes to the locked compartment: a missed_dose alarm.
    await hub.at("2026-01-14T12:45:00")
    await hub.dispense(dose("dose_missed", "e6", "2026-01-14T12:45:00", "d-1200", "2026-01-14T12:00:00"))
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "missed_dose",
            "state": "triggered",
            "care_unit": HOME_CARE,
            "room": CLIENT,
            "dev_eui": None,
            "triggered_at": iso(local("2026-01-14T12:45:00")),
        }
    ]
    assert values(hass) | {"last_dose_taken": "-"} == {
        "next_dose": "unknown",
        "last_dose_taken": "-",
        "doses_taken_today": "1",
        "doses_missed_today": "1",
        "adherence_7d": "50.0",
        "dispenser_status": "dose_missed",
        "doses_remaining": "27",
    }
    [listed] = open_alarms(hass, HOME_CARE)
    assert (listed["kind"], listed["room"]) == ("missed_dose", CLIENT)

    # A new day: today's counters start again, the week's adherence stays.
    await hub.at("2026-01-15T00:05:00")
    await hub.dispense(event("heartbeat", "e7", "2026-01-15T00:05:00"))
    assert (sensor(hass, "doses_taken_today").state, sensor(hass, "doses_missed_today").state) == ("0", "0")
    assert sensor(hass, "adherence_7d").state == "50.0"


@pytest.mark.parametrize(
    ("error", "status"),
    [("jam", "error_jam"), ("roll_empty", "error_roll_empty"), ("low_stock", "low_stock"), ("power_loss", "power_loss")],
)
async def test_dispenser_error_raises_dispenser_fault(
    hass: HomeAssistant, care_hub: Callable[..., Any], error: str, status: str
) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE), start="2026-01-14T09:00:00")
    events = async_capture_events(hass, "ange_iot_alarm")
    assert (await hub.dispense(event("dispenser_error", "x1", "2026-01-14T09:00:00", error=error)))[0] == 200
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "dispenser_fault",
            "state": "triggered",
            "care_unit": HOME_CARE,
            "room": CLIENT,
            "dev_eui": None,
            "triggered_at": iso(local("2026-01-14T09:00:00")),
        }
    ]
    assert sensor(hass, "dispenser_status").state == status
    # The same fault reported again is the same alarm; a heartbeat says it works again.
    await hub.dispense(event("dispenser_error", "x2", "2026-01-14T09:01:00", error=error))
    assert len(events) == 1
    assert open_alarms(hass, HOME_CARE)[0]["repeats"] == 1
    await hub.dispense(event("heartbeat", "x3", "2026-01-14T09:02:00"))
    assert sensor(hass, "dispenser_status").state == "ok"


async def test_silent_dispenser_raises_device_offline(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE, heartbeat=60), start="2026-01-14T09:00:00")
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.dispense(event("heartbeat", "h1", "2026-01-14T09:00:00"))

    await hub.at("2026-01-14T10:00:00")
    assert events == []
    assert sensor(hass, "dispenser_status").state == "ok"
    await hub.at("2026-01-14T10:01:00")
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "device_offline",
            "state": "triggered",
            "care_unit": HOME_CARE,
            "room": CLIENT,
            "dev_eui": None,
            "triggered_at": iso(local("2026-01-14T10:01:00")),
        }
    ]
    assert sensor(hass, "dispenser_status").state == "offline"
    assert sensor(hass, "dispenser_status").attributes["category"] == "care"


async def test_a_dispenser_that_never_reports_goes_offline(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE, heartbeat=30), start="2026-01-14T09:00:00")
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.at("2026-01-14T09:31:00")
    assert [e.data["kind"] for e in events] == ["device_offline"]


async def test_offline_dispenser_alarm_is_not_repeated_every_minute(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE, heartbeat=30), start="2026-01-14T09:00:00")
    await hub.at("2026-01-14T09:31:00")
    await hub.minutes(10)
    [alarm] = open_alarms(hass, HOME_CARE)
    assert alarm["repeats"] == 0


async def test_duplicates_are_answered_and_ignored(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE), start="2026-01-14T12:45:00")
    events = async_capture_events(hass, "ange_iot_alarm")
    missed = dose("dose_missed", "m1", "2026-01-14T12:45:00", "d-1200", "2026-01-14T12:00:00")
    assert (await hub.dispense(missed))[0] == 200
    # The adapter retries: answered "duplicate", no second alarm, no repeat.
    assert await hub.dispense(missed) == (200, {"status": 200, "message": "duplicate", "event_id": "m1"})
    assert len(events) == 1
    assert open_alarms(hass, HOME_CARE)[0]["repeats"] == 0
    assert sensor(hass, "doses_missed_today").state == "1"


BAD_EVENTS: list[tuple[str, dict[str, Any], int]] = [
    ("event_id a number", {"event_id": 17}, 400),
    ("doses_remaining a string", {"doses_remaining": "27"}, 400),
    ("doses_remaining negative", {"doses_remaining": -1}, 400),
    ("battery above 100", {"battery": 120}, 400),
    ("battery a boolean", {"battery": True}, 400),
    ("at without offset", {"at": "2026-01-14T12:00:00"}, 400),
    ("at not a date", {"at": "2026-02-30T12:00:00+01:00"}, 400),
    ("unknown event", {"event": "dose_eaten"}, 400),
    ("unknown field", {"patient": "K-17"}, 400),
    ("dispenser_id a number", {"dispenser_id": 42}, 400),
    ("dose field on a heartbeat", {"dose_id": "d-1"}, 400),
    ("error on a heartbeat", {"error": "jam"}, 400),
    ("unknown dispenser", {"dispenser_id": "EV-9999"}, 404),
    ("an hour in the future", {"at": "2026-01-14T13:00:00+01:00"}, 409),
]


@pytest.mark.parametrize(("change", "status"), [(c, s) for _, c, s in BAD_EVENTS], ids=[i for i, _, _ in BAD_EVENTS])
async def test_malformed_events_are_refused_without_a_change(
    hass: HomeAssistant, care_hub: Callable[..., Any], change: dict[str, Any], status: int
) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE), start="2026-01-14T12:00:00")
    await hub.dispense(event("heartbeat", "h1", "2026-01-14T11:59:00", doses_remaining=20))
    before = values(hass)
    events = async_capture_events(hass, "ange_iot_alarm")

    answer = await hub.dispense(event("heartbeat", "h2", "2026-01-14T12:00:00") | change)

    assert answer[0] == status
    assert answer[1]["status"] == status
    assert values(hass) == before
    assert events == []
    # The refused event's id was not remembered: sent correctly, it is applied.
    assert (await hub.dispense(event("heartbeat", "h2", "2026-01-14T12:00:00", doses_remaining=19)))[1]["message"] == "ok"
    assert sensor(hass, "doses_remaining").state == "19"


async def test_missing_fields_and_wrong_shapes(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE), start="2026-01-14T12:00:00")
    before = values(hass)
    for body in (
        {key: value for key, value in event("heartbeat", "h1", "2026-01-14T12:00:00").items() if key != "event_id"},
        {key: value for key, value in dose("dose_taken", "t1", "2026-01-14T12:00:00", "d", "2026-01-14T12:00:00").items() if key != "scheduled_for"},
        event("dispenser_error", "x1", "2026-01-14T12:00:00"),
        event("dispenser_error", "x2", "2026-01-14T12:00:00", error="on_fire"),
    ):
        status, answer = await hub.dispense(body)
        assert (status, answer["status"]) == (400, 400)
    # Not an object at all, or no secret: refused before the event API is consulted.
    assert (await post(hub.client, [event("heartbeat", "h1", "2026-01-14T12:00:00")], event=None))[0] == 400
    assert (await post(hub.client, event("heartbeat", "h1", "2026-01-14T12:00:00"), secret="wrong", event=None))[0] == 401
    assert values(hass) == before
    assert open_alarms(hass, HOME_CARE) == []


async def test_out_of_order_events_get_409(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE), start="2026-01-14T08:30:00")
    await hub.dispense(dose("dose_taken", "t1", "2026-01-14T08:04:00", "d-0800", "2026-01-14T08:00:00"))
    await hub.dispense(event("heartbeat", "h1", "2026-01-14T08:20:00", doses_remaining=27))
    before = values(hass)

    # A reminder that arrives after the dose was taken; a heartbeat older than the last one.
    for late in (
        dose("dose_reminder", "r1", "2026-01-14T08:00:00", "d-0800", "2026-01-14T08:00:00"),
        dose("dose_missed", "m1", "2026-01-14T08:03:00", "d-0800", "2026-01-14T08:00:00"),
        event("dispenser_error", "x1", "2026-01-14T08:10:00", error="jam", doses_remaining=3),
    ):
        status, answer = await hub.dispense(late)
        assert status == 409
        assert answer["status"] == 409
    assert values(hass) == before
    assert open_alarms(hass, HOME_CARE) == []


async def test_dispenser_entities_belong_to_their_device(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(dispenser(unit=HOME_CARE), dispenser("EV-0043", "K-18", unit=HOME_CARE))
    registry = er.async_get(hass)
    device = registry_device(hass, f"dispenser_{DISPENSER}")
    assert device is not None
    assert device.name == f"{HOME_CARE} {CLIENT}"
    assert device.serial_number == DISPENSER
    entities = er.async_entries_for_device(registry, device.id)
    assert sorted(e.unique_id for e in entities) == sorted(f"dispenser_{DISPENSER}_{key}" for key in KEYS)
    subentry = next(sub for sub in hub.entry.subentries.values() if sub.data.get("dispenser_id") == DISPENSER)
    assert {e.config_subentry_id for e in entities} == {subentry.subentry_id}
    # The unit has its alarm entities, though only dispensers name it.
    assert len(open_alarms(hass, HOME_CARE)) == 0
