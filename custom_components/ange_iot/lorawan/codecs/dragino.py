"""Dragino payloads: LDDS75 / LDDS20 (ultrasonic), LLDS12 (LiDAR), LDS01 / LDS02 (door), LWL02 (leak).

Dragino frames are fixed layouts per model, big-endian, with no type codes: the fPort
and the frame length say what a frame is. A frame of the wrong length is therefore an
error, not something to guess around.

Sources (facts only, no code taken):

* LDDS75 / LDDS20: Dragino's decoders for firmware v1.1.4 in dragino/dragino-end-node-decoder
  (``LDDS75/LDDS75_Decoder_V1.1.4.js``, ``LDDS20/LDDS20_Decoder_V1.1.4.js``) and the TTN
  Device Repository (``vendor/dragino/ldds75-114.js``, ``ldds20-114.js``, ``ldds75.js`` and
  their ``-codec.yaml`` examples). Frame on fPort 2, 8 bytes: battery (2, low 14 bits in
  mV), distance (2, mm), interrupt flag (1), DS18B20 temperature (2, signed, 0.1 °C),
  sensor flag (1). The LDDS75 wiki manual gives the flat-object range 280-7500 mm.
  Older firmware sends the first fields only: battery (2) + distance (2), 4 bytes (the
  TTN ``ldds75-codec.yaml`` example ``0E1C0B05``: 3.612 V, 2821 mm; Dragino's older
  decoder, as used in tago-io/decoders, reads these two words and nothing else), or
  with the interrupt flag after them, 5 bytes (TTN ``ldds75.js`` takes a 5-byte frame
  as a distance frame). Both give battery and distance, never a probe temperature.
* LLDS12: Dragino's ``LLDS12/LLDS12_Decode_TTN.txt``, TTN ``vendor/dragino/llds12.js`` and
  ``llds12-codec.yaml``, and the LLDS12 user manual, section 2.3 "Uplink Payload". Frame
  on fPort 2, 11 bytes: battery (2), DS18B20 temperature (2, signed, 0.1 °C), distance (2),
  signal strength (2), interrupt flag (1), LiDAR chip temperature (1, signed °C), message
  type (1).
* LDS01 / LDS02 / LWL02 (one shared firmware): Dragino's ``LDS02/lds01_02_Decoder_ttn_v1.5.txt``,
  ``LDS02/LDS02_Decoder_1.8.2.txt`` and ``LWL02/lds01_02_payload_ttn_v1.5.txt``, and TTN
  ``vendor/dragino/lds01.js``, ``lds02.js``, ``lwl02.js``. Frame on fPort 10: status and
  battery (2: bit 15 door open, bit 14 water leak, low 14 bits battery mV), MOD (1:
  1 = door, 2 = water leak, 3 = both), event count (3), last event duration (3, minutes),
  alarm (1, bit 0). Firmware 1.8.2 adds a 5-byte counting ("EDC") frame on fPort 7:
  status and battery (2) + count (3).

Invalid measurements (reported as ``distance_invalid``, never as a distance):

* LDDS75 / LDDS20: distance 0 is Dragino's "No Sensor"; 20 mm and below is its "Invalid
  Reading" (``ldds20-114.js`` marks exactly 20, ``ldds75.js`` anything below 20). Both
  sensors' documented ranges start well above that.
* LLDS12: a distance counts as credible only when the signal strength is above 100 and
  not 65535 (Dragino's LiDAR manuals: "471>100, 471≠65535, the measured value of Dist is
  considered credible"); otherwise it is unreliable. Distance 0 is no return at all.

The DS18B20 probe is optional on LDDS75 / LDDS20 / LLDS12. Without a probe the firmware
reports 0x0000 (the TTN examples for all three models carry 0x0000, decoded as 0.00 °C;
dragino/LoRa_STM32 issue #13 describes the same firmware family sending 0x0000 when the
probe cannot be read). A raw 0 therefore gives no ``external_temperature`` at all: it cannot
be told apart from a real 0.0 °C, and marking it invalid would blank a genuine reading and
give every probe-less device a permanently unknown temperature entity.

fPort 5 on the distance sensors is Dragino's device-status frame (sensor model, firmware
version, frequency band, sub-band, battery), sent after joining; it carries no
measurement and decodes to ``{}``.

What is deliberately not turned into readings (no canonical key fits):

* interrupt flags and the LDDS sensor flag (why an uplink was sent, not a measurement);
* the LLDS12 signal strength (used only to judge the distance) and its LiDAR chip
  temperature (the module's own temperature, not ambient or water temperature);
* the LWL02 in MOD 1 (door mode, the TTN ``lwl02-codec.yaml`` example) reports its one
  input in the door-open bit; that input is the leak probe pair, so it is read as
  ``water_leak`` (1 = leak), not dropped;
* LDS01 / LDS02 / LWL02 open or leak counts and last open or leak durations: a count of
  door openings is not ``pulse_count`` (a meter input) nor ``motion`` (a PIR count), and
  there is no duration key; the open-too-long alarm bit likewise has no key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import Readings, invalid_key
from .model import Category, Decoder, ModelInfo, by_model_id

_MANUFACTURER: Final = "Dragino"
_VENDOR_ID: Final = "dragino"

_DATA_PORT: Final = 2
_STATUS_PORT: Final = 5
_DOOR_PORT: Final = 10
_COUNT_PORT: Final = 7

_BATTERY_MASK: Final = 0x3FFF
"""The two top bits of the battery word are status flags, the rest is millivolts."""

_DOOR_OPEN_BIT: Final = 0x8000
_WATER_LEAK_BIT: Final = 0x4000

# LDDS75 / LDDS20: Dragino's "No Sensor" (0) and "Invalid Reading" (up to 20 mm).
_LDDS_INVALID_MAX: Final = 20
# v1.1.4 frame with probe and flags; older firmware's battery + distance (+ interrupt).
_LDDS_FULL: Final = 8
_LDDS_SIZES: Final = frozenset({4, 5, _LDDS_FULL})

# Dragino LiDAR manuals: distance credible only with signal strength > 100 and != 65535.
_LLDS_MIN_STRENGTH: Final = 100
_LLDS_SATURATED: Final = 0xFFFF
# Dragino's LLDS12 decoder leaves these frames undecoded: message type 0x02, and frames
# whose first byte is 0x03 (that would be a battery of 0.77-1.02 V, which no running
# device reports).
_LLDS_SKIPPED_TYPE: Final = 0x02
_LLDS_SKIPPED_FIRST_BYTE: Final = 0x03

# LDS01 / LDS02 / LWL02 working modes (byte 2 of the fPort 10 frame).
_MOD_DOOR: Final = 1
_MOD_LEAK: Final = 2
_MOD_BOTH: Final = 3


def _word(payload: bytes, pos: int) -> int:
    return int.from_bytes(payload[pos : pos + 2], "big")


def _signed_word(payload: bytes, pos: int) -> int:
    return int.from_bytes(payload[pos : pos + 2], "big", signed=True)


def _battery(payload: bytes) -> float:
    return (_word(payload, 0) & _BATTERY_MASK) / 1000


def _probe(payload: bytes, pos: int) -> Readings:
    """DS18B20 probe: signed 0.1 °C; 0x0000 means no probe (see the module docstring)."""
    raw = _signed_word(payload, pos)
    if raw == 0:
        return {}
    return {"external_temperature": raw / 10}


def _need(name: str, payload: bytes, size: int, what: str) -> None:
    if len(payload) != size:
        raise CodecError(f"{name}: {what} must be {size} bytes, got {len(payload)}")


def _device_status(name: str, payload: bytes) -> Readings:
    if not payload:
        raise CodecError(f"{name}: empty device status frame")
    return {}


def _check_port(name: str, f_port: int) -> None:
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"{name}: fPort must be an integer, not {f_port!r}")


# --- LDDS75 / LDDS20 --------------------------------------------------------------------


def _ldds(name: str, f_port: int, payload: bytes) -> Readings:
    _check_port(name, f_port)
    if f_port == _STATUS_PORT:
        return _device_status(name, payload)
    if f_port != _DATA_PORT:
        raise CodecError(f"{name}: unknown fPort {f_port} (data is on 2, status on 5)")
    if len(payload) not in _LDDS_SIZES:
        raise CodecError(
            f"{name}: a distance frame must be 8 bytes (4 or 5 from older firmware), "
            f"got {len(payload)}"
        )
    readings: Readings = {"battery_voltage": _battery(payload)}
    distance = _word(payload, 2)
    if distance <= _LDDS_INVALID_MAX:
        readings[invalid_key("distance")] = True
    else:
        readings["distance"] = distance
    if len(payload) == _LDDS_FULL:
        readings.update(_probe(payload, 5))
    return readings


# --- LLDS12 ------------------------------------------------------------------------------


def _llds12(name: str, f_port: int, payload: bytes) -> Readings:
    _check_port(name, f_port)
    if f_port == _STATUS_PORT:
        return _device_status(name, payload)
    if f_port != _DATA_PORT:
        raise CodecError(f"{name}: unknown fPort {f_port} (data is on 2, status on 5)")
    _need(name, payload, 11, "a LiDAR frame")
    if payload[0] == _LLDS_SKIPPED_FIRST_BYTE or payload[10] == _LLDS_SKIPPED_TYPE:
        return {}
    readings: Readings = {"battery_voltage": _battery(payload)}
    readings.update(_probe(payload, 2))
    # The payload counts in 0.1 cm: Dragino's decoder divides by 10 to get cm, and the
    # TTN example's 0x0B18 = 2840 is documented as 284 cm. So the raw value is mm.
    distance = _word(payload, 4)
    strength = _word(payload, 6)
    if distance == 0 or strength <= _LLDS_MIN_STRENGTH or strength == _LLDS_SATURATED:
        readings[invalid_key("distance")] = True
    else:
        readings["distance"] = distance
    return readings


# --- LDS01 / LDS02 / LWL02 ---------------------------------------------------------------


def _contact(name: str, f_port: int, payload: bytes) -> Readings:
    _check_port(name, f_port)
    if f_port == _COUNT_PORT:
        # Counting frame: battery word + a 3-byte count. Bit 15 here is the counting
        # mode setting ("edc_mod" in Dragino's decoder), not the door state.
        _need(name, payload, 5, "a counting frame (fPort 7)")
        return {"battery_voltage": _battery(payload)}
    if f_port != _DOOR_PORT:
        raise CodecError(f"{name}: unknown fPort {f_port} (data is on 10, counts on 7)")
    # Only the status word and MOD are read; the counters, duration and alarm that may
    # follow have no canonical key. The TTN Device Repository's own example for these
    # models is a 7-byte frame, so the skipped tail is not required to be complete.
    if len(payload) < 3:
        raise CodecError(f"{name}: frame needs at least 3 bytes, got {len(payload)}")
    if len(payload) > 10:
        raise CodecError(f"{name}: frame has at most 10 bytes, got {len(payload)}")
    status = _word(payload, 0)
    readings: Readings = {"battery_voltage": _battery(payload)}
    mod = payload[2]
    if mod in (_MOD_DOOR, _MOD_BOTH):
        readings["door_open"] = bool(status & _DOOR_OPEN_BIT)
    if mod in (_MOD_LEAK, _MOD_BOTH):
        readings["water_leak"] = bool(status & _WATER_LEAK_BIT)
    # Any other MOD: Dragino's decoders report the battery only, and so does this one.
    return readings


def _leak_sensor(name: str, f_port: int, payload: bytes) -> Readings:
    """LWL02: the shared firmware, with its one input read as the leak probes."""
    readings = _contact(name, f_port, payload)
    if f_port == _DOOR_PORT and payload[2] == _MOD_DOOR:
        # In MOD 1 the firmware reports its input in the "door open" bit (TTN lwl02.js:
        # DOOR_OPEN_STATUS, 1 = the input's active state). An LWL02's only input is its
        # pair of leak probes, so on this model that bit is the leak status; dropping
        # it would leave a leak sensor in MOD 1 reporting its battery only.
        readings["water_leak"] = bool(_word(payload, 0) & _DOOR_OPEN_BIT)
    return readings


# --- models --------------------------------------------------------------------------------

type _Family = Callable[[str, int, bytes], Readings]


@dataclass(slots=True, frozen=True)
class _Device:
    name: str
    category: Category
    keys: tuple[str, ...]
    family: _Family


_DISTANCE_KEYS: Final = (
    "distance",
    invalid_key("distance"),
    "battery_voltage",
    "external_temperature",
)

# device id in vendor/dragino/ of the TTN Device Repository -> model
_DEVICES: Final[dict[str, _Device]] = {
    "ldds75": _Device("LDDS75", Category.DISTANCE, _DISTANCE_KEYS, _ldds),
    "ldds20": _Device("LDDS20", Category.DISTANCE, _DISTANCE_KEYS, _ldds),
    "llds12": _Device("LLDS12", Category.DISTANCE, _DISTANCE_KEYS, _llds12),
    "lds01": _Device("LDS01", Category.DOOR, ("door_open", "battery_voltage"), _contact),
    "lds02": _Device("LDS02", Category.DOOR, ("door_open", "battery_voltage"), _contact),
    "lwl02": _Device("LWL02", Category.LEAK, ("water_leak", "battery_voltage"), _leak_sensor),
}


def _decoder(device: _Device) -> Decoder:
    keys = frozenset(device.keys)

    def decode(f_port: int, payload: bytes) -> Readings:
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise CodecError(f"{device.name}: payload must be bytes, not {type(payload).__name__}")
        readings = device.family(device.name, f_port, bytes(payload))
        # LDS01, LDS02 and LWL02 share one firmware; a model yields only its own keys,
        # even if the device was switched to another working mode.
        return {key: value for key, value in readings.items() if key in keys}

    decode.__name__ = decode.__qualname__ = f"decode_{device.name.lower()}"
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
"""Every Dragino model, keyed by model id."""
