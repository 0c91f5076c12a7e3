"""The care blueprints, loaded through Home Assistant's blueprint schema and run as automations.

The integration's actions (acknowledge_alarm, night_report) are the boundary here and are
mocked with the fields DESIGN.md and issue 4 give them; alarms arrive as `ange_iot_alarm` events
exactly as the integration fires them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator, Mapping
from datetime import timedelta
import json
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    async_mock_service,
)
import voluptuous as vol

from custom_components.ange_iot.const import DOMAIN

BLUEPRINT_DIR = Path(__file__).parent.parent / "blueprints" / "automation" / "ange_iot"
SOURCE_URL = "https://github.com/ange-kommun/ange-iot/blob/main/blueprints/automation/ange_iot/"

ALARM = "care_alarm_notify_and_escalate.yaml"
DOSE = "missed_dose_alert.yaml"
REPORT = "night_supervision_report.yaml"
INACTIVITY = "inactivity_check.yaml"

# Inputs a user must fill in; every other input needs a default.
REQUIRED_INPUTS = {
    ALARM: {"care_unit", "on_duty_notify"},
    DOSE: {"home_care_notify"},
    REPORT: {"care_unit", "report_notify"},
    INACTIVITY: {"sensors", "room", "care_unit", "on_duty_notify"},
}

UNIT = "SOL-2"
ROOM = "104"
ALARM_ID = "5f0c2a9e41d64b7c9a1e0d3b6c8f2e17"
ON_DUTY = ("mobile_app_jour_1", "mobile_app_jour_2")
NEXT_GROUP = ("mobile_app_sjukskoterska",)
HOME_CARE = ("mobile_app_hemtjanst_1",)
USER_ID = "abc123"

CRITICAL = {
    "push": {
        "interruption-level": "critical",
        "sound": {"name": "default", "critical": 1, "volume": 1.0},
    },
    "channel": "alarm_stream",
    "ttl": 0,
    "priority": "high",
}

# The integration's action fields (DESIGN.md; user_id is the optional field the blueprints
# use to record who tapped).
ACKNOWLEDGE_SCHEMA = vol.Schema(
    {vol.Required("alarm_id"): cv.string, vol.Optional("user_id"): cv.string}
)


@pytest.fixture(autouse=True)
def blueprint_folder(tmp_path: Path) -> Generator[Path]:
    """Serve the shipped blueprints from a config folder, where HA's loader looks for them.

    A copy, so the blueprint integration's example files never land in the repository.
    """
    folder = tmp_path / "blueprints"
    target = folder / "automation" / "ange_iot"
    target.mkdir(parents=True)
    for path in REQUIRED_INPUTS:
        shutil.copy(BLUEPRINT_DIR / path, target / path)
    with patch.object(
        models.DomainBlueprints,
        "blueprint_folder",
        new=property(lambda self: folder / self.domain),
    ):
        yield folder


@pytest.fixture(autouse=True)
async def stop_automation(hass: HomeAssistant) -> AsyncGenerator[None]:
    """Detach the automation's triggers, so a time trigger leaves no timer behind."""
    yield
    if hass.states.get("automation.care") is not None:
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "automation.care"}, blocking=True
        )


async def settle(hass: HomeAssistant) -> None:
    """Let running automations reach their next wait.

    `async_block_till_done` would wait for the runs still waiting for a tap.
    """
    for _ in range(50):
        await asyncio.sleep(0)


async def setup_blueprint(hass: HomeAssistant, path: str, inputs: Mapping[str, Any]) -> None:
    """Run one blueprint as the automation `automation.care`."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "care",
                "alias": "care",
                "use_blueprint": {"path": f"ange_iot/{path}", "input": dict(inputs)},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get("automation.care")
    # An automation whose blueprint or inputs do not validate is created unavailable.
    assert state is not None
    assert state.state == STATE_ON


def mock_notify(hass: HomeAssistant, *names: str) -> dict[str, list[ServiceCall]]:
    return {name: async_mock_service(hass, "notify", name) for name in names}


def payloads(calls: list[ServiceCall]) -> list[dict[str, Any]]:
    return [dict(call.data) for call in calls]


def alarm_event(
    hass: HomeAssistant,
    state: str,
    *,
    kind: str = "call_button",
    alarm_id: str = ALARM_ID,
    care_unit: str = UNIT,
    room: str = ROOM,
    **extra: Any,
) -> None:
    data = {
        "alarm_id": alarm_id,
        "kind": kind,
        "state": state,
        "care_unit": care_unit,
        "room": room,
        "dev_eui": "a81758fffe05d001",
        "triggered_at": "2025-05-02T01:58:00+00:00",
        **extra,
    }
    hass.bus.async_fire("ange_iot_alarm", data)


def tap(hass: HomeAssistant, action: str, user_id: str | None = USER_ID) -> None:
    """What the mobile app fires when a notification button is pressed."""
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": action, "tag": ALARM_ID},
        context=Context(user_id=user_id),
    )


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await settle(hass)


def alarm_payload(
    kind_text: str = "Larmknapp",
    *,
    ack: str = "Kvittera",
    on_my_way: str = "Jag går dit",
    secret: bool = True,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tag": ALARM_ID,
        "actions": [
            {"action": f"ACK_{ALARM_ID}", "title": ack},
            {"action": f"ONMYWAY_{ALARM_ID}", "title": on_my_way},
        ],
        **CRITICAL,
    }
    if secret:
        data["visibility"] = "secret"
    return {"title": kind_text, "message": f"Rum {ROOM}", "data": data}


ACKNOWLEDGED_PAYLOAD = {
    "title": "Kvitterat: Larmknapp",
    "message": f"Rum {ROOM}",
    "data": {"tag": ALARM_ID, "push": {"interruption-level": "passive"}, "visibility": "secret"},
}
CLEAR_PAYLOAD = {"message": "clear_notification", "data": {"tag": ALARM_ID}}


# --- Every blueprint: the schema and the house rules ------------------------------------------


def _input_paths(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Where `!input` tags sit in a blueprint's automation part."""
    if isinstance(node, yaml_util.Input):
        return [path]
    if isinstance(node, Mapping):
        return [p for key, value in node.items() for p in _input_paths(value, (*path, str(key)))]
    if isinstance(node, list):
        return [p for i, value in enumerate(node) for p in _input_paths(value, (*path, str(i)))]
    return []


@pytest.mark.parametrize("path", [ALARM, DOSE, REPORT, INACTIVITY])
def test_blueprint_schema_and_metadata(path: str) -> None:
    raw = yaml_util.load_yaml_dict(BLUEPRINT_DIR / path)
    blueprint = models.Blueprint(
        raw, expected_domain="automation", path=path, schema=AUTOMATION_BLUEPRINT_SCHEMA
    )

    meta = blueprint.metadata
    assert meta["author"] == "Ånge kommun"
    assert meta["source_url"] == SOURCE_URL + path
    assert meta["homeassistant"]["min_version"] == "2025.4.0"
    assert all(isinstance(section.get("input"), dict) for section in meta["input"].values()), (
        "every input sits in a section"
    )
    inputs = blueprint.inputs
    assert all("selector" in spec for spec in inputs.values())
    assert {key for key, spec in inputs.items() if "default" not in spec} == REQUIRED_INPUTS[path]

    # Current syntax only.
    assert {"triggers", "actions"} <= raw.keys()
    assert not {"trigger", "action", "condition"} & raw.keys()
    text = (BLUEPRINT_DIR / path).read_text(encoding="utf-8")
    assert "service:" not in text
    assert "platform:" not in text

    # Inputs reach templates only through variables; a trigger may use one as a literal value.
    for where in _input_paths({k: v for k, v in raw.items() if k != "blueprint"}):
        assert where[0] in {"variables", "triggers"}, where
        if where[0] == "triggers":
            assert where[-1] in {"at", "care_unit"}, where


# --- care_alarm_notify_and_escalate ---------------------------------------------------------


@pytest.fixture
def acknowledge(hass: HomeAssistant) -> list[ServiceCall]:
    return async_mock_service(hass, DOMAIN, "acknowledge_alarm", schema=ACKNOWLEDGE_SCHEMA)


@pytest.fixture
def groups(hass: HomeAssistant) -> dict[str, list[ServiceCall]]:
    return mock_notify(hass, *ON_DUTY, *NEXT_GROUP)


ALARM_INPUTS = {
    "care_unit": UNIT,
    "on_duty_notify": [f"notify.{name}" for name in ON_DUTY],
    "escalation_notify": [f"notify.{name}" for name in NEXT_GROUP],
}


def on_duty_calls(groups: dict[str, list[ServiceCall]]) -> list[list[dict[str, Any]]]:
    return [payloads(groups[name]) for name in ON_DUTY]


def next_group_calls(groups: dict[str, list[ServiceCall]]) -> list[dict[str, Any]]:
    return payloads(groups[NEXT_GROUP[0]])


async def test_alarm_goes_to_on_duty_group_as_critical_actionable_push(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], acknowledge: list[ServiceCall]
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)

    alarm_event(hass, "triggered")
    await settle(hass)

    assert on_duty_calls(groups) == [[alarm_payload()], [alarm_payload()]]
    assert next_group_calls(groups) == []
    assert acknowledge == []


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("missed_dose", "Missad dos"),
        ("dispenser_fault", "Fel på läkemedelsrobot"),
        ("night_door", "Ytterdörr öppnad nattetid"),
        ("out_of_bed", "Ur sängen"),
        ("inactivity", "Ingen aktivitet"),
        ("water_leak", "Vattenläcka"),
        ("device_offline", "Sensor tyst"),
        ("battery_low", "Lågt batteri"),
        ("supervision_no_data", "Tillsyn utan data – besök behövs"),
        # A kind added to the integration later is still announced, without its raw key.
        ("smoke", "Larm"),
    ],
)
async def test_alarm_kind_is_named_in_swedish(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], kind: str, text: str
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)

    alarm_event(hass, "triggered", kind=kind)
    await settle(hass)

    assert payloads(groups[ON_DUTY[0]]) == [alarm_payload(text)]


async def test_alarm_of_other_unit_or_excluded_kind_is_not_sent(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]]
) -> None:
    await setup_blueprint(hass, ALARM, {**ALARM_INPUTS, "excluded_kinds": ["missed_dose"]})

    alarm_event(hass, "triggered", care_unit="SOL-3")
    alarm_event(hass, "triggered", kind="missed_dose", alarm_id="other")
    # An escalated event starts nothing by itself: the alarm's own run escalates, so the next
    # group never gets the same alarm twice.
    alarm_event(hass, "escalated")
    await settle(hass)

    assert on_duty_calls(groups) == [[], []]
    assert next_group_calls(groups) == []


@pytest.mark.parametrize("button", ["ACK", "ONMYWAY"])
async def test_tap_acknowledges_as_the_user_who_tapped(
    hass: HomeAssistant,
    groups: dict[str, list[ServiceCall]],
    acknowledge: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
    button: str,
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    tap(hass, f"{button}_{ALARM_ID}")
    await settle(hass)

    assert payloads(acknowledge) == [{"alarm_id": ALARM_ID, "user_id": USER_ID}]
    # Acknowledged in time: the next group is never disturbed.
    await advance(hass, freezer, timedelta(minutes=30))
    assert next_group_calls(groups) == []
    assert len(acknowledge) == 1


async def test_tap_without_a_user_still_acknowledges(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], acknowledge: list[ServiceCall]
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    tap(hass, f"ACK_{ALARM_ID}", user_id=None)
    await settle(hass)

    assert payloads(acknowledge) == [{"alarm_id": ALARM_ID}]


async def test_tap_on_another_alarm_does_not_acknowledge_this_one(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], acknowledge: list[ServiceCall]
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    tap(hass, "ACK_0000other")
    await settle(hass)

    assert acknowledge == []


async def test_no_acknowledgement_escalates_to_next_group_after_the_set_minutes(
    hass: HomeAssistant,
    groups: dict[str, list[ServiceCall]],
    acknowledge: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    await advance(hass, freezer, timedelta(minutes=4, seconds=50))
    assert next_group_calls(groups) == []

    await advance(hass, freezer, timedelta(seconds=11))
    assert next_group_calls(groups) == [alarm_payload()]
    # The on-duty group keeps its notification; it is not sent again.
    assert on_duty_calls(groups) == [[alarm_payload()], [alarm_payload()]]

    # Either group may still answer, with the same buttons.
    tap(hass, f"ACK_{ALARM_ID}")
    await settle(hass)
    assert payloads(acknowledge) == [{"alarm_id": ALARM_ID, "user_id": USER_ID}]


async def test_escalation_minutes_is_an_input(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], freezer: FrozenDateTimeFactory
) -> None:
    await setup_blueprint(hass, ALARM, {**ALARM_INPUTS, "escalation_minutes": 10})
    alarm_event(hass, "triggered")
    await settle(hass)

    await advance(hass, freezer, timedelta(minutes=9, seconds=50))
    assert next_group_calls(groups) == []
    await advance(hass, freezer, timedelta(seconds=11))
    assert next_group_calls(groups) == [alarm_payload()]


async def test_integration_escalation_reaches_next_group_at_once(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], freezer: FrozenDateTimeFactory
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    alarm_event(hass, "escalated")
    await settle(hass)
    assert next_group_calls(groups) == [alarm_payload()]

    # The blueprint's own timer does not escalate a second time.
    await advance(hass, freezer, timedelta(minutes=10))
    assert next_group_calls(groups) == [alarm_payload()]


async def test_acknowledged_elsewhere_replaces_notification_and_stops_escalation(
    hass: HomeAssistant,
    groups: dict[str, list[ServiceCall]],
    acknowledge: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to("2025-05-02T01:59:00+00:00")
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    # Acknowledged from the dashboard, two minutes after it was raised.
    await advance(hass, freezer, timedelta(minutes=1))
    alarm_event(hass, "acknowledged", acknowledged_by="dashboard-user")
    await settle(hass)

    assert on_duty_calls(groups) == [[alarm_payload(), ACKNOWLEDGED_PAYLOAD]] * 2
    await advance(hass, freezer, timedelta(minutes=30))
    assert next_group_calls(groups) == []
    assert acknowledge == []


async def test_acknowledged_after_escalation_replaces_it_for_both_groups(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2025-05-02T01:58:00+00:00")
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)
    await advance(hass, freezer, timedelta(minutes=6))

    alarm_event(hass, "acknowledged", acknowledged_by=USER_ID)
    await settle(hass)

    assert on_duty_calls(groups) == [[alarm_payload(), ACKNOWLEDGED_PAYLOAD]] * 2
    assert next_group_calls(groups) == [alarm_payload(), ACKNOWLEDGED_PAYLOAD]


async def test_resolved_clears_the_notification_everywhere(
    hass: HomeAssistant,
    groups: dict[str, list[ServiceCall]],
    acknowledge: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    await settle(hass)

    alarm_event(hass, "resolved", outcome="false_alarm")
    await settle(hass)

    assert on_duty_calls(groups) == [[alarm_payload(), CLEAR_PAYLOAD]] * 2
    assert next_group_calls(groups) == [CLEAR_PAYLOAD]
    # Resolved before anyone tapped: nothing left to escalate or acknowledge.
    await advance(hass, freezer, timedelta(minutes=30))
    assert next_group_calls(groups) == [CLEAR_PAYLOAD]
    assert acknowledge == []


async def test_button_texts_visibility_and_bare_notify_names(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]]
) -> None:
    await setup_blueprint(
        hass,
        ALARM,
        {
            "care_unit": UNIT,
            "on_duty_notify": [ON_DUTY[0]],
            "ack_text": "OK",
            "on_my_way_text": "På väg",
            "secret_visibility": False,
        },
    )

    alarm_event(hass, "triggered")
    await settle(hass)

    assert payloads(groups[ON_DUTY[0]]) == [
        alarm_payload(ack="OK", on_my_way="På väg", secret=False)
    ]
    assert payloads(groups[ON_DUTY[1]]) == []


async def test_parallel_alarms_are_acknowledged_separately(
    hass: HomeAssistant, groups: dict[str, list[ServiceCall]], acknowledge: list[ServiceCall]
) -> None:
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    alarm_event(hass, "triggered")
    alarm_event(hass, "triggered", alarm_id="a2", room="105", kind="water_leak")
    await settle(hass)

    tap(hass, "ACK_a2", user_id="def456")
    tap(hass, f"ACK_{ALARM_ID}")
    await settle(hass)

    assert sorted(payloads(acknowledge), key=lambda d: d["alarm_id"]) == [
        {"alarm_id": ALARM_ID, "user_id": USER_ID},
        {"alarm_id": "a2", "user_id": "def456"},
    ]
    assert [call["message"] for call in payloads(groups[ON_DUTY[0]])] == ["Rum 104", "Rum 105"]


# --- missed_dose_alert --------------------------------------------------------------------------


def dose_payload(kind_text: str, *, critical: bool = False) -> dict[str, Any]:
    delivery: dict[str, Any] = (
        {"push": CRITICAL["push"], "channel": "alarm_stream"}
        if critical
        else {"push": {"interruption-level": "time-sensitive"}}
    )
    return {
        "title": kind_text,
        "message": "Brukare HC-017",
        "data": {
            "tag": ALARM_ID,
            "actions": [{"action": f"ACK_{ALARM_ID}", "title": "Kvittera"}],
            "ttl": 0,
            "priority": "high",
            **delivery,
            "visibility": "secret",
        },
    }


DOSE_INPUTS = {"home_care_notify": [f"notify.{HOME_CARE[0]}"]}


@pytest.mark.parametrize(
    ("kind", "text"), [("missed_dose", "Missad dos"), ("dispenser_fault", "Fel på läkemedelsrobot")]
)
async def test_dose_alarm_goes_to_home_care_group_and_tap_acknowledges(
    hass: HomeAssistant, acknowledge: list[ServiceCall], kind: str, text: str
) -> None:
    calls = mock_notify(hass, *HOME_CARE)[HOME_CARE[0]]
    await setup_blueprint(hass, DOSE, DOSE_INPUTS)

    alarm_event(hass, "triggered", kind=kind, care_unit="HT-NORR", room="HC-017")
    await settle(hass)
    assert payloads(calls) == [dose_payload(text)]

    tap(hass, f"ACK_{ALARM_ID}")
    await settle(hass)
    assert payloads(acknowledge) == [{"alarm_id": ALARM_ID, "user_id": USER_ID}]


async def test_dose_alert_ignores_other_kinds_and_other_units(hass: HomeAssistant) -> None:
    calls = mock_notify(hass, *HOME_CARE)[HOME_CARE[0]]
    await setup_blueprint(hass, DOSE, {**DOSE_INPUTS, "care_unit": "HT-NORR"})

    alarm_event(hass, "triggered", kind="call_button", care_unit="HT-NORR", room="HC-017")
    alarm_event(hass, "triggered", kind="missed_dose", care_unit="HT-SYD", room="HC-017")
    await settle(hass)
    assert calls == []

    alarm_event(hass, "triggered", kind="missed_dose", care_unit="HT-NORR", room="HC-017")
    await settle(hass)
    assert payloads(calls) == [dose_payload("Missad dos")]


async def test_dose_alert_critical_option_and_lifecycle(hass: HomeAssistant) -> None:
    calls = mock_notify(hass, *HOME_CARE)[HOME_CARE[0]]
    await setup_blueprint(hass, DOSE, {**DOSE_INPUTS, "critical": True})

    alarm_event(hass, "triggered", kind="missed_dose", care_unit="HT-NORR", room="HC-017")
    await settle(hass)
    alarm_event(hass, "acknowledged", kind="missed_dose", care_unit="HT-NORR", room="HC-017")
    await settle(hass)
    alarm_event(hass, "resolved", kind="missed_dose", care_unit="HT-NORR", room="HC-017")
    await settle(hass)

    assert payloads(calls) == [
        dose_payload("Missad dos", critical=True),
        {
            "title": "Kvitterat: Missad dos",
            "message": "Brukare HC-017",
            "data": {
                "tag": ALARM_ID,
                "push": {"interruption-level": "passive"},
                "visibility": "secret",
            },
        },
        CLEAR_PAYLOAD,
    ]


# --- night_supervision_report -----------------------------------------------------------------

NIGHT_REPORT = {
    "care_unit": UNIT,
    "night": "2025-05-01",
    "rooms": [
        {
            "room": "101",
            # Not part of the contract: shows that nothing but codes and results is pushed.
            "resident": "Astrid Lindqvist",
            "checks": [
                {"time": "23:00", "result": "in_bed", "since": None},
                {"time": "02:00", "result": "out_of_bed", "since": "01:40"},
                {"time": "05:00", "result": "no_data", "since": None},
            ],
        },
        {
            "room": "102",
            "checks": [
                {"time": "23:00", "result": "paused", "since": None},
                {"time": "05:00", "result": "door_opened", "since": "02:10"},
            ],
        },
        {"room": "103", "checks": []},
    ],
}
NIGHT_MESSAGE = (
    "Rum 101: 23:00 i säng, 02:00 ur sängen sedan 01:40, 05:00 ingen data – besök behövdes\n"
    "Rum 102: 23:00 tillsyn pausad, 05:00 ytterdörren öppnad kl. 02:10\n"
    "Rum 103: inga kontroller"
)


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to("2025-05-02T05:30:00+02:00")


async def test_night_report_sent_at_the_morning_time(
    hass: HomeAssistant, stockholm: None, freezer: FrozenDateTimeFactory
) -> None:
    report_calls = async_mock_service(
        hass, DOMAIN, "night_report", response=NIGHT_REPORT, supports_response=SupportsResponse.ONLY
    )
    calls = mock_notify(hass, "mobile_app_dag_sol_2")["mobile_app_dag_sol_2"]
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await setup_blueprint(
        hass, REPORT, {"care_unit": UNIT, "report_notify": ["notify.mobile_app_dag_sol_2"]}
    )

    freezer.move_to("2025-05-02T07:04:00+02:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert report_calls == []

    freezer.move_to("2025-05-02T07:05:00+02:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert payloads(report_calls) == [{"care_unit": UNIT}]
    assert payloads(calls) == [
        {
            "title": "Nattillsyn SOL-2 natten 2025-05-01",
            "message": NIGHT_MESSAGE,
            "data": {"visibility": "secret"},
        }
    ]
    assert persistent == []


async def test_night_report_persistent_notification_and_empty_night(
    hass: HomeAssistant, stockholm: None, freezer: FrozenDateTimeFactory
) -> None:
    async_mock_service(
        hass,
        DOMAIN,
        "night_report",
        response={"care_unit": UNIT, "night": "2025-05-01", "rooms": []},
        supports_response=SupportsResponse.ONLY,
    )
    calls = mock_notify(hass, "mobile_app_dag_sol_2")["mobile_app_dag_sol_2"]
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await setup_blueprint(
        hass,
        REPORT,
        {
            "care_unit": UNIT,
            "report_notify": ["mobile_app_dag_sol_2"],
            "report_time": "06:45:00",
            "persistent": True,
            "secret_visibility": False,
        },
    )

    freezer.move_to("2025-05-02T06:45:00+02:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    message = "Inga tillsynskontroller registrerades i natt."
    title = "Nattillsyn SOL-2 natten 2025-05-01"
    assert payloads(calls) == [{"title": title, "message": message, "data": {}}]
    assert payloads(persistent) == [
        {"notification_id": "ange_iot_night_report_SOL-2", "title": title, "message": message}
    ]


# --- inactivity_check ---------------------------------------------------------------------------

SENSORS = ["binary_sensor.rum_104_narvaro", "binary_sensor.rum_104_rorelse"]
INACTIVITY_INPUTS = {
    "sensors": SENSORS,
    "room": ROOM,
    "care_unit": UNIT,
    "on_duty_notify": [f"notify.{ON_DUTY[0]}"],
}
INACTIVITY_PAYLOAD = {
    "title": "Ingen aktivitet",
    "message": f"Rum {ROOM}",
    "data": {"tag": f"ange_iot_inactivity_{UNIT}_{ROOM}", **CRITICAL, "visibility": "secret"},
}


async def run_morning(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, states: dict[str, list[tuple[str, str]]]
) -> list[dict[str, Any]]:
    """Set sensor states at the given local times, then run the 10:00 check."""
    calls = mock_notify(hass, ON_DUTY[0])[ON_DUTY[0]]
    await setup_blueprint(hass, INACTIVITY, INACTIVITY_INPUTS)
    timeline = sorted(
        (at, entity, state) for entity, steps in states.items() for at, state in steps
    )
    for at, entity, state in timeline:
        freezer.move_to(f"2025-05-02T{at}:00+02:00")
        hass.states.async_set(entity, state, {"device_class": "occupancy"})
    await hass.async_block_till_done()
    assert calls == []
    freezer.move_to("2025-05-02T10:00:00+02:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    return payloads(calls)


async def test_no_activity_since_morning_notifies_on_duty(
    hass: HomeAssistant, stockholm: None, freezer: FrozenDateTimeFactory
) -> None:
    sent = await run_morning(
        hass,
        freezer,
        {
            SENSORS[0]: [("05:30", STATE_ON), ("05:45", STATE_OFF)],
            SENSORS[1]: [("05:30", STATE_OFF)],
        },
    )
    assert sent == [INACTIVITY_PAYLOAD]


@pytest.mark.parametrize(
    "steps",
    [
        # Motion after 06:00 that has ended again.
        {SENSORS[1]: [("05:30", STATE_OFF), ("07:10", STATE_ON), ("07:12", STATE_OFF)]},
        # Present since the night and still present.
        {SENSORS[0]: [("05:30", STATE_ON)]},
    ],
)
async def test_activity_since_morning_sends_nothing(
    hass: HomeAssistant,
    stockholm: None,
    freezer: FrozenDateTimeFactory,
    steps: dict[str, list[tuple[str, str]]],
) -> None:
    assert await run_morning(hass, freezer, steps) == []


async def test_silent_sensors_never_count_as_activity(
    hass: HomeAssistant, stockholm: None, freezer: FrozenDateTimeFactory
) -> None:
    sent = await run_morning(
        hass,
        freezer,
        {
            SENSORS[0]: [("05:30", STATE_OFF), ("07:00", STATE_UNAVAILABLE)],
            SENSORS[1]: [("08:00", STATE_UNAVAILABLE)],
        },
    )
    assert sent == [INACTIVITY_PAYLOAD]


# --- Privacy ------------------------------------------------------------------------------------

NAME = "Astrid Lindqvist"
PERSONNUMMER = "19121212-1212"
DEV_EUI = "a81758fffe05d001"


def pushed_text(calls: list[ServiceCall]) -> list[tuple[str | None, str]]:
    return [(call.data.get("title"), call.data["message"]) for call in calls]


async def test_push_text_holds_only_room_code_and_kind(
    hass: HomeAssistant,
    groups: dict[str, list[ServiceCall]],
    acknowledge: list[ServiceCall],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Whatever else an event carries, only the room code and the kind reach the phones."""
    await setup_blueprint(hass, ALARM, ALARM_INPUTS)
    extra = {"resident": NAME, "note": f"{NAME} {PERSONNUMMER}", "device_name": NAME}

    alarm_event(hass, "triggered", **extra)
    await settle(hass)
    await advance(hass, freezer, timedelta(minutes=6))
    alarm_event(hass, "acknowledged", acknowledged_by=USER_ID, **extra)
    alarm_event(hass, "resolved", outcome="on_site", **extra)
    await settle(hass)

    calls = [call for name in (*ON_DUTY, *NEXT_GROUP) for call in groups[name]]
    allowed = {
        ("Larmknapp", f"Rum {ROOM}"),
        ("Kvitterat: Larmknapp", f"Rum {ROOM}"),
        (None, "clear_notification"),
    }
    assert set(pushed_text(calls)) == allowed
    sent = json.dumps([dict(call.data) for call in calls], ensure_ascii=False)
    for secret in ("Astrid", "Lindqvist", PERSONNUMMER, DEV_EUI, UNIT, "call_button"):
        assert secret not in sent


async def test_dose_push_text_holds_no_names(
    hass: HomeAssistant, stockholm: None, freezer: FrozenDateTimeFactory
) -> None:
    calls = mock_notify(hass, *HOME_CARE)[HOME_CARE[0]]
    await setup_blueprint(hass, DOSE, DOSE_INPUTS)
    alarm_event(
        hass, "triggered", kind="missed_dose", room="HC-017", resident=NAME, note=PERSONNUMMER
    )
    await settle(hass)
    assert pushed_text(calls) == [("Missad dos", "Brukare HC-017")]
    sent = json.dumps([dict(call.data) for call in calls], ensure_ascii=False)
    for secret in ("Astrid", PERSONNUMMER, DEV_EUI, "missed_dose"):
        assert secret not in sent
