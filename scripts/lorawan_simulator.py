"""A small LoRaWAN network simulator for the demo.

It plays the part of ChirpStack v4: every simulated device "sends" an uplink now and then,
and the simulator POSTs the matching ``up`` event, in the JSON that ChirpStack's HTTP
integration sends, to the Home Assistant webhook of an ``ange_iot`` hub. Payloads are
encoded here, in each vendor's own byte format, so the integration's real codecs decode
them, just as they would decode a real sensor's.

Each device is a ``SimulatedDevice``: how it behaves (a ``measure`` function giving the
values a real sensor would measure at a given local time) and how it encodes those values
(an ``encode`` function giving the payload bytes). More devices are more list entries in
``demo_devices()``.

Besides the room sensors, it simulates Ånge's community services and tourism sensors:
bathing places, snow stations, twenty water meters, waste bins, a people counter on
S:t Olavsleden and the school kitchen's cold chain, in early-winter (late November)
weather. Three faults are built in and timed from the start, so they show at once: a
meter with a leak, a freezer warming up and a full bin. Sensors like these report on a
fixed period (meters hourly); at start the simulator first delivers the last day of
every sensor's uplinks with their own timestamps (``--history``; room sensors one per
ten minutes), so values that look back 24 hours are there from the first minute, and the
hub files them in the statistics of the hours they were measured in: graphs are full.

For care, it simulates the elder-care unit SOL-2 (rooms R1-R4, each with an outer door,
a bed sensor, a presence sensor, a call button and a leak sensor) and home care HEMTJ-1's
medicine robot for client HK-07, whose events it POSTs in the integration's dispenser
event API. The last night before the start (CareNight) is replayed with a call-button
press, a missed dose and an outer door opened at 02:10, so their alarms are open when
the demo starts.

Run ``python -m scripts.lorawan_simulator --target .demo/simulator.json`` (written by
scripts/demo_setup.py), or see ``--help``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
import hashlib
import json
import logging
import math
from pathlib import Path
import random
import signal
import struct
from typing import Any, Final
import uuid
from zoneinfo import ZoneInfo

import aiohttp

LOGGER = logging.getLogger("lorawan_simulator")

# Values are simulated in Ånge's local time: the rhythm of a day room or a school kitchen
# follows the clock on the wall, summer time included.
LOCAL_TZ: Final = ZoneInfo("Europe/Stockholm")

# The header in which the network server sends the hub's secret (DESIGN.md, "Webhook").
# Written out rather than imported from the integration so the simulator needs no
# Home Assistant at all.
SECRET_HEADER: Final = "X-Ange-Iot-Secret"

# ChirpStack identifies tenants, applications and profiles by UUID. Fixed ones keep a
# device's metadata the same from run to run, as it is on a real network server.
TENANT_ID: Final = "5c3b6f7e-2d1a-4e8b-9f0c-a1b2c3d4e5f6"
TENANT_NAME: Final = "Ånge kommun"
APPLICATION_ID: Final = "0b6a2f0e-7c1d-4a55-8e3b-6f9d2c41a7e0"
APPLICATION_NAME: Final = "ange-demo"
_PROFILE_NAMESPACE: Final = uuid.UUID("3f1e6b1a-9c2d-4f7e-8a5b-2d0c4e6f8a1b")

# The three default EU868 channels every LoRaWAN device can use; devices hop between them.
EU868_CHANNELS: Final = (868_100_000, 868_300_000, 868_500_000)

type Values = dict[str, float]
"""What a device measured, in the units its payload format carries (see the encoders)."""
type Encoder = Callable[[Mapping[str, float]], bytes]
type Measure = Callable[["SimulatedDevice", datetime], Values]
type EventTimes = Callable[[datetime, datetime], list[datetime]]
"""When a device reports a change of its own accord (a door opening), in (after, until]."""


# ------------------------------------------------------------------------------ encoders


@dataclass(frozen=True, slots=True)
class _Field:
    """One value of a payload format: its prefix bytes, struct format and scale."""

    prefix: bytes
    fmt: str
    scale: float


def _pack(vendor: str, fields: Mapping[str, _Field], values: Mapping[str, float]) -> bytes:
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    out = bytearray()
    # The format's own order, not the caller's: it is the order the vendors' devices use.
    for key, spec in fields.items():
        if key not in values:
            continue
        raw = round(values[key] * spec.scale)
        try:
            out += spec.prefix + struct.pack(spec.fmt, raw)
        except struct.error:
            raise ValueError(f"{vendor}: {key}={values[key]} does not fit its field") from None
    return bytes(out)


# Elsys: a type byte, then a big-endian value whose size the type fixes (Elsys payload spec).
_ELSYS: Final = {
    "temperature": _Field(b"\x01", ">h", 10),  # °C, 0.1 per step, signed
    "humidity": _Field(b"\x02", ">B", 1),  # % RH
    "light": _Field(b"\x04", ">H", 1),  # lx
    "motion": _Field(b"\x05", ">B", 1),  # PIR count since the last uplink
    "co2": _Field(b"\x06", ">H", 1),  # ppm
    "vdd": _Field(b"\x07", ">H", 1),  # battery voltage in mV
    "external_temperature": _Field(b"\x0c", ">h", 10),  # probe °C, 0.1 per step, signed
    "occupancy": _Field(b"\x11", ">B", 1),  # 0 free, 1 pending, 2 occupied
    # EMS Door: the reed switch on the digital input (1 magnet at the switch: closed) and
    # its absolute opening counter.
    "digital": _Field(b"\x0d", ">B", 1),
    "pulse_abs": _Field(b"\x0b", ">I", 1),
}

# Milesight AM307: channel id + channel type, then a little-endian value.
_AM307: Final = {
    "battery": _Field(b"\x01\x75", "<B", 1),  # %
    "temperature": _Field(b"\x03\x67", "<h", 10),  # °C, 0.1 per step, signed
    "humidity": _Field(b"\x04\x68", "<B", 2),  # % RH, 0.5 per step
    "pir": _Field(b"\x05\x00", "<B", 1),  # 0 idle, 1 triggered
    "light_level": _Field(b"\x06\xcb", "<B", 1),  # 0-5, as on the display
    "co2": _Field(b"\x07\x7d", "<H", 1),  # ppm
    "pressure": _Field(b"\x09\x73", "<H", 10),  # hPa, 0.1 per step
}


# The other Milesight sensors use the same channel/type items (Milesight-IoT/SensorDecoders
# READMEs). Keys are the integration's canonical names and units; distances are mm.
_MILESIGHT_BATTERY: Final = {"battery": _AM307["battery"]}
_EM310_UDL: Final = {
    **_MILESIGHT_BATTERY,
    "distance": _Field(b"\x03\x82", "<H", 1),  # mm; 0 would mean "no echo"
    "position": _Field(b"\x04\x00", "<B", 1),  # 0 normal, 1 tilted
}
_EM300_TH: Final = {
    **_MILESIGHT_BATTERY,
    "temperature": _AM307["temperature"],
    "humidity": _AM307["humidity"],
}
# EM500-PT100 and TS101 carry the probe temperature on the temperature channel.
_MILESIGHT_PROBE: Final = {
    **_MILESIGHT_BATTERY,
    "external_temperature": _Field(b"\x03\x67", "<h", 10),
}
# VS133 line 1: running totals (uint32) and the counts of the last period.
_VS133: Final = {
    "people_total": _Field(b"\x03\xd2", "<I", 1),  # total in
    "people_total_out": _Field(b"\x04\xd2", "<I", 1),
}


def encode_elsys(values: Mapping[str, float]) -> bytes:
    """An Elsys uplink (keys: temperature, humidity, light, motion, co2, vdd,
    external_temperature, occupancy)."""
    return _pack("Elsys", _ELSYS, values)


def encode_milesight_am307(values: Mapping[str, float]) -> bytes:
    """A Milesight AM307 uplink (keys: battery, temperature, humidity, pir, light_level, co2, pressure)."""
    return _pack("Milesight AM307", _AM307, values)


def encode_milesight_em310_udl(values: Mapping[str, float]) -> bytes:
    """A Milesight EM310-UDL uplink (keys: battery, distance in mm, position)."""
    return _pack("Milesight EM310-UDL", _EM310_UDL, values)


def encode_milesight_em300_th(values: Mapping[str, float]) -> bytes:
    """A Milesight EM300-TH uplink (keys: battery, temperature, humidity)."""
    return _pack("Milesight EM300-TH", _EM300_TH, values)


def encode_milesight_probe(values: Mapping[str, float]) -> bytes:
    """A Milesight EM500-PT100 or TS101 uplink (keys: battery, external_temperature)."""
    return _pack("Milesight probe", _MILESIGHT_PROBE, values)


def encode_milesight_vs133(values: Mapping[str, float]) -> bytes:
    """A Milesight VS133 uplink for line 1 (keys: people_total, people_total_out,
    people_in, people_out: the last two are the period counts, one item together)."""
    totals = {key: value for key, value in values.items() if key in _VS133}
    period = {key: values[key] for key in ("people_in", "people_out") if key in values}
    if set(values) - set(totals) - set(period):
        return _pack("Milesight VS133", _VS133, values)  # raises, naming the unknown keys
    out = _pack("Milesight VS133", _VS133, totals)
    if period:
        try:
            out += b"\x05\xcc" + struct.pack(
                "<HH", round(period.get("people_in", 0)), round(period.get("people_out", 0))
            )
        except struct.error:
            raise ValueError(f"Milesight VS133: period counts {period} do not fit") from None
    return out


def _fits(vendor: str, key: str, value: float, low: int, high: int) -> int:
    raw = round(value)
    if not low <= raw <= high:
        raise ValueError(f"{vendor}: {key}={value} does not fit its field")
    return raw


def encode_decentlab_dl_ds18(values: Mapping[str, float], device_id: int = 0x0B21) -> bytes:
    """A Decentlab DL-DS18 uplink (keys: external_temperature °C, battery_voltage V).

    Protocol version 2, the device id, a flags word naming the groups present, then
    big-endian words: the probe as 16 × °C + 32768, the battery in mV.
    """
    vendor = "Decentlab DL-DS18"
    unknown = set(values) - {"external_temperature", "battery_voltage"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    flags, words = 0, []
    if "external_temperature" in values:
        flags |= 0x01
        words.append(
            _fits(vendor, "temperature", values["external_temperature"] * 16 + 32768, 0, 0xFFFF)
        )
    if "battery_voltage" in values:
        flags |= 0x02
        words.append(_fits(vendor, "battery", values["battery_voltage"] * 1000, 0, 0xFFFF))
    return struct.pack(f">BHH{len(words)}H", 2, device_id, flags, *words)


def encode_dragino_ldds75(values: Mapping[str, float]) -> bytes:
    """A Dragino LDDS75 distance frame (fPort 2; keys: battery_voltage V, distance mm,
    external_temperature °C of the optional DS18B20 probe).

    Eight big-endian bytes: battery mV, distance, interrupt flag, probe temperature in
    0.1 °C (0 without a probe), sensor flag.
    """
    vendor = "Dragino LDDS75"
    unknown = set(values) - {"battery_voltage", "distance", "external_temperature"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    battery = _fits(vendor, "battery_voltage", values["battery_voltage"] * 1000, 0, 0x3FFF)
    distance = _fits(vendor, "distance", values["distance"], 0, 0xFFFF)
    probe = _fits(
        vendor, "external_temperature", values.get("external_temperature", 0) * 10, -32768, 32767
    )
    return struct.pack(">HHBhB", battery, distance, 0, probe, 1)


def _netvox_battery(vendor: str, volts: float, low: float) -> int:
    # 0.1 V per step in bits 6-0; bit 7 is the device's own low-battery flag.
    return _fits(vendor, "battery_voltage", volts * 10, 0, 0x7F) | (0x80 if low else 0)


def encode_netvox_r718x(values: Mapping[str, float]) -> bytes:
    """A Netvox R718X data report (fPort 6; keys: battery_voltage V, battery_low,
    distance mm, temperature °C, device_fill %: the fill level the device works out
    from its own FillMaxDistance setting)."""
    vendor = "Netvox R718X"
    unknown = set(values) - {
        "battery_voltage", "battery_low", "distance", "temperature", "device_fill"
    }  # fmt: skip
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    return struct.pack(
        ">BBBBBHhBB",
        0x01,  # protocol version
        0x34,  # device type R718X
        0x01,  # data report
        _netvox_battery(vendor, values["battery_voltage"], values.get("battery_low", 0)),
        0,  # status: below the on-distance threshold
        _fits(vendor, "distance", values["distance"], 0, 0xFFFF),
        _fits(vendor, "temperature", values["temperature"] * 10, -32768, 32767),
        _fits(vendor, "device_fill", values.get("device_fill", 0), 0, 100),
        0,  # angle of inclination: upright
    )


def encode_netvox_r711(values: Mapping[str, float]) -> bytes:
    """A Netvox R711 data report (fPort 6; keys: battery_voltage V, battery_low,
    temperature °C, humidity %; both in 0.01 steps)."""
    vendor = "Netvox R711"
    unknown = set(values) - {"battery_voltage", "battery_low", "temperature", "humidity"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    return struct.pack(
        ">BBBBhH3x",
        0x01,
        0x01,  # device type R711
        0x01,
        _netvox_battery(vendor, values["battery_voltage"], values.get("battery_low", 0)),
        _fits(vendor, "temperature", values["temperature"] * 100, -32768, 32767),
        _fits(vendor, "humidity", values["humidity"] * 100, 0, 10000),
    )


def encode_browan_tbhh100(values: Mapping[str, float]) -> bytes:
    """A Browan TBHH100 status frame (fPort 103; keys: battery_voltage V in 0.1 V steps
    from 2.6 to 3.9, temperature in whole °C, humidity in whole %)."""
    vendor = "Browan TBHH100"
    unknown = set(values) - {"battery_voltage", "temperature", "humidity"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    battery = _fits(vendor, "battery_voltage", values["battery_voltage"] * 10 - 25, 1, 14)
    temperature = _fits(vendor, "temperature", values["temperature"] + 32, 1, 0x7F)
    humidity = _fits(vendor, "humidity", values["humidity"], 0, 100)
    # Status 0 (a periodic report); the last four bytes are reserved for an IAQ sensor and
    # read 0xFF, as in Browan's TTN example.
    return bytes((0, battery, temperature, humidity, 0xFF, 0xFF, 0xFF, 0xFF))


def encode_netvox_r311wa(values: Mapping[str, float]) -> bytes:
    """A Netvox R311WA data report (fPort 6; keys: battery_voltage V, battery_low,
    seat_1 and seat_2: 1 while weight is on that input's pad; a bed uses pad 1)."""
    vendor = "Netvox R311WA"
    unknown = set(values) - {"battery_voltage", "battery_low", "seat_1", "seat_2"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    return struct.pack(
        ">BBBBBB5x",
        0x01,
        0x5A,  # device type R311WA
        0x01,
        _netvox_battery(vendor, values["battery_voltage"], values.get("battery_low", 0)),
        _fits(vendor, "seat_1", values.get("seat_1", 0), 0, 1),
        _fits(vendor, "seat_2", values.get("seat_2", 0), 0, 1),
    )


# Milesight WS101 button press codes (its SensorDecoders README, channel 0xFF 0x2E).
WS101_PRESS: Final = {"press": 1, "long_press": 2, "double_press": 3}


def encode_milesight_ws101(values: Mapping[str, float]) -> bytes:
    """A Milesight WS101 uplink (keys: battery %, button: 1 short, 2 long, 3 double press;
    a periodic report carries the battery alone)."""
    vendor = "Milesight WS101"
    unknown = set(values) - {"battery", "button"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    out = bytearray()
    if "battery" in values:
        out += b"\x01\x75" + bytes((_fits(vendor, "battery", values["battery"], 0, 100),))
    if "button" in values:
        out += b"\xff\x2e" + bytes((_fits(vendor, "button", values["button"], 1, 3),))
    return bytes(out)


def encode_dragino_lwl02(values: Mapping[str, float]) -> bytes:
    """A Dragino LWL02 water-leak frame (fPort 10; keys: battery_voltage V, water_leak,
    leak_count, last_leak_minutes).

    Ten big-endian bytes: status word (bit 14 leak, low 14 bits battery mV), MOD 2 (leak
    mode), leak count (3 bytes), duration of the last leak in minutes (3 bytes), alarm.
    """
    vendor = "Dragino LWL02"
    unknown = set(values) - {"battery_voltage", "water_leak", "leak_count", "last_leak_minutes"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    status = _fits(vendor, "battery_voltage", values["battery_voltage"] * 1000, 0, 0x3FFF)
    if values.get("water_leak"):
        status |= 0x4000
    count = _fits(vendor, "leak_count", values.get("leak_count", 0), 0, 0xFFFFFF)
    minutes = _fits(vendor, "last_leak_minutes", values.get("last_leak_minutes", 0), 0, 0xFFFFFF)
    return (
        struct.pack(">HB", status, 2)
        + count.to_bytes(3, "big")
        + minutes.to_bytes(3, "big")
        + b"\x00"
    )


# Axioma W1 status byte, bits 7-5: the condition the meter reports.
AXIOMA_LEAKAGE: Final = 0x20


def encode_axioma_w1(values: Mapping[str, float]) -> bytes:
    """An Axioma Qalcosonic W1 short frame (fPort 100; keys: meter_time, Unix seconds;
    status, the status byte; volume in m³, sent as whole litres).

    Nine little-endian bytes: meter time (uint32), status, volume register (uint32 L).
    """
    vendor = "Axioma W1"
    unknown = set(values) - {"meter_time", "status", "volume"}
    if unknown:
        raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
    return struct.pack(
        "<IBI",
        _fits(vendor, "meter_time", values["meter_time"], 0, 0xFFFFFFFF),
        _fits(vendor, "status", values.get("status", 0), 0, 0xFF),
        _fits(vendor, "volume", values["volume"] * 1000, 0, 0xFFFFFFFF),
    )


def _bcd(vendor: str, key: str, value: int, digits: int) -> bytes:
    if not 0 <= value < 10**digits:
        raise ValueError(f"{vendor}: {key}={value} does not fit {digits} BCD digits")
    text = f"{value:0{digits}d}"
    # Least significant digit pair first, as M-Bus stores BCD.
    return bytes(int(text[i : i + 2], 16) for i in range(digits - 2, -1, -2))


ELVACO_STANDARD: Final = {"elvaco_cmi4110": 0x00, "elvaco_cmi4140": 0x15, "elvaco_cmi4160": 0x1E}
"""The "Standard" message format byte of each Elvaco module (its user manual)."""


def elvaco_encoder(model: str) -> Encoder:
    """An encoder for an Elvaco CMi41xx module's Standard message (fPort 2).

    Keys: volume in m³ (sent in litres), meter_number (the host meter's id). The
    message is the format byte, then M-Bus records (EN 13757-3): volume as 8-digit BCD
    with VIF 0x13 (litres), the meter id as 8-digit BCD (VIF 0x78) and the meter's
    error flags (VIF 0xFD 0x17), none set.
    """
    vendor = f"Elvaco {model}"
    message_format = ELVACO_STANDARD[model]

    def encode(values: Mapping[str, float]) -> bytes:
        unknown = set(values) - {"volume", "meter_number"}
        if unknown:
            raise ValueError(f"{vendor}: no payload field for {', '.join(sorted(unknown))}")
        litres = _fits(vendor, "volume", values["volume"] * 1000, 0, 10**8 - 1)
        number = round(values.get("meter_number", 0))
        return (
            bytes((message_format,))
            + b"\x0c\x13" + _bcd(vendor, "volume", litres, 8)
            + b"\x0c\x78" + _bcd(vendor, "meter_number", number, 8)
            + b"\x02\xfd\x17\x00\x00"
        )  # fmt: skip

    return encode


# --------------------------------------------------------------------- value generators


@dataclass(slots=True)
class Drift:
    """A mean-reverting random walk: it wanders, yet keeps coming back to zero.

    Added to a daily curve it gives values that change a little with every uplink, as a
    real room's do, instead of white noise or a perfectly smooth line.
    """

    step: float
    pull: float = 0.15
    value: float = 0.0

    def next(self, rng: random.Random) -> float:
        self.value += -self.pull * self.value + rng.gauss(0.0, self.step)
        return self.value


def hour_of_day(now: datetime) -> float:
    """Local time as hours since midnight, e.g. 12.5 for half past twelve."""
    return now.hour + now.minute / 60 + now.second / 3600


def bump(hour: float, centre: float, width: float) -> float:
    """1 at ``centre`` o'clock, falling smoothly to 0 over about ``width`` hours."""
    distance = (hour - centre + 12) % 24 - 12  # the shorter way round midnight
    return math.exp(-((distance / width) ** 2))


def window(hour: float, start: float, end: float, ramp: float = 0.5) -> float:
    """About 1 between ``start`` and ``end`` o'clock and 0 outside, with soft edges."""

    def rise(x: float) -> float:
        return 1 / (1 + math.exp(-4 * x / ramp))

    return rise(hour - start) * rise(end - hour)


def daylight(now: datetime) -> float:
    """Daylight outside in Ånge, from 0 (dark) to 1 (a clear midsummer noon).

    Ånge lies at 62.5° N, where the day lasts about 5.5 hours at midwinter and 20 hours at
    midsummer; a sine over the year and a cosine over the day are close enough for a demo.
    """
    season = math.sin(2 * math.pi * (now.timetuple().tm_yday - 80) / 365.25)
    day_length = 12.75 + 7.25 * season
    # 15.66° E is 0.66° east of CET's meridian: the sun culminates 3 minutes before 12:00
    # CET, an hour later on the clock in summer time.
    offset = now.utcoffset()
    summer_time = (offset.total_seconds() / 3600 - 1) if offset is not None else 0.0
    solar_noon = 12.0 - 0.66 * 4 / 60 + summer_time
    from_noon = abs(hour_of_day(now) - solar_noon)
    if from_noon >= day_length / 2:
        return 0.0
    height = 0.35 + 0.65 * (season + 1) / 2  # the winter sun stays low
    return height * math.cos(math.pi * from_noon / day_length)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count: how many times a PIR sensor fired in an interval."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:  # Knuth's method; fine for the small means used here
        count += 1
        product *= rng.random()
    return count


def is_workday(now: datetime) -> bool:
    """Monday to Friday (public holidays are not simulated)."""
    return now.weekday() < 5


def unit_hash(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``: the same on every run and every machine.

    Values that must not depend on when the simulator started (a meter register, past
    snowfalls) are built from these instead of from the device's random generator.
    """
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def hours_between(start: datetime, end: datetime) -> float:
    """Real hours from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return (end - start).total_seconds() / 3600


def outdoor_temperature(now: datetime) -> float:
    """Air temperature in Ånge in late November: about −6 °C at night, −2 °C after noon."""
    hour = hour_of_day(now)
    return -6.0 + 4.0 * bump(hour, 14.0, 4.0)


# Water use of a household over the day, per hour from midnight (relative weights): the
# morning rush, lunch, and the evening with dinner, dishes and showers. The hours from
# 2 to 4 are 0: then nobody in an ordinary household uses water, which is what leak
# suspicion looks for (a zero-flow hour every day).
_HOUSEHOLD_PROFILE: Final = (
    0.3, 0.1, 0.0, 0.0, 0.0, 0.4, 1.9, 2.6, 1.7, 1.0, 0.8, 0.9,
    1.2, 0.9, 0.7, 0.7, 1.0, 1.5, 2.0, 1.9, 1.7, 1.5, 1.0, 0.6,
)  # fmt: skip
# The first day of the simulated meter registers, in local time.
_METER_EPOCH: Final = datetime(2024, 1, 1, tzinfo=LOCAL_TZ)


@dataclass(frozen=True, slots=True)
class Household:
    """What one water meter measures: a household's use, and a leak if there is one.

    The register is a function of time alone, so it is the same after the demo is
    restarted and never runs backwards: a meter that did would look replaced.
    """

    key: str  # what makes this household's days its own (the meter id)
    daily_m3: float  # water used on an average day
    register_at_epoch_m3: float  # the meter register on _METER_EPOCH
    leak_m3_per_h: float = 0.0  # a running toilet or a dripping pipe, day and night

    def _hour_weights(self, day: date) -> tuple[float, ...]:
        weights = []
        for hour, base in enumerate(_HOUSEHOLD_PROFILE):
            u = unit_hash(self.key, day.isoformat(), hour)
            # Now and then an hour with no use at all, now and then a bath or a wash.
            weights.append(0.0 if u < 0.12 else base * (0.4 + 1.6 * u))
        return tuple(weights)

    def _day_total(self, day: date) -> float:
        weekend = 1.15 if day.weekday() >= 5 else 1.0
        return self.daily_m3 * weekend * (0.75 + 0.5 * unit_hash(self.key, day.isoformat()))

    def used_before(self, day: date) -> float:
        """m³ used from _METER_EPOCH to the start of ``day``."""
        cache = _DAY_SUMS.setdefault(self, [0.0])
        index = (day - _METER_EPOCH.date()).days
        while len(cache) <= index:
            done = _METER_EPOCH.date() + timedelta(days=len(cache) - 1)
            cache.append(cache[-1] + self._day_total(done))
        return cache[max(0, index)]

    def register_m3(self, now: datetime) -> float:
        """The meter register at ``now``, in m³ (not yet rounded to the meter's litres)."""
        local = now.astimezone(LOCAL_TZ)
        day = local.date()
        midnight = datetime.combine(day, time(), LOCAL_TZ)
        next_midnight = datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ)
        # The day's share by real time elapsed, so a summer-time change never makes the
        # register step back.
        position = 24 * hours_between(midnight, local) / hours_between(midnight, next_midnight)
        weights = self._hour_weights(day)
        whole = min(23, int(position))
        done = sum(weights[:whole]) + weights[whole] * (position - whole)
        share = done / (sum(weights) or 1.0)
        leak = self.leak_m3_per_h * max(0.0, hours_between(_METER_EPOCH, local))
        return (
            self.register_at_epoch_m3 + self.used_before(day) + self._day_total(day) * share + leak
        )


_DAY_SUMS: Final[dict[Household, list[float]]] = {}
"""Cumulative use per day since _METER_EPOCH, per household: computed once, then reused."""


@dataclass(frozen=True, slots=True)
class Snowfall:
    """One snowfall: when it starts, how long it lasts and how fast snow builds up."""

    start: datetime
    hours: float
    cm_per_hour: float

    def depth_added(self, now: datetime) -> float:
        """Fresh snow from this fall at ``now``, settled as new snow does over a day or two."""
        age = hours_between(self.start, now)
        if age <= 0:
            return 0.0
        fallen = self.cm_per_hour * min(age, self.hours)
        return fallen * (0.55 + 0.45 * math.exp(-age / 36))


def past_snowfalls(key: str, now: datetime, days: int = 8) -> list[Snowfall]:
    """The snowfalls of the last ``days`` days at one place, the same on every run.

    In late November a front passes every two or three days, mostly by day, leaving a
    few centimetres.
    """
    falls = []
    today = now.astimezone(LOCAL_TZ).date()
    for back in range(days + 1):
        day = today - timedelta(days=back)
        if unit_hash(key, "snow", day.isoformat()) > 0.4:
            continue
        start = datetime.combine(day, time(), LOCAL_TZ) + timedelta(
            hours=5 + 12 * unit_hash(key, "start", day.isoformat())
        )
        falls.append(
            Snowfall(
                start,
                hours=3 + 6 * unit_hash(key, "hours", day.isoformat()),
                cm_per_hour=0.3 + 0.8 * unit_hash(key, "rate", day.isoformat()),
            )
        )
    return falls


# ----------------------------------------------------------------------------- devices


@dataclass(frozen=True, slots=True)
class Gateway:
    """A LoRaWAN gateway that hears the devices."""

    gateway_id: str
    latitude: float
    longitude: float
    altitude: float


GATEWAYS: Final = (
    Gateway("a84041000a1e0001", 62.5248, 15.6595, 262.0),  # the town hall's roof
    Gateway("a84041000a1e0002", 62.5172, 15.6736, 301.0),  # the water tower
)
# Gateway id -> when it stops forwarding (the demo's outage, set by --gateway-outage).
GATEWAY_OUTAGE: dict[str, datetime] = {}


@dataclass(slots=True)
class SimulatedDevice:
    """One simulated LoRaWAN end device, with its network-server metadata and behaviour."""

    dev_eui: str
    name: str  # the device name in ChirpStack, and the name it gets in Home Assistant
    model: str  # the integration's model id for its payload format
    profile_name: str  # the ChirpStack device-profile name
    f_port: int
    measure: Measure
    encode: Encoder
    area: str | None = None  # the Home Assistant area the demo puts it in
    add_to_hub: bool = True  # False: left out, so HA discovers it from its uplinks
    role: str = "none"  # the device role picked in HA's device form
    settings: dict[str, Any] = field(default_factory=dict)  # that role's settings step
    # How often the sensor reports, as configured on a real one; None: as often as the
    # simulator's --interval says (the lively room sensors).
    period: timedelta | None = None
    # Besides its period, a door, bed or button reports at once when something happens.
    events: EventTimes | None = None
    care_unit: str | None = None  # pseudonymous codes: they make it a care device in HA
    room: str | None = None
    # The catch-up at start goes back at least to here (a care sensor: the whole night).
    history_from: datetime | None = None
    rssi: float = -95.0  # typical signal at the nearest gateway, in dBm
    snr: float = 7.0
    dr: int = 5  # EU868 data rate: DR5 is SF7, DR0 is SF12
    f_cnt: int = 0
    last_sent: datetime | None = None
    rng: random.Random = field(default_factory=random.Random)
    drifts: dict[str, Drift] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    last_values: Values = field(default_factory=dict)

    @property
    def dev_addr(self) -> str:
        """A stable device address in ChirpStack's default 0x00/0x01 range."""
        digest = hashlib.sha256(self.dev_eui.encode()).hexdigest()
        return f"01{digest[:6]}"

    def wander(
        self,
        key: str,
        target: float,
        step: float,
        low: float,
        high: float,
        *,
        resolution: float = 1,
        pull: float = 0.15,
    ) -> float:
        """``target`` plus this device's own drift for ``key``, kept within [low, high].

        The result is rounded to the sensor's ``resolution``, so it is exactly the value
        the payload carries and HA shows.
        """
        drift = self.drifts.setdefault(key, Drift(step, pull))
        value = min(high, max(low, target + drift.next(self.rng)))
        if resolution == 1:
            return round(value)
        # Four decimals keep 1/16 °C steps exact and drop float noise from 0.1 steps.
        return round(round(value / resolution) * resolution, 4)

    def minutes_since_last(self, now: datetime) -> float:
        """Minutes since the previous uplink (one for the first), for counts per interval."""
        if self.last_sent is None:
            return 1.0
        return max(0.0, (now - self.last_sent).total_seconds() / 60)

    def uplink(self, now: datetime | None = None) -> dict[str, Any]:
        """Measure, encode and wrap the next uplink as a ChirpStack v4 ``up`` event."""
        now = now or datetime.now(UTC)
        values = self.measure(self, now.astimezone(LOCAL_TZ))
        self.last_values = values
        event = chirpstack_up_event(self, self.encode(values), now)
        self.f_cnt += 1
        self.last_sent = now
        return event


def chirpstack_up_event(device: SimulatedDevice, payload: bytes, now: datetime) -> dict[str, Any]:
    """The ``up`` event ChirpStack v4 POSTs to its HTTP integration for one uplink."""
    rng = device.rng
    time = now.astimezone(UTC).isoformat()
    channel = rng.randrange(len(EU868_CHANNELS))
    rx_info = []
    # About a quarter of the devices are nearest the water tower's gateway.
    nearest = 1 if unit_hash(device.dev_eui, "gateway") < 0.25 else 0
    for index, gateway in enumerate(GATEWAYS):
        # The nearest gateway always hears the device; the farther one only now and then.
        far = int(index != nearest)
        # Some devices are out of the farther gateway's reach; the rest it hears now and then.
        if far and (unit_hash(device.dev_eui, "reach") < 0.3 or rng.random() < 0.5):
            continue
        if (stop := GATEWAY_OUTAGE.get(gateway.gateway_id)) is not None and now >= stop:
            continue  # this gateway has stopped forwarding
        rx_info.append(
            {
                "gatewayId": gateway.gateway_id,
                "uplinkId": rng.getrandbits(32),
                "nsTime": time,
                "rssi": round(device.rssi - 14 * far + rng.gauss(0, 2.5)),
                "snr": round(device.snr - 6 * far + rng.gauss(0, 1.2), 1),
                "channel": channel,
                "location": {
                    "latitude": gateway.latitude,
                    "longitude": gateway.longitude,
                    "altitude": gateway.altitude,
                },
                "context": base64.b64encode(rng.randbytes(4)).decode(),
                "metadata": {"region_config_id": "eu868", "region_common_name": "EU868"},
                "crcStatus": "CRC_OK",
            }
        )
    return {
        "deduplicationId": str(uuid.uuid4()),
        "time": time,
        "deviceInfo": {
            "tenantId": TENANT_ID,
            "tenantName": TENANT_NAME,
            "applicationId": APPLICATION_ID,
            "applicationName": APPLICATION_NAME,
            "deviceProfileId": str(uuid.uuid5(_PROFILE_NAMESPACE, device.profile_name)),
            "deviceProfileName": device.profile_name,
            "deviceName": device.name,
            "devEui": device.dev_eui,
        },
        "devAddr": device.dev_addr,
        "adr": True,
        "dr": device.dr,
        "fCnt": device.f_cnt,
        "fPort": device.f_port,
        "confirmed": False,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": rx_info,
        "txInfo": {
            "frequency": EU868_CHANNELS[channel],
            "modulation": {
                "lora": {
                    "bandwidth": 125_000,
                    "spreadingFactor": 12 - device.dr,
                    "codeRate": "CR_4_5",
                }
            },
        },
    }


# ------------------------------------------------------------------- device behaviours


def day_room(device: SimulatedDevice, now: datetime) -> Values:
    """An elder-care day room: residents up from 7 to 21, lunch at noon, coffee at three."""
    hour = hour_of_day(now)
    awake = window(hour, 7.0, 21.0)
    co2 = (
        450 + 620 * bump(hour, 12.0, 1.6) + 260 * bump(hour, 15.5, 1.8) + 170 * bump(hour, 8.5, 1.0)
    )
    lights = window(hour, 6.5, 21.5)
    return {
        "temperature": device.wander(
            "temperature",
            21.3 + 1.0 * awake + 0.4 * bump(hour, 13, 3),
            0.06,
            20.8,
            23.2,
            resolution=0.1,
        ),
        "humidity": device.wander("humidity", 33 + 6 * awake + 3 * bump(hour, 12, 2), 0.5, 30, 45),
        "light": device.wander("light", 5 + 320 * lights + 450 * daylight(now), 12, 0, 2000),
        "motion": min(
            255, poisson(device.rng, (0.1 + 3.0 * awake) * device.minutes_since_last(now))
        ),
        "co2": device.wander("co2", co2, 12, 400, 1400),
        "vdd": device.wander("vdd", 3612, 2, 3580, 3650),
    }


def school_kitchen(device: SimulatedDevice, now: datetime) -> Values:
    """A school kitchen: staff from 6:30, cooking before the 11 o'clock lunch, shut at 14."""
    hour = hour_of_day(now)
    open_ = window(hour, 6.5, 14.0) if is_workday(now) else 0.0
    cooking = bump(hour, 10.3, 1.4) if is_workday(now) else 0.0
    return {
        "battery": device.wander("battery", 92, 0.05, 0, 100),
        "temperature": device.wander(
            "temperature", 19.6 + 1.5 * open_ + 3.5 * cooking, 0.08, 17, 28, resolution=0.1
        ),
        "humidity": device.wander(
            "humidity", 36 + 8 * open_ + 14 * cooking, 0.6, 20, 80, resolution=0.5
        ),
        "pir": 1 if device.rng.random() < 0.03 + 0.85 * open_ else 0,
        "light_level": min(5, round(4 * open_ + 1.5 * daylight(now))),
        "co2": device.wander("co2", 440 + 220 * open_ + 330 * cooking, 10, 400, 2000),
        # Station pressure at about 250 m above sea level; weather moves it slowly.
        "pressure": device.wander("pressure", 995, 0.3, 960, 1030, resolution=0.1, pull=0.01),
    }


def town_hall_entrance(device: SimulatedDevice, now: datetime) -> Values:
    """The town hall's entrance: a staffed reception on weekdays from 8 to 16:30."""
    hour = hour_of_day(now)
    office = window(hour, 8.0, 16.5, ramp=0.25) if is_workday(now) else 0.0
    lights = window(hour, 7.0, 18.0) if is_workday(now) else 0.0
    # Presence persists: someone at the desk is likely still there at the next uplink.
    occupied = device.memory.get("occupied", 0.0) > 0
    stay = 0.9 if occupied else 0.6
    occupied = device.rng.random() < (stay * office if office > 0.05 else 0.02)
    device.memory["occupied"] = 1.0 if occupied else 0.0
    return {
        "temperature": device.wander(
            "temperature", 20.2 + 0.9 * office, 0.05, 18.5, 23, resolution=0.1
        ),
        "humidity": device.wander("humidity", 28 + 5 * office, 0.5, 18, 50),
        "light": device.wander("light", 10 + 380 * lights + 250 * daylight(now), 10, 0, 3000),
        "motion": min(
            255, poisson(device.rng, (0.2 + 5.0 * office) * device.minutes_since_last(now))
        ),
        "occupancy": 2 if occupied else 0,
        "vdd": device.wander("vdd", 3621, 2, 3580, 3650),
    }


def unheated_storeroom(device: SimulatedDevice, now: datetime) -> Values:
    """A storeroom that is mostly dark and cool; someone looks in on some weekdays."""
    hour = hour_of_day(now)
    visit = is_workday(now) and device.rng.random() < 0.15 * window(hour, 9.0, 15.0)
    return {
        "temperature": device.wander(
            "temperature", 11.5 + 1.5 * daylight(now), 0.05, 4, 18, resolution=0.1
        ),
        "humidity": device.wander("humidity", 56, 0.5, 40, 75),
        "light": 180 if visit else device.wander("light", 1, 0.5, 0, 5),
        "motion": poisson(device.rng, 4) if visit else 0,
        "vdd": device.wander("vdd", 3594, 2, 3560, 3640),
    }


# ------------------------------------------------------- community services, tourism


def _cycle(now: datetime, minutes: float, offset: float = 0.0) -> float:
    """A compressor's cycle, 0 (just cooled) to 1 (about to start), in real time.

    The temperature creeps up for 70 % of the cycle while the compressor rests and drops
    in the 30 % it runs.
    """
    phase = (now.timestamp() / 60 / minutes + offset) % 1
    return phase / 0.7 if phase < 0.7 else (1 - phase) / 0.3


def _door_warmth(device: SimulatedDevice, now: datetime, openings_per_hour: float) -> float:
    """Degrees a door left open now and then adds; the warmth fades in about 15 minutes."""
    minutes = device.minutes_since_last(now)
    warmth = device.memory.get("door", 0.0) * math.exp(-minutes / 15)
    opened = poisson(device.rng, openings_per_hour * minutes / 60)
    warmth += opened * device.rng.uniform(0.6, 1.4)
    device.memory["door"] = min(warmth, 4.0)
    device.memory["opened"] = float(opened)
    return device.memory["door"]


def _kitchen_hours(now: datetime) -> float:
    """1 while the school kitchen works (weekdays 6:30-14), 0 otherwise."""
    return window(hour_of_day(now), 6.5, 14.0) if is_workday(now) else 0.0


def kitchen_fridge(device: SimulatedDevice, now: datetime) -> Values:
    """A fridge at about +3.5 °C: the compressor's cycle, and the door in kitchen hours."""
    door = _door_warmth(device, now, 10 * _kitchen_hours(now))
    temperature = 3.0 + 1.2 * _cycle(now, 28) + door
    return {
        "temperature": device.wander("temperature", temperature, 0.05, 0.5, 12, resolution=0.1),
        "humidity": device.wander("humidity", 74 - 3 * door, 0.6, 55, 90),
        # The fridge's own lamp lights the sensor while the door is open.
        "light": 140 if device.memory["opened"] else 0,
        "motion": min(255, round(device.memory["opened"])),
        "vdd": device.wander("vdd", 3605, 2, 3570, 3640),
    }


def kitchen_freezer(fault_at: datetime) -> Measure:
    """A freezer at about −20 °C whose compressor fails at ``fault_at``.

    From then on it warms towards the room like a full freezer does, a degree or two an
    hour at first: above −18 °C after about an hour and a half, and it stays above.
    """

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        door = _door_warmth(device, now, 2 * _kitchen_hours(now))
        # Opened briefly, a freezer's air warms by only a few tenths of a degree.
        normal = -21.5 + 1.4 * _cycle(now, 35, 0.3) + 0.4 * door
        failed_hours = hours_between(fault_at, now)
        if failed_hours > 0:
            room = 18.0
            # Food keeps the freezer cold for a while: about a day's time constant.
            temperature = room - (room + 20.8) * math.exp(-failed_hours / 20) + 0.4 * door
        else:
            temperature = normal
        return {
            "battery": device.wander("battery", 96, 0.05, 0, 100),
            "temperature": device.wander(
                "temperature", temperature, 0.04, -30, 25, resolution=0.1, pull=0.4
            ),
            "humidity": device.wander(
                "humidity",
                62 + 4 * min(1.0, max(0.0, failed_hours) / 3),
                0.5,
                40,
                90,
                resolution=0.5,
            ),
        }

    return measure


def kitchen_cold_room(device: SimulatedDevice, now: datetime) -> Values:
    """A walk-in cold room at about +3.5 °C; deliveries come in on weekday mornings."""
    hour = hour_of_day(now)
    delivery = bump(hour, 7.5, 0.8) if is_workday(now) else 0.0
    door = _door_warmth(device, now, 3 * _kitchen_hours(now) + 12 * delivery)
    temperature = 3.0 + 1.0 * _cycle(now, 42, 0.6) + 0.7 * door
    return {
        "battery_voltage": 3.6,
        "temperature": device.wander("temperature", temperature, 0.03, 0, 10, resolution=0.01),
        "humidity": device.wander("humidity", 84 - 2 * door, 0.4, 65, 95, resolution=0.01),
    }


def kitchen_dry_store(device: SimulatedDevice, now: datetime) -> Values:
    """The dry store: room temperature, dry air; a degree warmer while the kitchen works."""
    open_ = _kitchen_hours(now)
    return {
        "battery_voltage": 3.6,
        "temperature": device.wander("temperature", 18.2 + 1.1 * open_, 0.1, 14, 24),
        "humidity": device.wander("humidity", 38 + 4 * open_, 0.5, 25, 55),
    }


def lake(surface_c: float, model: str) -> Measure:
    """Water near a bathing jetty in late November: 1-4 °C, barely moving over a day."""

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        target = surface_c + 0.15 * bump(hour_of_day(now), 15.0, 4.0)
        if model == "decentlab_dl_ds18":
            water = device.wander("water", target, 0.02, -0.5, 25, resolution=0.0625, pull=0.05)
            return {"external_temperature": water, "battery_voltage": 3.046}
        water = device.wander("water", target, 0.02, -0.5, 25, resolution=0.1, pull=0.05)
        if model == "elsys_elt_lite":
            return {"external_temperature": water, "vdd": device.wander("vdd", 3590, 2, 3550, 3620)}
        return {
            "battery": device.wander("battery", 94, 0.05, 0, 100),
            "external_temperature": water,
        }

    return measure


def snow_station(
    key: str, mounting_cm: float, ground_cm: float, falling: Snowfall, model: str
) -> Measure:
    """An ultrasonic sensor on a mast looking down at the snow.

    Depth is the snow already on the ground, the falls of the last week (the same on
    every run) and ``falling``, the snowfall under way when the demo starts. The sensor
    reads the distance to the snow surface to within a few millimetres.
    """

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        depth = ground_cm + sum(fall.depth_added(now) for fall in past_snowfalls(key, now))
        depth += falling.depth_added(now)
        distance_mm = round((mounting_cm - depth) * 10 + device.rng.gauss(0, 3))
        device.memory["depth_cm"] = depth
        if model == "dragino_ldds75":
            return {
                "battery_voltage": device.wander("vdd", 3.598, 0.001, 3.5, 3.65, resolution=0.001),
                "distance": distance_mm,
                # The DS18B20 probe on the mast: the air temperature.
                "external_temperature": device.wander(
                    "air", outdoor_temperature(now), 0.15, -30, 10, resolution=0.1
                ),
            }
        return {
            "battery": device.wander("battery", 97, 0.05, 0, 100),
            "distance": distance_mm,
            "position": 0,
        }

    return measure


def waste_bin(
    depth_cm: float,
    percent_per_day: float,
    emptied_on: int,
    model: str,
    missed_since: datetime | None = None,
) -> Measure:
    """A 660-litre bin emptied every week at 7:00 on weekday ``emptied_on`` (0 Monday).

    Rubbish builds up by about ``percent_per_day``; from ``missed_since`` on the truck
    skips the bin, which fills up until its lid barely closes (about 96 %).
    """

    def last_emptied(now: datetime) -> datetime:
        local = now.astimezone(LOCAL_TZ)
        last = datetime.combine(local.date(), time(7), LOCAL_TZ) - timedelta(
            days=(local.weekday() - emptied_on) % 7
        )
        return last - timedelta(days=7) if last > local else last

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        emptied = last_emptied(now)
        if missed_since is not None and emptied >= missed_since:
            emptied = last_emptied(missed_since)
        fill = min(96.0, percent_per_day * hours_between(emptied, now) / 24)
        distance_cm = depth_cm * (1 - fill / 100) + device.rng.gauss(0, 1.0)
        distance_mm = round(min(depth_cm * 10, max(40.0, distance_cm * 10)))
        device.memory["fill"] = fill
        if model == "netvox_r718x":
            own_fill = 100 * (depth_cm * 10 - distance_mm) / (depth_cm * 10)
            return {
                "battery_voltage": 3.6,
                "distance": distance_mm,
                "temperature": device.wander(
                    "air", outdoor_temperature(now) + 1.0, 0.15, -30, 20, resolution=0.1
                ),
                "device_fill": round(min(100.0, max(0.0, own_fill))),
            }
        return {
            "battery": device.wander("battery", 95, 0.05, 0, 100),
            "distance": distance_mm,
            "position": 0,
        }

    return measure


def water_meter(household: Household, model: str, alarm: int = 0, number: int = 0) -> Measure:
    """A water meter reading its register (whole litres) for the reading it sends."""

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        litres = math.floor(household.register_m3(now) * 1000)
        if model == "axioma_qalcosonic_w1":
            return {"meter_time": round(now.timestamp()), "status": alarm, "volume": litres / 1000}
        return {"volume": litres / 1000, "meter_number": number}

    return measure


def trail_counter(device: SimulatedDevice, now: datetime) -> Values:
    """A people counter over S:t Olavsleden: a few walkers a day in November, by daylight.

    Weekdays bring about fifteen, weekends about forty (both ways together); most pass
    between 10 and 14 and nobody walks in the dark.
    """
    per_day = 40.0 if now.weekday() >= 5 else 15.0
    hour = hour_of_day(now)
    # bump() spans about 2.2 * sqrt(pi) hours in all, so this spreads per_day over the day.
    per_hour = per_day * bump(hour, 12.0, 2.2) / (2.2 * math.sqrt(math.pi))
    per_hour *= 1.0 if daylight(now) > 0 else 0.05
    minutes = device.minutes_since_last(now)
    walkers_in = poisson(device.rng, per_hour * minutes / 60 * 0.55)
    walkers_out = poisson(device.rng, per_hour * minutes / 60 * 0.45)
    total_in = device.memory.setdefault("total_in", 2000 + round(1500 * device.rng.random()))
    total_out = device.memory.setdefault("total_out", total_in - 40)
    device.memory["total_in"] = total_in + walkers_in
    device.memory["total_out"] = total_out + walkers_out
    return {
        "people_total": device.memory["total_in"],
        "people_total_out": device.memory["total_out"],
        "people_in": walkers_in,
        "people_out": walkers_out,
    }


# ------------------------------------------------------------------------------- care

# Solgården's unit SOL-2 and a home-care client with a medicine robot. Only pseudonymous
# codes: rooms, units and the client are never named (DESIGN.md, care data).
CARE_UNIT: Final = "SOL-2"
CARE_ROOMS: Final = ("R1", "R2", "R3", "R4")
HOME_CARE_UNIT: Final = "HEMTJ-1"
HOME_CARE_CLIENT: Final = "HK-07"
DISPENSER_ID: Final = "EVD-4711"
CALL_ROOM: Final = "R2"
"""The resident who presses the call button late in the evening."""
WANDER_ROOM: Final = "R3"
"""The resident who gets up at 2 and opens the outer door (at 02:10, and again coming back)."""
WORN_BUTTON_ROOM: Final = "R4"
"""The call button whose battery runs low: below 15 % the morning after the incident night."""


def _at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), LOCAL_TZ)


def _evenings(after: datetime, until: datetime) -> list[date]:
    """The evenings whose nights (evening to next morning) touch (after, until]."""
    first = after.astimezone(LOCAL_TZ).date() - timedelta(days=1)
    last = until.astimezone(LOCAL_TZ).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# Doses of the medicine robot (local time), and how it handles one: it alerts at the
# dose time and every 15 minutes; a dose not taken within 45 minutes goes to its locked
# compartment (dose_missed), where only staff can reach it.
DOSE_TIMES: Final = (time(8, 0), time(12, 30), time(17, 0), time(21, 30))
REMINDER_EVERY: Final = timedelta(minutes=15)
DOSE_WINDOW: Final = timedelta(minutes=45)
DISPENSER_HEARTBEAT: Final = timedelta(minutes=15)
# Home care puts in a new roll every other Monday at about 10; a roll holds 60 doses.
ROLL_DOSES: Final = 60
_ROLL_EPOCH: Final = datetime(2024, 1, 1, 10, 0, tzinfo=LOCAL_TZ)  # a Monday


@dataclass(frozen=True, slots=True)
class CareNight:
    """The night of the demo's care incidents: the last one over before the demo starts.

    Timed from the start, like the other faults, so their alarms are open, and their
    readings in the history, from the first minute: at 22:15 the robot moves HK-07's
    21:30 dose to its locked compartment, at 23:40 the resident in R2 presses the call
    button (and again at 23:43), and at 02:10 the resident in R3 opens the outer door.
    """

    evening: date

    @classmethod
    def before(cls, start: datetime) -> CareNight:
        """The last night whose incidents (the last one is over by 02:30) precede ``start``."""
        local = start.astimezone(LOCAL_TZ)
        evening = local.date() - timedelta(days=1)
        if local < _at(local.date(), 2, 30):
            evening -= timedelta(days=1)
        return cls(evening)

    @property
    def morning(self) -> date:
        """The date the night ends."""
        return self.evening + timedelta(days=1)

    @property
    def missed_dose(self) -> datetime:
        """When the dose that was not taken was due."""
        return _at(self.evening, 21, 30)

    @property
    def call_presses(self) -> tuple[datetime, datetime]:
        """The call button in CALL_ROOM: pressed, and pressed again three minutes later."""
        return _at(self.evening, 23, 40), _at(self.evening, 23, 43, 20)

    @property
    def door_openings(self) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
        """WANDER_ROOM's outer door (opened, closed): going out, and coming back."""
        return (
            (_at(self.morning, 2, 10), _at(self.morning, 2, 10, 45)),
            (_at(self.morning, 2, 19, 10), _at(self.morning, 2, 19, 50)),
        )

    @property
    def replay_from(self) -> datetime:
        """Care sensors are replayed from this evening on, so the whole night is there."""
        return _at(self.evening, 20, 0)


# When the residents' outer doors open in a day (staff helping in the morning, going to
# and from meals, the evening round); each varies by up to ten minutes. None at night.
_DOOR_ROUTINE: Final = (
    (7, 30), (8, 25), (9, 20), (11, 40), (12, 50), (13, 55), (14, 50), (16, 55), (17, 50), (20, 45),
)  # fmt: skip
# Meals and coffee in the day room: the residents are out of their rooms.
_MEALS: Final = ((8, 30, 9, 15), (11, 45, 12, 45), (14, 0, 14, 45), (17, 0, 17, 45))


@dataclass(frozen=True, slots=True)
class Resident:
    """The resident of one room, by room code: in bed, in the room, at the door.

    Every night is the same on every run (built from unit_hash): in bed between 21 and
    22, up between 07:05 and 08, and up to two short toilet visits in the night, never
    long enough for an out-of-bed alarm. CareNight adds the incidents.
    """

    room: str
    incidents: CareNight

    def _u(self, *parts: object) -> float:
        return unit_hash(CARE_UNIT, self.room, *parts)

    def bed_changes(self, evening: date) -> list[tuple[datetime, bool]]:
        """One night's changes (when, in bed): to bed, toilet visits, up in the morning."""
        day = evening.isoformat()
        morning = evening + timedelta(days=1)
        bedtime = _at(evening, 21, 0) + timedelta(minutes=50 * self._u("bed", day))
        rise = _at(morning, 7, 5) + timedelta(minutes=50 * self._u("rise", day))
        visits = [
            (
                _at(evening, 23, 30) + timedelta(minutes=360 * self._u("visit", day, n)),
                timedelta(minutes=4 + 8 * self._u("length", day, n)),
            )
            for n in range(int(3 * self._u("visits", day)))
        ]
        if evening == self.incidents.evening:
            incident = {
                CALL_ROOM: (_at(evening, 23, 45), timedelta(minutes=13)),
                WANDER_ROOM: (_at(morning, 2, 4), timedelta(minutes=20)),
            }.get(self.room)
            if incident is not None:
                # No ordinary visit close by: the incident is the night's story.
                visits = [v for v in visits if abs(v[0] - incident[0]) > timedelta(hours=1)]
                visits.append(incident)
        changes = [(bedtime, True)]
        for out, length in sorted(visits):
            if out > changes[-1][0]:
                changes += [(out, False), (out + length, True)]
        changes.append((rise, False))
        return changes

    def in_bed(self, when: datetime) -> bool:
        """Whether the resident is in bed at ``when``."""
        local, state = when.astimezone(LOCAL_TZ), False
        for evening in (local.date() - timedelta(days=1), local.date()):
            for at, occupied in self.bed_changes(evening):
                if at <= local:
                    state = occupied
        return state

    def bed_events(self, after: datetime, until: datetime) -> list[datetime]:
        """When the bed sensor sees a change, in (after, until]."""
        return [
            at
            for evening in _evenings(after, until)
            for at, _ in self.bed_changes(evening)
            if after < at <= until
        ]

    def door_openings(self, day: date) -> list[tuple[datetime, datetime]]:
        """The outer door's openings on one day: (opened, closed)."""
        openings = []
        for n, (hour, minute) in enumerate(_DOOR_ROUTINE):
            opened = _at(day, hour, minute) + timedelta(seconds=600 * self._u("door", day, n))
            openings.append((opened, opened + timedelta(seconds=20 + 70 * self._u("open", day, n))))
        if self.room == WANDER_ROOM and day == self.incidents.morning:
            openings += self.incidents.door_openings
        return sorted(openings)

    def door_open(self, when: datetime) -> bool:
        """Whether the outer door is open at ``when``."""
        local = when.astimezone(LOCAL_TZ)
        return any(opened <= local < closed for opened, closed in self.door_openings(local.date()))

    def door_events(self, after: datetime, until: datetime) -> list[datetime]:
        """When the door contact changes, in (after, until]."""
        days = _evenings(after, until)[1:]
        return [
            moment
            for day in days
            for opening in self.door_openings(day)
            for moment in opening
            if after < moment <= until
        ]

    def openings_before(self, when: datetime) -> int:
        """The door's opening counter: every opening since the counter's epoch."""
        local = when.astimezone(LOCAL_TZ)
        today = local.date()
        count = len(_DOOR_ROUTINE) * (today - _METER_EPOCH.date()).days
        if self.room == WANDER_ROOM and self.incidents.morning < today:
            count += len(self.incidents.door_openings)
        return count + sum(1 for opened, _ in self.door_openings(today) if opened <= local)

    def _away(self, day: date) -> list[tuple[datetime, datetime]]:
        away = [(_at(day, h1, m1), _at(day, h2, m2)) for h1, m1, h2, m2 in _MEALS]
        if self.room == WANDER_ROOM and day == self.incidents.morning:
            (_, out), (back, _) = self.incidents.door_openings
            away.append((out, back))
        return away

    def in_room(self, when: datetime) -> bool:
        """Whether the resident is in the room (not at a meal, not out in the corridor)."""
        local = when.astimezone(LOCAL_TZ)
        return not any(left <= local < came for left, came in self._away(local.date()))

    def presence_events(self, after: datetime, until: datetime) -> list[datetime]:
        """When the presence sensor sees the resident leave or come back, in (after, until]."""
        return [
            moment
            for day in _evenings(after, until)[1:]
            for span in self._away(day)
            for moment in span
            if after < moment <= until
        ]

    def call_presses(self) -> tuple[datetime, ...]:
        """When this room's call button is pressed."""
        return self.incidents.call_presses if self.room == CALL_ROOM else ()

    def call_events(self, after: datetime, until: datetime) -> list[datetime]:
        """When the call button is pressed, in (after, until]."""
        return [press for press in self.call_presses() if after < press <= until]


def bed_sensor(resident: Resident) -> Measure:
    """A Netvox R311WA with its pressure pad under the mattress (input 1)."""

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        del device
        return {"battery_voltage": 3.1, "seat_1": 1 if resident.in_bed(now) else 0}

    return measure


def outer_door(resident: Resident) -> Measure:
    """An Elsys EMS Door on the door from the room to the corridor."""

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        return {
            "vdd": device.wander("vdd", 3618, 2, 3590, 3650),
            "digital": 0 if resident.door_open(now) else 1,
            "pulse_abs": resident.openings_before(now),
        }

    return measure


def room_presence(resident: Resident) -> Measure:
    """An Elsys ERS Eye on the ceiling: body heat says whether someone is in the room."""

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        present = resident.in_room(now)
        asleep = resident.in_bed(now)
        rate = 0.0 if not present else 0.03 if asleep else 1.2  # PIR counts per minute
        motion = poisson(device.rng, rate * device.minutes_since_last(now))
        if present and device.last_sent is not None and resident.bed_events(device.last_sent, now):
            motion += 2 + poisson(device.rng, 3)  # up, to the bathroom and back
        lamps = 0.0 if asleep or not present else 160.0
        return {
            "temperature": device.wander("temperature", 22.0, 0.04, 20.5, 23.5, resolution=0.1),
            "humidity": device.wander("humidity", 31, 0.4, 24, 40),
            "light": device.wander("light", 1 + lamps + 300 * daylight(now), 6, 0, 1500),
            "motion": min(255, motion),
            "occupancy": 2 if present else 0,
            "vdd": device.wander("vdd", 3606, 2, 3580, 3640),
        }

    return measure


def call_button(resident: Resident, battery: int) -> Measure:
    """A Milesight WS101 by the bed: a press when the resident calls, else its battery.

    In WORN_BUTTON_ROOM the battery is at 15 % and drops to 14 % at 09:40 the morning
    after the incident night: from then on the hub counts it as low (below 15 %).
    """
    presses = resident.call_presses()
    worn = resident.room == WORN_BUTTON_ROOM
    drops_at = _at(resident.incidents.morning, 9, 40)

    def measure(device: SimulatedDevice, now: datetime) -> Values:
        del device
        level = (14 if now >= drops_at else 15) if worn else battery
        values: Values = {"battery": level}
        if any(abs((now - press).total_seconds()) < 1e-3 for press in presses):
            values["button"] = WS101_PRESS["press"]
        return values

    return measure


def leak_sensor(device: SimulatedDevice, now: datetime) -> Values:
    """A Dragino LWL02 on the bathroom floor: dry, reporting its battery."""
    del now
    return {
        "battery_voltage": device.wander("vdd", 3.062, 0.001, 3.02, 3.1, resolution=0.001),
        "water_leak": 0,
        "leak_count": 0,
        "last_leak_minutes": 0,
    }


def _care_devices(incidents: CareNight) -> list[SimulatedDevice]:
    devices = []
    for index, room in enumerate(CARE_ROOMS, start=1):
        resident = Resident(room, incidents)
        common: dict[str, Any] = {
            "area": "Solgården",
            "care_unit": CARE_UNIT,
            "room": room,
            "history_from": incidents.replay_from,
        }
        devices += [
            SimulatedDevice(
                dev_eui=f"a81758fffe0e20{index:02x}",
                name=f"{CARE_UNIT} {room} Ytterdörr",
                model="elsys_ems_door",
                profile_name="ELSYS EMS Door",
                f_port=5,
                measure=outer_door(resident),
                encode=encode_elsys,
                role="outer_door",
                period=timedelta(hours=1),
                events=resident.door_events,
                rssi=-96,
                snr=6.0,
                **common,
            ),
            SimulatedDevice(
                dev_eui=f"00137a1000052a{index:02x}",
                name=f"{CARE_UNIT} {room} Säng",
                model="netvox_r311wa",
                profile_name="Netvox R311WA",
                f_port=6,
                measure=bed_sensor(resident),
                encode=encode_netvox_r311wa,
                role="bed",
                period=timedelta(minutes=30),  # its MaxTime, as in Netvox's TTN example
                events=resident.bed_events,
                rssi=-99,
                snr=5.0,
                **common,
            ),
            SimulatedDevice(
                dev_eui=f"a81758fffe0f30{index:02x}",
                name=f"{CARE_UNIT} {room} Närvaro",
                model="elsys_ers_eye",
                profile_name="ELSYS ERS Eye",
                f_port=5,
                measure=room_presence(resident),
                encode=encode_elsys,
                role="room_presence",
                period=timedelta(minutes=10),
                events=resident.presence_events,
                rssi=-94,
                snr=7.0,
                **common,
            ),
            SimulatedDevice(
                dev_eui=f"24e124535b1140{index:02x}",
                name=f"{CARE_UNIT} {room} Larmknapp",
                model="milesight_ws101",
                profile_name="Milesight WS101",
                f_port=85,
                measure=call_button(resident, 80 + round(18 * unit_hash(room, "button"))),
                encode=encode_milesight_ws101,
                period=timedelta(hours=1),
                events=resident.call_events,
                rssi=-97,
                snr=6.0,
                **common,
            ),
            SimulatedDevice(
                dev_eui=f"a840410001a25b{index:02x}",
                name=f"{CARE_UNIT} {room} Vattenlarm",
                model="dragino_lwl02",
                profile_name="Dragino LWL02",
                f_port=10,
                measure=leak_sensor,
                encode=encode_dragino_lwl02,
                period=timedelta(hours=1),
                rssi=-103,
                snr=3.0,
                **common,
            ),
        ]
    return devices


# --------------------------------------------------------------------- medicine robot

type DispenserEvent = dict[str, Any]
"""One event of the vendor-neutral dispenser API (DISPENSER_EVENT_SCHEMA in care/dispenser_event.py)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class SimulatedDispenser:
    """An Evondos-type medicine robot, as its cloud (or an adapter) reports it to the hub.

    Each dose is scheduled a day ahead; at its time the robot alerts (a reminder) and
    the client takes it a few minutes later, or, for a dose in ``missed``, it alerts
    every 15 minutes and after 45 moves the dose to its locked compartment. A heartbeat
    every 15 minutes carries the doses left on the roll. Event ids are fixed by what
    they report, so an event sent twice is a harmless duplicate.
    """

    dispenser_id: str
    care_unit: str
    client: str
    missed: frozenset[datetime] = frozenset()
    heartbeat: timedelta = DISPENSER_HEARTBEAT
    heartbeat_minutes: int = 60  # the hub raises device_offline after this much silence
    last_sent: datetime | None = None

    @property
    def name(self) -> str:
        """How the simulator's log names it."""
        return f"Läkemedelsrobot {self.dispenser_id}"

    def _event(self, kind: str, event_id: str, at: datetime, **extra: Any) -> DispenserEvent:
        return {
            "type": "dispenser_event",
            "dispenser_id": self.dispenser_id,
            "event": kind,
            "event_id": f"{self.dispenser_id}-{event_id}",
            "at": _iso(at),
            **extra,
        }

    def doses_remaining(self, at: datetime) -> int:
        """Doses left on the roll at ``at``; each leaves the roll at its time, taken or not."""
        local = at.astimezone(LOCAL_TZ)
        rolls = math.floor((local - _ROLL_EPOCH).total_seconds() / (14 * 86400))
        refill = _ROLL_EPOCH + timedelta(days=14 * rolls)
        used, day = 0, refill.date()
        while day <= local.date():
            used += sum(1 for t in DOSE_TIMES if refill <= _at(day, t.hour, t.minute) <= local)
            day += timedelta(days=1)
        return ROLL_DOSES - used

    def _dose_events(self, due: datetime) -> list[DispenserEvent]:
        dose = {"dose_id": f"{due:%Y%m%d-%H%M}", "scheduled_for": _iso(due)}
        stamp = f"{due:%Y%m%d%H%M}"
        events = [
            self._event("dose_scheduled", f"{stamp}-scheduled", due - timedelta(days=1), **dose)
        ]
        if due in self.missed:
            for n in range(int(DOSE_WINDOW / REMINDER_EVERY)):
                events.append(
                    self._event(
                        "dose_reminder", f"{stamp}-reminder-{n}", due + n * REMINDER_EVERY, **dose
                    )
                )
            left = self.doses_remaining(due)
            events.append(
                self._event(
                    "dose_missed",
                    f"{stamp}-missed",
                    due + DOSE_WINDOW,
                    **dose,
                    doses_remaining=left,
                )
            )
            return events
        delay = timedelta(minutes=1 + 13 * unit_hash(self.dispenser_id, stamp))
        events.append(self._event("dose_reminder", f"{stamp}-reminder-0", due, **dose))
        events.append(
            self._event(
                "dose_taken", f"{stamp}-taken", due + delay, **dose,
                doses_remaining=self.doses_remaining(due),
            )
        )  # fmt: skip
        return events

    def events(self, after: datetime, until: datetime) -> list[DispenserEvent]:
        """Every event with its ``at`` in (after, until], oldest first."""
        period = self.heartbeat.total_seconds()
        phase = unit_hash(self.dispenser_id, "phase") * period
        found = []
        index = math.floor((after.timestamp() - phase) / period) + 1
        while (stamp := index * period + phase) <= until.timestamp():
            moment = datetime.fromtimestamp(stamp, UTC)
            found.append(
                self._event(
                    "heartbeat", f"hb-{moment:%Y%m%d%H%M%S}", moment,
                    doses_remaining=self.doses_remaining(moment), battery=100,
                )
            )  # fmt: skip
            index += 1
        first = after.astimezone(LOCAL_TZ).date() - timedelta(days=1)
        last = until.astimezone(LOCAL_TZ).date() + timedelta(days=2)
        day = first
        while day <= last:
            for dose_time in DOSE_TIMES:
                for event in self._dose_events(_at(day, dose_time.hour, dose_time.minute)):
                    if after < datetime.fromisoformat(event["at"]) <= until:
                        found.append(event)
            day += timedelta(days=1)
        # Stable: at the same second a heartbeat goes before a dose event, as it was built.
        return sorted(found, key=lambda event: datetime.fromisoformat(event["at"]))


def demo_dispensers(start: datetime | None = None) -> list[SimulatedDispenser]:
    """HK-07's medicine robot in home care HEMTJ-1.

    The client takes every dose but the 21:30 one of the incident night (CareNight),
    which the robot moves to its locked compartment at 22:15.
    """
    incidents = CareNight.before(start or datetime.now(UTC))
    return [
        SimulatedDispenser(
            dispenser_id=DISPENSER_ID,
            care_unit=HOME_CARE_UNIT,
            client=HOME_CARE_CLIENT,
            missed=frozenset({incidents.missed_dose}),
        )
    ]


# ------------------------------------------------------------------------ the devices


def _location(latitude: float, longitude: float) -> dict[str, dict[str, float]]:
    return {"location": {"latitude": latitude, "longitude": longitude}}


# Ånge's water meters: (meter id, address, average m³ a day, model). Households use
# 0.2-0.6 m³ a day; the shop and the preschool a little more, and not at night.
WATER_METERS: Final = (
    ("ÅNG-0001", "Storgatan 12", 0.42, "axioma_qalcosonic_w1"),
    ("ÅNG-0002", "Storgatan 27", 0.31, "axioma_qalcosonic_w1"),
    ("ÅNG-0003", "Kyrkogatan 4", 0.55, "axioma_qalcosonic_w1"),
    ("ÅNG-0004", "Kyrkogatan 9", 0.24, "axioma_qalcosonic_w1"),
    ("ÅNG-0005", "Järnvägsgatan 16", 0.38, "axioma_qalcosonic_w1"),
    ("ÅNG-0006", "Skolgatan 3", 0.47, "axioma_qalcosonic_w1"),
    ("ÅNG-0007", "Skolgatan 11", 0.29, "axioma_qalcosonic_w1"),
    ("ÅNG-0008", "Parkvägen 2", 0.61, "axioma_qalcosonic_w1"),
    ("ÅNG-0009", "Parkvägen 15", 0.35, "axioma_qalcosonic_w1"),
    ("ÅNG-0010", "Björkvägen 7", 0.44, "axioma_qalcosonic_w1"),
    ("ÅNG-0011", "Björkvägen 21", 0.27, "axioma_qalcosonic_w1"),
    ("ÅNG-0012", "Tallvägen 5", 0.52, "axioma_qalcosonic_w1"),
    ("ÅNG-0013", "Tallvägen 18", 0.33, "axioma_qalcosonic_w1"),
    ("ÅNG-0014", "Sjövägen 8", 0.39, "axioma_qalcosonic_w1"),
    ("ÅNG-0015", "Sjövägen 14", 0.22, "elvaco_cmi4110"),
    ("ÅNG-0016", "Industrigatan 6", 0.95, "elvaco_cmi4110"),
    ("ÅNG-0017", "Östra Långgatan 19", 0.36, "elvaco_cmi4110"),
    ("ÅNG-0018", "Västra Långgatan 3", 0.41, "elvaco_cmi4140"),
    ("ÅNG-0019", "Stationsvägen 10", 0.58, "elvaco_cmi4140"),
    ("ÅNG-0020", "Förskolan Solrosen, Hagvägen 2", 1.40, "elvaco_cmi4160"),
)
LEAKING_METER: Final = "ÅNG-0007"
"""The meter with a leak: about 14 litres an hour run through it day and night."""

_PROFILES: Final = {
    "axioma_qalcosonic_w1": "Axioma Qalcosonic W1",
    "elvaco_cmi4110": "Elvaco CMi4110",
    "elvaco_cmi4140": "Elvaco CMi4140",
    "elvaco_cmi4160": "Elvaco CMi4160",
}
_PORTS: Final = {"axioma_qalcosonic_w1": 100}


def _water_meters() -> list[SimulatedDevice]:
    meters = []
    for index, (meter_id, place, daily, model) in enumerate(WATER_METERS, start=1):
        leak = meter_id == LEAKING_METER
        household = Household(
            key=meter_id,
            daily_m3=daily,
            register_at_epoch_m3=round(150 + 1400 * unit_hash(meter_id, "register"), 3),
            leak_m3_per_h=0.014 if leak else 0.0,
        )
        # The W1 raises its own leakage flag once water has run without a pause.
        alarm = AXIOMA_LEAKAGE if leak else 0
        elvaco = model.startswith("elvaco")
        meters.append(
            SimulatedDevice(
                dev_eui=(f"94193a01000{index:05x}" if elvaco else f"0c5b1b3600{index:06x}"),
                name=f"Vattenmätare {place.split(', ')[-1]}",
                model=model,
                profile_name=_PROFILES[model],
                f_port=_PORTS.get(model, 2),
                measure=water_meter(household, model, alarm, 71_200_000 + index),
                encode=elvaco_encoder(model) if elvaco else encode_axioma_w1,
                area="Vatten",
                role="water_meter",
                settings={"meter_id": meter_id, "place": place},
                period=timedelta(hours=1),
                rssi=-108 - round(8 * unit_hash(meter_id, "rssi")),  # in basements
                snr=-2.0,
                dr=3,
            )
        )
    return meters


def demo_devices(seed: int | None = None, start: datetime | None = None) -> list[SimulatedDevice]:
    """The demo's devices, each with its own random generator (reproducible with ``seed``).

    ``start`` is when the demo starts (now by default). The faults are timed from it, so
    they are already showing when someone opens the demo: the freezer broke down two
    and a half hours before, the bin at the travel centre was last emptied over a week
    before, and snow started falling an hour and a half before. The leak has always
    been there. The care unit SOL-2's sensors replay the last night (CareNight) with a
    call-button press and an outer door opened at 02:10. To simulate another sensor, add
    an entry; for a new payload format, add an encoder.
    """
    start = start or datetime.now(UTC)
    devices = [
        SimulatedDevice(
            dev_eui="a81758fffe0612a1",
            name="Dagrum Solgården",
            model="elsys_ers_co2",
            profile_name="ELSYS ERS CO2",
            f_port=5,
            measure=day_room,
            encode=encode_elsys,
            area="Solgården",
            rssi=-97,
            snr=6.5,
        ),
        SimulatedDevice(
            dev_eui="24e124707d150237",
            name="Skolköket Ånge skola",
            model="milesight_am307",
            profile_name="Milesight AM307",
            f_port=85,
            measure=school_kitchen,
            encode=encode_milesight_am307,
            area="Ånge skola",
            rssi=-104,
            snr=3.0,
            dr=4,
        ),
        SimulatedDevice(
            dev_eui="a81758fffe0b3c44",
            name="Kommunhuset entré",
            model="elsys_ers_eye",
            profile_name="ELSYS ERS Eye",
            f_port=5,
            measure=town_hall_entrance,
            encode=encode_elsys,
            area="Kommunhuset",
            rssi=-78,
            snr=9.5,
        ),
        # Not added to the hub: its first uplink makes HA offer it as a new device.
        SimulatedDevice(
            dev_eui="a81758fffe05f7e2",
            name="Förråd Fränsta",
            model="elsys_ers",
            profile_name="ELSYS ERS",
            f_port=5,
            measure=unheated_storeroom,
            encode=encode_elsys,
            add_to_hub=False,
            rssi=-116,
            snr=-7.5,
            dr=2,
        ),
        # --- the school kitchen's cold chain
        SimulatedDevice(
            dev_eui="a81758fffe0c41d0",
            name="Kylskåp Ånge skola",
            model="elsys_ers",
            profile_name="ELSYS ERS",
            f_port=5,
            measure=kitchen_fridge,
            encode=encode_elsys,
            area="Ånge skola kök",
            role="fridge",
            settings={"temp_max": 8.0, "out_of_range_minutes": 30},
            period=timedelta(minutes=5),
            rssi=-101,
            snr=4.0,
        ),
        SimulatedDevice(
            dev_eui="24e124136c2210f5",
            name="Frys Ånge skola",
            model="milesight_em300_th",
            profile_name="Milesight EM300-TH",
            f_port=85,
            measure=kitchen_freezer(start - timedelta(hours=2.5)),
            encode=encode_milesight_em300_th,
            area="Ånge skola kök",
            role="freezer",
            settings={"temp_max": -18.0, "out_of_range_minutes": 30},
            period=timedelta(minutes=5),
            rssi=-106,
            snr=2.0,
        ),
        SimulatedDevice(
            dev_eui="00137a100001b7c2",
            name="Kylrum Ånge skola",
            model="netvox_r711",
            profile_name="Netvox R711",
            f_port=6,
            measure=kitchen_cold_room,
            encode=encode_netvox_r711,
            area="Ånge skola kök",
            role="cold_room",
            settings={"temp_min": 0.0, "temp_max": 8.0, "out_of_range_minutes": 30},
            period=timedelta(minutes=5),
            rssi=-103,
            snr=3.5,
        ),
        SimulatedDevice(
            dev_eui="58a0cb0000104c7e",
            name="Torrförråd Ånge skola",
            model="browan_tbhh100",
            profile_name="Browan TBHH100",
            f_port=103,
            measure=kitchen_dry_store,
            encode=encode_browan_tbhh100,
            area="Ånge skola kök",
            role="dry_store",
            settings={"temp_min": 10.0, "temp_max": 25.0, "out_of_range_minutes": 60},
            period=timedelta(minutes=15),
            rssi=-99,
            snr=5.0,
        ),
        # --- bathing places (coordinates: the jetties, approximately)
        SimulatedDevice(
            dev_eui="a81758fffe0d7a11",
            name="Badplats Backetjärn",
            model="elsys_elt_lite",
            profile_name="ELSYS ELT Lite",
            f_port=5,
            measure=lake(1.4, "elsys_elt_lite"),
            encode=encode_elsys,
            area="Badplatser",
            role="lake",
            settings={"bathing_fresh_from": 15.0, "bathing_warm_from": 20.0}
            | _location(62.5335, 15.6525),
            period=timedelta(minutes=30),
            rssi=-92,
            snr=6.0,
        ),
        SimulatedDevice(
            dev_eui="24e124126b317c40",
            name="Badplats Vojen",
            model="milesight_em500_pt100",
            profile_name="Milesight EM500-PT100",
            f_port=85,
            measure=lake(2.7, "milesight_em500_pt100"),
            encode=encode_milesight_probe,
            area="Badplatser",
            role="lake",
            settings={"bathing_fresh_from": 15.0, "bathing_warm_from": 20.0}
            | _location(62.4875, 15.5850),
            period=timedelta(minutes=30),
            rssi=-113,
            snr=-3.0,
            dr=3,
        ),
        SimulatedDevice(
            dev_eui="70b3d57ba0000b21",
            name="Badplats Borgsjö Strand",
            model="decentlab_dl_ds18",
            profile_name="Decentlab DL-DS18",
            f_port=1,
            measure=lake(3.1, "decentlab_dl_ds18"),
            encode=encode_decentlab_dl_ds18,
            area="Badplatser",
            role="lake",
            settings={"bathing_fresh_from": 15.0, "bathing_warm_from": 20.0}
            | _location(62.5790, 15.8300),
            period=timedelta(minutes=30),
            rssi=-115,
            snr=-6.0,
            dr=2,
        ),
        # --- snow stations, 2 m masts; the same front reaches Fränsta 40 minutes later
        SimulatedDevice(
            dev_eui="24e124713b096a52",
            name="Snöstation Ånge",
            model="milesight_em310_udl",
            profile_name="Milesight EM310-UDL",
            f_port=85,
            measure=snow_station(
                "ange",
                200,
                21.0,
                Snowfall(start - timedelta(hours=1.5), hours=8, cm_per_hour=1.2),
                "milesight_em310_udl",
            ),
            encode=encode_milesight_em310_udl,
            area="Snöstationer",
            role="snow_station",
            settings={"mounting_height_cm": 200} | _location(62.5243, 15.6612),
            period=timedelta(minutes=15),
            rssi=-84,
            snr=8.0,
        ),
        SimulatedDevice(
            dev_eui="a84041000181c975",
            name="Snöstation Fränsta",
            model="dragino_ldds75",
            profile_name="Dragino LDDS75",
            f_port=2,
            measure=snow_station(
                "fransta",
                200,
                16.0,
                Snowfall(start - timedelta(hours=0.85), hours=7, cm_per_hour=0.9),
                "dragino_ldds75",
            ),
            encode=encode_dragino_ldds75,
            area="Snöstationer",
            role="snow_station",
            settings={"mounting_height_cm": 200} | _location(62.4995, 16.1630),
            period=timedelta(minutes=15),
            rssi=-118,
            snr=-9.0,
            dr=1,
        ),
        # --- waste bins (660 l, 110-120 cm deep); the travel centre's was missed last week
        SimulatedDevice(
            dev_eui="24e124713b0a1101",
            name="Avfallskärl Resecentrum",
            model="milesight_em310_udl",
            profile_name="Milesight EM310-UDL",
            f_port=85,
            measure=waste_bin(
                110, 13.0, 0, "milesight_em310_udl", missed_since=start - timedelta(days=7)
            ),
            encode=encode_milesight_em310_udl,
            area="Avfall",
            role="waste_bin",
            settings={"bin_depth_cm": 110, "fill_threshold": 85} | _location(62.5236, 15.6586),
            period=timedelta(minutes=30),
            rssi=-90,
            snr=7.0,
        ),
        SimulatedDevice(
            dev_eui="24e124713b0a1102",
            name="Avfallskärl Torget",
            model="milesight_em310_udl",
            profile_name="Milesight EM310-UDL",
            f_port=85,
            measure=waste_bin(110, 9.5, 0, "milesight_em310_udl"),
            encode=encode_milesight_em310_udl,
            area="Avfall",
            role="waste_bin",
            settings={"bin_depth_cm": 110, "fill_threshold": 85} | _location(62.5251, 15.6617),
            period=timedelta(minutes=30),
            rssi=-88,
            snr=7.5,
        ),
        SimulatedDevice(
            dev_eui="24e124713b0a1103",
            name="Avfallskärl Idrottsplatsen",
            model="milesight_em310_udl",
            profile_name="Milesight EM310-UDL",
            f_port=85,
            measure=waste_bin(115, 6.0, 3, "milesight_em310_udl"),
            encode=encode_milesight_em310_udl,
            area="Avfall",
            role="waste_bin",
            settings={"bin_depth_cm": 115, "fill_threshold": 85} | _location(62.5198, 15.6702),
            period=timedelta(minutes=30),
            rssi=-99,
            snr=4.5,
        ),
        SimulatedDevice(
            dev_eui="00137a1000034a01",
            name="Avfallskärl Badplats Backetjärn",
            model="netvox_r718x",
            profile_name="Netvox R718X",
            f_port=6,
            measure=waste_bin(120, 4.0, 3, "netvox_r718x"),
            encode=encode_netvox_r718x,
            area="Avfall",
            role="waste_bin",
            settings={"bin_depth_cm": 120, "fill_threshold": 85} | _location(62.5331, 15.6533),
            period=timedelta(minutes=30),
            rssi=-95,
            snr=5.5,
        ),
        SimulatedDevice(
            dev_eui="00137a1000034a02",
            name="Avfallskärl Borgsjö Strand",
            model="netvox_r718x",
            profile_name="Netvox R718X",
            f_port=6,
            measure=waste_bin(120, 3.5, 1, "netvox_r718x"),
            encode=encode_netvox_r718x,
            area="Avfall",
            role="waste_bin",
            settings={"bin_depth_cm": 120, "fill_threshold": 85} | _location(62.5787, 15.8309),
            period=timedelta(minutes=30),
            rssi=-114,
            snr=-4.0,
            dr=3,
        ),
        # --- S:t Olavsleden where it passes Borgsjö church
        SimulatedDevice(
            dev_eui="24e124538c211f3a",
            name="S:t Olavsleden Borgsjö",
            model="milesight_vs133",
            profile_name="Milesight VS133",
            f_port=85,
            measure=trail_counter,
            encode=encode_milesight_vs133,
            area="S:t Olavsleden",
            role="trail",
            settings={"season_start": "05-01"} | _location(62.5668, 15.8187),
            period=timedelta(minutes=15),
            rssi=-110,
            snr=-1.0,
            dr=3,
        ),
        *_water_meters(),
        *_care_devices(CareNight.before(start)),
    ]
    master = random.Random(seed)
    for device in devices:
        device.rng = random.Random(f"{master.random()}-{device.dev_eui}")
    return devices


# ----------------------------------------------------------------------------- sending


class _LocalTimeFormatter(logging.Formatter):
    """Log times in Ånge's time zone, as HA shows them, whatever the machine's zone is."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, LOCAL_TZ).strftime(datefmt or "%H:%M:%S")


@dataclass(frozen=True, slots=True)
class Target:
    """Where to send: the hub's webhook URL and secret."""

    url: str
    secret: str

    @classmethod
    def load(cls, path: Path) -> Target:
        """Read the JSON file scripts/demo_setup.py writes (``webhook_url``, ``secret``)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(url=data["webhook_url"], secret=data["secret"])


def _summary(body: Mapping[str, Any], answer: str) -> str:
    """HA's answer in a few words: accepted, or why it was rejected."""
    try:
        result = json.loads(answer)
    except ValueError:
        return answer.strip()[:80]
    if not isinstance(result, dict):
        return str(result)[:80]
    if result.get("accepted"):
        return "accepted"
    reasons = [
        item.get("reason", "?") for item in result.get("rejected", []) if isinstance(item, dict)
    ]
    if "unknown_device" in reasons:
        return f"unknown device {body['deviceInfo']['devEui']}: HA offers it as a new device"
    return ", ".join(reasons) or str(result.get("message", ""))


async def send_uplink(
    session: aiohttp.ClientSession,
    target: Target,
    device: SimulatedDevice,
    now: datetime | None = None,
    *,
    log: bool = True,
) -> int | None:
    """Send the device's next uplink; return HA's HTTP status, or None if HA is unreachable.

    ``now`` is when the uplink was received (now by default); ``log`` False keeps quiet
    about it, for the many uplinks of a catch-up.
    """
    body = device.uplink(now)
    try:
        async with session.post(
            target.url,
            params={"event": "up"},
            json=body,
            headers={SECRET_HEADER: target.secret},
            timeout=aiohttp.ClientTimeout(total=15),
        ) as response:
            answer = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as err:
        # HA may be restarting: carry on, as a network server keeps forwarding new uplinks.
        LOGGER.warning(
            "%s: Home Assistant not reachable (%s)", device.name, err or type(err).__name__
        )
        return None
    if log or status != 200:
        values = " ".join(f"{key}={value:g}" for key, value in device.last_values.items())
        LOGGER.info(
            "%-22s fCnt %-4d %s -> %d %s",
            device.name,
            body["fCnt"],
            values,
            status,
            _summary(body, answer),
        )
    return status


# The step of a room sensor's replayed history: as fine as a 24-hour graph draws, and
# short to deliver (about 150 uplinks a day per sensor).
ROOM_HISTORY_STEP: Final = timedelta(minutes=10)


def report_times(device: SimulatedDevice, after: datetime, until: datetime) -> list[datetime]:
    """When a sensor reports, in (``after``, ``until``].

    Each sensor keeps its own fixed phase, as a real one does from the moment it was
    switched on, so twenty meters do not all report on the hour. Sensors that also
    report events (a door, a bed, a button) add those moments. A room sensor, which
    reports every few seconds live, has a replayed history of one uplink per
    ROOM_HISTORY_STEP.
    """
    period = (device.period or ROOM_HISTORY_STEP).total_seconds()
    phase = unit_hash(device.dev_eui, "phase") * period
    # The tolerance keeps a time that came from this schedule (and lost a fraction of a
    # microsecond on the way) from counting as before its own slot.
    first = math.floor((after.timestamp() - phase) / period + 1e-6) + 1
    times = []
    index = first
    while (stamp := index * period + phase) <= until.timestamp():
        times.append(datetime.fromtimestamp(stamp, UTC))
        index += 1
    if device.events is not None:
        times = sorted({*times, *(when.astimezone(UTC) for when in device.events(after, until))})
    return times


async def catch_up(
    session: aiohttp.ClientSession,
    target: Target,
    devices: Sequence[SimulatedDevice],
    history: timedelta,
    now: datetime,
) -> int:
    """Deliver the uplinks of the last ``history`` that HA has not had; return how many.

    Derived values look back in time: leak suspicion needs 24 hours of hourly readings,
    the 24-hour snow change a reading from a day ago, an out-of-range alarm its 30
    minutes. So the demo starts as if the sensors had been running all along, as after a
    network outage whose queued uplinks arrive at once with their own timestamps: the hub
    dates each reading by that time (``measured_at``) and files it in the statistics of
    its own hour, so every graph is full from the first minute. Room sensors replay one
    uplink per ROOM_HISTORY_STEP; none goes back before its last uplink.
    Care sensors go first and back to their ``history_from``: the hub judges a room's
    morning activity from them, so they should not arrive after the other sensors' day.
    """
    semaphore = asyncio.Semaphore(4)

    async def one(device: SimulatedDevice) -> int:
        since = now - history
        if device.history_from is not None:
            since = min(since, device.history_from)
        if device.last_sent is not None:
            since = max(since, device.last_sent)
        sent = 0
        async with semaphore:
            for when in report_times(device, since, now):
                await send_uplink(session, target, device, when, log=False)
                sent += 1
        return sent

    ordered = sorted(
        devices, key=lambda d: d.care_unit is None
    )
    counts = await asyncio.gather(*(one(d) for d in ordered))
    return sum(counts)


async def send_dispenser_event(
    session: aiohttp.ClientSession,
    target: Target,
    dispenser: SimulatedDispenser,
    event: DispenserEvent,
    *,
    log: bool = True,
) -> int | None:
    """POST one dispenser event to the hub's webhook; HA's HTTP status, or None."""
    try:
        async with session.post(
            target.url,
            json=event,
            headers={SECRET_HEADER: target.secret},
            timeout=aiohttp.ClientTimeout(total=15),
        ) as response:
            answer = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as err:
        LOGGER.warning(
            "%s: Home Assistant not reachable (%s)", dispenser.name, err or type(err).__name__
        )
        return None
    dispenser.last_sent = datetime.fromisoformat(event["at"])
    if log or status != 200:
        try:
            message = str(json.loads(answer).get("message", ""))
        except (ValueError, AttributeError):
            message = answer.strip()[:80]
        LOGGER.info("%-22s %-14s -> %d %s", dispenser.name, event["event"], status, message)
    return status


async def catch_up_dispenser(
    session: aiohttp.ClientSession,
    target: Target,
    dispenser: SimulatedDispenser,
    history: timedelta,
    now: datetime,
) -> int:
    """Deliver the robot's events of the last ``history`` in order; return how many.

    The hub refuses a dose's or the heartbeat stream's events out of order, so they go
    one by one, oldest first, and never from before the last one sent.
    """
    since = now - history
    if dispenser.last_sent is not None:
        since = max(since, dispenser.last_sent)
    events = dispenser.events(since, now)
    for event in events:
        await send_dispenser_event(session, target, dispenser, event, log=False)
    return len(events)


# ------------------------------------------------------------------------------ state


def load_state(
    path: Path,
    devices: Sequence[SimulatedDevice],
    dispensers: Sequence[SimulatedDispenser] = (),
) -> None:
    """Continue each device's frame counter and clock from an earlier run's state file.

    A real device keeps counting its frames, and a meter register must not be sent for
    a time before the last one HA has: that reading would look like the register going
    backwards. A missing or unreadable file starts afresh.
    """
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(saved, dict):
        return
    for device in devices:
        entry = saved.get(device.dev_eui)
        if not isinstance(entry, dict):
            continue
        try:
            f_cnt = int(entry["f_cnt"])
            last_sent = datetime.fromisoformat(str(entry["last_sent"]))
        except (KeyError, TypeError, ValueError):
            continue
        if last_sent.tzinfo is not None:
            device.f_cnt, device.last_sent = f_cnt, last_sent
    for dispenser in dispensers:
        entry = saved.get(f"dispenser:{dispenser.dispenser_id}")
        if isinstance(entry, dict):
            try:
                last_sent = datetime.fromisoformat(str(entry["last_sent"]))
            except (KeyError, ValueError):
                continue
            if last_sent.tzinfo is not None:
                dispenser.last_sent = last_sent


def save_state(
    path: Path,
    devices: Sequence[SimulatedDevice],
    dispensers: Sequence[SimulatedDispenser] = (),
) -> None:
    """Write each device's frame counter and last uplink time (see load_state)."""
    state: dict[str, dict[str, Any]] = {
        device.dev_eui: {"f_cnt": device.f_cnt, "last_sent": device.last_sent.isoformat()}
        for device in devices
        if device.last_sent is not None
    }
    for dispenser in dispensers:
        if dispenser.last_sent is not None:
            state[f"dispenser:{dispenser.dispenser_id}"] = {
                "last_sent": dispenser.last_sent.isoformat()
            }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1), encoding="utf-8")
    temporary.replace(path)  # atomic: a run stopped mid-write leaves the old file


# ------------------------------------------------------------------------------ running


async def _run_device(
    session: aiohttp.ClientSession,
    target: Target,
    device: SimulatedDevice,
    interval: tuple[float, float],
) -> None:
    if device.period is None:
        while True:
            await send_uplink(session, target, device)
            await asyncio.sleep(device.rng.uniform(*interval))
    if device.last_sent is None:
        await send_uplink(session, target, device)  # its first uplink, as after joining
    while True:
        assert device.last_sent is not None
        now = datetime.now(UTC)
        (due,) = report_times(device, max(device.last_sent, now), now + device.period)[:1]
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        await send_uplink(session, target, device, due)


async def _run_dispenser(
    session: aiohttp.ClientSession, target: Target, dispenser: SimulatedDispenser
) -> None:
    while True:
        now = datetime.now(UTC)
        after = max(dispenser.last_sent or now, now)
        upcoming = dispenser.events(after, now + timedelta(days=1))
        if not upcoming:
            await asyncio.sleep(60)
            continue
        event = upcoming[0]
        due = datetime.fromisoformat(event["at"])
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        await send_dispenser_event(session, target, dispenser, event)
        # An unreachable HA leaves last_sent as it was: move on rather than retry forever.
        dispenser.last_sent = max(dispenser.last_sent or due, due)


async def _keep_saving(
    path: Path, devices: Sequence[SimulatedDevice], dispensers: Sequence[SimulatedDispenser]
) -> None:
    while True:
        await asyncio.sleep(10)
        await asyncio.to_thread(save_state, path, devices, dispensers)


async def simulate(
    target: Target,
    devices: Sequence[SimulatedDevice],
    interval: tuple[float, float],
    *,
    once: bool = False,
    history: timedelta = timedelta(0),
    state: Path | None = None,
    dispensers: Sequence[SimulatedDispenser] = (),
) -> None:
    """Send the devices' uplinks and the medicine robots' events until SIGINT or SIGTERM.

    First the uplinks of the last ``history`` (see catch_up) and the robots' events of
    the last week (so the 7-day adherence has its week), then each device's first
    uplink at once; after that, sensors with a reporting period report on it, the rest
    every ``interval`` seconds, and robots send each event when it happens. ``state``
    is a file that carries frame counters and clocks from one run to the next. With
    ``once``, sends one uplink per device and one heartbeat per robot, and returns.
    """
    if state is not None:
        load_state(state, devices, dispensers)
    # aiohttp's threaded resolver: the aiodns one, picked when aiodns is installed (HA's
    # venv has it), is broken by some pycares releases and adds nothing for localhost.
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        if once:
            await asyncio.gather(*(send_uplink(session, target, device) for device in devices))
            now = datetime.now(UTC)
            for dispenser in dispensers:
                heartbeat = dispenser.events(now - dispenser.heartbeat, now)
                beats = [event for event in heartbeat if event["event"] == "heartbeat"]
                for event in beats[-1:]:
                    await send_dispenser_event(session, target, dispenser, event)
            if state is not None:
                save_state(state, devices, dispensers)
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        async def run() -> None:
            if history > timedelta(0):
                LOGGER.info("Catching up on the last %s of uplinks ...", history)
                now = datetime.now(UTC)
                sent, *events = await asyncio.gather(
                    catch_up(session, target, devices, history, now),
                    *(
                        catch_up_dispenser(session, target, d, max(history, timedelta(days=7)), now)
                        for d in dispensers
                    ),
                )
                LOGGER.info(
                    "Caught up: %d uplinks and %d medicine robot events delivered with "
                    "their own timestamps",
                    sent,
                    sum(events),
                )
            await asyncio.gather(
                *(_run_device(session, target, device, interval) for device in devices),
                *(_run_dispenser(session, target, dispenser) for dispenser in dispensers),
            )

        tasks = [asyncio.create_task(run())]
        if state is not None:
            tasks.append(asyncio.create_task(_keep_saving(state, devices, dispensers)))
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if state is not None:
            save_state(state, devices, dispensers)
        LOGGER.info("Simulator stopped")


def parse_interval(text: str) -> tuple[float, float]:
    """``"30"`` or ``"20-60"`` (seconds) as a (shortest, longest) pair."""
    low, _, high = text.partition("-")
    try:
        bounds = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not SECONDS or MIN-MAX: {text!r}") from None
    if not 0 < bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"need 0 < MIN <= MAX: {text!r}")
    return bounds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.lorawan_simulator",
        description="Send simulated ChirpStack v4 uplinks to an Ånge IoT webhook.",
    )
    parser.add_argument(
        "--target",
        type=Path,
        default=Path(".demo/simulator.json"),
        help="JSON file with webhook_url and secret (default: %(default)s)",
    )
    parser.add_argument(
        "--interval",
        type=parse_interval,
        default=(20.0, 60.0),
        metavar="SECONDS|MIN-MAX",
        help="time between uplinks of the room sensors, in seconds (default: 20-60); "
        "meters, snow stations, kitchen, lake and bin sensors keep their own reporting period",
    )
    parser.add_argument(
        "--history",
        type=float,
        default=26.0,
        metavar="HOURS",
        help="first deliver the uplinks of the last HOURS that HA has not had, so 24-hour "
        "values (leak suspicion, snow change) are there at once (default: %(default)s)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=Path(".demo/simulator-state.json"),
        help="file keeping frame counters and clocks between runs (default: %(default)s)",
    )
    parser.add_argument(
        "--gateway-outage",
        type=float,
        default=10.0,
        metavar="MINUTES",
        help="the water tower's gateway stops forwarding this many minutes after the start, "
        "so HA raises one repair for it (0: never; default: %(default)s)",
    )
    parser.add_argument("--once", action="store_true", help="send one uplink per device and exit")
    parser.add_argument("--seed", type=int, help="seed for reproducible values")
    args = parser.parse_args(argv)
    if args.history < 0:
        parser.error("--history must not be negative")
    handler = logging.StreamHandler()
    handler.setFormatter(_LocalTimeFormatter("%(asctime)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    target = Target.load(args.target)
    start = datetime.now(UTC)
    if args.gateway_outage > 0:
        GATEWAY_OUTAGE[GATEWAYS[1].gateway_id] = start + timedelta(minutes=args.gateway_outage)
    asyncio.run(
        simulate(
            target,
            demo_devices(args.seed, start),
            args.interval,
            once=args.once,
            history=timedelta(hours=args.history),
            state=args.state,
            dispensers=demo_dispensers(start),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
