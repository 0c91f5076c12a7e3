"""The operations blueprints, each loaded through HA's schema and run as an automation.

Each test drives the entities a blueprint watches and asserts the exact notification a
user would get. HA's own services (notify) and the integration's ``bins_to_empty``
action are the boundary; the blueprint is the unit under test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    selector,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN

from .conftest import ERS_CO2, ERS_CO2_PAYLOAD, device_subentry
from .helpers import post

Envelope = Callable[..., dict[str, Any]]

BLUEPRINTS = Path(__file__).parents[1] / "blueprints" / "automation" / DOMAIN
SOURCE_URL = "https://github.com/ange-kommun/ange-iot/blob/main/blueprints/automation/ange_iot/"
OPERATIONS = (
    "snow_clearing_dispatch.yaml",
    "kitchen_cold_chain_alert.yaml",
    "water_leak_alert.yaml",
    "bin_emptying_digest.yaml",
    "intrusion_alert.yaml",
    "sensor_health_digest.yaml",
)
AUTOMATION = "automation.under_test"


@pytest.fixture(autouse=True)
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """Serve the repository's blueprints from the test config's blueprint folder."""
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "blueprints" / "automation"
    folder.mkdir(parents=True)
    (folder / DOMAIN).symlink_to(BLUEPRINTS, target_is_directory=True)


@pytest.fixture(autouse=True)
async def turn_off_automation_after_test(hass: HomeAssistant) -> AsyncGenerator[None]:
    """Detach the automation's triggers before HA stops, as removing it from a real HA would.

    HA stops without detaching automation triggers, which would leave the time
    triggers' timers behind.
    """
    yield
    if hass.states.get(AUTOMATION) is not None:
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": AUTOMATION}, blocking=True
        )


@pytest.fixture
async def stockholm(hass: HomeAssistant) -> None:
    """Ånge's clock: digests and alerts speak local time."""
    await hass.config.async_set_time_zone("Europe/Stockholm")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=dt_util.get_default_time_zone())


async def _use_blueprint(hass: HomeAssistant, file: str, inputs: dict[str, Any]) -> None:
    """Run a blueprint as an automation, the way a user's automations.yaml would."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "under_test",
                "alias": "Under test",
                "use_blueprint": {"path": f"{DOMAIN}/{file}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(AUTOMATION)
    # An automation whose substituted config does not validate is set up as unavailable.
    assert state is not None
    assert state.state == "on"


def _payloads(calls: list[ServiceCall]) -> list[dict[str, Any]]:
    return [dict(call.data) for call in calls]


async def _settle(hass: HomeAssistant) -> None:
    """Let the automation run its steps.

    A run that waits (for the snow to go, for an acknowledgement) would keep
    ``async_block_till_done`` from returning, so yield to the loop instead, as HA core's
    own blueprint tests do.
    """
    for _ in range(30):
        await asyncio.sleep(0)


async def _pass_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await _settle(hass)


async def _window_ends(hass: HomeAssistant) -> None:
    """End a run's gathering ``delay``: its timer runs on the loop's clock, so fire them all."""
    await _settle(hass)  # a run just triggered has yet to reach its delay step
    async_fire_time_changed(hass, fire_all=True)
    await _settle(hass)


async def _time_is(hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: datetime) -> None:
    freezer.move_to(when)
    async_fire_time_changed(hass, when)
    await _settle(hass)


@pytest.mark.parametrize("file", OPERATIONS)
def test_blueprint_valid(file: str) -> None:
    """Each file passes HA's blueprint schema and follows the project's blueprint rules."""
    blueprint = Blueprint(
        yaml_util.load_yaml_dict(BLUEPRINTS / file),
        expected_domain="automation",
        path=f"{DOMAIN}/{file}",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.validate() is None  # min_version is met by the HA we test with
    metadata = blueprint.metadata
    assert metadata["author"] == "Ånge kommun"
    assert metadata["source_url"] == SOURCE_URL + file
    assert metadata["homeassistant"] == {"min_version": "2025.4.0"}
    assert "Svenska:" in metadata["description"]
    for name, spec in blueprint.inputs.items():
        assert spec is not None
        assert "selector" in spec, f"{name} has no selector"
        selector.validate_selector(spec["selector"])
    # Inputs reach templates through variables only: no template holds an !input tag.
    text = (BLUEPRINTS / file).read_text(encoding="utf-8")
    assert not [line for line in text.splitlines() if "{{" in line and "!input" in line]
    for key in ("triggers", "actions"):
        assert key in blueprint.data
    assert "trigger" not in blueprint.data
    assert "action" not in blueprint.data


# --- snow_clearing_dispatch ---------------------------------------------------------------

SNOW_ANGE = "sensor.ange_centrum_snowfall_since_clearing"
SNOW_FRANSTA = "sensor.fransta_snowfall_since_clearing"
SNOW_ATTRS = {"device_class": "distance", "unit_of_measurement": "cm"}


def _depth(hass: HomeAssistant, entity_id: str, name: str, depth: float | str) -> None:
    hass.states.async_set(entity_id, str(depth), {**SNOW_ATTRS, "friendly_name": name})


async def test_snow_dispatch_once_per_snowfall_and_rearms(hass: HomeAssistant) -> None:
    """One message per snowfall, listing every station that crossed within the gathering window.

    The decision this pins down: stations that cross the threshold within the window
    (default 60 s) after the first crossing share one message, deepest first. It does not
    depend on whether HA runs a state listener at once or on the next loop pass, since
    uplinks from two stations never arrive in the same instant anyway.
    """
    _depth(hass, SNOW_ANGE, "Ånge centrum", 0)
    _depth(hass, SNOW_FRANSTA, "Fränsta", 1)
    await _use_blueprint(
        hass,
        "snow_clearing_dispatch.yaml",
        {
            "depth_sensors": [SNOW_ANGE, SNOW_FRANSTA],
            "notify_actions": ["notify.plogbil_1", "notify.plogbil_2"],
        },
    )
    crew_1 = async_mock_service(hass, "notify", "plogbil_1")
    crew_2 = async_mock_service(hass, "notify", "plogbil_2")

    _depth(hass, SNOW_FRANSTA, "Fränsta", 4)
    await _window_ends(hass)
    assert crew_1 == []

    # Fränsta crosses the default 5 cm: nothing while the window is open, then both phones.
    _depth(hass, SNOW_FRANSTA, "Fränsta", 6.5)
    await _settle(hass)
    assert crew_1 == []
    await _window_ends(hass)
    first = {
        "title": "Snöröjning behövs",
        "message": "Snödjupet är över 5 cm vid:\n- Fränsta: 6.5 cm",
    }
    assert _payloads(crew_1) == [first]
    assert _payloads(crew_2) == [first]

    # Same snowfall: more uplinks, and Ånge going over too, send nothing more.
    _depth(hass, SNOW_FRANSTA, "Fränsta", 9)
    _depth(hass, SNOW_ANGE, "Ånge centrum", 7)
    await _window_ends(hass)
    # Fränsta is cleared (mark_cleared), but Ånge is still over: not re-armed yet.
    _depth(hass, SNOW_FRANSTA, "Fränsta", 0)
    await _settle(hass)
    _depth(hass, SNOW_FRANSTA, "Fränsta", 6)
    await _window_ends(hass)
    assert len(crew_1) == 1

    # Every station at or below the threshold re-arms it.
    _depth(hass, SNOW_FRANSTA, "Fränsta", 0)
    _depth(hass, SNOW_ANGE, "Ånge centrum", 5)
    await _window_ends(hass)
    assert len(crew_1) == 1

    # The next snowfall reaches both stations within the window: one message, deepest first.
    _depth(hass, SNOW_FRANSTA, "Fränsta", 8)
    await _settle(hass)
    _depth(hass, SNOW_ANGE, "Ånge centrum", 12.34)
    await _window_ends(hass)
    assert _payloads(crew_1)[1:] == [
        {
            "title": "Snöröjning behövs",
            "message": "Snödjupet är över 5 cm vid:\n- Ånge centrum: 12.3 cm\n- Fränsta: 8 cm",
        }
    ]

    # A station crossing after the window has closed waits for the next snowfall.
    _depth(hass, SNOW_FRANSTA, "Fränsta", 0)
    _depth(hass, SNOW_ANGE, "Ånge centrum", 0)
    await _window_ends(hass)
    _depth(hass, SNOW_FRANSTA, "Fränsta", 7)
    await _window_ends(hass)
    _depth(hass, SNOW_ANGE, "Ånge centrum", 9)
    await _window_ends(hass)
    assert [p["message"] for p in _payloads(crew_1)[2:]] == [
        "Snödjupet är över 5 cm vid:\n- Fränsta: 7 cm"
    ]


async def test_snow_dispatch_ignores_silent_station(hass: HomeAssistant) -> None:
    """A station that went silent neither blocks re-arming nor shows up in the list."""
    _depth(hass, SNOW_ANGE, "Ånge centrum", 0)
    _depth(hass, SNOW_FRANSTA, "Fränsta", 0)
    await _use_blueprint(
        hass,
        "snow_clearing_dispatch.yaml",
        {
            "depth_sensors": [SNOW_ANGE, SNOW_FRANSTA],
            "threshold_cm": 10,
            "notify_actions": ["notify.plogbil_1"],
            "title": "Plogning",
            "gather_seconds": 0,
        },
    )
    crew = async_mock_service(hass, "notify", "plogbil_1")

    _depth(hass, SNOW_ANGE, "Ånge centrum", 11)
    await _settle(hass)
    _depth(hass, SNOW_ANGE, "Ånge centrum", "unavailable")
    await _settle(hass)
    _depth(hass, SNOW_FRANSTA, "Fränsta", 12)
    await _settle(hass)
    # Ånge is not listed: its depth is unknown, not over the threshold.
    assert _payloads(crew) == [
        {"title": "Plogning", "message": "Snödjupet är över 10 cm vid:\n- Ånge centrum: 11 cm"},
        {"title": "Plogning", "message": "Snödjupet är över 10 cm vid:\n- Fränsta: 12 cm"},
    ]


# --- kitchen_cold_chain_alert -------------------------------------------------------------

FREEZER_EUI = "24e124136c225107"


@pytest.fixture
def freezer_unit(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    area_registry: ar.AreaRegistry,
) -> tuple[str, str]:
    """A freezer in the school kitchen: its out-of-range sensor and its temperature."""
    entry = MockConfigEntry(domain=DOMAIN, title="ChirpStack v4")
    entry.add_to_hass(hass)
    kitchen = area_registry.async_create("Skolköket")
    device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, FREEZER_EUI)},
        name="Frys 2",
    )
    device_registry.async_update_device(device.id, area_id=kitchen.id)
    alarm = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{FREEZER_EUI}_out_of_range",
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="frys_2_temperature_out_of_range",
    )
    humidity = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{FREEZER_EUI}_humidity",
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="frys_2_humidity",
    )
    temperature = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{FREEZER_EUI}_temperature",
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="frys_2_temperature",
    )
    hass.states.async_set(
        alarm.entity_id,
        "off",
        {"device_class": "problem", "friendly_name": "Frys 2 Temperature out of range"},
    )
    hass.states.async_set(
        humidity.entity_id, "81", {"device_class": "humidity", "unit_of_measurement": "%"}
    )
    _freezer_temperature(hass, temperature.entity_id, "-19.5")
    return alarm.entity_id, temperature.entity_id


def _freezer_temperature(hass: HomeAssistant, entity_id: str, value: str) -> None:
    hass.states.async_set(
        entity_id, value, {"device_class": "temperature", "unit_of_measurement": "°C"}
    )


COLD_CHAIN_INPUTS = {
    "first_notify": ["notify.mobile_app_koket"],
    "escalation_notify": ["notify.mobile_app_kostchef", "notify.fastighetsjour"],
}


async def test_cold_chain_escalates_when_nobody_acknowledges(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, freezer_unit: tuple[str, str]
) -> None:
    alarm, temperature = freezer_unit
    await _use_blueprint(
        hass,
        "kitchen_cold_chain_alert.yaml",
        {"out_of_range_sensors": [alarm], **COLD_CHAIN_INPUTS},
    )
    kitchen = async_mock_service(hass, "notify", "mobile_app_koket")
    manager = async_mock_service(hass, "notify", "mobile_app_kostchef")
    on_call = async_mock_service(hass, "notify", "fastighetsjour")

    _freezer_temperature(hass, temperature, "-12.4")
    hass.states.async_set(alarm, "on", {"device_class": "problem"})
    await _settle(hass)

    assert len(kitchen) == 1
    run = kitchen[0].context.id
    assert _payloads(kitchen) == [
        {
            "title": "Kylkedjan: temperaturlarm",
            "message": "Frys 2 (Skolköket): -12.4 °C, utanför gränsvärdet.",
            "data": {
                "tag": f"ange_iot_cold_chain_{run}",
                "actions": [{"action": f"ACK_{run}", "title": "Kvitterat"}],
            },
        }
    ]

    # A button of another alarm does not acknowledge this one.
    hass.bus.async_fire("mobile_app_notification_action", {"action": "ACK_another_run"})
    await _pass_time(hass, freezer, timedelta(minutes=14))
    assert manager == []

    _freezer_temperature(hass, temperature, "-9.8")
    await _pass_time(hass, freezer, timedelta(minutes=1, seconds=1))
    escalation = {
        "title": "Kylkedjan: ingen har kvitterat",
        "message": (
            "Frys 2 (Skolköket): -9.8 °C, fortfarande utanför gränsvärdet."
            " Ingen har kvitterat larmet på 15 minuter."
        ),
    }
    assert _payloads(manager) == [escalation]
    assert _payloads(on_call) == [escalation]
    assert len(kitchen) == 1


async def test_cold_chain_acknowledged_from_the_phone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, freezer_unit: tuple[str, str]
) -> None:
    alarm, _ = freezer_unit
    hass.states.async_set("person.anna", "home", {"user_id": "user-anna", "friendly_name": "Anna"})
    await _use_blueprint(
        hass,
        "kitchen_cold_chain_alert.yaml",
        {"out_of_range_sensors": [alarm], **COLD_CHAIN_INPUTS, "escalation_minutes": 30},
    )
    kitchen = async_mock_service(hass, "notify", "mobile_app_koket")
    manager = async_mock_service(hass, "notify", "mobile_app_kostchef")

    hass.states.async_set(alarm, "on", {"device_class": "problem"})
    await _settle(hass)
    run = kitchen[0].context.id

    await _pass_time(hass, freezer, timedelta(minutes=10))
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": f"ACK_{run}"},
        context=Context(user_id="user-anna"),
    )
    await _settle(hass)
    assert _payloads(kitchen)[1:] == [
        {
            "title": "Kylkedjan: kvitterat",
            "message": "Frys 2 (Skolköket): kvitterat av Anna.",
            "data": {"tag": f"ange_iot_cold_chain_{run}"},
        }
    ]

    # Still out of range, but someone is on it: the next group is not called.
    await _pass_time(hass, freezer, timedelta(minutes=45))
    assert manager == []
    assert len(kitchen) == 2


async def test_cold_chain_recovers_before_escalation(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, freezer_unit: tuple[str, str]
) -> None:
    alarm, _ = freezer_unit
    await _use_blueprint(
        hass,
        "kitchen_cold_chain_alert.yaml",
        {"out_of_range_sensors": [alarm], **COLD_CHAIN_INPUTS},
    )
    kitchen = async_mock_service(hass, "notify", "mobile_app_koket")
    manager = async_mock_service(hass, "notify", "mobile_app_kostchef")

    hass.states.async_set(alarm, "on", {"device_class": "problem"})
    await _settle(hass)
    await _pass_time(hass, freezer, timedelta(minutes=5))
    hass.states.async_set(alarm, "off", {"device_class": "problem"})
    await _settle(hass)
    await _pass_time(hass, freezer, timedelta(minutes=20))

    assert len(kitchen) == 1
    assert manager == []


# --- water_leak_alert ---------------------------------------------------------------------


@pytest.fixture
def meters(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    area_registry: ar.AreaRegistry,
) -> dict[str, str]:
    """Two meters: one with English entity names, one named by its user in Swedish."""
    entry = MockConfigEntry(domain=DOMAIN, title="ChirpStack v4")
    entry.add_to_hass(hass)
    school = area_registry.async_create("Ånge skola")
    storgatan = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "0011223344556677")},
        name="Vattenmätare Storgatan 3",
    )
    device_registry.async_update_device(storgatan.id, area_id=school.id)
    torrbacken = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "0011223344556688")},
        name="Mätare Torrbacken",
    )
    sensors = {
        "burst": (storgatan, "meter_alarm_burst", "Vattenmätare Storgatan 3 Meter burst alarm"),
        "suspected": (storgatan, "leak_suspected", "Vattenmätare Storgatan 3 Suspected leak"),
        "leak": (torrbacken, "meter_alarm_leak", "Mätare Torrbacken Mätarlarm läcka"),
    }
    ids: dict[str, str] = {}
    for key, (device, reading, name) in sensors.items():
        dev_eui = next(iter(device.identifiers))[1]
        entity = entity_registry.async_get_or_create(
            "binary_sensor",
            DOMAIN,
            f"{dev_eui}_{reading}",
            config_entry=entry,
            device_id=device.id,
            suggested_object_id=f"{device.name}_{reading}".lower().replace(" ", "_"),
        )
        hass.states.async_set(entity.entity_id, "off", {"friendly_name": name})
        ids[key] = entity.entity_id
    # A pump alarm that is no meter of ours, without a device.
    hass.states.async_set("binary_sensor.pumphus", "off", {"friendly_name": "Pumphus larm"})
    ids["pump"] = "binary_sensor.pumphus"
    return ids


async def test_water_leak_alerts_name_meter_and_alarm(
    hass: HomeAssistant, meters: dict[str, str]
) -> None:
    await _use_blueprint(
        hass,
        "water_leak_alert.yaml",
        {
            "alarm_sensors": [meters["burst"], meters["leak"], meters["pump"]],
            "suspected_leak_sensors": [meters["suspected"]],
            "notify_actions": ["notify.va_jouren"],
        },
    )
    water = async_mock_service(hass, "notify", "va_jouren")

    for key in ("burst", "suspected", "leak", "pump"):
        hass.states.async_set(meters[key], "on", hass.states.get(meters[key]).attributes)
        await hass.async_block_till_done()
    # Staying on (another uplink with the same alarm) is not a new alarm.
    hass.states.async_set(meters["burst"], "on", {"friendly_name": "renamed"})
    await hass.async_block_till_done()

    assert [call["message"] for call in _payloads(water)] == [
        "Vattenmätare Storgatan 3 (Ånge skola): rörbrottslarm.",
        "Vattenmätare Storgatan 3 (Ånge skola): misstänkt läcka, vattnet har inte stått"
        " still en enda timme det senaste dygnet.",
        # "Torr" in the meter's own name is no dry-pipe alarm.
        "Mätare Torrbacken: läckagelarm.",
        "Pumphus larm: larm.",
    ]
    assert {call["title"] for call in _payloads(water)} == {"Vattenlarm"}


async def test_water_leak_alert_with_only_suspected_leaks(
    hass: HomeAssistant, meters: dict[str, str]
) -> None:
    await _use_blueprint(
        hass,
        "water_leak_alert.yaml",
        {
            "suspected_leak_sensors": [meters["suspected"]],
            "notify_actions": "notify.va_jouren",
            "title": "Läcka?",
        },
    )
    water = async_mock_service(hass, "notify", "va_jouren")

    hass.states.async_set(meters["burst"], "on")
    await hass.async_block_till_done()
    assert water == []

    hass.states.async_set(meters["suspected"], "on")
    await hass.async_block_till_done()
    assert len(water) == 1
    assert water[0].data["title"] == "Läcka?"


# --- bin_emptying_digest ------------------------------------------------------------------

BINS = [
    {
        "name": "Kärl Torget",
        "fill_level": 96.4,
        "place": "Torget",
        "latitude": 62.5244,
        "longitude": 15.6586,
        "device_id": "d1",
        "dev_eui": "24e124713b229901",
    },
    {
        "name": "Kärl Badplatsen",
        "fill_level": 81.0,
        "place": None,
        "latitude": None,
        "longitude": None,
        "device_id": "d2",
        "dev_eui": "24e124713b229902",
    },
]


@dataclass
class FakeBinsAction:
    """The integration's ``bins_to_empty`` action: the answers to give, the requests seen."""

    answers: list[list[dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def bins_to_empty(hass: HomeAssistant) -> FakeBinsAction:
    """Register the action with the response shape services.py documents."""
    fake = FakeBinsAction()

    async def handle(call: ServiceCall) -> ServiceResponse:
        fake.requests.append(dict(call.data))
        return {"bins": fake.answers.pop(0)}

    hass.services.async_register(
        DOMAIN, "bins_to_empty", handle, supports_response=SupportsResponse.ONLY
    )
    return fake


async def test_bin_digest_lists_bins_and_stays_quiet_when_none(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stockholm: None,
    bins_to_empty: FakeBinsAction,
) -> None:
    bins_to_empty.answers.extend([BINS, []])
    freezer.move_to(_local(2025, 3, 10, 6, 0))  # a Monday
    await _use_blueprint(
        hass,
        "bin_emptying_digest.yaml",
        {"notify_actions": ["notify.sopbil"], "weekdays": ["mon", "tue", "wed", "thu", "fri"]},
    )
    crew = async_mock_service(hass, "notify", "sopbil")

    await _time_is(hass, freezer, _local(2025, 3, 10, 6, 29, 59))
    assert bins_to_empty.requests == []
    await _time_is(hass, freezer, _local(2025, 3, 10, 6, 30))
    # No threshold input: each bin's own threshold applies.
    assert bins_to_empty.requests == [{}]
    assert _payloads(crew) == [
        {
            "title": "Kärl att tömma",
            "message": "2 kärl behöver tömmas:\n- Kärl Torget: 96 % (Torget)\n- Kärl Badplatsen: 81 %",
        }
    ]

    # Tuesday: nothing to empty, nothing sent.
    await _time_is(hass, freezer, _local(2025, 3, 11, 6, 30))
    assert bins_to_empty.requests == [{}, {}]
    assert len(crew) == 1

    # Saturday is not one of the chosen days: the integration is not even asked.
    await _time_is(hass, freezer, _local(2025, 3, 15, 6, 30))
    assert len(bins_to_empty.requests) == 2


async def test_bin_digest_threshold_overrides_bins_own(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stockholm: None,
    bins_to_empty: FakeBinsAction,
) -> None:
    bins_to_empty.answers.append(BINS[:1])
    freezer.move_to(_local(2025, 3, 15, 12, 0))
    await _use_blueprint(
        hass,
        "bin_emptying_digest.yaml",
        {"notify_actions": ["notify.sopbil"], "send_time": "14:00:00", "threshold": 90},
    )
    crew = async_mock_service(hass, "notify", "sopbil")

    await _time_is(hass, freezer, _local(2025, 3, 15, 14, 0))
    assert bins_to_empty.requests == [{"threshold": 90}]
    assert _payloads(crew) == [
        {
            "title": "Kärl att tömma",
            "message": "1 kärl behöver tömmas:\n- Kärl Torget: 96 % (Torget)",
        }
    ]


# --- intrusion_alert ----------------------------------------------------------------------

OPENING_HOURS = "schedule.oppettider_skolan"
CORRIDOR = "binary_sensor.korridor_occupancy"
BACK_DOOR = "binary_sensor.bakdorr_door"


@pytest.fixture
def school_sensors(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, area_registry: ar.AreaRegistry
) -> None:
    """A corridor presence sensor in the school and a back door without an area."""
    school = area_registry.async_create("Ånge skola")
    corridor = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        "a81758fffe04c0de_occupancy",
        suggested_object_id="korridor_occupancy",
    )
    entity_registry.async_update_entity(corridor.entity_id, area_id=school.id)
    hass.states.async_set(CORRIDOR, "off", {"friendly_name": "Korridor Occupancy"})
    hass.states.async_set(BACK_DOOR, "off", {"friendly_name": "Bakdörr"})


async def _presence(hass: HomeAssistant, entity_id: str, state: str) -> None:
    hass.states.async_set(entity_id, state, hass.states.get(entity_id).attributes)
    await hass.async_block_till_done()


async def test_intrusion_only_outside_opening_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stockholm: None, school_sensors: None
) -> None:
    hass.states.async_set(OPENING_HOURS, "on")
    freezer.move_to(_local(2025, 2, 4, 14, 5))
    await _use_blueprint(
        hass,
        "intrusion_alert.yaml",
        {
            "presence_sensors": [CORRIDOR, BACK_DOOR],
            "opening_hours": OPENING_HOURS,
            "notify_actions": ["notify.fastighetsjour"],
        },
    )
    on_call = async_mock_service(hass, "notify", "fastighetsjour")

    # School day: pupils in the corridor are no intrusion.
    await _presence(hass, CORRIDOR, "on")
    await _presence(hass, CORRIDOR, "off")
    assert on_call == []

    hass.states.async_set(OPENING_HOURS, "off")
    freezer.move_to(_local(2025, 2, 5, 2, 14))
    await _presence(hass, CORRIDOR, "on")
    await _presence(hass, BACK_DOOR, "on")
    assert _payloads(on_call) == [
        {
            "title": "Intrångslarm",
            "message": "Närvaro utanför öppettiderna: Korridor Occupancy (Ånge skola) kl. 02:14.",
        },
        {"title": "Intrångslarm", "message": "Närvaro utanför öppettiderna: Bakdörr kl. 02:14."},
    ]


@pytest.mark.parametrize(
    ("armed_entity", "disarmed", "armed"),
    [
        ("input_boolean.larm_skolan", "off", "on"),
        ("alarm_control_panel.skolan", "disarmed", "armed_night"),
    ],
)
async def test_intrusion_only_when_armed(
    hass: HomeAssistant, school_sensors: None, armed_entity: str, disarmed: str, armed: str
) -> None:
    hass.states.async_set(OPENING_HOURS, "off")
    hass.states.async_set(armed_entity, disarmed)
    await _use_blueprint(
        hass,
        "intrusion_alert.yaml",
        {
            "presence_sensors": [BACK_DOOR],
            "opening_hours": OPENING_HOURS,
            "notify_actions": ["notify.fastighetsjour"],
            "armed_entity": armed_entity,
        },
    )
    on_call = async_mock_service(hass, "notify", "fastighetsjour")

    # The caretaker is in after hours and has not armed the building.
    await _presence(hass, BACK_DOOR, "on")
    await _presence(hass, BACK_DOOR, "off")
    assert on_call == []

    hass.states.async_set(armed_entity, armed)
    await _presence(hass, BACK_DOOR, "on")
    assert len(on_call) == 1
    assert on_call[0].data["message"].startswith("Närvaro utanför öppettiderna: Bakdörr kl. ")


# --- sensor_health_digest -----------------------------------------------------------------
# Run against the real integration: the digest finds devices through the integration's
# own entities, and a device goes silent through the integration's offline detection.

WS202 = "24e124710b423527"
R311A = "00137a100000a1b2"
EM300_TH = "24e124136c225108"
# SD ws-series/ws202 README: battery 16 %, pir trigger, dark.
WS202_PAYLOAD = bytes.fromhex("017510030001040000")
# TTN netvox r311a-codec.yaml status report with the low-battery bit set (0x97: 2.3 V).
R311A_LOW_BATTERY = bytes.fromhex("0102019701000000000000")
# SD em-series/em300-th/em300-th-codec.json: battery 100, 26 °C, 61.5 %.
EM300_TH_PAYLOAD = bytes.fromhex("0175640367040104687b")


@pytest.fixture
async def health_hub(
    hass: HomeAssistant,
    hub_data: dict[str, Any],
    area_registry: ar.AreaRegistry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
    stockholm: None,
) -> Callable[[str, bytes, int, int], Any]:
    """A hub with four devices, started at 04:30; returns a function that delivers one uplink."""
    # Before the hub starts: its offline check is a timer on the (frozen) clock.
    freezer.move_to(_local(2025, 11, 3, 4, 30))
    solgarden = area_registry.async_create("Solgården")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ChirpStack v4",
        data=hub_data,
        subentries_data=[
            device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum", area=solgarden.id),
            device_subentry(WS202, "milesight_ws202", "Korridor"),
            device_subentry(R311A, "netvox_r311a", "Förrådsdörr"),
            device_subentry(EM300_TH, "milesight_em300_th", "Kylrum"),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()

    async def uplink(dev_eui: str, payload: bytes, f_cnt: int, f_port: int) -> None:
        now = dt_util.utcnow().isoformat()
        status, _ = await post(
            client, chirpstack_up(dev_eui, payload, f_cnt, f_port=f_port, time=now)
        )
        assert status == 200
        await hass.async_block_till_done()

    return uplink


async def test_health_digest_lists_silent_devices_and_low_batteries(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stockholm: None,
    health_hub: Callable[[str, bytes, int, int], Any],
) -> None:
    uplink = health_hub
    await uplink(ERS_CO2, ERS_CO2_PAYLOAD, 1, 5)
    await _use_blueprint(
        hass, "sensor_health_digest.yaml", {"notify_actions": ["notify.iot_drift"]}
    )
    it_staff = async_mock_service(hass, "notify", "iot_drift")

    # The others report just before the digest; the Dagrum sensor has been silent for 2.5 h.
    await _time_is(hass, freezer, _local(2025, 11, 3, 6, 45))
    await uplink(WS202, WS202_PAYLOAD, 1, 85)
    await uplink(R311A, R311A_LOW_BATTERY, 1, 6)
    await uplink(EM300_TH, EM300_TH_PAYLOAD, 1, 85)
    await _time_is(hass, freezer, _local(2025, 11, 3, 7, 0))

    assert _payloads(it_staff) == [
        {
            "title": "Sensorhälsa",
            "message": (
                "Tysta enheter (hörs inte av):\n- Dagrum (Solgården)"
                "\n\nLågt batteri:\n- Förrådsdörr: batteriet är svagt\n- Korridor: 16 %"
            ),
        }
    ]


async def test_health_digest_silent_when_all_is_well(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    health_hub: Callable[[str, bytes, int, int], Any],
) -> None:
    uplink = health_hub
    await _use_blueprint(
        hass,
        "sensor_health_digest.yaml",
        {"notify_actions": ["notify.iot_drift"], "send_time": "06:30:00", "battery_threshold": 50},
    )
    it_staff = async_mock_service(hass, "notify", "iot_drift")

    # Two devices report and the batteries are fine; the two that have never reported
    # have no entities yet, so there is nothing to say about them.
    await _time_is(hass, freezer, _local(2025, 11, 3, 6, 0))
    await uplink(ERS_CO2, ERS_CO2_PAYLOAD, 1, 5)
    await uplink(EM300_TH, EM300_TH_PAYLOAD, 1, 85)
    await _time_is(hass, freezer, _local(2025, 11, 3, 6, 30))
    assert it_staff == []

    # A battery under the chosen limit is worth a message.
    await uplink(WS202, WS202_PAYLOAD, 1, 85)
    await _time_is(hass, freezer, _local(2025, 11, 4, 6, 0))
    await uplink(ERS_CO2, ERS_CO2_PAYLOAD, 2, 5)
    await uplink(EM300_TH, EM300_TH_PAYLOAD, 2, 85)
    await uplink(WS202, WS202_PAYLOAD, 2, 85)
    await _time_is(hass, freezer, _local(2025, 11, 4, 6, 30))
    assert _payloads(it_staff) == [
        {"title": "Sensorhälsa", "message": "Lågt batteri:\n- Korridor: 16 %"}
    ]


async def test_cold_chain_escalates_when_the_sensor_goes_silent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, freezer_unit: tuple[str, str]
) -> None:
    """A freezer whose sensor drops out mid-alarm has not recovered: the next group hears."""
    alarm, temperature = freezer_unit
    await _use_blueprint(
        hass,
        "kitchen_cold_chain_alert.yaml",
        {"out_of_range_sensors": [alarm], **COLD_CHAIN_INPUTS, "escalation_minutes": 5},
    )
    async_mock_service(hass, "notify", "mobile_app_koket")
    manager = async_mock_service(hass, "notify", "mobile_app_kostchef")

    hass.states.async_set(alarm, "on", {"device_class": "problem"})
    await _settle(hass)
    hass.states.async_set(alarm, "unavailable")
    hass.states.async_set(temperature, "unavailable")
    await _pass_time(hass, freezer, timedelta(minutes=5, seconds=1))

    assert _payloads(manager) == [
        {
            "title": "Kylkedjan: ingen har kvitterat",
            "message": (
                "Frys 2 (Skolköket): ingen aktuell mätning, sensorn hörs inte längre."
                " Ingen har kvitterat larmet på 5 minuter."
            ),
        }
    ]
