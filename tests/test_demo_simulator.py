"""The demo's LoRaWAN simulator: its payloads decode with the integration's own codecs.

The simulator encodes payloads itself (scripts/lorawan_simulator.py), so these tests are
the proof that what it sends is what the real sensors send: every encoder's output goes
through ``codecs.decode`` and every envelope through ``networks.parse``. The medicine
robot's events go through the integration's own ``parse_dispenser_event`` and
``DispenserState``, and the care dashboard's alarm buttons run as HA scripts.
"""

from __future__ import annotations

import argparse
from datetime import datetime, time, timedelta
import itertools
from pathlib import Path
import re
from typing import Any
import uuid
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.script import Script
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
import yaml

from custom_components.ange_iot.care.dispenser import (
    DispenserState,
    DispenserStatus,
    parse_dispenser_event,
)
from custom_components.ange_iot.care.supervision import is_night
from custom_components.ange_iot.care_runtime.config import CARE_ROLES
from custom_components.ange_iot.derived import build_features
from custom_components.ange_iot.derived.roles import Role, role_fits_model
from custom_components.ange_iot.device_settings import settings_schema, validate_settings
from custom_components.ange_iot.flows.device_form import validate_device
from custom_components.ange_iot.lorawan.codecs import MODELS, decode, guess_model
from custom_components.ange_iot.lorawan.networks import parse
from custom_components.ange_iot.lorawan.uplink import UplinkKind, normalize_dev_eui
from scripts import demo_setup, lorawan_simulator
from scripts.lorawan_simulator import (
    CARE_ROOMS,
    LEAKING_METER,
    CareNight,
    SimulatedDevice,
    demo_devices,
    demo_dispensers,
    elvaco_encoder,
    encode_axioma_w1,
    encode_browan_tbhh100,
    encode_decentlab_dl_ds18,
    encode_dragino_ldds75,
    encode_dragino_lwl02,
    encode_elsys,
    encode_milesight_am307,
    encode_milesight_em300_th,
    encode_milesight_em310_udl,
    encode_milesight_probe,
    encode_milesight_vs133,
    encode_milesight_ws101,
    encode_netvox_r311wa,
    encode_netvox_r711,
    encode_netvox_r718x,
    report_times,
)

TZ = ZoneInfo("Europe/Stockholm")
# A Wednesday in winter and one in summer (summer time), and a Saturday.
WEDNESDAY = datetime(2026, 1, 14, tzinfo=TZ)
SUMMER_WEDNESDAY = datetime(2026, 6, 17, tzinfo=TZ)
SATURDAY = datetime(2026, 1, 17, tzinfo=TZ)

# The demo's first day: the faults are timed from it (late November, a Thursday).
DEMO_START = datetime(2026, 11, 26, 15, 0, tzinfo=TZ)

# What a real sensor here can report; anything outside means a scaling or sign error.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "temperature": (-30, 35),  # rooms, kitchen stores, a bin's inside in winter
    "external_temperature": (-30, 30),  # lake water, the air at a snow mast
    "humidity": (15, 95),
    "co2": (400, 2000),
    "illuminance": (0, 3000),
    "motion": (0, 255),
    "battery_voltage": (3.0, 3.7),
    "battery": (1, 100),
    "pressure": (950, 1050),
    "light_level": (0, 5),
    "distance": (30, 2000),  # mm: a full bin's lid to a 2 m snow mast
    "fill_level": (0, 100),  # %: the R718X's own fill level
    "volume": (100, 10_000),  # m³ on a household meter
    "people_in": (0, 60),
    "people_out": (0, 60),
    "people_total": (0, 1_000_000),
    "pulse_count": (0, 10_000_000),  # a door's openings since its counter started
}

# The room sensors predate device roles; every other demo device has one.
ROOM_SENSORS = ("Dagrum Solgården", "Skolköket Ånge skola", "Kommunhuset entré", "Förråd Fränsta")


def device(name: str, seed: int = 7) -> SimulatedDevice:
    return next(d for d in demo_devices(seed) if d.name == name)


def run(dev: SimulatedDevice, start: datetime, minutes: float, step_s: float = 40) -> list[dict]:
    """Uplinks every ``step_s`` seconds for ``minutes``, decoded as HA would decode them."""
    readings = []
    now = start
    while now < start + timedelta(minutes=minutes):
        body = dev.uplink(now)
        (uplink,) = parse("chirpstack", body, "up")
        readings.append(decode(dev.model, uplink.f_port, uplink.payload))
        now += timedelta(seconds=step_s)
    return readings


# ------------------------------------------------------------------------------ encoders


def test_elsys_encoder_round_trips_through_the_codec() -> None:
    payload = encode_elsys(
        {"temperature": 22.6, "humidity": 41, "light": 39, "motion": 6, "co2": 776, "vdd": 3612}
    )
    # The same bytes as the ERS CO2 example of the TTN Device Repository, plus VDD.
    assert payload.hex() == "0100e202290400270506060308" + "070e1c"
    assert decode("elsys_ers_co2", 5, payload) == {
        "temperature": 22.6,
        "humidity": 41.0,
        "illuminance": 39,
        "motion": 6,
        "co2": 776,
        "battery_voltage": 3.612,
    }


def test_elsys_encoder_negative_temperature_and_occupancy() -> None:
    payload = encode_elsys({"temperature": -12.3, "occupancy": 2, "vdd": 3600})
    assert decode("elsys_ers_eye", 5, payload) == {
        "temperature": -12.3,
        "occupancy": True,
        "battery_voltage": 3.6,
    }
    assert decode("elsys_ers_eye", 5, encode_elsys({"occupancy": 0})) == {"occupancy": False}


def test_am307_encoder_round_trips_through_the_codec() -> None:
    values = {
        "battery": 92,
        "temperature": -1.5,
        "humidity": 45.5,
        "pir": 1,
        "light_level": 3,
        "co2": 812,
        "pressure": 995.3,
    }
    payload = encode_milesight_am307(values)
    assert payload.startswith(bytes.fromhex("01755c"))  # channel 01, type 75, 92 %
    assert decode("milesight_am307", 85, payload) == {
        "battery": 92,
        "temperature": -1.5,
        "humidity": 45.5,
        "occupancy": True,
        "light_level": 3,
        "co2": 812,
        "pressure": 995.3,
    }


def test_am307_encoder_matches_the_vendor_example() -> None:
    # Milesight's AM307 README example, less its TVOC item, which the simulator does not send.
    payload = encode_milesight_am307(
        {
            "temperature": 23.8,
            "humidity": 62,
            "pir": 1,
            "light_level": 2,
            "co2": 936,
            "pressure": 1008.6,
        }
    )
    assert payload.hex() == "0367ee0004687c05000106cb02077da803" + "09736627"


@pytest.mark.parametrize(
    ("encoder", "values"),
    [
        (encode_elsys, {"pressure": 1000}),  # no such Elsys field here
        (encode_elsys, {"humidity": 300}),  # does not fit a byte
        (encode_milesight_am307, {"light": 10}),
        (encode_milesight_am307, {"co2": -1}),
    ],
)
def test_encoders_reject_what_they_cannot_encode(encoder, values) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        encoder(values)


# ----------------------------------------------------------------------------- devices


def test_demo_devices_are_well_formed() -> None:
    devices = demo_devices()
    assert len({d.dev_eui for d in devices}) == len(devices)
    for dev in devices:
        assert normalize_dev_eui(dev.dev_eui) == dev.dev_eui
        assert dev.model in MODELS
        # HA guesses the model of a discovered device from the profile name: keep them in step.
        assert guess_model(profile_name=dev.profile_name) == dev.model
    # The room sensors first; one of them is left to discovery, every other is added.
    assert [d.name for d in devices[:4]] == list(ROOM_SENSORS)
    assert [d.name for d in devices if not d.add_to_hub] == ["Förråd Fränsta"]
    assert len({d.name for d in devices}) == len(devices)


def test_demo_has_anges_places() -> None:
    roles: dict[str, list[str]] = {}
    for dev in demo_devices():
        roles.setdefault(dev.role, []).append(dev.name)
    assert roles["lake"] == [
        "Badplats Backetjärn",
        "Badplats Vojen",
        "Badplats Borgsjö Strand",
    ]
    assert roles["snow_station"] == ["Snöstation Ånge", "Snöstation Fränsta"]
    assert len(roles["water_meter"]) == 20
    assert len(roles["waste_bin"]) == 5
    assert roles["trail"] == ["S:t Olavsleden Borgsjö"]
    for role in ("fridge", "freezer", "cold_room", "dry_store"):
        assert [name.endswith("Ånge skola") for name in roles[role]] == [True]


@pytest.mark.parametrize(
    "dev",
    [d for d in demo_devices() if d.name not in ROOM_SENSORS and d.care_unit is None],
    ids=lambda d: d.name,
)
def test_role_settings_pass_the_devices_settings_form(dev: SimulatedDevice) -> None:
    """demo_setup posts these settings to the subentry flow's settings step."""
    assert dev.role in Role
    assert dev.role != "none"
    # The role step offers only the roles the model's readings serve.
    assert role_fits_model(dev.role, dev.model)
    # The form's own schema and checks, as HA runs them on the posted settings.
    cleaned = settings_schema(dev.role, {})(dict(dev.settings))
    settings, errors = validate_settings(dev.role, cleaned)
    assert errors == {}
    if "location" in dev.settings:
        latitude, longitude = settings["latitude"], settings["longitude"]
        # Ånge municipality: Borgsjö in the west to Fränsta in the east.
        assert 62.4 < latitude < 62.7
        assert 15.4 < longitude < 16.3
    assert dev.area
    assert dev.period is not None


@pytest.mark.parametrize("name", [d.name for d in demo_devices()])
@pytest.mark.parametrize(
    "start", [WEDNESDAY, SUMMER_WEDNESDAY, SATURDAY], ids=["winter", "summer", "weekend"]
)
def test_every_uplink_parses_and_decodes_plausibly(name: str, start: datetime) -> None:
    dev = device(name, seed=3)
    for hour in range(24):
        now = start + timedelta(hours=hour, minutes=17)
        body = dev.uplink(now)
        uplinks = parse("chirpstack", body, "up")
        assert len(uplinks) == 1
        uplink = uplinks[0]
        assert uplink.kind is UplinkKind.UPLINK
        assert uplink.dev_eui == dev.dev_eui
        assert uplink.f_port == dev.f_port
        assert uplink.f_cnt == hour
        assert uplink.device_name == dev.name
        assert uplink.profile_name == dev.profile_name
        assert uplink.received_at == now
        assert uplink.rssi is not None
        assert uplink.snr is not None
        assert uplink.gateway_count >= 1
        readings = decode(dev.model, uplink.f_port, uplink.payload)
        assert readings
        assert set(readings) <= MODELS[dev.model].keys
        if dev.name in ROOM_SENSORS:
            assert set(readings) == MODELS[dev.model].keys - {
                "acceleration_x",
                "acceleration_y",
                "acceleration_z",
                # Milesight AM300 older-firmware items (PIR activity, lux): the demo
                # sends the current firmware's PIR status and light level instead.
                *(("motion", "illuminance") if dev.model.startswith("milesight_am") else ()),
            }
        for key, value in readings.items():
            assert not key.endswith("_invalid"), (dev.name, key)
            if isinstance(value, bool):
                continue
            low, high = PLAUSIBLE[key]
            assert low <= value <= high, (dev.name, now, key, value)


def test_envelope_is_chirpstack_v4_json() -> None:
    dev = device("Dagrum Solgården")
    body = dev.uplink(WEDNESDAY.replace(hour=10))
    assert uuid.UUID(body["deduplicationId"]).version == 4
    assert datetime.fromisoformat(body["time"]).utcoffset() == timedelta(0)
    assert body["deviceInfo"]["tenantName"] == "Ånge kommun"
    assert set(body["deviceInfo"]) >= {
        "tenantId",
        "applicationId",
        "applicationName",
        "deviceProfileId",
        "deviceProfileName",
        "deviceName",
        "devEui",
    }
    assert body["confirmed"] is False
    assert body["txInfo"]["frequency"] in (868_100_000, 868_300_000, 868_500_000)
    lora = body["txInfo"]["modulation"]["lora"]
    assert lora == {"bandwidth": 125_000, "spreadingFactor": 12 - body["dr"], "codeRate": "CR_4_5"}
    for rx in body["rxInfo"]:
        assert {"gatewayId", "uplinkId", "rssi", "snr", "location"} <= set(rx)
    # A new event every time, with the frame counter moving on.
    second = dev.uplink(WEDNESDAY.replace(hour=10, minute=1))
    assert second["deduplicationId"] != body["deduplicationId"]
    assert second["fCnt"] == body["fCnt"] + 1


# --------------------------------------------------------------------- daily rhythms


def test_day_room_co2_follows_the_day() -> None:
    night = run(device("Dagrum Solgården"), WEDNESDAY.replace(hour=3), minutes=20)
    lunch = run(device("Dagrum Solgården"), WEDNESDAY.replace(hour=11, minute=50), minutes=20)
    assert all(r["co2"] < 560 for r in night)
    assert all(r["co2"] > 900 for r in lunch)
    assert all(r["co2"] <= 1400 for r in lunch)
    assert all(20.8 <= r["temperature"] <= 23.2 for r in night + lunch)
    assert all(30 <= r["humidity"] <= 45 for r in night + lunch)


def test_values_change_smoothly_between_uplinks() -> None:
    readings = run(device("Dagrum Solgården"), WEDNESDAY.replace(hour=9), minutes=60)
    for before, after in itertools.pairwise(readings):
        assert abs(after["temperature"] - before["temperature"]) <= 0.5
        assert abs(after["co2"] - before["co2"]) <= 80
    # ... and yet they do change, so a person watching sees the sensor is alive.
    assert len({r["co2"] for r in readings}) > 10


def test_town_hall_is_occupied_in_office_hours_only() -> None:
    office = run(device("Kommunhuset entré"), WEDNESDAY.replace(hour=10), minutes=60)
    night = run(device("Kommunhuset entré"), WEDNESDAY.replace(hour=2), minutes=60)
    weekend = run(device("Kommunhuset entré"), SATURDAY.replace(hour=11), minutes=60)
    assert sum(r["occupancy"] for r in office) > 0.6 * len(office)
    assert sum(r["occupancy"] for r in night) < 0.2 * len(night)
    assert sum(r["occupancy"] for r in weekend) < 0.2 * len(weekend)
    assert sum(r["motion"] for r in office) > sum(r["motion"] for r in night)


def test_school_kitchen_warms_up_while_cooking() -> None:
    cooking = run(device("Skolköket Ånge skola"), WEDNESDAY.replace(hour=10), minutes=30)
    evening = run(device("Skolköket Ånge skola"), WEDNESDAY.replace(hour=19), minutes=30)
    assert min(r["temperature"] for r in cooking) > max(r["temperature"] for r in evening)
    assert any(r["occupancy"] for r in cooking)
    assert all(r["light_level"] == 0 for r in evening)
    assert all(985 <= r["pressure"] <= 1005 for r in cooking + evening)


# -------------------------------------------------------------------------- sending


@pytest.mark.usefixtures("socket_enabled")
async def test_send_uplink_posts_a_chirpstack_event_with_the_secret() -> None:
    received: list[tuple[dict, str | None, str | None]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(
            (
                await request.json(),
                request.query.get("event"),
                request.headers.get("X-Ange-Iot-Secret"),
            )
        )
        return web.json_response({"status": 200, "message": "ok", "accepted": 1, "rejected": []})

    app = web.Application()
    app.router.add_post("/api/webhook/{webhook_id}", webhook)
    async with TestServer(app, host="127.0.0.1") as server:
        target = lorawan_simulator.Target(
            url=str(server.make_url("/api/webhook/abc")), secret="s3cret"
        )
        await lorawan_simulator.simulate(target, demo_devices(1), (20, 60), once=True)
    assert len(received) == len(demo_devices())
    assert {event for _, event, _ in received} == {"up"}
    assert {secret for _, _, secret in received} == {"s3cret"}
    for body, _, _ in received:
        assert parse("chirpstack", body, "up")[0].f_cnt == 0


def test_parse_interval() -> None:
    assert lorawan_simulator.parse_interval("20-60") == (20.0, 60.0)
    assert lorawan_simulator.parse_interval("5") == (5.0, 5.0)
    for bad in ("x", "60-20", "0"):
        with pytest.raises(argparse.ArgumentTypeError):
            lorawan_simulator.parse_interval(bad)


# ------------------------------------------------- encoders of the community sensors


@pytest.mark.parametrize(
    ("encoder", "values", "payload"),
    [
        # Decentlab DL-DS18, DEC and TTN dl-ds18-codec.yaml example 1 (device id 573).
        (
            lambda v: encode_decentlab_dl_ds18(v, device_id=573),
            {"external_temperature": 21.875, "battery_voltage": 3.093},
            "02023d0003815e0c15",
        ),
        # Dragino LDDS75, TTN ldds75-114-codec.yaml: Bat 3.387, 2799 mm, no probe.
        (encode_dragino_ldds75, {"battery_voltage": 3.387, "distance": 2799}, "0d3b0aef00000001"),
        # Axioma W1, "Lora Payload (Long) Extended" V01.7, its first nine bytes (short frame):
        # time 0x5D35A00E, status 0x30, 13609 L.
        (
            encode_axioma_w1,
            {"meter_time": 0x5D35A00E, "status": 0x30, "volume": 13.609},
            "0ea0355d3029350000",
        ),
        # Netvox R711, TTN r711-codec.yaml "Status report": 3.0 V, 25.38 °C, 68 %.
        (
            encode_netvox_r711,
            {"battery_voltage": 3.0, "temperature": 25.38, "humidity": 68.0},
            "0101011e09ea1a90000000",
        ),
        # Milesight EM310-UDL README: battery 92, 2116 mm, position tilt.
        (
            encode_milesight_em310_udl,
            {"battery": 92, "distance": 2116, "position": 1},
            "01755c03824408040001",
        ),
        # Milesight EM300-TH README: battery 92, 30.8 °C, 50.5 %.
        (
            encode_milesight_em300_th,
            {"battery": 92, "temperature": 30.8, "humidity": 50.5},
            "01755c03673401046865",
        ),
        # Milesight EM500-PT100 (TTN em500-pt100-codec.yaml) and TS101 (README) probes.
        (encode_milesight_probe, {"battery": 92, "external_temperature": 28.1}, "01755c03671901"),
        (encode_milesight_probe, {"battery": 100, "external_temperature": 26.3}, "01756403670701"),
    ],
)
def test_encoders_match_the_vendors_examples(encoder, values, payload) -> None:
    assert encoder(values).hex() == payload


def test_r718x_tbhh100_vs133_and_elvaco_encoders_round_trip() -> None:
    # R718X: the TTN r718x-codec.yaml values (3.6 V, 300 mm, 26.3 °C, fill 50 %).
    payload = encode_netvox_r718x(
        {"battery_voltage": 3.6, "distance": 300, "temperature": 26.3, "device_fill": 50}
    )
    assert payload[:3] == bytes.fromhex("013401")  # version, R718X device type, data report
    assert decode("netvox_r718x", 6, payload) == {
        "battery_voltage": 3.6,
        "battery_low": False,
        "distance": 300,
        "temperature": 26.3,
        "fill_level": 50.0,
    }
    # TBHH100: the TTN tbhh100-codec.yaml values (3.6 V, 21 °C, 34 %), reserved bytes 0xFF.
    payload = encode_browan_tbhh100({"battery_voltage": 3.6, "temperature": 21, "humidity": 34})
    assert payload[2:] == bytes.fromhex("3522ffffffff")
    assert decode("browan_tbhh100", 103, payload) == {
        "temperature": 21.0,
        "humidity": 34.0,
        "battery_voltage": 3.6,
    }
    # VS133: the TTN vs133-codec.yaml line 1 (in 72, out 200, period 0/0).
    payload = encode_milesight_vs133(
        {"people_total": 72, "people_total_out": 200, "people_in": 0, "people_out": 0}
    )
    assert payload.hex() == "03d248000000" + "04d2c8000000" + "05cc00000000"
    assert decode("milesight_vs133", 85, payload) == {
        "people_total": 72,
        "people_in": 0,
        "people_out": 0,
    }
    for model, first in (
        ("elvaco_cmi4110", 0x00),
        ("elvaco_cmi4140", 0x15),
        ("elvaco_cmi4160", 0x1E),
    ):
        payload = elvaco_encoder(model)({"volume": 1234.567, "meter_number": 71200015})
        assert payload[0] == first  # the module's "Standard" message format
        assert payload[1:7].hex() == "0c1367452301"  # 01234567 L, low digit pair first
        assert decode(model, 2, payload) == {"volume": 1234.567}


@pytest.mark.parametrize(
    ("encoder", "values"),
    [
        (encode_milesight_em310_udl, {"distance": 70_000}),  # over uint16
        (encode_milesight_em310_udl, {"temperature": 3}),  # no such item
        (encode_milesight_vs133, {"people_in": -1}),
        (encode_milesight_vs133, {"people_count": 3}),
        (encode_decentlab_dl_ds18, {"humidity": 40}),
        (encode_dragino_ldds75, {"battery_voltage": 3.6, "distance": 1800, "co2": 400}),
        (encode_netvox_r718x, {"battery_voltage": 20, "distance": 300, "temperature": 1}),
        (encode_netvox_r711, {"battery_voltage": 3.6, "temperature": 3, "humidity": 101}),
        (encode_browan_tbhh100, {"battery_voltage": 4.5, "temperature": 20, "humidity": 40}),
        (encode_browan_tbhh100, {"battery_voltage": 3.6, "temperature": -40, "humidity": 40}),
        (encode_axioma_w1, {"meter_time": 0, "volume": -1}),
        (encode_axioma_w1, {"meter_time": 0, "volume": 1, "flow": 2}),
        (elvaco_encoder("elvaco_cmi4110"), {"volume": 100_000}),  # 10^8 L: over 8 digits
    ],
)
def test_community_encoders_reject_what_they_cannot_encode(encoder, values) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        encoder(values)


# ------------------------------------------------ what the demo's sensors send


# Payload fields the codecs read but publish under no key (see each codec's docstring).
UNPUBLISHED = frozenset(
    {
        "position", "people_total_out", "meter_time", "meter_number",
        "leak_count", "last_leak_minutes",  # Dragino counters: no canonical key
    }
)  # fmt: skip
WS101_EVENTS = {code: name for name, code in lorawan_simulator.WS101_PRESS.items()}


def meant_readings(dev: SimulatedDevice, values: dict[str, float]) -> dict[str, Any]:
    """What the codec should give for the values the simulator measured."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in UNPUBLISHED:
            continue
        if key == "vdd":
            out["battery_voltage"] = value / 1000
        elif key == "light":
            out["illuminance"] = value
        elif key == "digital":  # EMS Door reed switch: 1 while the magnet is at it
            out["door_open"] = value == 0
        elif key == "pulse_abs":
            out["pulse_count"] = value
        elif key == "device_fill":  # Netvox R718X: its own FillLevel
            out["fill_level"] = float(value)
        elif key in ("seat_1", "seat_2"):  # R311WA: occupied while either pad is pressed
            out["occupancy"] = out.get("occupancy", False) or value == 1
        elif key == "occupancy":  # Elsys: 0 nobody, 2 occupied
            out["occupancy"] = value == 2
        elif key == "button":
            out["button"] = WS101_EVENTS[round(value)]
        elif key == "water_leak":
            out["water_leak"] = bool(value)
        elif key == "status":
            # The simulated W1 meters report "no condition" or leakage, nothing else.
            assert value in (0, 0x20)
            out |= {
                "battery_low": False,
                "meter_alarm_leak": value == 0x20,
                "meter_alarm_burst": False,
                "meter_alarm_backflow": False,
                "meter_alarm_tamper": False,
                "meter_alarm_dry": False,
            }
        else:
            out[key] = value
    if dev.model.startswith("netvox"):
        out["battery_low"] = False
    if dev.model == "dragino_ldds75" and out.get("external_temperature") == 0:
        del out["external_temperature"]  # Dragino's 0x0000 means "no probe"
    return out


@pytest.mark.parametrize("name", [d.name for d in demo_devices() if d.name not in ROOM_SENSORS])
def test_community_sensors_decode_to_what_the_simulator_meant(name: str) -> None:
    dev = device(name, seed=11)
    assert dev.period is not None
    for when in report_times(
        dev, DEMO_START - timedelta(hours=12), DEMO_START + timedelta(hours=12)
    ):
        body = dev.uplink(when)
        (uplink,) = parse("chirpstack", body, "up")
        readings = decode(dev.model, uplink.f_port, uplink.payload)
        expected = meant_readings(dev, dev.last_values)
        assert set(readings) == set(expected), (name, when)
        for key, value in expected.items():
            assert readings[key] == pytest.approx(value, abs=1e-9), (name, when, key)


def replay(
    dev: SimulatedDevice, start: datetime, end: datetime
) -> list[tuple[datetime, dict[str, Any]]]:
    """The device's uplinks from start to end as HA's hub handles them: decoded readings
    fed to the integration's derived values, built from the settings demo_setup posts."""
    settings, errors = validate_settings(
        dev.role, settings_schema(dev.role, {})(dict(dev.settings))
    )
    assert errors == {}
    features = build_features({"role": dev.role, **settings}, MODELS[dev.model])
    values: dict[str, Any] = {}
    out = []
    for when in report_times(dev, start, end):
        body = dev.uplink(when)
        (uplink,) = parse("chirpstack", body, "up")
        readings = decode(dev.model, uplink.f_port, uplink.payload)
        values.update(readings)
        changed = set(readings)
        local = when.astimezone(TZ)
        for feature in features.values():
            derived = feature.update(values, changed, local)
            values.update(derived)
            changed |= set(derived)
        out.append((local, dict(values)))
    return out


def test_the_leaking_meter_never_has_a_zero_flow_hour_and_is_suspected() -> None:
    meter = next(
        d for d in demo_devices(5, DEMO_START) if d.settings.get("meter_id") == LEAKING_METER
    )
    assert meter.period == timedelta(hours=1)  # hourly, as leak suspicion needs
    history = replay(meter, DEMO_START - timedelta(hours=26), DEMO_START + timedelta(days=2))
    for (_, before), (_, after) in itertools.pairwise(history):
        assert after["volume"] > before["volume"]  # water ran in every hour
    assert all(values["meter_alarm_leak"] for _, values in history)
    # 24 hours of hourly readings with no zero-flow hour: suspected from then on.
    suspected = [when for when, values in history if values.get("leak_suspected")]
    assert suspected
    assert suspected[0] <= DEMO_START
    assert all(values.get("leak_suspected") for when, values in history if when >= suspected[0])


def test_the_other_meters_rest_at_night_and_use_a_household_amount() -> None:
    meters = [
        d
        for d in demo_devices(5, DEMO_START)
        if d.role == "water_meter" and d.settings["meter_id"] != LEAKING_METER
    ]
    assert len(meters) == 19
    for meter in meters:
        history = replay(meter, DEMO_START - timedelta(hours=26), DEMO_START + timedelta(days=3))
        assert not any(values.get("leak_suspected") for _, values in history), meter.name
        assert not any(values.get("meter_alarm_leak") for _, values in history), meter.name
        volumes = [values["volume"] for _, values in history]
        assert all(b >= a for a, b in itertools.pairwise(volumes))  # never backwards
        # Every night there are hours without a drop of water.
        night = [
            b - a
            for (when, _), a, b in zip(history[1:], volumes[:-1], volumes[1:], strict=True)
            if 3 <= when.hour <= 4
        ]
        assert night
        assert all(step == 0 for step in night), meter.name
        # Just before midnight: a day's use of a household, a shop or a preschool.
        evenings = [values for when, values in history if when.hour == 23]
        for values in evenings:
            assert 0.1 <= values["daily_consumption"] <= 2.5, (meter.name, values)


def test_meter_registers_do_not_depend_on_when_the_demo_started() -> None:
    # A restarted demo sends the same register for the same time: no false meter exchange.
    first = next(d for d in demo_devices(1, DEMO_START) if d.role == "water_meter")
    later = next(
        d for d in demo_devices(2, DEMO_START + timedelta(days=3)) if d.role == "water_meter"
    )
    when = DEMO_START + timedelta(days=4, hours=7, minutes=13)
    assert first.measure(first, when)["volume"] == later.measure(later, when)["volume"]


def test_the_freezer_warms_up_past_minus_18_and_stays_there() -> None:
    freezer = next(d for d in demo_devices(3, DEMO_START) if d.role == "freezer")
    history = replay(freezer, DEMO_START - timedelta(hours=26), DEMO_START + timedelta(hours=8))
    fault = DEMO_START - timedelta(hours=2.5)
    before = [values for when, values in history if when < fault]
    after = [values for when, values in history if when >= fault + timedelta(minutes=100)]
    assert all(-22.5 <= values["temperature"] <= -18.5 for values in before)
    assert not any(values["out_of_range"] for values in before)
    assert all(values["temperature"] > -18 for values in after)
    assert after[-1]["temperature"] > after[0]["temperature"] + 5  # still warming
    # The alarm is on when the demo starts: out of range longer than its 30 minutes.
    at_start = next(values for when, values in history if when >= DEMO_START)
    assert at_start["out_of_range"] is True
    assert at_start["temperature_limit_high"] == -18.0


@pytest.mark.parametrize("role", ["fridge", "cold_room", "dry_store"])
def test_the_other_kitchen_stores_stay_in_range(role: str) -> None:
    dev = next(d for d in demo_devices(3, DEMO_START) if d.role == role)
    history = replay(dev, DEMO_START - timedelta(days=2), DEMO_START + timedelta(days=1))
    assert not any(values["out_of_range"] for _, values in history)
    temperatures = [values["temperature"] for _, values in history]
    assert len(set(temperatures)) > 2  # a compressor's cycle, a door, a working kitchen


def test_one_bin_is_full_and_the_others_fill_over_the_week() -> None:
    bins = [d for d in demo_devices(4, DEMO_START) if d.role == "waste_bin"]
    over_90 = []
    for dev in bins:
        history = replay(dev, DEMO_START - timedelta(days=7), DEMO_START + timedelta(days=1))
        at_start = next(values for when, values in history if when >= DEMO_START)
        fills = [values["fill_level"] for _, values in history]
        if at_start["fill_level"] > 90:
            over_90.append(dev.name)
            assert at_start["needs_emptying"] is True
        else:
            assert max(fills) < 85, dev.name  # emptied before it reaches the threshold
            assert max(fills) > 20, dev.name  # yet it does fill up over the week
    assert over_90 == ["Avfallskärl Resecentrum"]


def test_snow_builds_up_while_it_snows() -> None:
    for dev in (d for d in demo_devices(6, DEMO_START) if d.role == "snow_station"):
        history = replay(dev, DEMO_START - timedelta(hours=26), DEMO_START + timedelta(hours=6))
        depth = {when: values["snow_depth"] for when, values in history}
        earlier = next(v for when, v in depth.items() if when >= DEMO_START - timedelta(hours=2))
        later = next(v for when, v in depth.items() if when >= DEMO_START + timedelta(hours=5))
        assert later >= earlier + 4, dev.name
        assert all(10 <= v <= 60 for v in depth.values()), dev.name
        last = history[-1][1]
        assert last["snow_change_24h"] >= 4
        assert last["snow_depth"] == pytest.approx(200 - last["distance"] / 10, abs=0.1)


def test_lakes_are_cold_in_november() -> None:
    for dev in (d for d in demo_devices(6, DEMO_START) if d.role == "lake"):
        history = replay(dev, DEMO_START - timedelta(hours=24), DEMO_START)
        for _, values in history:
            assert 0.5 <= values["water_temperature"] <= 5, dev.name
            assert values["bathing_water"] == "cold"


def test_walkers_on_st_olavsleden_come_by_daylight() -> None:
    trail = next(d for d in demo_devices(8, DEMO_START) if d.role == "trail")
    day = DEMO_START.replace(hour=0, minute=0)
    history = replay(trail, day - timedelta(hours=1), day + timedelta(days=1, minutes=-1))
    dark = [values["people_in"] for when, values in history if when.hour < 7 or when.hour >= 17]
    assert sum(dark) <= 1
    today = history[-1][1]["visitors_today"]
    assert 2 <= today <= 25  # a Thursday in November


# -------------------------------------------------------------- timing and catch-up


def test_meters_report_hourly_each_at_its_own_minute() -> None:
    meters = [d for d in demo_devices() if d.role == "water_meter"]
    day = (DEMO_START, DEMO_START + timedelta(days=1))
    minutes = set()
    for meter in meters:
        times = report_times(meter, *day)
        assert len(times) == 24
        assert {b - a for a, b in itertools.pairwise(times)} == {timedelta(hours=1)}
        assert report_times(meter, *day) == times  # a fixed phase
        minutes.add(times[0].minute)
    assert len(minutes) > 10  # not twenty meters on the hour


@pytest.mark.usefixtures("socket_enabled")
async def test_catch_up_delivers_the_missed_uplinks_in_order_once(tmp_path: Path) -> None:
    received: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"accepted": 1, "rejected": []})

    devices = [d for d in demo_devices(2, DEMO_START) if d.role in ("water_meter", "freezer")][:3]
    app = web.Application()
    app.router.add_post("/api/webhook/{webhook_id}", webhook)
    now = DEMO_START + timedelta(minutes=7)
    async with TestServer(app, host="127.0.0.1") as server:
        target = lorawan_simulator.Target(url=str(server.make_url("/api/webhook/x")), secret="s")
        async with lorawan_simulator.aiohttp.ClientSession() as session:
            sent = await lorawan_simulator.catch_up(
                session, target, devices, timedelta(hours=3), now
            )
            assert sent == len(received)
            expected = sum(len(report_times(d, now - timedelta(hours=3), now)) for d in devices)
            assert sent == expected
            # A second start finds nothing missing: each device goes on after its last uplink.
            lorawan_simulator.save_state(tmp_path / "state.json", devices)
            again = [
                d for d in demo_devices(2, DEMO_START) if d.role in ("water_meter", "freezer")
            ][:3]
            lorawan_simulator.load_state(tmp_path / "state.json", again)
            assert (
                await lorawan_simulator.catch_up(session, target, again, timedelta(hours=3), now)
                == 0
            )
            assert [d.f_cnt for d in again] == [d.f_cnt for d in devices]
    for dev in devices:
        bodies = [b for b in received if b["deviceInfo"]["devEui"] == dev.dev_eui]
        times = [datetime.fromisoformat(b["time"]) for b in bodies]
        assert times == sorted(times)
        assert now - timedelta(hours=3) < times[0]
        assert times[-1] <= now
        assert [b["fCnt"] for b in bodies] == list(range(len(bodies)))


def test_a_broken_state_file_starts_afresh(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    devices = demo_devices(1)
    for text in ("not json", "[1, 2]", '{"0c5b1b3600000001": {"f_cnt": "x"}}'):
        state.write_text(text, encoding="utf-8")
        lorawan_simulator.load_state(state, devices)
        assert all(d.f_cnt == 0 and d.last_sent is None for d in devices)
    lorawan_simulator.load_state(tmp_path / "missing.json", devices)
    assert all(d.last_sent is None for d in devices)


# -------------------------------------------------------------------------- dashboards

DASHBOARDS = sorted((Path(__file__).parent.parent / "dashboards").glob("*.yaml"))
CARE_DASHBOARD = Path(__file__).parent.parent / "dashboards" / "care.yaml"
# Home Assistant's own card types (no custom: cards, so nothing needs installing).
BUILT_IN_CARDS = frozenset(
    {
        "alarm-panel", "area", "button", "calendar", "conditional", "entities", "entity",
        "entity-filter", "gauge", "glance", "grid", "heading", "history-graph",
        "horizontal-stack", "humidifier", "light", "logbook", "map", "markdown",
        "media-control", "picture", "picture-elements", "picture-entity", "picture-glance",
        "plant-status", "sensor", "statistic", "statistics-graph", "thermostat", "tile",
        "todo-list", "vertical-stack", "weather-forecast",
    }
)  # fmt: skip
# Cards the integration serves and loads itself (so still nothing to install).
SERVED_BY_THE_INTEGRATION = frozenset({"custom:ange-care-camera-card"})


def _card_tree(node: Any) -> list[dict]:
    """Every card of a view (masonry ``cards`` or ``sections``), stacks and wrappers opened."""
    found: list[dict] = []
    for card in [
        *node.get("cards", []),
        *(c for s in node.get("sections", []) for c in s["cards"]),
    ]:
        found.append(card)
        found += _card_tree({"cards": [*card.get("cards", []), *filter(None, [card.get("card")])]})
    return found


def test_there_are_the_operations_and_care_dashboards() -> None:
    assert [path.name for path in DASHBOARDS] == ["care.yaml", "coverage.yaml", "operations.yaml"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_use_built_in_cards_and_the_demos_entities(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    dashboard = yaml.safe_load(text)
    cards = [card for view in dashboard["views"] for card in _card_tree(view)]
    assert cards
    for card in cards:
        assert card["type"] in BUILT_IN_CARDS | SERVED_BY_THE_INTEGRATION, card["type"]
    # Every entity shown is one of a demo device's (HA names them device name + entity
    # name); care units and medicine robots are devices of their own.
    names = [d.name for d in demo_devices()] + [unit["code"] for unit in demo_setup.CARE_UNITS]
    names += [f"{d.care_unit} {d.client}" for d in demo_dispensers()]
    names += [f"Gateway {gateway.gateway_id}" for gateway in lorawan_simulator.GATEWAYS]
    prefixes = tuple(f"{slugify(name)}_" for name in names)
    entity_ids = set(re.findall(r"\b(?:sensor|binary_sensor)\.[a-z0-9_]+", text))
    assert entity_ids
    for entity_id in entity_ids:
        assert entity_id.split(".", 1)[1].startswith(prefixes), entity_id


def test_operations_dashboard_has_the_five_views_staff_asked_for() -> None:
    operations = Path(__file__).parent.parent / "dashboards" / "operations.yaml"
    dashboard = yaml.safe_load(operations.read_text(encoding="utf-8"))
    assert [view["title"] for view in dashboard["views"]] == [
        "Snö",
        "Vatten",
        "Kök",
        "Avfall",
        "Turism",
    ]
    water = dashboard["views"][1]["cards"]
    (per_day,) = [card for card in water if card["type"] == "statistics-graph"]
    assert per_day["stat_types"] == ["change"]
    assert per_day["period"] == "day"
    meters = [d for d in demo_devices() if d.role == "water_meter"]
    assert {e["entity"] for e in per_day["entities"]} == {
        f"sensor.{slugify(d.name)}_vatten" for d in meters
    }
    (alarms,) = [card for card in water if card["type"] == "entity-filter"]
    assert alarms["state_filter"] == ["on"]
    assert {f"binary_sensor.{slugify(d.name)}_misstankt_lacka" for d in meters} <= set(
        alarms["entities"]
    )
    kitchen = dashboard["views"][2]["cards"]
    graphs = [card for card in kitchen if card["type"] == "history-graph"]
    # Each store's temperature is drawn with its limit.
    for graph in graphs:
        names = [e["entity"] for e in graph["entities"]]
        assert any(n.endswith("_temperatur") for n in names)
        assert any(n.endswith("_ovre_temperaturgrans") for n in names)
    assert len(graphs) == 4


# ------------------------------------------------------------------------------ care


def test_care_encoders_match_the_vendors_examples() -> None:
    # Milesight-IoT/SensorDecoders ws-series/ws101/README.md, "Example": 017510 FF2E01,
    # battery 16 %, short press.
    payload = encode_milesight_ws101({"battery": 16, "button": 1})
    assert payload.hex() == "017510ff2e01"
    assert decode("milesight_ws101", 85, payload) == {"battery": 16, "button": "press"}
    # TheThingsNetwork/lorawan-devices vendor/netvox/r311wa-codec.yaml, "Status report":
    # 3.0 V, seat 1 off, seat 2 on.
    payload = encode_netvox_r311wa({"battery_voltage": 3.0, "seat_1": 0, "seat_2": 1})
    assert payload.hex() == "015a011e00010000000000"
    assert decode("netvox_r311wa", 6, payload) == {
        "battery_voltage": 3.0,
        "battery_low": False,
        "occupancy": True,
    }


def test_door_and_leak_encoders_decode_to_what_was_meant() -> None:
    # Elsys EMS Door: VDD, reed switch (1 = magnet at the switch, closed), opening count.
    opened = encode_elsys({"vdd": 3618, "digital": 0, "pulse_abs": 10601})
    assert opened.hex() == "070e22" + "0d00" + "0b00002969"
    assert decode("elsys_ems_door", 5, opened) == {
        "battery_voltage": 3.618,
        "door_open": True,
        "pulse_count": 10601,
    }
    assert decode("elsys_ems_door", 5, encode_elsys({"digital": 1}))["door_open"] is False
    # Dragino LWL02 on fPort 10: bit 14 of the status word is the leak, MOD 2 leak mode.
    wet = encode_dragino_lwl02({"battery_voltage": 3.062, "water_leak": 1, "leak_count": 3})
    assert wet[:3] == bytes((0x4B, 0xF6, 0x02))  # 0x4000 | 3062 mV, MOD 2
    assert len(wet) == 10
    assert decode("dragino_lwl02", 10, wet) == {"battery_voltage": 3.062, "water_leak": True}
    dry = encode_dragino_lwl02({"battery_voltage": 3.062, "water_leak": 0})
    assert decode("dragino_lwl02", 10, dry) == {"battery_voltage": 3.062, "water_leak": False}


@pytest.mark.parametrize(
    ("encoder", "values"),
    [
        (encode_milesight_ws101, {"button": 4}),  # no such press code
        (encode_milesight_ws101, {"temperature": 20}),
        (encode_netvox_r311wa, {"battery_voltage": 3.0, "seat_1": 2}),
        (encode_dragino_lwl02, {"battery_voltage": 3.0, "door_open": 1}),
        (encode_dragino_lwl02, {"battery_voltage": 20.0}),  # beyond its 14 bits of mV
    ],
)
def test_care_encoders_reject_what_they_cannot_encode(encoder, values) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        encoder(values)


def test_sol2_has_four_rooms_with_five_care_sensors_each() -> None:
    care = [d for d in demo_devices() if d.care_unit is not None]
    assert {d.care_unit for d in care} == {"SOL-2"}
    for room in CARE_ROOMS:
        sensors = {d.model: d for d in care if d.room == room}
        assert set(sensors) == {
            "elsys_ems_door", "netvox_r311wa", "elsys_ers_eye", "milesight_ws101", "dragino_lwl02"
        }  # fmt: skip
        assert sensors["elsys_ems_door"].role == "outer_door"
        assert sensors["netvox_r311wa"].role == "bed"
        assert sensors["elsys_ers_eye"].role == "room_presence"
        # Call buttons and leak sensors are recognised from their readings: no role.
        assert sensors["milesight_ws101"].role == sensors["dragino_lwl02"].role == "none"
    for dev in care:
        assert dev.role in (*CARE_ROLES, "none")
        # What demo_setup posts passes the device form: codes, never a name or personnummer.
        form = {
            "dev_eui": dev.dev_eui, "model": dev.model, "name": dev.name,
            "care_unit": dev.care_unit, "room": dev.room,
        }  # fmt: skip
        data, errors = validate_device(form)
        assert errors == {}, dev.name
        # ...and the role step offers its role.
        assert role_fits_model(dev.role, dev.model), dev.name
        assert (data["care_unit"], data["room"]) == ("SOL-2", dev.room)
        # Heartbeats often enough that a working sensor never counts as offline (2 h).
        assert dev.period is not None
        assert dev.period <= timedelta(hours=1)


def _care_night(start: datetime) -> list[tuple[datetime, SimulatedDevice, dict[str, Any]]]:
    """Every care uplink the demo replays at ``start``, decoded by the integration."""
    readings = []
    for dev in demo_devices(4, start):
        if dev.care_unit is None:
            continue
        assert dev.history_from is not None
        for when in report_times(dev, dev.history_from, start):
            (uplink,) = parse("chirpstack", dev.uplink(when), "up")
            readings.append(
                (when.astimezone(TZ), dev, decode(dev.model, uplink.f_port, uplink.payload))
            )
    return sorted(readings, key=lambda item: item[0])


def _night(when: datetime) -> bool:
    return is_night(when, time(22, 0), time(7, 0), tz=TZ)


@pytest.mark.parametrize(
    "start",
    [DEMO_START, DEMO_START.replace(hour=2, minute=20), DEMO_START.replace(hour=9, minute=5)],
    ids=["afternoon", "just-after-2", "morning"],
)
def test_the_night_before_the_demo_has_a_call_and_a_door_opened_at_0210(start: datetime) -> None:
    night = CareNight.before(start)
    readings = _care_night(start)
    presses = [(when, dev.room) for when, dev, values in readings if "button" in values]
    assert presses == [
        (datetime.combine(night.evening, time(23, 40), TZ), "R2"),
        (datetime.combine(night.evening, time(23, 43, 20), TZ), "R2"),  # pressed again
    ]
    assert all(_night(when) for when, _ in presses)
    night_doors = [
        (when, dev.room)
        for when, dev, values in readings
        if values.get("door_open") and _night(when)
    ]
    assert night_doors[0] == (datetime.combine(night.morning, time(2, 10), TZ), "R3")
    # Coming back in at 02:19; no other outer door opens at night.
    assert [room for _, room in night_doors] == ["R3", "R3"]
    # By day the doors open and close as staff and residents come and go.
    day_doors = [v["door_open"] for w, d, v in readings if d.role == "outer_door" and not _night(w)]
    assert day_doors.count(True) >= 4


def test_residents_sleep_from_22_to_07_with_short_visits_only() -> None:
    readings = _care_night(DEMO_START)
    for room in CARE_ROOMS:
        bed = [
            (when, v["occupancy"]) for when, d, v in readings if d.room == room and d.role == "bed"
        ]
        night = CareNight.before(DEMO_START)
        at_22 = datetime.combine(night.evening, time(22, 0), TZ)
        at_07 = datetime.combine(night.morning, time(7, 0), TZ)
        # In bed by 22 and still in bed at 07.
        assert [occupied for when, occupied in bed if when <= at_22][-1] is True, room
        assert [occupied for when, occupied in bed if when <= at_07][-1] is True, room
        # Out of bed at night only briefly: never the unit's 30 minutes that raise an alarm.
        out_since = None
        for when, occupied in bed:
            if at_22 <= when <= at_07 and not occupied and out_since is None:
                out_since = when
            elif occupied and out_since is not None:
                assert when - out_since < timedelta(minutes=30), (room, out_since)
                out_since = None
    # The wandering resident was up from 02:04 to 02:24, out of the room in between.
    wanderer = [(w, v) for w, d, v in readings if d.room == "R3" and d.role == "room_presence"]
    night = CareNight.before(DEMO_START)
    away = [w for w, v in wanderer if not v["occupancy"] and _night(w)]
    assert away
    assert all(
        datetime.combine(night.morning, time(2, 10), TZ)
        < w
        < datetime.combine(night.morning, time(2, 20), TZ)
        for w in away
    )


def test_the_medicine_robot_misses_one_dose_that_night_and_takes_the_rest() -> None:
    (robot,) = demo_dispensers(DEMO_START)
    night = CareNight.before(DEMO_START)
    events = robot.events(DEMO_START - timedelta(days=7), DEMO_START)
    parsed = [parse_dispenser_event(event) for event in events]  # every one follows the API
    assert {e.dispenser_id for e in parsed} == {"EVD-4711"}
    missed = [e for e in parsed if e.event == "dose_missed"]
    assert len(missed) == 1
    assert missed[0].scheduled_for == datetime.combine(night.evening, time(21, 30), TZ)
    assert missed[0].at == datetime.combine(night.evening, time(22, 15), TZ)
    assert _night(missed[0].at)
    beats = [e.at for e in parsed if e.event == "heartbeat"]
    assert {b - a for a, b in itertools.pairwise(beats)} == {timedelta(minutes=15)}
    # The integration's own state machine takes them in the order sent, none refused.
    state = DispenserState("EVD-4711", tracking_since=DEMO_START - timedelta(days=7))
    for event in parsed:
        assert state.apply(event, DEMO_START) is True
    assert state.status(DEMO_START) is DispenserStatus.OK  # the doses after it were taken
    adherence = state.adherence(DEMO_START)
    assert adherence is not None
    assert 90 < adherence < 100
    assert state.next_dose(DEMO_START) == datetime.combine(DEMO_START.date(), time(17, 0), TZ)
    assert state.doses_remaining is not None
    assert 0 < state.doses_remaining <= 60
    # Sent again (a restart without its state file), every event is a harmless duplicate.
    assert not any(state.apply(event, DEMO_START) for event in parsed)


def test_one_call_button_battery_runs_low_the_morning_after() -> None:
    night = CareNight.before(DEMO_START)
    buttons = {d.room: d for d in demo_devices(1, DEMO_START) if d.model == "milesight_ws101"}
    before = datetime.combine(night.morning, time(9, 0), TZ)
    after = datetime.combine(night.morning, time(10, 0), TZ)
    levels = {
        room: [
            decode(d.model, 85, d.encode(d.measure(d, when)))["battery"] for when in (before, after)
        ]
        for room, d in buttons.items()
    }
    assert levels.pop("R4") == [15, 14]  # below 15 % the hub raises battery_low
    assert all(level >= 80 for pair in levels.values() for level in pair)


# ------------------------------------------------------------------ care dashboard


def _care_dashboard() -> dict[str, Any]:
    return yaml.safe_load(CARE_DASHBOARD.read_text(encoding="utf-8"))


def test_care_dashboard_works_on_a_phone_and_loads_in_the_demo() -> None:
    dashboard = _care_dashboard()
    # Sections views lay their sections out in one column on a narrow screen.
    assert [(view["title"], view["type"]) for view in dashboard["views"]] == [
        ("SOL-2", "sections"),
        ("Hemtjänst", "sections"),
    ]
    demo = (Path(__file__).parent.parent / "scripts" / "demo").read_text(encoding="utf-8")
    assert "ange-vard:\n      mode: yaml\n      filename: dashboards/care.yaml" in demo
    assert "title: Vård\n      icon: mdi:hospital-building" in demo


def test_care_dashboard_buttons_press_the_alarm_buttons_demo_setup_creates() -> None:
    text = CARE_DASHBOARD.read_text(encoding="utf-8")
    cards = [card for view in _care_dashboard()["views"] for card in _card_tree(view)]
    pressed = {
        (card["name"], card["tap_action"]["target"]["entity_id"])
        for card in cards
        if card["type"] == "button"
    }
    assert all(
        card["tap_action"]["perform_action"] == "button.press"
        for card in cards
        if card["type"] == "button"
    )
    expected = {
        (label, f"button.{slugify(f'{unit} larm {slot} {label}')}")
        for unit, slots in demo_setup.ALARM_SLOTS.items()
        for slot in range(1, slots + 1)
        for label in demo_setup.ALARM_BUTTONS
    }
    assert pressed == expected
    # Slot n shows from the n-th open alarm on; the list is read from the units' sensors.
    for unit, slots in demo_setup.ALARM_SLOTS.items():
        sensor = f"sensor.{slugify(unit)}_oppna_larm"
        thresholds = sorted(
            condition["above"]
            for card in cards
            if card["type"] == "conditional"
            for condition in card["conditions"]
            if condition.get("entity") == sensor
        )
        assert thresholds == [*range(slots), slots]  # the last: "and n more"
        assert f"state_attr('{sensor}', 'alarms')" in text
    # Rooms: presence, bed, door and the night-supervision result of every room.
    for room in CARE_ROOMS:
        r = room.lower()
        for entity in (
            f"binary_sensor.sol_2_{r}_narvaro_belaggning",
            f"binary_sensor.sol_2_{r}_sang_belaggning",
            f"binary_sensor.sol_2_{r}_ytterdorr_dorr",
            f"sensor.sol_2_nattillsyn_{r}",
        ):
            assert entity in text
    # The robot: next dose, adherence and status; devices offline or low on battery.
    for entity in ("nasta_dos", "foljsamhet_7_dagar", "status_lakemedelsrobot"):
        assert f"sensor.hemtj_1_hk_07_{entity}" in text
    (devices,) = [
        c for c in cards if c.get("card", {}).get("title") == "Offline eller lågt batteri"
    ]
    filters = {e["entity"]: e["state_filter"] for e in devices["entities"]}
    assert filters["sensor.sol_2_r4_larmknapp_batteri"] == [
        "unavailable",
        {"operator": "<", "value": 15},
    ]
    assert filters["binary_sensor.sol_2_r1_sang_batteri"] == ["on"]
    assert filters["binary_sensor.sol_2_r3_ytterdorr_dorr"] == ["unavailable"]


ALARMS = [
    {"alarm_id": "alarm-a", "kind": "call_button", "state": "escalated", "room": "R2",
     "triggered_at": "2026-11-25T22:40:00+00:00", "acknowledged_by": None, "repeats": 1},
    {"alarm_id": "alarm-b", "kind": "night_door", "state": "escalated", "room": "R3",
     "triggered_at": "2026-11-26T01:10:00+00:00", "acknowledged_by": None, "repeats": 0},
]  # fmt: skip


def _button_script(hass: HomeAssistant, unit: str, slot: int, label: str) -> Script:
    sequence = demo_setup._slot_press(unit, slot, demo_setup.ALARM_BUTTONS[label])
    return Script(hass, cv.SCRIPT_SCHEMA(sequence), f"{unit} {slot} {label}", "template")


async def test_alarm_buttons_act_on_the_alarm_in_their_slot(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    acknowledged = async_mock_service(hass, "ange_iot", "acknowledge_alarm")
    resolved = async_mock_service(hass, "ange_iot", "resolve_alarm")
    notified = async_mock_service(hass, "persistent_notification", "create")
    hass.states.async_set("sensor.sol_2_oppna_larm", "2", {"alarms": ALARMS})
    freezer.tick(timedelta(seconds=30))
    user = Context(user_id="nurse-1")

    await _button_script(hass, "SOL-2", 2, "Kvittera").async_run(context=user)
    await _button_script(hass, "SOL-2", 1, "Löst").async_run(context=user)
    await hass.async_block_till_done()

    # Newest first (issue 11): slot 1 is the newest alarm, alarm-b; slot 2 the older alarm-a.
    assert [call.data for call in acknowledged] == [{"alarm_id": "alarm-a"}]
    assert [call.data for call in resolved] == [{"alarm_id": "alarm-b", "outcome": "on_site"}]
    # The tapping user reaches the integration, which records who acknowledged.
    assert acknowledged[0].context.user_id == "nurse-1"
    assert not notified


async def test_alarm_buttons_refuse_while_the_list_just_changed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    acknowledged = async_mock_service(hass, "ange_iot", "acknowledge_alarm")
    notified = async_mock_service(hass, "persistent_notification", "create")
    hass.states.async_set("sensor.sol_2_oppna_larm", "2", {"alarms": ALARMS})
    freezer.tick(timedelta(seconds=30))
    # Someone resolves alarm 1: what was alarm 2 moves into slot 1 right now.
    hass.states.async_set("sensor.sol_2_oppna_larm", "1", {"alarms": ALARMS[1:]})
    freezer.tick(timedelta(seconds=3))

    await _button_script(hass, "SOL-2", 1, "Kvittera").async_run(context=Context())
    await hass.async_block_till_done()
    assert not acknowledged
    assert [call.data["title"] for call in notified] == ["SOL-2: larmlistan ändrades nyss"]

    # Once the list has stood still, the same tap acts. A slot the list no longer reaches
    # (its card is hidden, but a tap may be under way) acts on nothing and says so.
    freezer.tick(timedelta(seconds=15))
    await _button_script(hass, "SOL-2", 1, "Kvittera").async_run(context=Context())
    await _button_script(hass, "SOL-2", 2, "Kvittera").async_run(context=Context())
    await hass.async_block_till_done()
    assert [call.data for call in acknowledged] == [{"alarm_id": "alarm-b"}]
    assert len(notified) == 2
