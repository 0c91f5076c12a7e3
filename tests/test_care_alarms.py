"""Care alarms end to end: an uplink or a clock tick in, an `ange_iot_alarm` event out.

The helpers at the top (care subentries, `CareHub`) are shared by the other test_care_*
modules. Vendor payloads are the vendors' published examples, named where they are defined.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.ange_iot.care_runtime.config import SUBENTRY_CARE_UNIT, SUBENTRY_DISPENSER
from custom_components.ange_iot.const import DOMAIN, MODEL_NETWORK_DECODED

from .conftest import EMS_DOOR_CLOSED, EMS_DOOR_OPEN, device_subentry
from .helpers import post

UNIT = "SOL-2"
ROOM = "R12"
ROOM_2 = "R14"
TZ = "Europe/Stockholm"

BUTTON = "24e124710b000001"
LEAK = "0004a30b0a000001"
DOOR = "a81758fffe05d001"
BED = "0004a30b0b000001"
LOW_BATTERY_DOOR = "0004a30b0c000001"
PRESENCE = "a81758fffe0e0001"
DISPENSER = "EV-0042"
CLIENT = "K-17"

# Milesight SensorDecoders ws-series/ws101 README and TTN ws101-codec.yaml: FF2E01 = short press.
WS101_PRESS = bytes.fromhex("ff2e01")
# TTN vendor/netvox r718wa-codec.yaml "Status report": 3.0 V, WaterLeak Leak.
R718WA_LEAK = bytes.fromhex("0132011E01000000000000")
# TTN vendor/netvox r311wa-codec.yaml "Status report" with only pad 1 on: taken; both off: free.
R311WA_IN_BED = bytes.fromhex("015A011E01000000000000")
R311WA_OUT_OF_BED = bytes.fromhex("015A011E00000000000000")
# TTN vendor/netvox r311a-codec.yaml second "Status report": Volt "2.3(low battery)", OnOff 1.
R311A_LOW_BATTERY = bytes.fromhex("0102019701000000000000")
DOOR_OPEN, DOOR_CLOSED = EMS_DOOR_OPEN, EMS_DOOR_CLOSED

# fPorts the vendors send data reports on.
PORTS = {
    "milesight_ws101": 85,
    "netvox_r718wa": 6,
    "netvox_r311wa": 6,
    "netvox_r311a": 6,
    "elsys_ems_door": 5,
    MODEL_NETWORK_DECODED: 10,
}

# Every key DESIGN.md gives the `ange_iot_alarm` event, plus the resolution's outcome.
CONTRACT_KEYS = {
    "alarm_id", "kind", "state", "care_unit", "room", "dev_eui", "triggered_at", "acknowledged_by", "outcome",
}


def local(text: str) -> datetime:
    """A wall-clock moment in Stockholm."""
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=dt_util.get_time_zone(TZ))


def care_device(
    dev_eui: str, model: str, name: str, *, room: str = ROOM, role: str | None = None, unit: str = UNIT
) -> dict[str, Any]:
    """A care device subentry; its name is a code, as the device form asks."""
    extra: dict[str, Any] = {"care_unit": unit, "room": room}
    if role is not None:
        extra["role"] = role
    return device_subentry(dev_eui, model, name, **extra)


def care_unit(code: str = UNIT, **data: Any) -> dict[str, Any]:
    """A care unit subentry, as the care unit flow stores it."""
    return {
        "data": {"code": code, "notify_targets": ["notify.mobile_app_natt_sol_2"], **data},
        "subentry_type": SUBENTRY_CARE_UNIT,
        "title": code,
        "unique_id": f"care_unit_{code}",
    }


def dispenser(
    dispenser_id: str = DISPENSER, client: str = CLIENT, *, unit: str = "HT-1", heartbeat: int = 60
) -> dict[str, Any]:
    """A medicine dispenser subentry, as the dispenser flow stores it."""
    return {
        "data": {"dispenser_id": dispenser_id, "care_unit": unit, "client": client, "heartbeat_minutes": heartbeat},
        "subentry_type": SUBENTRY_DISPENSER,
        "title": f"{unit} {client}",
        "unique_id": f"dispenser_{dispenser_id}",
    }


class CareHub:
    """A hub with care subentries, driven through its webhook and the frozen clock."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: Any,
        build: Callable[..., dict[str, Any]],
        freezer: FrozenDateTimeFactory,
        entry: MockConfigEntry,
    ) -> None:
        self.hass, self.client, self.build, self.freezer, self.entry = hass, client, build, freezer, entry
        self.f_cnt: dict[str, int] = {}

    @property
    def manager(self) -> Any:
        """The hub's care runtime, for reaching into the audit directory and such."""
        return self.entry.runtime_data.care

    def model_of(self, dev_eui: str) -> str:
        for sub in self.entry.subentries.values():
            if sub.data.get("dev_eui") == dev_eui:
                return str(sub.data["model"])
        raise AssertionError(f"{dev_eui} is not a device of the hub")

    async def send(self, dev_eui: str, payload: bytes = b"", *, decoded: dict[str, Any] | None = None) -> None:
        """One uplink as ChirpStack posts it, received now."""
        self.f_cnt[dev_eui] = self.f_cnt.get(dev_eui, 0) + 1
        body = self.build(dev_eui, payload or b"\x00", self.f_cnt[dev_eui], f_port=PORTS[self.model_of(dev_eui)])
        body["time"] = dt_util.utcnow().isoformat()
        if decoded is not None:
            body["object"] = decoded
        status, _ = await post(self.client, body)
        assert status == 200
        await self.hass.async_block_till_done()

    async def dispense(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Post one dispenser event to the hub's webhook, as a dispenser adapter does."""
        status, answer = await post(self.client, body, event=None)
        await self.hass.async_block_till_done()
        return status, answer

    async def at(self, when: str | datetime) -> None:
        """Jump to a Stockholm wall-clock time and let the minute sweep run."""
        self.freezer.move_to(local(when) if isinstance(when, str) else when)
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done()

    async def minutes(self, count: int) -> None:
        """Let ``count`` minutes pass, one sweep each."""
        for _ in range(count):
            self.freezer.tick(timedelta(minutes=1))
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done()

    async def restart(self) -> None:
        """Unload the hub and set it up again, as an HA restart does."""
        assert await self.hass.config_entries.async_unload(self.entry.entry_id)
        await self.hass.async_block_till_done()
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()
        assert self.entry.state is ConfigEntryState.LOADED


def care_hub_fixture(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> Callable[..., Any]:
    """Set up a hub with the given subentries at a Stockholm wall-clock time.

    The config folder is the test's own, so each test starts with an empty audit log.
    """
    hass.config.config_dir = str(tmp_path)

    async def make(
        *subentries: dict[str, Any], start: str = "2026-01-14T14:00:00", options: dict[str, Any] | None = None
    ) -> CareHub:
        await hass.config.async_set_time_zone(TZ)
        freezer.move_to(local(start))
        entry = MockConfigEntry(
            domain=DOMAIN, title="ChirpStack v4", data=hub_data, options=options or {}, subentries_data=list(subentries)
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return CareHub(hass, await hass_client_no_auth(), chirpstack_up, freezer, entry)

    return make


# Other test_care_* modules register the same fixtures from these functions.
_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)


def production_loop_fixture(hass: HomeAssistant) -> Generator[None]:
    """Run the loop as Home Assistant runs it in production: without asyncio's debug checks.

    The audit flush (export_audit_log, verify_audit_log) sets an asyncio.Event from an
    executor thread. Debug mode turns that into a RuntimeError and a hang (see
    test_audit_flush_is_thread_safe); without it the call returns, which is what the
    tests using this fixture need to look at the audit log itself.
    """
    hass.loop.set_debug(False)
    yield
    hass.loop.set_debug(True)


_production_loop = pytest.fixture(name="production_loop")(production_loop_fixture)


def unit_entity(hass: HomeAssistant, platform: str, key: str, code: str = UNIT) -> str:
    """Entity id of a care unit's entity, found by its unique id."""
    entry = next(iter(hass.config_entries.async_entries(DOMAIN)))
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}_care_{code}_{key}")
    assert found is not None, f"no {platform} entity {key} for {code}"
    return found


def open_alarms(hass: HomeAssistant, code: str = UNIT) -> list[dict[str, Any]]:
    """The open alarms as the unit's sensor lists them."""
    state = hass.states.get(unit_entity(hass, "sensor", "open_alarms", code))
    assert state is not None
    alarms: list[dict[str, Any]] = state.attributes["alarms"]
    assert int(state.state) == len(alarms)
    return alarms


def iso(moment: datetime) -> str:
    """How the alarm event writes a moment: UTC with its offset."""
    return dt_util.as_utc(moment).isoformat()


# ----------------------------------------------------------------------- alarm kinds


async def test_call_button_press_raises_one_alarm_and_repeats_on_it(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")

    await hub.send(BUTTON, WS101_PRESS)

    assert len(events) == 1
    alarm_id = events[0].data["alarm_id"]
    assert isinstance(alarm_id, str) and alarm_id
    assert events[0].data == {
        "alarm_id": alarm_id,
        "kind": "call_button",
        "state": "triggered",
        "care_unit": UNIT,
        "room": ROOM,
        "dev_eui": BUTTON,
        "triggered_at": iso(local("2026-01-14T14:00:00")),
    }

    # The resident presses again while staff are on their way: still one alarm, with a repeat.
    await hub.minutes(1)
    await hub.send(BUTTON, WS101_PRESS)
    assert len(events) == 1
    [listed] = open_alarms(hass)
    assert listed["alarm_id"] == alarm_id
    assert listed["repeats"] == 1

    # Once resolved, a new press is a new alarm.
    await hass.services.async_call(
        DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, blocking=True
    )
    await hub.send(BUTTON, WS101_PRESS)
    assert [e.data["state"] for e in events] == ["triggered", "resolved", "triggered"]
    assert events[2].data["alarm_id"] != alarm_id


async def test_water_leak_alarm(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(LEAK, "netvox_r718wa", "Läcka R12"))
    events = async_capture_events(hass, "ange_iot_alarm")

    await hub.send(LEAK, R718WA_LEAK)

    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "water_leak",
            "state": "triggered",
            "care_unit": UNIT,
            "room": ROOM,
            "dev_eui": LEAK,
            "triggered_at": iso(local("2026-01-14T14:00:00")),
        }
    ]


async def test_battery_low_alarm(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(),
        care_device(LOW_BATTERY_DOOR, "netvox_r311a", "Fönster R12"),
        care_device(PRESENCE, MODEL_NETWORK_DECODED, "Närvaro R12", role="room_presence"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")

    # In the daytime the open contact raises nothing; the low-battery flag does.
    await hub.send(LOW_BATTERY_DOOR, R311A_LOW_BATTERY)
    # A battery percentage under 15 % counts as low too; 40 % does not.
    await hub.send(PRESENCE, decoded={"battery": 40})
    await hub.send(PRESENCE, decoded={"battery": 9})

    assert [(e.data["kind"], e.data["dev_eui"], e.data["state"]) for e in events] == [
        ("battery_low", LOW_BATTERY_DOOR, "triggered"),
        ("battery_low", PRESENCE, "triggered"),
    ]
    assert events[0].data["room"] == ROOM


@pytest.mark.parametrize(
    "night", [{"night_start": "22:00:00", "night_end": "07:00:00"}, {"night_start": "sent", "night_end": 7}]
)
async def test_night_door_only_at_night(
    hass: HomeAssistant, care_hub: Callable[..., Any], night: dict[str, Any]
) -> None:
    # Stored night hours that cannot be read fall back to the default 22:00-07:00.
    hub = await care_hub(
        care_unit(**night),
        care_device(DOOR, "elsys_ems_door", "Dörr R12", role="outer_door"),
        start="2026-01-14T21:50:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")

    await hub.send(DOOR, DOOR_OPEN)
    await hub.send(DOOR, DOOR_CLOSED)
    assert events == []

    await hub.at("2026-01-15T02:10:00")
    await hub.send(DOOR, DOOR_OPEN)
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "night_door",
            "state": "triggered",
            "care_unit": UNIT,
            "room": ROOM,
            "dev_eui": DOOR,
            "triggered_at": iso(local("2026-01-15T02:10:00")),
        }
    ]

    # The morning after night hours: the door may open freely again.
    await hub.send(DOOR, DOOR_CLOSED)
    await hub.at("2026-01-15T07:00:00")
    await hub.send(DOOR, DOOR_OPEN)
    assert [e.data["state"] for e in events] == ["triggered", "escalated"]


async def test_out_of_bed_after_the_units_limit_at_night(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(out_of_bed_minutes=20, check_times=["05:00"]),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T22:30:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BED, R311WA_IN_BED)

    await hub.at("2026-01-15T01:00:00")
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.minutes(20)
    # Exactly the limit is not longer than the limit.
    assert events == []
    await hub.minutes(1)
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "out_of_bed",
            "state": "triggered",
            "care_unit": UNIT,
            "room": ROOM,
            "dev_eui": BED,
            "triggered_at": iso(local("2026-01-15T01:21:00")),
        }
    ]


async def test_out_of_bed_in_the_daytime_is_no_alarm(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(out_of_bed_minutes=20),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-14T12:00:00",
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.minutes(45)
    assert events == []


async def test_out_of_bed_alarm_is_not_repeated_every_minute(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(out_of_bed_minutes=20, check_times=["05:00"]),
        care_device(BED, "netvox_r311wa", "Säng R12", role="bed"),
        start="2026-01-15T01:00:00",
        options={"offline_timeout": 1440},
    )
    await hub.send(BED, R311WA_OUT_OF_BED)
    await hub.minutes(31)
    [alarm] = open_alarms(hass)
    # The resident did nothing new; a repeat means "the source triggered again".
    assert alarm["repeats"] == 0


async def test_inactivity_by_the_morning_time(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(night_end="07:00:00", inactive_by="10:00:00", escalate_after_minutes=60),
        care_device(PRESENCE, MODEL_NETWORK_DECODED, "Närvaro R12", role="room_presence"),
        care_device("a81758fffe0e0002", MODEL_NETWORK_DECODED, "Närvaro R14", room=ROOM_2, role="room_presence"),
        start="2026-01-15T06:00:00",
        options={"offline_timeout": 1440},
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    # R14's resident moves about at 08:15; R12's only before the night ended, and then
    # its sensor reports an empty room.
    await hub.send(PRESENCE, decoded={"motion": 3})
    await hub.at("2026-01-15T08:00:00")
    await hub.send(PRESENCE, decoded={"motion": 0, "occupancy": False})
    await hub.at("2026-01-15T08:15:00")
    await hub.send("a81758fffe0e0002", decoded={"motion": 0})
    await hub.send("a81758fffe0e0002", decoded={"occupancy": True})
    await hub.at("2026-01-15T09:59:00")
    assert events == []

    await hub.at("2026-01-15T10:00:00")
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "inactivity",
            "state": "triggered",
            "care_unit": UNIT,
            "room": ROOM,
            "dev_eui": PRESENCE,
            "triggered_at": iso(local("2026-01-15T10:00:00")),
        }
    ]
    # Checked once a day: later sweeps raise nothing new.
    await hub.minutes(5)
    assert [e.data["state"] for e in events] == ["triggered"]


async def test_device_offline_alarm(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(LEAK, "netvox_r718wa", "Läcka R12"), options={"offline_timeout": 60})
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(LEAK, bytes.fromhex("0132011E00000000000000"))

    await hub.at("2026-01-14T15:00:00")
    assert events == []
    await hub.at("2026-01-14T15:01:00")
    assert [e.data for e in events] == [
        {
            "alarm_id": events[0].data["alarm_id"],
            "kind": "device_offline",
            "state": "triggered",
            "care_unit": UNIT,
            "room": ROOM,
            "dev_eui": LEAK,
            "triggered_at": iso(local("2026-01-14T15:01:00")),
        }
    ]
    # Raised once when the device goes silent, not on every sweep.
    await hub.minutes(3)
    assert len(events) == 1


async def test_devices_without_care_codes_raise_no_care_alarms(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(device_subentry(LEAK, "netvox_r718wa", "Läcka pannrum"), options={"offline_timeout": 60})
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(LEAK, R718WA_LEAK)
    await hub.at("2026-01-14T16:00:00")
    assert events == []


# ------------------------------------------------------------- acknowledge and resolve


async def test_acknowledge_from_a_notification_action_records_the_user(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]

    # What the blueprint does when a member of staff taps "Kvittera": the notification
    # action event carries the tapping user in its context, and the automation passes it on.
    natt_1 = (await hass.auth.async_create_user("Nattpersonal 1")).id
    tap = Context(user_id=natt_1)
    hass.bus.async_fire("mobile_app_notification_action", {"action": f"ACK_{alarm_id}"}, context=tap)
    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id, "user_id": tap.user_id}, blocking=True
    )

    assert events[-1].data == {
        "alarm_id": alarm_id,
        "kind": "call_button",
        "state": "acknowledged",
        "care_unit": UNIT,
        "room": ROOM,
        "dev_eui": BUTTON,
        "triggered_at": iso(local("2026-01-14T14:00:00")),
        "acknowledged_by": natt_1,
    }
    [listed] = open_alarms(hass)
    assert listed["state"] == "acknowledged"
    assert listed["acknowledged_by"] == natt_1

    await hass.services.async_call(
        DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "by_phone"}, blocking=True,
        context=Context(user_id="user-nattpersonal-2"),
    )
    assert events[-1].data == {**events[-2].data, "state": "resolved", "outcome": "by_phone"}
    assert open_alarms(hass) == []


async def test_acknowledge_takes_the_user_from_the_call_context(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)

    # A dashboard button: no user_id field, the logged-in user is in the call's context.
    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": events[0].data["alarm_id"]}, blocking=True,
        context=Context(user_id="user-dashboard"),
    )
    assert events[-1].data["state"] == "acknowledged"
    assert events[-1].data["acknowledged_by"] == "user-dashboard"


@pytest.mark.parametrize("outcome", ["on_site", "by_phone", "false_alarm", "other"])
async def test_resolve_with_each_outcome(
    hass: HomeAssistant, care_hub: Callable[..., Any], outcome: str
) -> None:
    hub = await care_hub(care_unit(), care_device(LEAK, "netvox_r718wa", "Läcka R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(LEAK, R718WA_LEAK)

    # An unacknowledged alarm may be resolved directly.
    await hass.services.async_call(
        DOMAIN, "resolve_alarm", {"alarm_id": events[0].data["alarm_id"], "outcome": outcome}, blocking=True
    )
    assert events[-1].data["state"] == "resolved"
    assert events[-1].data["outcome"] == outcome
    assert "acknowledged_by" not in events[-1].data


async def test_unknown_and_closed_alarms_are_refused(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    alarm_id = events[0].data["alarm_id"]

    for action, data in (
        ("acknowledge_alarm", {"alarm_id": "no-such-alarm"}),
        ("resolve_alarm", {"alarm_id": "no-such-alarm", "outcome": "on_site"}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, action, data, blocking=True)
        assert err.value.translation_key == "unknown_alarm"
        assert err.value.translation_placeholders == {"alarm_id": "no-such-alarm"}

    await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id}, blocking=True)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id}, blocking=True)
    # Said plainly: who already took it and when (issue 11), no longer "cannot move there".
    assert err.value.translation_key == "alarm_already_acknowledged"
    assert err.value.translation_placeholders["time"] == "14:00"

    await hass.services.async_call(
        DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, blocking=True
    )
    for action, data in (
        ("acknowledge_alarm", {"alarm_id": alarm_id}),
        ("resolve_alarm", {"alarm_id": alarm_id, "outcome": "other"}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, action, data, blocking=True)
        assert err.value.translation_key == "alarm_closed"
    assert [e.data["state"] for e in events] == ["triggered", "acknowledged", "resolved"]


async def test_invalid_outcome_leaves_the_alarm_open(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(LEAK, "netvox_r718wa", "Läcka R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(LEAK, R718WA_LEAK)
    with pytest.raises((ServiceValidationError, vol.Invalid)):
        await hass.services.async_call(
            DOMAIN, "resolve_alarm", {"alarm_id": events[0].data["alarm_id"], "outcome": "fixed"}, blocking=True
        )
    assert len(events) == 1
    assert len(open_alarms(hass)) == 1


async def test_invalid_outcome_is_a_translated_error(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(), care_device(LEAK, "netvox_r718wa", "Läcka R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(LEAK, R718WA_LEAK)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "resolve_alarm", {"alarm_id": events[0].data["alarm_id"], "outcome": "fixed"}, blocking=True
        )
    assert err.value.translation_key == "invalid_alarm_outcome"


# ----------------------------------------------------------------------- escalation


async def test_escalation_after_the_units_limit(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(escalate_after_minutes=3),
        care_unit("SOL-3", escalate_after_minutes=10),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
        care_device("24e124710b000002", "milesight_ws101", "Larm R3", unit="SOL-3", room="R3"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.send("24e124710b000002", WS101_PRESS)
    fast, slow = events[0].data["alarm_id"], events[1].data["alarm_id"]

    await hub.minutes(2)
    assert len(events) == 2
    oldest = hass.states.get(unit_entity(hass, "sensor", "oldest_unacknowledged"))
    assert oldest is not None and float(oldest.state) == 2.0
    assert oldest.attributes["unit_of_measurement"] == "min"

    await hub.minutes(1)
    assert events[2].data == {**events[0].data, "state": "escalated"}
    [listed] = open_alarms(hass)
    assert listed["state"] == "escalated"
    counts = hass.states.get(unit_entity(hass, "sensor", "open_alarms"))
    assert counts is not None
    assert (counts.attributes["triggered"], counts.attributes["escalated"]) == (0, 1)

    # Escalated once, not again; the other unit keeps its own, longer limit.
    await hub.minutes(6)
    assert [(e.data["alarm_id"], e.data["state"]) for e in events[3:]] == []
    await hub.minutes(1)
    assert [(e.data["alarm_id"], e.data["state"]) for e in events[3:]] == [(slow, "escalated")]

    # An escalated alarm can still be acknowledged; then nothing waits unacknowledged.
    nurse = (await hass.auth.async_create_user("Sjuksköterska")).id
    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": fast, "user_id": nurse}, blocking=True
    )
    assert events[-1].data["state"] == "acknowledged"
    assert events[-1].data["acknowledged_by"] == nurse
    await hub.minutes(1)
    oldest = hass.states.get(unit_entity(hass, "sensor", "oldest_unacknowledged"))
    assert oldest is not None and oldest.state == "unknown"


async def test_acknowledged_alarm_does_not_escalate(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(escalate_after_minutes=2), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(1)
    await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": events[0].data["alarm_id"]}, blocking=True)
    await hub.minutes(5)
    assert [e.data["state"] for e in events] == ["triggered", "acknowledged"]


async def test_unit_without_settings_uses_the_default_limit(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    # Devices name a unit that has no care unit subentry yet: defaults apply (5 minutes).
    hub = await care_hub(care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(4)
    assert len(events) == 1
    await hub.minutes(1)
    assert events[-1].data["state"] == "escalated"


# ------------------------------------------------------------------ unit entities


async def test_unit_entities_list_open_alarms_oldest_first(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub(
        care_unit(escalate_after_minutes=60),
        care_device(LEAK, "netvox_r718wa", "Läcka R12"),
        care_device(BUTTON, "milesight_ws101", "Larm R14", room=ROOM_2),
    )
    alarm_event = unit_entity(hass, "event", "alarm")
    assert hass.states.get(alarm_event).state == "unknown"  # type: ignore[union-attr]
    events = async_capture_events(hass, "ange_iot_alarm")

    await hub.send(LEAK, R718WA_LEAK)
    await hub.minutes(4)
    await hub.send(BUTTON, WS101_PRESS)
    leak_id, button_id = events[0].data["alarm_id"], events[1].data["alarm_id"]

    state = hass.states.get(unit_entity(hass, "sensor", "open_alarms"))
    assert state is not None
    assert state.state == "2"
    assert state.attributes["alarms"] == [
        {
            "alarm_id": leak_id, "kind": "water_leak", "state": "triggered", "room": ROOM,
            "triggered_at": iso(local("2026-01-14T14:00:00")), "acknowledged_by": None, "repeats": 0,
            "press_count": 1, "escalation_level": 0, "test": False,
        },
        {
            "alarm_id": button_id, "kind": "call_button", "state": "triggered", "room": ROOM_2,
            "triggered_at": iso(local("2026-01-14T14:04:00")), "acknowledged_by": None, "repeats": 0,
            "press_count": 1, "escalation_level": 0, "test": False,
        },
    ]
    assert state.attributes["notify_targets"] == ["notify.mobile_app_natt_sol_2"]
    assert state.attributes["category"] == "care"

    # The event entity fires with the transition as its event type and the alarm as data.
    fired = hass.states.get(alarm_event)
    assert fired is not None
    assert fired.attributes["event_type"] == "triggered"
    assert fired.attributes["alarm_id"] == button_id
    assert fired.attributes["kind"] == "call_button"
    assert fired.attributes["room"] == ROOM_2
    assert fired.attributes["category"] == "care"

    await hub.minutes(2)
    oldest = hass.states.get(unit_entity(hass, "sensor", "oldest_unacknowledged"))
    assert oldest is not None and float(oldest.state) == 6.0

    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": leak_id}, blocking=True, context=Context(user_id="user-1")
    )
    fired = hass.states.get(alarm_event)
    assert fired is not None and fired.attributes["event_type"] == "acknowledged"
    assert fired.attributes["acknowledged_by"] == "user-1"
    # The oldest unacknowledged alarm is now the call button, two minutes old.
    oldest = hass.states.get(unit_entity(hass, "sensor", "oldest_unacknowledged"))
    assert oldest is not None and float(oldest.state) == 2.0
    state = hass.states.get(unit_entity(hass, "sensor", "open_alarms"))
    assert state is not None
    assert (state.attributes["triggered"], state.attributes["acknowledged"]) == (1, 1)

    await hass.services.async_call(DOMAIN, "resolve_alarm", {"alarm_id": leak_id, "outcome": "false_alarm"}, blocking=True)
    assert [a["alarm_id"] for a in open_alarms(hass)] == [button_id]


async def test_unit_event_entity_ignores_other_units(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(),
        care_unit("SOL-3"),
        care_device(BUTTON, "milesight_ws101", "Larm R3", unit="SOL-3", room="R3"),
    )
    await hub.send(BUTTON, WS101_PRESS)
    sol2 = hass.states.get(unit_entity(hass, "event", "alarm"))
    sol3 = hass.states.get(unit_entity(hass, "event", "alarm", "SOL-3"))
    assert sol2 is not None and sol2.state == "unknown"
    assert sol3 is not None and sol3.attributes["event_type"] == "triggered"
    assert open_alarms(hass) == []
    assert len(open_alarms(hass, "SOL-3")) == 1


async def test_a_care_unit_added_later_gets_its_entities(
    hass: HomeAssistant, care_hub: Callable[..., Any]
) -> None:
    hub = await care_hub()
    entry = hub.entry
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_care_SOL-9_open_alarms") is None

    hass.config_entries.async_add_subentry(
        entry, ConfigSubentry(data={"code": "SOL-9"}, subentry_type=SUBENTRY_CARE_UNIT, title="SOL-9", unique_id="care_unit_SOL-9")
    )
    await hass.async_block_till_done()
    assert hass.states.get(unit_entity(hass, "sensor", "open_alarms", "SOL-9")).state == "0"  # type: ignore[union-attr]
    assert hass.states.get(unit_entity(hass, "event", "alarm", "SOL-9")) is not None


# ------------------------------------------------------------------------ restart


async def test_open_alarms_survive_a_restart(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(
        care_unit(escalate_after_minutes=30),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
        care_device(LEAK, "netvox_r718wa", "Läcka R12"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.send(LEAK, R718WA_LEAK)
    button_id, leak_id = events[0].data["alarm_id"], events[1].data["alarm_id"]
    staff = (await hass.auth.async_create_user("Natt 1")).id
    await hass.services.async_call(
        DOMAIN, "acknowledge_alarm", {"alarm_id": button_id, "user_id": staff}, blocking=True
    )
    await hass.services.async_call(DOMAIN, "resolve_alarm", {"alarm_id": leak_id, "outcome": "on_site"}, blocking=True)
    await hub.send(BUTTON, WS101_PRESS)
    before = open_alarms(hass)

    await hub.restart()

    assert open_alarms(hass) == before
    assert [(a["alarm_id"], a["state"], a["acknowledged_by"], a["repeats"]) for a in before] == [
        (button_id, "acknowledged", staff, 1)
    ]
    # The alarm is still the same one: it can be resolved by its id, and the resolved one
    # is still known as closed.
    await hass.services.async_call(DOMAIN, "resolve_alarm", {"alarm_id": button_id, "outcome": "on_site"}, blocking=True)
    assert events[-1].data["alarm_id"] == button_id and events[-1].data["state"] == "resolved"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": leak_id}, blocking=True)
    assert err.value.translation_key == "alarm_closed"


async def test_escalation_continues_after_a_restart(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hub = await care_hub(care_unit(escalate_after_minutes=5), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(3)
    await hub.restart()
    await hub.minutes(2)
    assert [e.data["state"] for e in events] == ["triggered", "escalated"]
    assert events[1].data["alarm_id"] == events[0].data["alarm_id"]
