"""The simulated devices and their ChirpStack v4 ``up`` events.

No Home Assistant imports: the out-of-process webhook load generator builds the very
same bodies as the benchmark inside HA.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any, Final

REPO: Final = Path(__file__).resolve().parent.parent
# The ChirpStack docs' own example, the template tests/conftest.py's chirpstack_up uses.
TEMPLATE_PATH: Final = REPO / "tests" / "fixtures" / "chirpstack_up.json"

MODEL: Final = "elsys_ers_co2"
F_PORT: Final = 5
# Different ChirpStack applications, so each HA subscriber sees only its own messages:
# the ange_iot MQTT hub subscribes to application/<APP_MQTT>/device/+/event/+ and the
# peer MQTT sensors to application/<APP_PEER>/device/<dev_eui>/event/up.
APP_MQTT: Final = "ange-bench-mqtt"
APP_PEER: Final = "ange-bench-peer"
APP_WEBHOOK: Final = "ange-bench-webhook"

# The five keys the peer's value_templates read from ChirpStack's decoded ``object``
# (the names Elsys' own JavaScript codec uses), with the HA metadata a careful user sets.
PEER_FIELDS: Final[dict[str, dict[str, str]]] = {
    "temperature": {"device_class": "temperature", "unit_of_measurement": "°C"},
    "humidity": {"device_class": "humidity", "unit_of_measurement": "%"},
    "light": {"device_class": "illuminance", "unit_of_measurement": "lx"},
    "motion": {},
    "co2": {"device_class": "carbon_dioxide", "unit_of_measurement": "ppm"},
}


def mqtt_dev_eui(index: int) -> str:
    """DevEUI of the devices of the MQTT hub (and of the peer's sensors)."""
    return f"a81758ff{index:08x}"


def webhook_dev_eui(index: int) -> str:
    """DevEUI of the devices of the webhook hub (a DevEUI belongs to one hub only)."""
    return f"a81758fe{index:08x}"


@dataclass(frozen=True, slots=True)
class Reading:
    """The five values of one ERS CO2 uplink."""

    temperature_tenths: int
    humidity: int
    light: int
    motion: int
    co2: int

    @property
    def temperature(self) -> float:
        """Degrees Celsius, as the codec decodes it."""
        return self.temperature_tenths / 10


def reading(round_no: int, index: int) -> Reading:
    """Values of device ``index`` in round ``round_no``: every value differs from the last round.

    Each value steps by a constant that is not a multiple of its range, so consecutive
    rounds never repeat a value and every uplink really changes all five states.
    """
    return Reading(
        temperature_tenths=180 + (round_no * 7 + index) % 100,
        humidity=30 + (round_no * 3 + index) % 40,
        light=(round_no * 11 + index * 5) % 1000,
        motion=(round_no + index) % 10,
        co2=420 + (round_no * 13 + index) % 900,
    )


def ers_co2_frame(value: Reading) -> bytes:
    """An Elsys frame like ``0100E202290400270506060308``: temp, RH, light, motion, CO2."""
    return (
        b"\x01"
        + value.temperature_tenths.to_bytes(2, "big", signed=True)
        + bytes((0x02, value.humidity, 0x04))
        + value.light.to_bytes(2, "big")
        + bytes((0x05, value.motion, 0x06))
        + value.co2.to_bytes(2, "big")
    )


def decoded_object(value: Reading) -> dict[str, float | int]:
    """ChirpStack's ``object`` when it decodes the frame with the Elsys codec."""
    return {
        "temperature": value.temperature,
        "humidity": float(value.humidity),
        "light": value.light,
        "motion": value.motion,
        "co2": value.co2,
    }


class EnvelopeBuilder:
    """Builds ChirpStack v4 ``up`` events the way tests/conftest.py's chirpstack_up does."""

    def __init__(self) -> None:
        self._template: dict[str, Any] = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))

    def body(self, dev_eui: str, application_id: str, round_no: int, index: int) -> dict[str, Any]:
        """One uplink of one device; ``round_no`` is also its frame counter.

        The body carries both the raw ``data`` (which ange_iot decodes with its own codec)
        and the ``object`` ChirpStack adds when it decodes with its own codec (which the
        peer's templates read), so every path gets byte-identical bodies.
        """
        value = reading(round_no, index)
        body = copy.deepcopy(self._template)
        info = body["deviceInfo"]
        info["devEui"] = dev_eui
        info["applicationId"] = application_id
        info["deviceName"] = f"ERS CO2 {dev_eui}"
        body["fCnt"] = round_no
        body["fPort"] = F_PORT
        body["data"] = base64.b64encode(ers_co2_frame(value)).decode()
        body["object"] = decoded_object(value)
        body["rxInfo"][0]["rssi"] = -90 - index % 30
        body["deduplicationId"] = f"dedup-{dev_eui}-{round_no}"
        # ChirpStack sends nanoseconds; the envelope parser truncates them.
        body["time"] = (
            datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "123+00:00")
        )
        return body

    def payload(self, dev_eui: str, application_id: str, round_no: int, index: int) -> bytes:
        """The body as the bytes ChirpStack publishes or posts."""
        return json.dumps(self.body(dev_eui, application_id, round_no, index)).encode()


def up_topic(application_id: str, dev_eui: str) -> str:
    """ChirpStack v4's MQTT topic of an ``up`` event."""
    return f"application/{application_id}/device/{dev_eui}/event/up"
