"""The demo's LoRaWAN simulator: its payloads decode with the integration's own codecs.

The simulator encodes payloads itself (scripts/lorawan_simulator.py), so these tests are
the proof that what it sends is what the real sensors send: every encoder's output goes
through ``codecs.decode`` and every envelope through ``networks.parse``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
import itertools
import uuid
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.ange_iot.lorawan.codecs import MODELS, decode, guess_model
from custom_components.ange_iot.lorawan.networks import parse
from custom_components.ange_iot.lorawan.uplink import UplinkKind, normalize_dev_eui
from scripts import lorawan_simulator
from scripts.lorawan_simulator import (
    SimulatedDevice,
    demo_devices,
    encode_elsys,
    encode_milesight_am307,
)

TZ = ZoneInfo("Europe/Stockholm")
# A Wednesday in winter and one in summer (summer time), and a Saturday.
WEDNESDAY = datetime(2026, 1, 14, tzinfo=TZ)
SUMMER_WEDNESDAY = datetime(2026, 6, 17, tzinfo=TZ)
SATURDAY = datetime(2026, 1, 17, tzinfo=TZ)

# What a real room can report; anything outside means a scaling or sign error.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "temperature": (0, 35),
    "humidity": (15, 85),
    "co2": (400, 2000),
    "illuminance": (0, 3000),
    "motion": (0, 255),
    "battery_voltage": (3.4, 3.7),
    "battery": (1, 100),
    "pressure": (950, 1050),
    "light_level": (0, 5),
}


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
    # Exactly the three named sensors are added; the fourth is left to discovery.
    assert [d.name for d in devices if d.add_to_hub] == [
        "Dagrum Solgården",
        "Skolköket Ånge skola",
        "Kommunhuset entré",
    ]
    assert [d.model for d in devices if not d.add_to_hub] == ["elsys_ers"]


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
        assert set(readings) == MODELS[dev.model].keys - {
            "acceleration_x",
            "acceleration_y",
            "acceleration_z",
        }
        for key, value in readings.items():
            if key == "occupancy":
                assert isinstance(value, bool)
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
    assert len(received) == 4
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
