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

Run ``python -m scripts.lorawan_simulator --target .demo/simulator.json`` (written by
scripts/demo_setup.py), or see ``--help``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    "occupancy": _Field(b"\x11", ">B", 1),  # 0 free, 1 pending, 2 occupied
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


def encode_elsys(values: Mapping[str, float]) -> bytes:
    """An Elsys ERS-family uplink (keys: temperature, humidity, light, motion, co2, vdd, occupancy)."""
    return _pack("Elsys", _ELSYS, values)


def encode_milesight_am307(values: Mapping[str, float]) -> bytes:
    """A Milesight AM307 uplink (keys: battery, temperature, humidity, pir, light_level, co2, pressure)."""
    return _pack("Milesight AM307", _AM307, values)


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
        return round(round(value / resolution) * resolution, 3)

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
    for index, gateway in enumerate(GATEWAYS):
        # The nearest gateway always hears the device; the farther one only now and then.
        if index > 0 and rng.random() < 0.5:
            continue
        rx_info.append(
            {
                "gatewayId": gateway.gateway_id,
                "uplinkId": rng.getrandbits(32),
                "nsTime": time,
                "rssi": round(device.rssi - 14 * index + rng.gauss(0, 2.5)),
                "snr": round(device.snr - 6 * index + rng.gauss(0, 1.2), 1),
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


def demo_devices(seed: int | None = None) -> list[SimulatedDevice]:
    """The demo's devices, each with its own random generator (reproducible with ``seed``).

    To simulate another sensor, add an entry; for a new payload format, add an encoder.
    """
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
    session: aiohttp.ClientSession, target: Target, device: SimulatedDevice
) -> int | None:
    """Send the device's next uplink; return HA's HTTP status, or None if HA is unreachable."""
    body = device.uplink()
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


async def _run_device(
    session: aiohttp.ClientSession,
    target: Target,
    device: SimulatedDevice,
    interval: tuple[float, float],
) -> None:
    while True:
        await send_uplink(session, target, device)
        await asyncio.sleep(device.rng.uniform(*interval))


async def simulate(
    target: Target,
    devices: Sequence[SimulatedDevice],
    interval: tuple[float, float],
    *,
    once: bool = False,
) -> None:
    """Send every device's first uplink at once, then one every ``interval`` seconds.

    Runs until SIGINT or SIGTERM; with ``once``, sends one uplink per device and returns.
    """
    # aiohttp's threaded resolver: the aiodns one, picked when aiodns is installed (HA's
    # venv has it), is broken by some pycares releases and adds nothing for localhost.
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        if once:
            await asyncio.gather(*(send_uplink(session, target, device) for device in devices))
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        tasks = [
            asyncio.create_task(_run_device(session, target, device, interval))
            for device in devices
        ]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
        help="time between a device's uplinks, in seconds (default: 20-60)",
    )
    parser.add_argument("--once", action="store_true", help="send one uplink per device and exit")
    parser.add_argument("--seed", type=int, help="seed for reproducible values")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(_LocalTimeFormatter("%(asctime)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    target = Target.load(args.target)
    asyncio.run(simulate(target, demo_devices(args.seed), args.interval, once=args.once))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
