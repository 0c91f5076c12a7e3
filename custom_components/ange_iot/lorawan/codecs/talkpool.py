"""Talkpool OY1210 payloads: CO2, temperature and relative humidity.

A measurement value is five bytes, big-endian:

* byte 0: temperature bits 11-4, byte 1: relative humidity bits 11-4;
* byte 2: temperature bits 3-0 (high nibble) and humidity bits 3-0 (low nibble);
* bytes 3-4: CO2 in ppm, averaged over the measurement period.

Temperature is the 12-bit value minus 800, in tenths of °C; humidity is the 12-bit value
minus 250, in tenths of % RH. CO2 0xFFFF "indicates an error in the CO2 reading, and
should be displayed as an alarm or error code ..., not as a measurement value": it is
reported as ``co2_invalid``.

Ports:

* 2: a single measurement report, exactly one measurement value;
* 3: a grouped measurement report: a one-byte grouping header (the time between
  measurements; not a reading) followed by n measurement values. Talkpool's protocol
  says "the latest measurement performed right before the transmission is sent first
  in the report", and the number of values follows from the payload length. Only that
  first, newest value becomes the reading: a Readings dict has no timestamps, so
  passing on an older value would present past air quality as the current state;
* 1: status reports and replies to downlink queries (a type byte, 0x01 data or
  0x02 command NACK, then a command index and its data). None of them is a
  measurement of the room, so they decode to no readings. The CPU voltage reply
  (index 0x06) is not taken as a battery reading: the manual gives its range as
  depending on the battery chemistry, not as the battery voltage.

Sources (facts only, no code taken): the OY1210 LoRaWAN CO2 meter user manual, version
1.0, chapter 9 "Protocol" (9.3.2 measurement value and conversions, 9.3.3 the single
measurement example, 9.4 port 1 commands), as reproduced on manualshive.com and
easymanua.ls; the TTN Device Repository, ``vendor/talkpool/oy1210.js`` and
``oy1210-codec.yaml`` (port 2, five bytes, the same example). The OY1210 manual shows
only single reports; the grouped report on port 3 is described in the manual of the
sibling OY1110 (sections 9.3.2 and 9.3.4-9.3.6, "TxGroupsSize") and implemented in the
TTN ``vendor/talkpool/oy1110.js``. It is accepted here with the OY1210's five-byte
measurement value, so a device configured for grouping is not rejected.
"""

from __future__ import annotations

from typing import Final

from ..errors import CodecError
from ..quantities import Readings, invalid_key
from .model import Category, ModelInfo, by_model_id

_MANUFACTURER: Final = "Talkpool"
_VENDOR_ID: Final = "talkpool"

_COMMAND_PORT: Final = 1
_SINGLE_PORT: Final = 2
_GROUP_PORT: Final = 3

_VALUE_SIZE: Final = 5
_GROUP_HEADER_SIZE: Final = 1

_COMMAND_TYPES: Final = {0x01: "data", 0x02: "command NACK"}
_CO2_ERROR: Final = 0xFFFF

_TEMPERATURE_OFFSET: Final = 800
_HUMIDITY_OFFSET: Final = 250


def _measurement(value: bytes) -> Readings:
    """One five-byte measurement value as canonical readings."""
    temperature = (value[0] << 4) | (value[2] >> 4)
    humidity = (value[1] << 4) | (value[2] & 0x0F)
    co2 = int.from_bytes(value[3:5], "big")
    readings: Readings = {
        "temperature": (temperature - _TEMPERATURE_OFFSET) / 10,
        "humidity": (humidity - _HUMIDITY_OFFSET) / 10,
    }
    if co2 == _CO2_ERROR:
        readings[invalid_key("co2")] = True
    else:
        readings["co2"] = co2
    return readings


def _single(frame: bytes) -> Readings:
    if len(frame) != _VALUE_SIZE:
        raise CodecError(
            f"Talkpool OY1210: a single measurement report has {_VALUE_SIZE} bytes, "
            f"not {len(frame)}"
        )
    return _measurement(frame)


def _grouped(frame: bytes) -> Readings:
    values = len(frame) - _GROUP_HEADER_SIZE
    if values < _VALUE_SIZE or values % _VALUE_SIZE:
        raise CodecError(
            f"Talkpool OY1210: a grouped measurement report is a 1-byte header and "
            f"whole {_VALUE_SIZE}-byte values; {len(frame)} bytes is not"
        )
    newest = frame[_GROUP_HEADER_SIZE : _GROUP_HEADER_SIZE + _VALUE_SIZE]
    return _measurement(newest)


def _command(frame: bytes) -> Readings:
    if len(frame) < 2:
        raise CodecError(
            f"Talkpool OY1210: a port 1 frame needs a type and a command index, "
            f"got {len(frame)} bytes"
        )
    if frame[0] not in _COMMAND_TYPES:
        raise CodecError(
            f"Talkpool OY1210: unknown port 1 frame type 0x{frame[0]:02X} "
            "(0x01 data or 0x02 command NACK expected)"
        )
    return {}


def decode_oy1210(f_port: int, payload: bytes) -> Readings:
    """Decode one OY1210 uplink. Raises CodecError, and nothing else, on a bad frame."""
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"Talkpool OY1210: fPort must be an integer, not {f_port!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise CodecError(f"Talkpool OY1210: payload must be bytes, not {type(payload).__name__}")
    frame = bytes(payload)
    if not frame:
        raise CodecError("Talkpool OY1210: empty payload")
    if f_port == _SINGLE_PORT:
        return _single(frame)
    if f_port == _GROUP_PORT:
        return _grouped(frame)
    if f_port == _COMMAND_PORT:
        return _command(frame)
    raise CodecError(
        f"Talkpool OY1210 sends on fPort 1 (status), 2 (measurement) or "
        f"3 (grouped measurements), not {f_port}"
    )



MODELS: Final[dict[str, ModelInfo]] = by_model_id(
    [
        ModelInfo.of(
            _VENDOR_ID,
            "oy1210",
            manufacturer=_MANUFACTURER,
            name="OY1210",
            category=Category.CLIMATE,
            keys={"temperature", "humidity", "co2", invalid_key("co2")},
            decoder=decode_oy1210,
        )
    ]
)
"""Every supported Talkpool model, keyed by model id."""
