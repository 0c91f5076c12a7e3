"""Care data is special-category personal data: the care marker, and no names or personal
identity numbers in entity ids, logs, diagnostics or alarm events."""

from __future__ import annotations

from collections.abc import Callable
import json
import logging
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.ange_iot.care_runtime.entities import CareEntity
from custom_components.ange_iot.const import (
    ATTR_CATEGORY,
    CATEGORY_CARE,
    DOMAIN,
    MODEL_NETWORK_DECODED,
)
from custom_components.ange_iot.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from custom_components.ange_iot.entity import AngeIotBaseEntity

from .conftest import ERS_CO2, ERS_CO2_PAYLOAD, device_subentry
from .helpers import post, registry_device
from .test_care_alarms import (
    BED,
    BUTTON,
    CONTRACT_KEYS,
    DISPENSER,
    DOOR,
    DOOR_OPEN,
    LEAK,
    PORTS,
    PRESENCE,
    R311WA_IN_BED,
    R718WA_LEAK,
    ROOM,
    UNIT,
    WS101_PRESS,
    care_device,
    care_hub_fixture,
    care_unit,
    dispenser,
    local,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)

PORTS.setdefault("elsys_ers_co2", 5)
# What must never come out: a personal identity number in its usual shapes, and a name.
PERSONNUMMER = "19121212-1212"
FORBIDDEN = (PERSONNUMMER, "191212121212", "121212-1212", "1212121212", "Tolvan", "Tolvansson")

CARE_DEVICES = (
    care_device(BUTTON, "milesight_ws101", "Larm R12"),
    care_device(LEAK, "netvox_r718wa", "Läcka R12"),
    care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
    care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
    care_device(PRESENCE, MODEL_NETWORK_DECODED, "Närvaro R12", role="room_presence"),
)


def assert_clean(where: str, text: str) -> None:
    for word in FORBIDDEN:
        assert word not in text, f"{word!r} reached {where}"


async def busy_night(hass: HomeAssistant, hub: Any) -> None:
    """Every care path once: uplinks whose envelopes carry personal data, alarms, checks, dispenser."""
    for dev_eui, payload, decoded in (
        (BED, R311WA_IN_BED, None),
        (BUTTON, WS101_PRESS, None),
        (LEAK, R718WA_LEAK, None),
        (DOOR, DOOR_OPEN, None),
        # A network-server codec that adds what it should not.
        (PRESENCE, b"\x01", {"motion": 2, "name": "Tolvan Tolvansson", "personnummer": PERSONNUMMER}),
    ):
        hub.f_cnt[dev_eui] = hub.f_cnt.get(dev_eui, 0) + 1
        body = hub.build(dev_eui, payload, hub.f_cnt[dev_eui], f_port=PORTS[hub.model_of(dev_eui)])
        # The operator named the device after the resident in the network server.
        body["deviceInfo"]["deviceName"] = f"Tolvan Tolvansson {PERSONNUMMER}"
        body["deviceInfo"]["tags"] = {"resident": f"Tolvan Tolvansson {PERSONNUMMER}"}
        if decoded is not None:
            body["object"] = decoded
        body["time"] = local("2026-01-14T23:30:00").isoformat()
        assert (await post(hub.client, body))[0] == 200
    await hass.async_block_till_done()
    alarms = hub.manager.book.open_alarms()
    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": alarms[0].alarm_id, "user_id": (await hass.auth.async_create_user("Natt 1")).id}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN, "resolve_alarm", {"alarm_id": alarms[1].alarm_id, "outcome": "false_alarm"}, blocking=True
    )
    await hub.at("2026-01-15T02:00:00")
    # A dispenser adapter that sends a personal identity number where a code belongs.
    for body in (
        {"dispenser_id": PERSONNUMMER},
        {"dispenser_id": "EV-0042", "client_name": "Tolvan Tolvansson"},
        {"dispenser_id": "EV-0042", "battery": PERSONNUMMER},
        {"dispenser_id": "EV-0042", "at": PERSONNUMMER},
    ):
        event = {"type": "dispenser_event", "event": "heartbeat", "event_id": "h-1", "at": local("2026-01-15T02:00:00").isoformat()}
        status, answer = await hub.dispense(event | body)
        assert status in (400, 404)
        assert_clean("a webhook answer", json.dumps(answer))
    await hub.dispense(
        {
            "type": "dispenser_event", "dispenser_id": DISPENSER, "event": "dose_missed", "event_id": "m-1",
            "at": local("2026-01-15T02:00:00").isoformat(), "dose_id": "d-1",
            "scheduled_for": local("2026-01-15T01:00:00").isoformat(),
        }
    )


async def test_no_personal_data_in_entity_ids_logs_diagnostics_or_events(
    hass: HomeAssistant, care_hub: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub = await care_hub(
        care_unit(check_times=["02:00"]), *CARE_DEVICES, dispenser(unit=UNIT, client="K-17"),
        start="2026-01-14T23:30:00", options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.at("2026-01-14T23:31:00")
    await busy_night(hass, hub)

    kinds = {event.data["kind"] for event in events}
    assert {"call_button", "water_leak", "night_door", "missed_dose"} <= kinds
    for event in events:
        assert set(event.data) <= CONTRACT_KEYS
        assert_clean("an ange_iot_alarm event", json.dumps(event.data))

    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, hub.entry.entry_id)
    assert len(entities) > 20
    for entity in entities:
        assert_clean("an entity id", entity.entity_id)
        assert_clean("a unique id", entity.unique_id)
        state = hass.states.get(entity.entity_id)
        if state is not None:
            assert_clean("a state", json.dumps(state.as_dict(), default=str))
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), hub.entry.entry_id):
        assert_clean("a device name", str(device.name))

    diagnostics = await async_get_config_entry_diagnostics(hass, hub.entry)
    text = json.dumps(diagnostics, default=str)
    assert_clean("the hub's diagnostics", text)
    # Care readings are kept out of diagnostics; only their keys show.
    care = [device for device in diagnostics["devices"] if device["care"]]
    assert len(care) == len(CARE_DEVICES)
    assert all(isinstance(device["readings"], list) for device in care)
    for dev_eui in (BUTTON, PRESENCE):
        assert dev_eui not in text
        device = registry_device(hass, dev_eui)
        assert device is not None
        assert_clean("a device's diagnostics", json.dumps(await async_get_device_diagnostics(hass, hub.entry, device), default=str))

    assert_clean("the log", caplog.text)


async def test_no_personal_data_from_a_dispenser_field_name_in_logs(
    hass: HomeAssistant, care_hub: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    # An adapter that keys its data by the client's personal identity number.
    caplog.set_level(logging.DEBUG)
    hub = await care_hub(dispenser(unit=UNIT, client="K-17"))
    status, answer = await hub.dispense(
        {
            "type": "dispenser_event", "dispenser_id": DISPENSER, "event": "heartbeat", "event_id": "h-1",
            "at": local("2026-01-14T14:00:00").isoformat(), PERSONNUMMER: {"doses": 3},
        }
    )
    assert status == 400
    assert_clean("the webhook answer", json.dumps(answer))
    assert_clean("the log", caplog.text)


async def test_care_marker_on_every_care_entity(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(check_times=["23:00"]), *CARE_DEVICES, dispenser(unit=UNIT, client="K-17"),
        device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum Solgården"),
        start="2026-01-14T22:50:00",
    )
    for dev_eui, payload, decoded in (
        (BED, R311WA_IN_BED, None), (BUTTON, WS101_PRESS, None), (LEAK, R718WA_LEAK, None),
        (DOOR, DOOR_OPEN, None), (PRESENCE, b"", {"motion": 1, "battery": 80}), (ERS_CO2, ERS_CO2_PAYLOAD, None),
    ):
        await hub.send(dev_eui, payload, decoded=decoded)
    await hub.at("2026-01-14T22:51:00")
    await hub.at("2026-01-14T23:00:00")

    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, hub.entry.entry_id)
    public = {e.entity_id for e in entities if e.unique_id.startswith(ERS_CO2)}
    public.add(next(e.entity_id for e in entities if e.unique_id.endswith("_rejected_uplinks")))
    # The radio network (gateways, coverage) is infrastructure, not care data.
    public |= {
        e.entity_id for e in entities
        if e.unique_id.startswith("gateway_") or e.unique_id.endswith("_single_gateway_devices")
    }
    care = {e.entity_id for e in entities} - public
    platforms = {entity_id.split(".")[0] for entity_id in care}
    assert platforms == {"sensor", "binary_sensor", "event"}
    kinds = {
        "unit": {e.entity_id for e in entities if "_care_" in e.unique_id},
        "dispenser": {e.entity_id for e in entities if e.unique_id.startswith("dispenser_")},
        "device": {e.entity_id for e in entities if e.unique_id.split("_")[0] in {BUTTON, LEAK, BED, DOOR, PRESENCE}},
    }
    assert all(kinds.values())
    assert set().union(*kinds.values()) == care
    assert any(e.unique_id.endswith(f"_{ROOM}_supervision") for e in entities)

    def marked(entity_ids: set[str]) -> dict[str, str | None]:
        found = {}
        for entity_id in entity_ids:
            state = hass.states.get(entity_id)
            if state is not None:
                found[entity_id] = state.attributes.get("category")
        return found

    assert set(marked(care).values()) == {"care"}
    assert len(marked(care)) == len(care) - sum(1 for e in entities if e.entity_id in care and e.disabled)
    assert set(marked(public).values()) == {None}

    # The care devices fall silent: unavailable, still marked.
    await hub.at("2026-01-15T01:10:00")
    device_states = {entity_id: hass.states.get(entity_id) for entity_id in kinds["device"]}
    unavailable = [s for s in device_states.values() if s is not None and s.state == STATE_UNAVAILABLE]
    assert len(unavailable) >= 5
    assert {s.attributes.get("category") for s in unavailable} == {"care"}

    # Unloaded (as while HA starts): every care entity is unavailable and keeps its marker.
    assert await hass.config_entries.async_unload(hub.entry.entry_id)
    await hass.async_block_till_done()
    for entity_id, category in marked(care).items():
        state = hass.states.get(entity_id)
        assert state is not None and state.state == STATE_UNAVAILABLE, entity_id
        assert category == "care", entity_id
    assert set(marked(public).values()) == {None}


async def test_alarm_event_data_has_only_contract_keys(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(escalate_after_minutes=1), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(1)
    alarm_id = events[0].data["alarm_id"]
    await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id, "user_id": (await hass.auth.async_create_user("Natt 1")).id}, blocking=True)
    await hass.services.async_call(DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, blocking=True)
    assert [e.data["state"] for e in events] == ["triggered", "escalated", "acknowledged", "resolved"]
    base = {"alarm_id", "kind", "state", "care_unit", "room", "dev_eui", "triggered_at"}
    assert [set(e.data) for e in events] == [base, base, base | {"acknowledged_by"}, base | {"acknowledged_by", "outcome"}]
    assert {e.data["room"] for e in events} == {ROOM}
    assert {e.data["care_unit"] for e in events} == {UNIT}


async def test_every_entity_shares_one_base_and_only_care_data_is_marked(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    """common-modules: one entity base; the care marker (open data's guard) exactly on care data."""
    hub = await care_hub(
        care_unit(),
        dispenser(),
        *CARE_DEVICES,
        device_subentry(ERS_CO2, "elsys_ers_co2", "Kök 1"),
        start="2026-01-14T23:00:00",
    )
    await busy_night(hass, hub)
    assert (await post(hub.client, hub.build(ERS_CO2, ERS_CO2_PAYLOAD, 1, f_port=5)))[0] == 200
    await hass.async_block_till_done()

    entities = [entity for platform in async_get_platforms(hass, DOMAIN) for entity in platform.entities.values()]
    kinds = {type(entity).__name__ for entity in entities}
    # Device, gateway, hub, care unit and dispenser entities are all there.
    assert {"AngeIotSensor", "GatewaySensor", "RejectedUplinksSensor", "OpenAlarmsSensor", "DispenserSensor"} <= kinds
    for entity in entities:
        assert isinstance(entity, AngeIotBaseEntity), type(entity).__name__
        state = hass.states.get(entity.entity_id)
        assert state is not None, entity.entity_id
        marked = state.attributes.get(ATTR_CATEGORY) == CATEGORY_CARE
        device = getattr(entity, "device", None)
        shows_care = isinstance(entity, CareEntity) or (device is not None and device.config.is_care)
        assert marked == shows_care, entity.entity_id
