"""Digital night supervision: check results at the unit's check times, pauses, the morning report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.ange_iot.care_runtime.config import SUBENTRY_CARE_ROOM
from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import (
    BED,
    BUTTON,
    DOOR,
    DOOR_CLOSED,
    DOOR_OPEN,
    R311WA_IN_BED,
    R311WA_OUT_OF_BED,
    ROOM,
    ROOM_2,
    UNIT,
    care_device,
    care_hub_fixture,
    care_unit,
    iso,
    local,
    open_alarms,
    production_loop_fixture,
    unit_entity,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)

BED_2 = "0004a30b0b000002"
CHECKS = ["23:00", "02:00", "05:00"]


def care_room(unit: str, room: str, check_times: list[str]) -> dict[str, Any]:
    """A resident's room subentry, as the room flow stores it."""
    return {
        "data": {"care_unit": unit, "room": room, "check_times": check_times},
        "subentry_type": SUBENTRY_CARE_ROOM,
        "title": f"{unit} {room}",
        "unique_id": f"care_room_{unit}_{room}",
    }


def supervision(hass: HomeAssistant, room: str = ROOM) -> Any:
    """The state of a room's supervision sensor."""
    state = hass.states.get(unit_entity(hass, "sensor", f"{room}_supervision"))
    assert state is not None
    return state


async def night_report(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "night_report", {"care_unit": UNIT, **data}, blocking=True, return_response=True
    )


@pytest.mark.parametrize(
    ("opened", "first_check"),
    [
        # Evening routine: the door opened before the night began is not the night's business.
        ("2026-01-14T20:50:00", ("in_bed", None)),
        # Opened after the night began (22:00), before its first check: that check says so.
        ("2026-01-14T22:20:00", ("door_opened", "22:20")),
    ],
)
async def test_the_first_check_of_a_night_looks_back_to_the_night_start(
    hass: HomeAssistant,
    care_hub: Callable[..., Any],
    opened: str,
    first_check: tuple[str, str | None],
) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
        start="2026-01-14T20:00:00",
        options={"offline_timeout": 1440},
    )
    await hub.send(BED, R311WA_IN_BED)
    await hub.send(DOOR, DOOR_CLOSED)
    await hub.at(opened)
    await hub.send(DOOR, DOOR_OPEN)
    await hub.send(DOOR, DOOR_CLOSED)

    await hub.at("2026-01-14T23:00:00")
    state = supervision(hass)
    assert (state.state, state.attributes["since"]) == first_check


async def test_a_night_of_checks(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS, out_of_bed_minutes=30, escalate_after_minutes=120),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
        care_device(BED_2, "netvox_r311wa", "Säng R14", room=ROOM_2, role="bed"),
        start="2026-01-14T22:30:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BED, R311WA_IN_BED)
    await hub.send(BED_2, R311WA_IN_BED)
    await hub.send(DOOR, DOOR_CLOSED)
    await hub.at("2026-01-14T22:31:00")
    assert supervision(hass).state == "unknown"

    await hub.at("2026-01-14T23:00:00")
    state = supervision(hass)
    assert state.state == "in_bed"
    assert state.attributes["checked_at"] == local("2026-01-14T23:00:00").isoformat()
    assert state.attributes["night"] == "2026-01-14"
    assert state.attributes["since"] is None
    assert state.attributes["category"] == "care"
    assert state.attributes["options"] == ["in_bed", "out_of_bed", "door_opened", "not_supervised", "paused"]

    # R12's resident gets up at 01:45 and is back at 02:05; the 02:00 check says since when.
    await hub.at("2026-01-15T01:45:00")
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.at("2026-01-15T02:00:00")
    assert supervision(hass).state == "out_of_bed"
    assert supervision(hass).attributes["since"] == "01:45"
    assert supervision(hass, ROOM_2).state == "in_bed"
    await hub.at("2026-01-15T02:05:00")
    await hub.send(BED, R311WA_IN_BED)

    # The outer door opens at 02:10: the night_door alarm, and the 05:00 check notes it.
    await hub.at("2026-01-15T02:10:00")
    await hub.send(DOOR, DOOR_OPEN)
    await hub.send(DOOR, DOOR_CLOSED)
    await hub.at("2026-01-15T05:00:00")
    assert supervision(hass).state == "door_opened"
    assert supervision(hass).attributes["since"] == "02:10"

    # Fifteen minutes out of bed is within the 30-minute limit: only the door raised an alarm.
    assert [(e.data["kind"], e.data["state"]) for e in events] == [("night_door", "triggered"), ("night_door", "escalated")]

    await hub.at("2026-01-15T08:00:00")
    report = await night_report(hass)
    assert report == {
        "care_unit": UNIT,
        "night": "2026-01-14",
        "rooms": [
            {
                "room": ROOM,
                "check_times": ["02:00", "05:00", "23:00"],
                "consent": [],
                "checks": [
                    {"time": "23:00", "result": "in_bed", "reason": None, "since": None, "alarm": False},
                    {"time": "02:00", "result": "out_of_bed", "reason": None, "since": "01:45", "alarm": False},
                    {"time": "05:00", "result": "door_opened", "reason": None, "since": "02:10", "alarm": False},
                ],
            },
            {
                "room": ROOM_2,
                "check_times": ["02:00", "05:00", "23:00"],
                "consent": [],
                "checks": [
                    {"time": "23:00", "result": "in_bed", "reason": None, "since": None, "alarm": False},
                    {"time": "02:00", "result": "in_bed", "reason": None, "since": None, "alarm": False},
                    {"time": "05:00", "result": "in_bed", "reason": None, "since": None, "alarm": False},
                ],
            },
        ],
    }
    # Asked for explicitly. A night without any result is never an empty, quiet-looking
    # report: every room is listed with every check as not supervised.
    assert await night_report(hass, night="2026-01-14") == report
    earlier = await night_report(hass, night="2026-01-13")
    assert [room["room"] for room in earlier["rooms"]] == [ROOM, ROOM_2]
    assert {(c["time"], c["result"], c["reason"]) for room in earlier["rooms"] for c in room["checks"]} == {
        ("23:00", "not_supervised", "no_result"), ("02:00", "not_supervised", "no_result"),
        ("05:00", "not_supervised", "no_result"),
    }


async def test_night_report_during_the_night_is_tonights(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T22:30:00",
        options={"offline_timeout": 1440},
    )
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-14T22:31:00")
    await hub.at("2026-01-14T23:00:00")
    await hub.at("2026-01-15T01:00:00")
    report = await night_report(hass)
    assert report["night"] == "2026-01-14"
    assert [c["time"] for c in report["rooms"][0]["checks"]] == ["23:00"]


async def test_no_data_when_the_bed_sensor_is_offline(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS, escalate_after_minutes=120),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T22:30:00",
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-14T22:31:00")
    await hub.at("2026-01-14T23:00:00")
    assert supervision(hass).state == "in_bed"

    # The bed sensor falls silent; after the 120-minute floor it is offline.
    await hub.at("2026-01-15T00:31:00")
    assert [e.data["kind"] for e in events] == ["device_offline"]

    await hub.at("2026-01-15T02:00:00")
    assert supervision(hass).state == "not_supervised"
    no_data = events[-1].data
    assert no_data == {
        "alarm_id": no_data["alarm_id"],
        "kind": "supervision_no_data",
        "state": "triggered",
        "care_unit": UNIT,
        "room": ROOM,
        "dev_eui": None,
        "triggered_at": iso(local("2026-01-15T02:00:00")),
    }
    assert [a["kind"] for a in open_alarms(hass)] == ["device_offline", "supervision_no_data"]


async def test_a_room_never_heard_from_has_no_data(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    # Silence since start-up is not "all is well" either.
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T22:30:00",
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.at("2026-01-14T22:31:00")
    await hub.at("2026-01-14T23:00:00")
    assert supervision(hass).state == "not_supervised"
    assert [e.data["kind"] for e in events] == ["supervision_no_data"]


async def test_offline_door_sensor_gives_no_data(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
        start="2026-01-14T20:00:00",
    )
    await hub.send(DOOR, DOOR_CLOSED)
    await hub.at("2026-01-14T22:01:00")
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-14T22:31:00")
    await hub.at("2026-01-14T23:00:00")
    assert supervision(hass).state == "not_supervised"


async def test_out_of_bed_longer_than_the_limit_at_a_check(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS, out_of_bed_minutes=30, escalate_after_minutes=120),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-15T01:00:00",
        options={"offline_timeout": 1440},
    )
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-15T01:01:00")
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.at("2026-01-15T02:00:00")
    assert supervision(hass).state == "out_of_bed"
    assert supervision(hass).attributes["since"] == "01:01"
    report = await night_report(hass)
    # Set up at 01:00: the 23:00 check had no result, which is listed, not hidden.
    assert report["rooms"][0]["checks"] == [
        {"time": "23:00", "result": "not_supervised", "reason": "no_result", "since": None, "alarm": False},
        {"time": "02:00", "result": "out_of_bed", "reason": None, "since": "01:01", "alarm": True},
    ]
    assert "out_of_bed" in [a["kind"] for a in open_alarms(hass)]


async def test_one_out_of_bed_episode_is_one_alarm(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS, out_of_bed_minutes=30, escalate_after_minutes=120),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-15T01:00:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-15T01:01:00")
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.at("2026-01-15T01:40:00")
    await hub.at("2026-01-15T02:00:00")
    assert [e.data["kind"] for e in events] == ["out_of_bed"]


@pytest.mark.usefixtures("production_loop")
async def test_pause_supervision_for_tonight(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        care_device(BED_2, "netvox_r311wa", "Säng R14", room=ROOM_2, role="bed"),
        start="2026-01-14T15:00:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    # Consent withdrawn in the afternoon: tonight's checks of R12 are paused, R14 runs on.
    await hass.services.async_call(
        DOMAIN, "pause_supervision", {"care_unit": UNIT, "room": ROOM, "reason": "consent_withdrawn"},
        blocking=True, context=Context(user_id="user-sjukskoterska"),
    )
    # Pausing again keeps the first pause.
    await hass.services.async_call(
        DOMAIN, "pause_supervision", {"care_unit": UNIT, "room": ROOM, "reason": "away"}, blocking=True
    )
    await hub.at("2026-01-14T22:30:00")
    await hub.send(BED_2, R311WA_IN_BED)
    await hub.at("2026-01-14T23:00:00")

    assert supervision(hass).state == "paused"
    assert supervision(hass, ROOM_2).state == "in_bed"
    # A paused room with no bed data raises no supervision_no_data alarm.
    assert events == []

    result = await hass.services.async_call(
        DOMAIN, "export_audit_log",
        {"start": "2026-01-14T00:00:00", "end": "2026-01-15T12:00:00", "care_unit": UNIT},
        blocking=True, return_response=True,
    )
    pauses = [line for line in result["lines"] if line["action"] == "supervision_paused"]  # type: ignore[index, union-attr]
    assert [(p["room"], p["actor"], p["data"]) for p in pauses] == [
        (ROOM, "user-sjukskoterska", {"night": "2026-01-14", "reason": "consent_withdrawn"})
    ]
    checks = [
        (line["room"], line["data"]["status"])
        for line in result["lines"]  # type: ignore[union-attr]
        if line["action"] == "supervision_check"
    ]
    assert checks == [(ROOM, "paused"), (ROOM_2, "in_bed")]


async def test_pause_a_given_night_and_its_errors(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    await care_hub(
        care_unit(check_times=CHECKS),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-15T03:00:00",
    )
    # 03:00 is still the night of the 14th: that night is paused.
    await hass.services.async_call(
        DOMAIN, "pause_supervision", {"care_unit": UNIT, "room": ROOM, "reason": "away"}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN, "pause_supervision", {"care_unit": UNIT, "room": ROOM, "reason": "other", "night": "2026-01-20"},
        blocking=True,
    )
    manager = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.care
    assert sorted(str(night) for (_, _, night) in manager.nights.pauses) == ["2026-01-14", "2026-01-20"]

    cases = [
        ({"care_unit": "SOL-9", "room": ROOM, "reason": "away"}, "unknown_care_unit"),
        ({"care_unit": UNIT, "room": "R99", "reason": "away"}, "unknown_room"),
        ({"care_unit": UNIT, "room": ROOM, "reason": "away", "night": "2026-01-10"}, "supervision_night_over"),
    ]
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, "pause_supervision", data, blocking=True)
        assert err.value.translation_key == key
    with pytest.raises(ServiceValidationError) as err:
        await night_report(hass, care_unit="SOL-9")
    assert err.value.translation_key == "unknown_care_unit"


async def test_a_resident_room_without_a_bed_sensor_is_not_supervised_and_says_so(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS),
        # R12 is a resident's room (night supervision expected) but has only a door sensor;
        # R14 has only a call button and is not under night supervision.
        care_room(UNIT, ROOM, CHECKS),
        care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
        care_device(BUTTON, "milesight_ws101", "Larm R14", room=ROOM_2),
        start="2026-01-14T22:30:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    notices = async_capture_events(hass, "ange_iot_supervision")
    await hub.at("2026-01-14T22:31:00")
    await hub.at("2026-01-14T23:00:00")
    # Not a quiet night: "not supervised, visit needed", with its reason, notified.
    assert supervision(hass).state == "not_supervised"
    assert supervision(hass).attributes["reason"] == "no_sensor"
    report = await night_report(hass)
    by_room = {room["room"]: room["checks"] for room in report["rooms"]}
    assert by_room[ROOM] == [
        {"time": "23:00", "result": "not_supervised", "reason": "no_sensor", "since": None, "alarm": True}
    ]
    # The room outside night supervision is listed as not supervised too, without an alarm.
    assert by_room[ROOM_2] == [
        {"time": "23:00", "result": "not_supervised", "reason": "no_sensor", "since": None, "alarm": False}
    ]
    assert [e.data["kind"] for e in events] == ["supervision_no_data"]
    assert [e.data for e in notices] == [
        {
            "care_unit": UNIT, "room": ROOM, "night": "2026-01-14",
            "checked_at": local("2026-01-14T23:00:00").astimezone(UTC).isoformat(),
            "result": "not_supervised", "reason": "no_sensor",
        }
    ]


async def test_bed_history_survives_a_restart(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=CHECKS, out_of_bed_minutes=120, escalate_after_minutes=120),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
        start="2026-01-15T01:00:00",
        options={"offline_timeout": 1440},
    )
    await hub.send(DOOR, DOOR_CLOSED)
    await hub.send(BED, R311WA_IN_BED)
    await hub.at("2026-01-15T01:01:00")
    await hub.at("2026-01-15T01:45:00")
    await hub.send(BED, R311WA_OUT_OF_BED)

    await hub.restart()

    # What the bed said before the restart still counts: not "no data".
    await hub.at("2026-01-15T02:00:00")
    assert supervision(hass).state == "out_of_bed"
    assert supervision(hass).attributes["since"] == "01:45"


async def test_a_morning_check_after_night_hours_raises_out_of_bed(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    # The sweep looks for residents out of bed only at night; a check after night hours
    # still raises the alarm itself.
    hub = await care_hub(
        care_unit(check_times=["06:30"], night_end="06:00:00", out_of_bed_minutes=30, escalate_after_minutes=120),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-15T05:50:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.at("2026-01-15T05:51:00")
    await hub.at("2026-01-15T06:30:00")
    assert supervision(hass).state == "out_of_bed"
    assert [(e.data["kind"], e.data["dev_eui"]) for e in events] == [("out_of_bed", None)]
    await hub.minutes(2)
    assert len(events) == 1
