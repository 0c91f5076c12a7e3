"""Elsys payloads: the ERS, EMS and ELT families.

Every Elsys uplink is a run of items, each ``type code (1 byte) + value``; the type code
alone fixes the value's size, and multi-byte values are big-endian.

An unknown type code (a newer sensor's quantity) has no known size, and its size
cannot be inferred from the frame either: nearly every byte value from 0x01 to 0x1C is
a valid type code, so almost any tail of bytes reads as some run of items. Decoding
therefore stops there: the readings decoded before it are kept, and the rest of the
frame is dropped and reported by ``decode_frame`` as a truncated skip, rather than
guessing where the next item starts or rejecting the whole frame. Elsys' own decoder
stops at an unknown type code the same way ("something is wrong with data"). A known
item that runs past the end of the frame is a truncated payload: CodecError.

Sources (facts only, no code taken): Elsys' own payload decoder and its type table, as
published in the TTN Device Repository (``vendor/elsys/elsys.js``, "ELSYS simple payload
decoder", which links https://www.elsys.se/en/elsys-payload/ and Sensor_payload.pdf);
the per-device files in ``vendor/elsys/`` for the device ids and example payloads; and
Elsys' NFC settings specification (https://www.elsys.se/en/elsys-nfc-settings-specification/)
for the configurable LoRaWAN port.

What is deliberately not turned into readings, because quantities.py has no canonical
key for it (this module must not invent keys):

* GPS position (0x09), IR internal/external temperature (0x10), the Grid-EYE 8x8
  temperature matrix (0x13), the load-cell microvolt input (0x1B) and the
  accelerometer's motion/vibration count (0x0F; ``motion`` is the PIR count of people
  moving in a room, which is a different thing from the device itself being moved);
* second external channels of the two-channel ELT (pulse 0x16/0x17, analog 0x18,
  temperature 0x19, digital 0x1A): the canonical keys name one channel each, and
  they are given to channel 1; a second, identically named reading would overwrite it;
* relative pulse counts (0x0A): the number of pulses since the previous uplink. The
  canonical ``pulse_count`` is a running count, which Elsys sends as the absolute
  counter (0x0B); mixing both under one key would make the series jump back and forth;
* debug frames (0x3D) and settings replies (0x3E): not measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import Readings
from .model import Category, ModelInfo, by_model_id, readings_only
from .result import DecodeResult, FrameDecoder, Skipped

_MANUFACTURER: Final = "Elsys"
_VENDOR_ID: Final = "elsys"

# Elsys' NFC settings specification: "Port: integer (1-254), LoRaWAN port". The data
# port is configurable (default 5), so any port in that range may carry readings; 0 is
# reserved by LoRaWAN for MAC commands and 255 is outside what the device can be set to.
_PORTS: Final = range(1, 255)

# Accelerometer scale from the Elsys type table: "-128 --> 127, +/-63 = 1G".
_MG_PER_ACC_STEP: Final = 1000 / 63

_SETTINGS: Final = 0x3E
"""Settings reply: 0x3E, one length byte, then that many bytes of settings."""


@dataclass(slots=True, frozen=True)
class _Type:
    """One Elsys type code: its name in the spec, value size and what it yields."""

    name: str
    size: int
    parse: Callable[[bytes], Readings]


# --- value parsers -----------------------------------------------------------------------


def _uint(value: bytes) -> int:
    return int.from_bytes(value, "big")


def _int(value: bytes) -> int:
    return int.from_bytes(value, "big", signed=True)


def _one(
    key: str, convert: Callable[[bytes], float | int | bool]
) -> Callable[[bytes], Readings]:
    """Parser for a type code that carries exactly one reading."""

    def parse(value: bytes) -> Readings:
        return {key: convert(value)}

    return parse


def _dropped(value: bytes) -> Readings:
    """Parser for a type code with no canonical reading (see the module docstring)."""
    del value
    return {}


def _tenths(value: bytes) -> float:
    # Temperatures: signed, 0.1 °C per step ("-3276.8°C --> 3276.7°C").
    return _int(value) / 10


def _millivolts(value: bytes) -> float:
    # VDD and analog input are unsigned millivolts; the canonical unit is the volt.
    return _uint(value) / 1000


def _acceleration(value: bytes) -> Readings:
    # Three signed bytes X, Y, Z where 63 steps are 1 g; the canonical unit is mg.
    x, y, z = (int.from_bytes(value[i : i + 1], "big", signed=True) for i in range(3))
    return {
        "acceleration_x": round(x * _MG_PER_ACC_STEP),
        "acceleration_y": round(y * _MG_PER_ACC_STEP),
        "acceleration_z": round(z * _MG_PER_ACC_STEP),
    }


def _occupancy(value: bytes) -> Readings:
    # Elsys body occupancy (ERS Eye, EMS Desk): 0 = unoccupied, 1 = pending (someone
    # is entering or leaving), 2 = occupied (body heat detected). In both 1 and 2 a
    # person is in the room at that moment, so both read as occupied; 1 always sits
    # between 0 and 2 (entering: 0, 1, 2; leaving: 2, 1, 0), so this never flickers.
    # The TTN Device Repository's ERS Eye example reports exactly 1. Values outside
    # 0-2 are not defined and give no reading.
    state = value[0]
    if state == 0:
        return {"occupancy": False}
    if state in (1, 2):
        return {"occupancy": True}
    return {}


def _water_leak(value: bytes) -> bool:
    # The Elsys type table gives the leak value only as "1 byte 0-255" and defines no
    # threshold. 0 means the sensing pads are dry (no conduction); any conduction at
    # all is reported as a leak, i.e. leak when the value is above 0. This also matches
    # how decoded_object.py reads the same "waterleak" field from Elsys' own decoder.
    return value[0] > 0


def _sound(value: bytes) -> Readings:
    # Two unsigned bytes in dB: peak first, then average.
    return {"sound_peak": value[0], "sound_avg": value[1]}


def _pressure(value: bytes) -> float:
    # Unsigned 32-bit in thousandths of a hPa (Elsys' decoder divides by 1000).
    return _uint(value) / 1000


# Type code -> (spec name, value size in bytes, parser). Sizes and signedness follow the
# Elsys type table; 0x3E (settings) is handled separately because its size is variable.
_TYPES: Final[Mapping[int, _Type]] = {
    0x01: _Type("TYPE_TEMP", 2, _one("temperature", _tenths)),
    0x02: _Type("TYPE_RH", 1, _one("humidity", lambda v: float(v[0]))),
    0x03: _Type("TYPE_ACC", 3, _acceleration),
    0x04: _Type("TYPE_LIGHT", 2, _one("illuminance", _uint)),
    0x05: _Type("TYPE_MOTION", 1, _one("motion", _uint)),
    0x06: _Type("TYPE_CO2", 2, _one("co2", _uint)),
    0x07: _Type("TYPE_VDD", 2, _one("battery_voltage", _millivolts)),
    0x08: _Type("TYPE_ANALOG1", 2, _one("analog_input", _millivolts)),
    0x09: _Type("TYPE_GPS", 6, _dropped),
    0x0A: _Type("TYPE_PULSE1", 2, _dropped),
    0x0B: _Type("TYPE_PULSE1_ABS", 4, _one("pulse_count", _uint)),
    0x0C: _Type("TYPE_EXT_TEMP1", 2, _one("external_temperature", _tenths)),
    0x0D: _Type("TYPE_EXT_DIGITAL", 1, _one("digital_input", lambda v: v[0] != 0)),
    0x0E: _Type("TYPE_EXT_DISTANCE", 2, _one("distance", _uint)),
    0x0F: _Type("TYPE_ACC_MOTION", 1, _dropped),
    0x10: _Type("TYPE_IR_TEMP", 4, _dropped),
    0x11: _Type("TYPE_OCCUPANCY", 1, _occupancy),
    0x12: _Type("TYPE_WATERLEAK", 1, _one("water_leak", _water_leak)),
    0x13: _Type("TYPE_GRIDEYE", 65, _dropped),
    0x14: _Type("TYPE_PRESSURE", 4, _one("pressure", _pressure)),
    0x15: _Type("TYPE_SOUND", 2, _sound),
    0x16: _Type("TYPE_PULSE2", 2, _dropped),
    0x17: _Type("TYPE_PULSE2_ABS", 4, _dropped),
    0x18: _Type("TYPE_ANALOG2", 2, _dropped),
    0x19: _Type("TYPE_EXT_TEMP2", 2, _dropped),
    0x1A: _Type("TYPE_EXT_DIGITAL2", 1, _dropped),
    0x1B: _Type("TYPE_EXT_ANALOG_UV", 4, _dropped),
    0x1C: _Type("TYPE_TVOC", 2, _one("tvoc", _uint)),
    0x3D: _Type("TYPE_DEBUG", 4, _dropped),
}


def _check_settings(payload: bytes, pos: int) -> None:
    """Validate a settings block at ``pos``; everything from there on is settings."""
    if pos + 1 >= len(payload):
        raise CodecError(
            f"Elsys settings (0x3E) at byte {pos} is truncated: no length byte"
        )
    length = payload[pos + 1]
    left = len(payload) - pos - 2
    if left < length:
        raise CodecError(
            f"Elsys settings (0x3E) at byte {pos} announce {length} bytes, only {left} left"
        )


def decode_payload(f_port: int, payload: bytes) -> Readings:
    """Decode one Elsys uplink into canonical readings, for any Elsys model.

    Channel-1 digital input comes out as ``digital_input``; model decoders rename it
    where it is a door contact. Raises CodecError, and nothing else, on a bad frame.
    """
    return decode_items(f_port, payload).readings


def decode_items(f_port: int, payload: bytes) -> DecodeResult:
    """Like ``decode_payload``, and also report an unknown type code that ended it."""
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"Elsys: fPort must be an integer, not {f_port!r}")
    if f_port not in _PORTS:
        raise CodecError(f"Elsys devices send data on fPort 1-254, not {f_port}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise CodecError(f"Elsys: payload must be bytes, not {type(payload).__name__}")
    data = bytes(payload)
    if not data:
        raise CodecError("Elsys: empty payload")

    readings: Readings = {}
    pos = 0
    while pos < len(data):
        code = data[pos]
        if code == _SETTINGS:
            # A settings reply is a frame of its own; Elsys' decoders read it to the
            # end. Nothing in it is a measurement, so it adds no readings.
            _check_settings(data, pos)
            break
        kind = _TYPES.get(code)
        if kind is None:
            # Its size is unknown: keep what came before, drop the rest (module doc).
            skipped = Skipped(f"type code 0x{code:02X}", pos, truncated=True)
            return DecodeResult(readings, (skipped,))
        start = pos + 1
        end = start + kind.size
        if end > len(data):
            raise CodecError(
                f"Elsys: {kind.name} (0x{code:02X}) at byte {pos} needs {kind.size} "
                f"bytes, only {len(data) - start} left"
            )
        # A type code may repeat in one frame (the TTN EMS example carries 0x0A twice);
        # as in Elsys' own decoder, the last value wins.
        readings.update(kind.parse(data[start:end]))
        pos = end
    return DecodeResult(readings)


def _model_decoder(keys: frozenset[str], *, door_contact: bool) -> FrameDecoder:
    """Decoder for one model: only its own keys, the reed contact read as a door."""

    def decode(f_port: int, payload: bytes) -> DecodeResult:
        readings, skipped = decode_items(f_port, payload)
        if door_contact and "digital_input" in readings:
            # EMS / EMS Door: the digital input is the built-in reed switch. Elsys' type
            # table only says "value 1 or 0"; 1 is read as the magnet being at the
            # switch (door closed) and 0 as door open, the reading integrators'
            # EMS Door profiles use (input 1 labelled "door closed").
            readings["door_open"] = not readings.pop("digital_input")
        # Filtering keeps ModelInfo.keys exact: a model never yields a key it does not
        # list, even if a misconfigured device sends an unrelated type code.
        return DecodeResult({key: value for key, value in readings.items() if key in keys}, skipped)

    return decode


_CLIMATE: Final = ("temperature", "humidity", "battery_voltage")
_ROOM: Final = (*_CLIMATE, "illuminance", "motion")
_ACC: Final = ("acceleration_x", "acceleration_y", "acceleration_z")
_EXTERNAL: Final = (
    "external_temperature",
    "analog_input",
    "digital_input",
    "pulse_count",
    "distance",
    "water_leak",
)

# device id in vendor/elsys/ of the TTN Device Repository -> (name, category, keys)
_DEVICES: Final[dict[str, tuple[str, Category, tuple[str, ...]]]] = {
    "ers": ("ERS", Category.CLIMATE, _ROOM),
    "ers-co2": ("ERS CO2", Category.CLIMATE, (*_ROOM, "co2")),
    "ers-eye": ("ERS Eye", Category.PRESENCE, (*_ROOM, "occupancy")),
    "ers-sound": ("ERS Sound", Category.SOUND, (*_ROOM, "sound_avg", "sound_peak")),
    "ers-voc": ("ERS VOC", Category.CLIMATE, (*_ROOM, "tvoc")),
    "ers-lite": ("ERS Lite", Category.CLIMATE, _CLIMATE),
    "ers-co2-lite": ("ERS CO2 Lite", Category.CLIMATE, (*_CLIMATE, "co2")),
    # EMS: temperature, humidity, accelerometer, door reed switch (+ its opening counter)
    # and water-leak pads.
    "ems": (
        "EMS",
        Category.LEAK,
        (*_CLIMATE, *_ACC, "door_open", "pulse_count", "water_leak"),
    ),
    # EMS Door: reed switch and accelerometer only.
    "ems-door": (
        "EMS Door",
        Category.DOOR,
        ("battery_voltage", *_ACC, "door_open", "pulse_count"),
    ),
    # EMS Desk: thermopile body-heat occupancy, temperature, humidity, accelerometer.
    "ems-desk": ("EMS Desk", Category.PRESENCE, (*_CLIMATE, *_ACC, "occupancy")),
    "ems-lite": ("EMS Lite", Category.LEAK, (*_CLIMATE, "water_leak")),
    # ELT-2: internal temperature, humidity, accelerometer and pressure, plus external
    # probes on its I/O (channel 1 only, see the module docstring).
    "elt-2": (
        "ELT-2",
        Category.TEMPERATURE_PROBE,
        (*_CLIMATE, *_ACC, "pressure", *_EXTERNAL),
    ),
    # ELT Lite: one external I/O channel, no internal climate sensors.
    "elt-lite": (
        "ELT Lite",
        Category.TEMPERATURE_PROBE,
        ("battery_voltage", *_EXTERNAL),
    ),
    "elt-ultrasonic": (
        "ELT Ultrasonic",
        Category.DISTANCE,
        (*_CLIMATE, *_ACC, "pressure", "distance"),
    ),
}

_DOOR_CONTACT: Final = frozenset({"ems", "ems-door"})



MODELS: Final[dict[str, ModelInfo]] = by_model_id(
    ModelInfo.of(
        _VENDOR_ID,
        device_id,
        manufacturer=_MANUFACTURER,
        name=name,
        category=category,
        keys=keys,
        decoder=readings_only(frame_decoder),
        frame_decoder=frame_decoder,
    )
    for device_id, (name, category, keys) in _DEVICES.items()
    for frame_decoder in (
        _model_decoder(frozenset(keys), door_contact=device_id in _DOOR_CONTACT),
    )
)
"""Every Elsys model, keyed by model id."""
