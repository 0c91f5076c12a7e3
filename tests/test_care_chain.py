"""The alarm chain owned by the integration, with no blueprint or automation installed.

A press reaches the duty phone through a notify action the integration calls itself, with
the companion app's documented payload; nobody answering escalates to tier 2; a tap on
the notification (the `mobile_app_notification_action` event) moves the alarm, and the
responses are in the audit log with the HA user and the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import Context, CoreState, HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import (
    BUTTON,
    ROOM,
    UNIT,
    WS101_PRESS,
    CareHub,
    care_device,
    care_hub_fixture,
    care_unit,
    open_alarms,
    production_loop_fixture,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)
_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)

DUTY, NURSE = "notify.duty_phone", "notify.nurse_phone"
ACTION_EVENT = "mobile_app_notification_action"


def expected_page(alarm_id: str, title: str, message: str) -> dict[str, Any]:
    """The companion app payload of an open alarm, written out as the docs spell it."""
    return {
        "title": title,
        "message": message,
        "data": {
            "tag": alarm_id,
            "channel": "alarm_stream",
            "priority": "high",
            "ttl": 0,
            "persistent": True,
            "sticky": True,
            "push": {"interruption-level": "critical", "sound": {"name": "default", "critical": 1, "volume": 1.0}},
            "actions": [
                {"action": f"ANGE_ACK_{alarm_id}", "title": "Kvittera"},
                {"action": f"ANGE_ONWAY_{alarm_id}", "title": "Jag går"},
                {"action": f"ANGE_ARRIVED_{alarm_id}", "title": "På plats"},
                {"action": f"ANGE_RESOLVE_{alarm_id}", "title": "Löst"},
            ],
        },
    }


class Phones:
    """The duty phone and the nurse's phone as notify actions; what each received."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.duty: list[ServiceCall] = async_mock_service(hass, "notify", "duty_phone")
        self.nurse: list[ServiceCall] = async_mock_service(hass, "notify", "nurse_phone")

    @staticmethod
    def payloads(calls: list[ServiceCall]) -> list[dict[str, Any]]:
        return [dict(call.data) for call in calls]


async def tap(hass: HomeAssistant, action: str, user_id: str | None, **extra: Any) -> None:
    """A tap on a notification button, as the companion app fires it."""
    hass.bus.async_fire(ACTION_EVENT, {"action": action, **extra}, context=Context(user_id=user_id))
    await hass.async_block_till_done()


def with_deadline(device: dict[str, Any], minutes: int) -> dict[str, Any]:
    """A care device whose settings override its model's reporting deadline."""
    device["data"]["report_deadline_minutes"] = minutes
    return device


def chain_unit(**data: Any) -> dict[str, Any]:
    return care_unit(**{"notify_targets": [DUTY], "notify_targets_tier2": [NURSE], "escalate_after_minutes": 5, **data})


async def start(care_hub: Callable[..., Any], hass: HomeAssistant, *subentries: dict[str, Any]) -> tuple[CareHub, Phones]:
    phones = Phones(hass)
    hub = await care_hub(*(subentries or (chain_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))))
    return hub, phones


@pytest.mark.usefixtures("production_loop")
async def test_press_to_resolve_through_the_phone(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub, phones = await start(care_hub, hass)
    staff = await hass.auth.async_create_user("Nattpersonal 1")
    phone_entry = MockConfigEntry(domain="mobile_app", data={})
    phone_entry.add_to_hass(hass)
    phone = dr.async_get(hass).async_get_or_create(
        config_entry_id=phone_entry.entry_id, identifiers={("mobile_app", "A1B2-PHONE")}, name="Tjänstetelefon 1"
    )
    events = async_capture_events(hass, "ange_iot_alarm")

    await hub.send(BUTTON, WS101_PRESS)
    [triggered] = events
    alarm_id = triggered.data["alarm_id"]
    page = expected_page(alarm_id, f"{UNIT} {ROOM}", f"{UNIT} {ROOM}: Larmknapp")
    assert phones.payloads(phones.duty) == [page]
    assert phones.nurse == []

    # Nobody answers: paged again every 3 minutes, then tier 2 at 5 minutes.
    await hub.minutes(3)
    assert phones.payloads(phones.duty) == [page, page]
    await hub.minutes(2)
    assert events[-1].data["state"] == "escalated"
    assert phones.payloads(phones.nurse) == [page]
    assert len(phones.duty) == 3

    # The duty phone's buttons, with no automation installed.
    await tap(hass, f"ANGE_ACK_{alarm_id}", staff.id, sourceDevicePermanentID="A1B2-PHONE")
    assert events[-1].data == {**triggered.data, "state": "acknowledged", "acknowledged_by": staff.id}
    await tap(hass, f"ANGE_ONWAY_{alarm_id}", staff.id)
    assert events[-1].data["state"] == "on_the_way"
    await hub.minutes(1)
    await tap(hass, f"ANGE_ARRIVED_{alarm_id}", staff.id)
    assert events[-1].data["state"] == "arrived"
    [listed] = open_alarms(hass)
    assert listed["state"] == "arrived"
    await tap(hass, f"ANGE_RESOLVE_{alarm_id}", staff.id)
    assert events[-1].data == {**triggered.data, "state": "resolved", "acknowledged_by": staff.id, "outcome": "on_site"}
    assert [e.data["state"] for e in events] == ["triggered", "escalated", "acknowledged", "on_the_way", "arrived", "resolved"]
    assert open_alarms(hass) == []

    # Both phones that were paged lose the notification; no further page after the taps.
    clear = {"message": "clear_notification", "data": {"tag": alarm_id}}
    assert phones.payloads(phones.duty)[3:] == [clear]
    assert phones.payloads(phones.nurse) == [page, clear]

    # Every response is in the audit log with the user, and the phone when it is known.
    result = await hass.services.async_call(
        DOMAIN, "export_audit_log", {"start": "2026-01-14T00:00:00", "end": "2026-01-15T00:00:00", "care_unit": UNIT},
        blocking=True, return_response=True,
    )
    responses = [
        (line["action"], line["actor"], line["data"].get("phone"))
        for line in result["lines"]  # type: ignore[index, union-attr]
        if line["data"].get("alarm_id") == alarm_id
    ]
    assert responses == [
        ("alarm_triggered", "system", None),
        ("alarm_escalated", "system", None),
        ("alarm_acknowledged", staff.id, phone.id),
        ("alarm_on_the_way", staff.id, None),
        ("alarm_arrived", staff.id, None),
        ("alarm_resolved", staff.id, None),
    ]


async def test_acknowledged_without_arrival_escalates_again(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub, phones = await start(care_hub, hass)
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]
    await hub.minutes(1)
    await tap(hass, f"ANGE_ACK_{alarm_id}", "user-natt-1")
    paged = len(phones.duty)

    # Acknowledged, no re-pages; nobody arrives within 10 minutes: escalated again, tiers 1 and 2.
    await hub.minutes(9)
    assert [e.data["state"] for e in events] == ["triggered", "acknowledged"]
    assert len(phones.duty) == paged
    await hub.minutes(1)
    assert [e.data["state"] for e in events] == ["triggered", "acknowledged", "escalated"]
    assert len(phones.duty) == paged + 1
    assert [call.data["data"]["tag"] for call in phones.nurse] == [alarm_id]

    # Somebody takes it on again: acknowledged anew, by whoever tapped.
    await tap(hass, f"ANGE_ONWAY_{alarm_id}", "user-natt-2")
    assert events[-1].data["state"] == "on_the_way"
    assert events[-1].data["acknowledged_by"] == "user-natt-2"


async def test_a_repeated_press_is_counted_and_paged_again(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub, phones = await start(care_hub, hass)
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.send(BUTTON, WS101_PRESS)
    await hub.send(BUTTON, WS101_PRESS)

    assert len(events) == 1
    [listed] = open_alarms(hass)
    assert (listed["repeats"], listed["press_count"]) == (2, 3)
    assert len(phones.duty) == 3
    assert {call.data["data"]["tag"] for call in phones.duty} == {events[0].data["alarm_id"]}


async def test_an_open_alarm_is_paged_again_after_a_restart_and_its_buttons_still_work(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub, phones = await start(care_hub, hass)
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]
    before = phones.payloads(phones.duty)

    await hub.restart()

    assert phones.payloads(phones.duty) == [*before, before[0]]
    await tap(hass, f"ANGE_ACK_{alarm_id}", "user-natt-1")
    assert events[-1].data["state"] == "acknowledged"
    assert events[-1].data["acknowledged_by"] == "user-natt-1"
    # Another integration's action, or a forgotten alarm, is left alone.
    await tap(hass, "ANGE_ACK_alarm-unknown", "user-natt-1")
    await tap(hass, "SILENCE", "user-natt-1")
    assert len(events) == 2


async def test_a_silent_and_a_never_reporting_device_raise_device_offline(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    silent, mute = "24e124710b000002", "24e124710b000003"
    hub, phones = await start(
        care_hub, hass, chain_unit(),
        with_deadline(care_device(silent, "milesight_ws101", "Larm R3", room="R3"), 30),
        with_deadline(care_device(mute, "milesight_ws101", "Larm R4", room="R4"), 45),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(silent, bytes.fromhex("ff0bff"))  # any frame is a sign of life
    await hub.minutes(29)
    assert events == []
    await hub.minutes(1)
    assert [(e.data["kind"], e.data["room"], e.data["dev_eui"]) for e in events] == [("device_offline", "R3", silent)]
    assert phones.duty[-1].data["message"] == f"{UNIT} R3: Enhet tyst"
    # The device never reported since it was added: the same alarm after its own deadline.
    await hub.minutes(15)
    raised = [(e.data["kind"], e.data["room"]) for e in events if e.data["state"] == "triggered"]
    assert raised == [("device_offline", "R3"), ("device_offline", "R4")]
    # One alarm per silence, not one a minute.
    await hub.minutes(5)
    assert len([e for e in events if e.data["state"] == "triggered"]) == 2


async def test_ha_down_gives_each_unit_one_system_restart_notice(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub, phones = await start(
        care_hub, hass, chain_unit(), care_unit("SOL-3", notify_targets=[NURSE]),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    assert await hass.config_entries.async_unload(hub.entry.entry_id)
    await hass.async_block_till_done()
    hub.freezer.tick(timedelta(hours=2, minutes=15))
    assert await hass.config_entries.async_setup(hub.entry.entry_id)
    await hass.async_block_till_done()
    assert hub.entry.state is ConfigEntryState.LOADED

    notices = [e.data for e in events if e.data["kind"] == "system_restart"]
    assert sorted(n["care_unit"] for n in notices) == ["SOL-2", "SOL-3"]
    assert [call.data["message"] for call in phones.duty] == ["SOL-2: Systemomstart, larm kan ha missats (2 h 15 min)"]
    assert [call.data["message"] for call in phones.nurse] == ["SOL-3: Systemomstart, larm kan ha missats (2 h 15 min)"]

    # A quick restart is no notice.
    await hub.restart()
    assert len([e for e in events if e.data["kind"] == "system_restart"]) == 2


@pytest.mark.usefixtures("production_loop")
async def test_test_mode_runs_the_chain_marked_as_a_test(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub, phones = await start(
        care_hub, hass, chain_unit(test_interval_days=1), care_device(BUTTON, "milesight_ws101", "Larm R12")
    )
    issues = ir.async_get(hass)
    events = async_capture_events(hass, "ange_iot_alarm")
    # Never tested for a day: a repair issue names the unit and room.
    await hub.at("2026-01-15T15:00:00")
    assert issues.async_get_issue(DOMAIN, f"call_button_untested_{BUTTON}") is not None

    response = await hass.services.async_call(
        DOMAIN, "set_test_mode", {"care_unit": UNIT, "enabled": True, "minutes": 30}, blocking=True,
        return_response=True,
    )
    assert response["test_mode"] is True  # type: ignore[index]
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = next(e.data["alarm_id"] for e in events if e.data["kind"] == "call_button")
    test_page = next(call.data for call in phones.duty if call.data["data"]["tag"] == alarm_id)
    assert test_page["message"] == f"PROVLARM {UNIT} {ROOM}: Larmknapp"
    assert issues.async_get_issue(DOMAIN, f"call_button_untested_{BUTTON}") is None
    # The whole chain runs: the button's actions work on the test alarm too.
    await tap(hass, f"ANGE_RESOLVE_{alarm_id}", "user-natt-1")
    assert events[-1].data["state"] == "resolved"

    result = await hass.services.async_call(
        DOMAIN, "export_audit_log", {"start": "2026-01-15T00:00:00", "end": "2026-01-16T00:00:00", "care_unit": UNIT},
        blocking=True, return_response=True,
    )
    marked = [line["action"] for line in result["lines"] if line["data"].get("test") is True]  # type: ignore[index, union-attr]
    assert marked == ["alarm_triggered", "call_button_tested", "alarm_resolved"]

    # Test mode ends by itself: a press after it is a real alarm again.
    await hub.minutes(31)
    await hub.send(BUTTON, WS101_PRESS)
    assert phones.duty[-1].data["message"] == f"{UNIT} {ROOM}: Larmknapp"


async def test_kinds_that_need_an_arrival_cannot_be_resolved_before(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub, _ = await start(
        care_hub, hass, chain_unit(arrival_required_kinds=["call_button"]),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]
    await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id}, blocking=True)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "by_phone"}, blocking=True
        )
    assert err.value.translation_key == "alarm_arrival_required"
    await hass.services.async_call(DOMAIN, "alarm_arrived", {"alarm_id": alarm_id}, blocking=True)
    await hass.services.async_call(DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, blocking=True)
    assert [e.data["state"] for e in events] == ["triggered", "acknowledged", "arrived", "resolved"]


@pytest.mark.usefixtures("production_loop")
async def test_refusals_name_who_and_when(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub, _ = await start(care_hub, hass)
    staff = await hass.auth.async_create_user("Nattpersonal 1")
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]
    await tap(hass, f"ANGE_ACK_{alarm_id}", staff.id)
    await hub.minutes(2)

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id}, blocking=True, context=Context(user_id="user-2")
        )
    assert err.value.translation_key == "alarm_already_acknowledged"
    # Stockholm wall clock; the acknowledgement was at 14:00 local time.
    assert err.value.translation_placeholders == {
        "alarm_id": alarm_id, "user": "Nattpersonal 1", "time": "14:00",
    }
    # The phone's second tap changes nothing and is not an error anyone sees.
    await tap(hass, f"ANGE_ACK_{alarm_id}", "user-2")
    assert events[-1].data["acknowledged_by"] == staff.id
    # It is in the audit log, under the unit, so a log check finds it.
    result = await hass.services.async_call(
        DOMAIN, "export_audit_log", {"start": "2026-01-14T00:00:00", "end": "2026-01-15T00:00:00", "care_unit": UNIT},
        blocking=True, return_response=True,
    )
    refused = [line for line in result["lines"] if line["action"] == "alarm_response_refused"]  # type: ignore[index, union-attr]
    assert [(line["actor"], line["room"], line["data"]["reason"]) for line in refused] == [
        ("user-2", ROOM, "alarm_already_acknowledged")
    ]


async def test_the_unit_flow_takes_only_existing_notify_actions(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    Phones(hass)
    hub = await care_hub()
    result = await hass.config_entries.subentries.async_init(
        (hub.entry.entry_id, "care_unit"), context={"source": SOURCE_USER}
    )
    # The pickers list the notify actions HA has.
    schema = {str(key): value for key, value in result["data_schema"].schema.items()}
    for tier in ("notify_targets", "notify_targets_tier2", "notify_targets_tier3"):
        options = schema[tier].config["options"]
        assert {DUTY, NURSE} <= set(options)

    for typed in ("Anna på natten", "notify.no_such_phone", "light.kitchen"):
        refused = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"code": "SOL-4", "notify_targets_tier2": [typed]}
        )
        assert refused["type"] is FlowResultType.FORM
        assert refused["errors"] == {"notify_targets_tier2": "notify_target_unknown"}

    created = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"code": "SOL-4", "notify_targets": [DUTY], "notify_targets_tier2": [NURSE], "notify_targets_tier3": [],
         "tier3_after_minutes": 7, "renotify_minutes": 2, "reescalate_minutes": 8},
    )
    assert created["type"] is FlowResultType.CREATE_ENTRY
    unit = hub.manager.units["SOL-4"]
    assert (unit.notify_targets, unit.notify_tier2, unit.renotify_every) == ((DUTY,), (NURSE,), timedelta(minutes=2))


async def test_tier3_after_a_further_wait_and_a_missing_phone_does_not_stop_the_others(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    receiver = async_mock_service(hass, "notify", "alarm_receiver")
    hub, phones = await start(
        care_hub, hass,
        chain_unit(
            notify_targets=["notify.gone_phone", DUTY], notify_targets_tier3=["notify.alarm_receiver"],
            tier3_after_minutes=4, renotify_minutes=0,
        ),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    # notify.gone_phone does not exist (a phone removed since): the duty phone still rings.
    assert len(phones.duty) == 1
    await hub.minutes(5)
    assert (len(phones.duty), len(phones.nurse), len(receiver)) == (2, 1, 0)
    await hub.minutes(3)
    assert receiver == []
    await hub.minutes(1)
    assert [e.data["state"] for e in events] == ["triggered", "escalated", "escalated"]
    assert [call.data["message"] for call in receiver] == [f"{UNIT} {ROOM}: Larmknapp"]
    assert (len(phones.duty), len(phones.nurse)) == (3, 2)
    [listed] = open_alarms(hass)
    assert listed["escalation_level"] == 2


async def test_at_boot_open_alarms_are_paged_once_home_assistant_has_started(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub, phones = await start(care_hub, hass)
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    assert await hass.config_entries.async_unload(hub.entry.entry_id)
    await hass.async_block_till_done()

    # A real boot: the integration loads before the phones' notify actions may exist.
    hass.set_state(CoreState.starting)
    assert await hass.config_entries.async_setup(hub.entry.entry_id)
    await hass.async_block_till_done()
    assert len(phones.duty) == 1
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert [call.data["data"]["tag"] for call in phones.duty] == [events[0].data["alarm_id"]] * 2


async def test_the_device_form_sets_a_care_devices_reporting_deadline(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub, phones = await start(care_hub, hass, chain_unit())
    result = await hass.config_entries.subentries.async_init((hub.entry.entry_id, "device"), context={"source": SOURCE_USER})
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"dev_eui": BUTTON, "model": "milesight_ws101", "name": "Larm R12", "care_unit": UNIT, "room": ROOM,
         "report_deadline_minutes": 20},
    )
    if result["type"] is FlowResultType.FORM and result["step_id"] == "role":
        result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"role": "none"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.minutes(19)
    assert events == []
    await hub.minutes(1)
    assert [(e.data["kind"], e.data["dev_eui"]) for e in events] == [("device_offline", BUTTON)]
    assert phones.duty[-1].data["message"] == f"{UNIT} {ROOM}: Enhet tyst"
