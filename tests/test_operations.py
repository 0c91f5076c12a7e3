"""Community services and tourism, end to end: uplink in, derived entity and action out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN, repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN

from .conftest import device_subentry
from .helpers import post, registry_device, state_of

SNOW = "24e1641234560001"
BIN_FULL = "24e1641234560002"
BIN_HALF = "24e1641234560003"
BIN_FULLEST = "24e1641234560004"
LAKE = "a81758fffe0a0001"
METER = "0004a30b00000001"
FREEZER = "a81758fffe0b0001"
TRAIL = "24e1641234560005"
PRESENCE = "a81758fffe0c0001"


def em310_udl(distance_mm: int) -> bytes:
    """An EM310-UDL frame: Milesight's README example 01755C 03824408 040001 with our distance."""
    return bytes.fromhex("01755c0382") + distance_mm.to_bytes(2, "little") + bytes.fromhex("040001")


def _entry(hub_data: dict[str, Any], *devices: dict[str, Any]) -> MockConfigEntry:
    return MockConfigEntry(domain=DOMAIN, title="ChirpStack v4", data=hub_data, subentries_data=list(devices))


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def _registry_id(hass: HomeAssistant, dev_eui: str) -> str:
    device = registry_device(hass, dev_eui)
    assert device is not None
    return device.id


class Uplinks:
    """Posts uplinks for one device with rising frame counters."""

    def __init__(self, client: Any, build: Callable[..., dict[str, Any]], dev_eui: str, f_port: int = 85) -> None:
        self.client, self.build, self.dev_eui, self.f_port = client, build, dev_eui, f_port
        self.f_cnt = 0

    async def send(self, payload: bytes = b"", *, decoded: dict[str, Any] | None = None) -> None:
        self.f_cnt += 1
        body = self.build(self.dev_eui, payload or b"\x00", self.f_cnt, f_port=self.f_port)
        body["time"] = dt_util.utcnow().isoformat()
        if decoded is not None:
            body["object"] = decoded
        status, _ = await post(self.client, body)
        assert status == 200


# ------------------------------------------------------------------------------- snow


async def test_snow_station(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await _setup(
        hass,
        _entry(hub_data, device_subentry(SNOW, "milesight_em310_udl", "Snöstation Fränsta", role="snow_station", mounting_height_cm=250)),
    )
    station = Uplinks(await hass_client_no_auth(), chirpstack_up, SNOW)
    device_id = _registry_id(hass, SNOW)

    await station.send(em310_udl(2116))
    depth = state_of(hass, "sensor", SNOW, "snow_depth")
    assert depth.state == "38.4"
    assert depth.attributes["unit_of_measurement"] == "cm"

    # Farther than the mounting height (a hollow under the mast): no snow, never negative.
    await station.send(em310_udl(2600))
    assert state_of(hass, "sensor", SNOW, "snow_depth").state == "0.0"

    # No echo: the sensor says 0 mm; the depth is unknown, not the full mounting height.
    await station.send(em310_udl(0))
    assert state_of(hass, "sensor", SNOW, "snow_depth").state == "unknown"
    assert state_of(hass, "sensor", SNOW, "distance").state == "unknown"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "calibrate_snow_zero", {"device_id": device_id}, blocking=True)
    assert err.value.translation_key == "no_valid_distance"

    # A snow-free day on uneven ground: the sensor reads 240 cm; calibrate makes that zero.
    await station.send(em310_udl(2400))
    assert state_of(hass, "sensor", SNOW, "snow_depth").state == "10.0"
    await hass.services.async_call(DOMAIN, "calibrate_snow_zero", {"device_id": device_id}, blocking=True)
    assert state_of(hass, "sensor", SNOW, "snow_depth").state == "0.0"

    # It snows 12 cm; the crew clears to 2 cm; another 5 cm fall.
    freezer.tick(timedelta(hours=2))
    await station.send(em310_udl(2280))
    assert state_of(hass, "sensor", SNOW, "snow_depth").state == "12.0"
    assert state_of(hass, "sensor", SNOW, "snowfall_since_clearing").state == "unknown"
    freezer.tick(timedelta(hours=1))
    await station.send(em310_udl(2380))
    await hass.services.async_call(DOMAIN, "mark_cleared", {"device_id": device_id}, blocking=True)
    assert state_of(hass, "sensor", SNOW, "snowfall_since_clearing").state == "0.0"
    cleared = dt_util.parse_datetime(state_of(hass, "sensor", SNOW, "last_cleared").state)
    assert cleared is not None and abs(cleared - dt_util.utcnow()) < timedelta(seconds=1)
    freezer.tick(timedelta(hours=21))
    await station.send(em310_udl(2330))
    assert state_of(hass, "sensor", SNOW, "snowfall_since_clearing").state == "5.0"
    # 24 hours after the 12 cm reading, the depth is 7 cm: a change of -5 cm.
    assert state_of(hass, "sensor", SNOW, "snow_change_24h").state == "-5.0"


async def test_snow_actions_need_a_snow_station(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    kitchen = _registry_id(hass, "24e124707c481005")
    for action in ("calibrate_snow_zero", "mark_cleared"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, action, {"device_id": kitchen}, blocking=True)
        assert err.value.translation_key == "not_a_snow_station"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "mark_cleared", {"device_id": "nope"}, blocking=True)
    assert err.value.translation_key == "unknown_device"


# ------------------------------------------------------------------------------ waste


async def test_bins_to_empty(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
) -> None:
    where = {"latitude": 62.5245, "longitude": 15.6598}
    await _setup(
        hass,
        _entry(
            hub_data,
            device_subentry(BIN_FULL, "milesight_em310_udl", "Kärl Torget", role="waste_bin", bin_depth_cm=100, fill_threshold=80, **where),
            device_subentry(BIN_HALF, "milesight_em310_udl", "Kärl Stationen", role="waste_bin", bin_depth_cm=100, fill_threshold=80),
            device_subentry(BIN_FULLEST, "milesight_em310_udl", "Kärl Badplatsen", role="waste_bin", bin_depth_cm=120, fill_threshold=80, place="Backetjärn"),
        ),
    )
    client = await hass_client_no_auth()
    await Uplinks(client, chirpstack_up, BIN_FULL).send(em310_udl(100))  # 10 cm: 90 %
    await Uplinks(client, chirpstack_up, BIN_HALF).send(em310_udl(500))  # 50 cm: 50 %
    await Uplinks(client, chirpstack_up, BIN_FULLEST).send(em310_udl(60))  # 6 of 120 cm: 95 %
    fill = state_of(hass, "sensor", BIN_FULL, "fill_level")
    assert fill.state == "90.0"
    # Its position goes with it, for the map card.
    assert (fill.attributes["latitude"], fill.attributes["longitude"]) == (62.5245, 15.6598)
    assert "latitude" not in state_of(hass, "sensor", BIN_HALF, "fill_level").attributes
    assert state_of(hass, "binary_sensor", BIN_FULL, "needs_emptying").state == "on"
    assert state_of(hass, "binary_sensor", BIN_HALF, "needs_emptying").state == "off"

    response = await hass.services.async_call(DOMAIN, "bins_to_empty", {}, blocking=True, return_response=True)
    bins = response["bins"]
    assert [b["name"] for b in bins] == ["Kärl Badplatsen", "Kärl Torget"]
    assert bins[0]["fill_level"] == 95.0
    assert bins[0]["place"] == "Backetjärn"
    assert (bins[1]["latitude"], bins[1]["longitude"]) == (62.5245, 15.6598)
    assert bins[1]["device_id"] == _registry_id(hass, BIN_FULL)

    response = await hass.services.async_call(DOMAIN, "bins_to_empty", {"threshold": 40}, blocking=True, return_response=True)
    assert [b["fill_level"] for b in response["bins"]] == [95.0, 90.0, 50.0]


# ------------------------------------------------------------------------------- lake


async def test_lake_bathing_water(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
) -> None:
    await _setup(hass, _entry(hub_data, device_subentry(LAKE, "elsys_elt_lite", "Backetjärn", role="lake")))
    lake = Uplinks(await hass_client_no_auth(), chirpstack_up, LAKE, f_port=5)
    # Elsys type 0x0C, external temperature in 0.1 °C (Elsys payload type table).
    await lake.send(bytes.fromhex("0C00B4"))
    water = state_of(hass, "sensor", LAKE, "water_temperature")
    assert water.state == "18.0"
    assert state_of(hass, "sensor", LAKE, "bathing_water").state == "fresh"
    measured = state_of(hass, "sensor", LAKE, "measured_at")
    assert dt_util.parse_datetime(measured.state) is not None
    await lake.send(bytes.fromhex("0C00C8"))
    assert state_of(hass, "sensor", LAKE, "bathing_water").state == "warm"
    await lake.send(bytes.fromhex("0C0095"))
    assert state_of(hass, "sensor", LAKE, "bathing_water").state == "cold"


# ------------------------------------------------------------------------------ water


async def test_water_meter_daily_consumption_and_replacement(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2026, 11, 26, 6, 0, tzinfo=dt_util.get_default_time_zone()))
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    await _setup(
        hass,
        _entry(hub_data, device_subentry(METER, "network_decoded", "Storgatan 3", role="water_meter", meter_id="ÅNG-0001")),
    )
    meter = Uplinks(await hass_client_no_auth(), chirpstack_up, METER)
    await meter.send(decoded={"volume": 100.0})
    freezer.tick(timedelta(hours=1))
    await meter.send(decoded={"volume": 100.05})
    volume = state_of(hass, "sensor", METER, "volume")
    assert volume.attributes["device_class"] == "water"
    assert volume.attributes["state_class"] == "total_increasing"
    assert state_of(hass, "sensor", METER, "daily_consumption").state == "0.05"

    # The meter is exchanged: the new register starts near zero.
    freezer.tick(timedelta(hours=1))
    await meter.send(decoded={"volume": 0.002})
    assert state_of(hass, "sensor", METER, "daily_consumption").state == "0.05"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"meter_backwards_{METER}")
    assert issue is not None and issue.is_fixable

    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert flow["step_id"] == "confirm"
    assert issue.translation_placeholders == {"name": "Storgatan 3", "dev_eui": METER, "previous": "100.050", "current": "0.002"}
    result = await manager.async_configure(flow["flow_id"], {"action": "replaced"})
    assert result["type"] == "create_entry"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id) is None

    freezer.tick(timedelta(hours=1))
    await meter.send(decoded={"volume": 0.032})
    assert state_of(hass, "sensor", METER, "daily_consumption").state == "0.08"

    # Midnight: a new day starts at zero, without waiting for an uplink.
    freezer.move_to(datetime(2026, 11, 26, 23, 30, tzinfo=dt_util.get_default_time_zone()))
    await meter.send(decoded={"volume": 0.032})
    freezer.move_to(datetime(2026, 11, 27, 0, 0, 30, tzinfo=dt_util.get_default_time_zone()))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", METER, "daily_consumption").state == "0.0"


async def test_water_meter_glitch_and_leak(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2026, 11, 26, 0, 30, tzinfo=dt_util.get_default_time_zone()))
    await _setup(hass, _entry(hub_data, device_subentry(METER, "network_decoded", "Storgatan 3", role="water_meter")))
    meter = Uplinks(await hass_client_no_auth(), chirpstack_up, METER)
    await meter.send(decoded={"volume": 10.0})
    freezer.tick(timedelta(minutes=30))
    await meter.send(decoded={"volume": 9.0})  # a faulty reading
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"meter_backwards_{METER}") is not None
    freezer.tick(timedelta(minutes=30))
    await meter.send(decoded={"volume": 10.01})
    # Back above the old register: a glitch, counted once, and the notice is gone.
    assert state_of(hass, "sensor", METER, "daily_consumption").state == "0.01"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"meter_backwards_{METER}") is None

    # A dripping tap: water flows in every one of 24 hourly readings.
    volume = 10.01
    for _ in range(24):
        freezer.tick(timedelta(hours=1))
        volume += 0.004
        await meter.send(decoded={"volume": round(volume, 3)})
    assert state_of(hass, "binary_sensor", METER, "leak_suspected").state == "on"
    # Two readings an hour apart without flow: a zero-flow hour, no leak.
    freezer.tick(timedelta(hours=1))
    await meter.send(decoded={"volume": round(volume, 3)})
    assert state_of(hass, "binary_sensor", METER, "leak_suspected").state == "off"


# ------------------------------------------------------------------------ cold chain


async def test_freezer_out_of_range_after_grace_period(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await _setup(
        hass,
        _entry(hub_data, device_subentry(FREEZER, "network_decoded", "Frys skolköket", role="freezer", out_of_range_minutes=30)),
    )
    sensor = Uplinks(await hass_client_no_auth(), chirpstack_up, FREEZER)
    await sensor.send(decoded={"temperature": -21.5})
    assert state_of(hass, "binary_sensor", FREEZER, "out_of_range").state == "off"
    assert state_of(hass, "sensor", FREEZER, "temperature_limit_high").state == "-18.0"
    assert state_of(hass, "sensor", FREEZER, "temperature_limit_low").state == "unknown"

    await sensor.send(decoded={"temperature": -15.0})
    freezer.tick(timedelta(minutes=29))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, "binary_sensor", FREEZER, "out_of_range").state == "off"
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, "binary_sensor", FREEZER, "out_of_range").state == "on"

    await sensor.send(decoded={"temperature": -19.0})
    assert state_of(hass, "binary_sensor", FREEZER, "out_of_range").state == "off"


# ------------------------------------------------------------------------------ trail


async def test_trail_visitors(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2026, 7, 14, 10, 0, tzinfo=dt_util.get_default_time_zone()))
    await _setup(hass, _entry(hub_data, device_subentry(TRAIL, "network_decoded", "S:t Olavsleden Ånge", role="trail")))
    counter = Uplinks(await hass_client_no_auth(), chirpstack_up, TRAIL)
    await counter.send(decoded={"people_in": 5})
    await counter.send(decoded={"people_in": 3})
    assert state_of(hass, "sensor", TRAIL, "visitors_today").state == "8"
    season = state_of(hass, "sensor", TRAIL, "visitors_season")
    assert season.state == "8"
    assert season.attributes["state_class"] == "total_increasing"
    freezer.move_to(datetime(2026, 7, 14, 23, 30, tzinfo=dt_util.get_default_time_zone()))
    await counter.send(decoded={"people_in": 0})
    freezer.move_to(datetime(2026, 7, 15, 0, 0, 30, tzinfo=dt_util.get_default_time_zone()))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor", TRAIL, "visitors_today").state == "0"
    await counter.send(decoded={"people_in": 2})
    assert state_of(hass, "sensor", TRAIL, "visitors_season").state == "10"
    assert state_of(hass, "sensor", TRAIL, "visitors_total").state == "10"


# -------------------------------------------------------------------------- intrusion


async def test_intrusion_outside_opening_hours(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    hub_data: dict[str, Any],
) -> None:
    hass.states.async_set("schedule.oppettider_skolan", "on")
    await _setup(
        hass,
        _entry(hub_data, device_subentry(PRESENCE, "network_decoded", "Skolans entré", role="intrusion", schedule_entity="schedule.oppettider_skolan")),
    )
    assert state_of(hass, "binary_sensor", PRESENCE, "intrusion").state == "unknown"
    sensor = Uplinks(await hass_client_no_auth(), chirpstack_up, PRESENCE)
    await sensor.send(decoded={"occupancy": True})
    assert state_of(hass, "binary_sensor", PRESENCE, "intrusion").state == "off"
    hass.states.async_set("schedule.oppettider_skolan", "off")
    await hass.async_block_till_done()
    assert state_of(hass, "binary_sensor", PRESENCE, "intrusion").state == "on"
    await sensor.send(decoded={"occupancy": False})
    assert state_of(hass, "binary_sensor", PRESENCE, "intrusion").state == "off"


# -------------------------------------------------------------------------------- ice


async def test_ice_place(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    entry = setup_integration
    flow = await hass.config_entries.subentries.async_init((entry.entry_id, "ice_place"), context={"source": "user"})
    assert flow["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], {"name": "Vojen isbana", "location": {"latitude": 62.45, "longitude": 15.55}}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    states = [s for s in hass.states.async_all("number") if s.attributes.get("unit_of_measurement") == "cm"]
    assert len(states) == 1
    number = states[0].entity_id
    assert states[0].attributes["latitude"] == 62.45
    await hass.services.async_call("number", "set_value", {"entity_id": number, "value": 23}, blocking=True)
    state = hass.states.get(number)
    assert state is not None and state.state == "23.0"
    assert dt_util.parse_datetime(state.attributes["measured_at"]) is not None


async def test_exports_need_the_recorder(hass: HomeAssistant, hub_data: dict[str, Any]) -> None:
    await _setup(hass, _entry(hub_data, device_subentry(METER, "network_decoded", "Storgatan 3", role="water_meter")))
    er.async_get(hass).async_get_or_create("sensor", DOMAIN, f"{METER}_volume")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "export_meter_readings", {"start": "2026-10-01", "end": "2026-11-01"},
            blocking=True, return_response=True,
        )
    assert err.value.translation_key == "recorder_unavailable"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "export_meter_readings",
            {"start": "2026-10-01 00:00:00", "end": "2026-09-01 00:00:00"},
            blocking=True, return_response=True,
        )
    assert err.value.translation_key == "end_before_start"
