"""Decentlab payloads (protocol version 2): DL-MBX, DL-LID and DL-DS18.

Every Decentlab uplink has the same frame:

* byte 0: protocol version, always 2;
* bytes 1-2: the device's id (big-endian);
* bytes 3-4: a flags word; bit *n* (least significant first) says that sensor group *n*
  is present;
* then, for each present group in bit order, that group's fixed number of big-endian
  unsigned 16-bit words. The battery voltage is a group of its own (one word, mV).

A group's size is fixed per device model and not in the frame, so a flag bit the model
does not define cannot be skipped: decoding stops with a CodecError. The frame length
must match the flags exactly; a shorter frame is truncated, a longer one belongs to a
different device model.

Sources (facts only, no code taken): decentlab/decentlab-decoders (``DL-MBX/DL-MBX.py``,
``DL-LID/DL-LID.py``, ``DL-DS18/DL-DS18.py`` and the JavaScript versions next to them,
each with the two example payloads of the device's datasheet) and the TTN Device
Repository (``vendor/decentlab/dl-mbx-codec.yaml``, ``dl-lid-codec.yaml``,
``dl-ds18-codec.yaml``, and ``dl-downlink-codec.js`` for the uplink port: "Set LoRaWAN
uplink port (1...223, default: 1)").

Readings and invalid measurements:

* DL-MBX (ultrasonic): group 0 is distance (mm) and the number of valid samples. With
  0 valid samples there was no usable echo and the distance is reported as
  ``distance_invalid``.
* DL-LID (laser): group 0 is eleven words of distance statistics (average, minimum,
  maximum, median, 10th/25th/75th/90th percentile, most frequent value, all mm), the
  number of samples and the total acquisition time. ``distance`` is the median: for snow
  and water levels a few stray returns (snowflakes, rain, a bird) pull the average but
  not the median. With 0 samples there is no distance: ``distance_invalid``.
* DL-DS18: group 0 is the DS18B20 probe, ``(word - 32768) / 16`` °C, reported as
  ``external_temperature`` (a probe thermometer, e.g. in a lake).
* All three: group 1 is the battery, mV, reported in volts as ``battery_voltage``.

Deliberately not turned into readings: the device id and protocol version (frame
metadata), the number of samples itself, the DL-LID's other distance statistics and its
acquisition time (no canonical keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import Readings, invalid_key
from .model import Category, Decoder, ModelInfo, by_model_id

_MANUFACTURER: Final = "Decentlab"
_VENDOR_ID: Final = "decentlab"

_PROTOCOL_VERSION: Final = 2
_HEADER_SIZE: Final = 5
_WORD_SIZE: Final = 2

# The uplink port is a device setting: 1-223, default 1 (Decentlab downlink command
# 0x001D). Port 0 is LoRaWAN MAC traffic and 224-255 are reserved.
_PORTS: Final = range(1, 224)

type _Parse = Callable[[tuple[int, ...]], Readings]


@dataclass(slots=True, frozen=True)
class _Group:
    """One sensor group: its name, how many 16-bit words it has and what it yields."""

    name: str
    words: int
    parse: _Parse


@dataclass(slots=True, frozen=True)
class _Device:
    name: str
    category: Category
    keys: tuple[str, ...]
    groups: tuple[_Group, ...]


# --- group parsers -----------------------------------------------------------------------


def _battery(words: tuple[int, ...]) -> Readings:
    return {"battery_voltage": words[0] / 1000}


def _distance_or_invalid(distance: int, samples: int) -> Readings:
    if samples == 0:
        return {invalid_key("distance"): True}
    return {"distance": distance}


def _ultrasonic(words: tuple[int, ...]) -> Readings:
    distance, valid_samples = words
    return _distance_or_invalid(distance, valid_samples)


_LID_MEDIAN: Final = 3
_LID_SAMPLES: Final = 9


def _laser(words: tuple[int, ...]) -> Readings:
    return _distance_or_invalid(words[_LID_MEDIAN], words[_LID_SAMPLES])


def _probe(words: tuple[int, ...]) -> Readings:
    return {"external_temperature": (words[0] - 32768) / 16}


_BATTERY_GROUP: Final = _Group("battery voltage", 1, _battery)

# device id in vendor/decentlab/ of the TTN Device Repository -> model
_DEVICES: Final[dict[str, _Device]] = {
    "dl-mbx": _Device(
        "DL-MBX",
        Category.DISTANCE,
        ("distance", invalid_key("distance"), "battery_voltage"),
        (_Group("distance", 2, _ultrasonic), _BATTERY_GROUP),
    ),
    "dl-lid": _Device(
        "DL-LID",
        Category.DISTANCE,
        ("distance", invalid_key("distance"), "battery_voltage"),
        (_Group("distance statistics", 11, _laser), _BATTERY_GROUP),
    ),
    "dl-ds18": _Device(
        "DL-DS18",
        Category.TEMPERATURE_PROBE,
        ("external_temperature", "battery_voltage"),
        (_Group("temperature", 1, _probe), _BATTERY_GROUP),
    ),
}


# --- decoding -------------------------------------------------------------------------------


def _decode(device: _Device, f_port: int, payload: bytes) -> Readings:
    name = device.name
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"{name}: fPort must be an integer, not {f_port!r}")
    if f_port not in _PORTS:
        raise CodecError(f"{name}: fPort {f_port} is not an uplink port (1-223)")
    if len(payload) < _HEADER_SIZE:
        raise CodecError(
            f"{name}: frame needs a {_HEADER_SIZE}-byte header, got {len(payload)} bytes"
        )
    version = payload[0]
    if version != _PROTOCOL_VERSION:
        raise CodecError(f"{name}: protocol version {version}, expected 2")
    flags = int.from_bytes(payload[3:5], "big")
    unknown = flags >> len(device.groups)
    if unknown:
        first = len(device.groups) + (unknown & -unknown).bit_length() - 1
        raise CodecError(f"{name}: flags 0x{flags:04x} select unknown sensor group {first}")

    present = [group for bit, group in enumerate(device.groups) if flags >> bit & 1]
    expected = _HEADER_SIZE + _WORD_SIZE * sum(group.words for group in present)
    if len(payload) < expected:
        raise CodecError(
            f"{name}: truncated frame, flags 0x{flags:04x} need {expected} bytes, "
            f"got {len(payload)}"
        )
    if len(payload) > expected:
        raise CodecError(
            f"{name}: {len(payload) - expected} bytes beyond what flags 0x{flags:04x} announce"
        )

    readings: Readings = {}
    pos = _HEADER_SIZE
    for group in present:
        end = pos + _WORD_SIZE * group.words
        words = tuple(
            int.from_bytes(payload[i : i + _WORD_SIZE], "big") for i in range(pos, end, _WORD_SIZE)
        )
        readings.update(group.parse(words))
        pos = end
    return readings


def _decoder(device: _Device) -> Decoder:
    def decode(f_port: int, payload: bytes) -> Readings:
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise CodecError(f"{device.name}: payload must be bytes, not {type(payload).__name__}")
        return _decode(device, f_port, bytes(payload))

    decode.__name__ = decode.__qualname__ = f"decode_{device.name.lower().replace('-', '_')}"
    return decode



MODELS: Final[dict[str, ModelInfo]] = by_model_id(
    ModelInfo.of(
        _VENDOR_ID,
        device_id,
        manufacturer=_MANUFACTURER,
        name=device.name,
        category=device.category,
        keys=device.keys,
        decoder=_decoder(device),
    )
    for device_id, device in _DEVICES.items()
)
"""Every Decentlab model, keyed by model id."""
