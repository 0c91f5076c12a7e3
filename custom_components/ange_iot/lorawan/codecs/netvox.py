"""Netvox payloads: R711, R718AB, R311A, R718F, R311WA, R311W, R718WA and R718X.

Every Netvox uplink is a fixed 11-byte frame.

* fPort 6, reports: version (0x01), device type, report type, then 8 bytes of
  "NetvoxPayLoadData". Report type 0x00 is the version packet a device sends after
  joining (software/hardware version and date code); 0x01 is the data report, whose
  first byte is the battery voltage in 0.1 V with bit 7 as the low-battery flag.
* fPort 7, replies to configuration commands: command id (0x80 | request id), device
  type, 9 bytes of settings or status.

The device-type byte says which product sent the frame. The data layout depends on it,
so a frame whose device type is not the configured model's is rejected: decoding it
with another model's layout would produce readings that are not true.

Sources (facts only, no code taken): the Netvox decoders and example uplinks in the TTN
Device Repository, TheThingsNetwork/lorawan-devices ``vendor/netvox/`` (payload/*.js,
``<device>-codec.yaml`` and ``<device>.yaml``); the Netvox user manuals' "Data Report"
chapters (R718AB, R718A, R718PE, R313A, R313WA, R311CB, as published on manualshive.com);
and "Netvox LoRaWAN Application Devicetype V1.9" for the device-type codes.

What the R718X is: in the TTN Device Repository (``vendor/netvox/r718x.yaml``) it is the
"Wireless Ultrasonic Distance Sensor" with an NTC temperature sensor; its manual's example
use is the height of waste in a bin. It reports distance in mm: the TTN decoder
``payload/r718x.js`` reads the R718X and the R718PE distance from the same two bytes, and
the R718PE manual gives that field as "Distance (2Bytes, Unit:1mm)". It also reports the
temperature in 0.1 °C, a fill level in %, a threshold status and a tilt angle.

The R718X's own fill level (byte 9, "FillLevel" in the TTN decoder, 0-100 %) becomes
``fill_level``. The device computes it from its own FillMaxDistance setting. Where an
installer also configures a ``bin_depth_cm`` (DESIGN.md), the derived fill level is
computed from the same uplink's distance after the codec's readings are applied, so
the installer's depth wins and the entity does not alternate between two answers;
without it, the device's own value is shown. A value above 100 % is outside the
field's range and is reported as ``fill_level_invalid``.

What is deliberately not turned into readings:

* R718X status (byte 4, an on/off state tied to its OnDistanceThreshold setting) and
  angle of inclination (byte 10): no canonical key.
* The R718X sends no marker for an invalid distance in any Netvox or TTN source found,
  so none is guessed: every distance it reports is passed on.
* Per-channel states of the two-channel models. The R311W has two leak probes and the
  R311WA two seat-pad inputs, but the canonical keys name one state. ``water_leak`` is
  true when either probe is wet and ``occupancy`` when either pad is pressed. An input
  with nothing attached has nothing pressing or wetting it, so (not stated by Netvox, but
  what a dry contact does) it reads 0 and a one-pad or one-probe installation reads
  exactly its input; with two connected, nothing that needs attention is hidden.
* Version packets and configuration replies: not measurements, they decode to ``{}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import Readings, invalid_key
from .model import Category, Decoder, ModelInfo, by_model_id

_MANUFACTURER: Final = "Netvox"
_VENDOR_ID: Final = "netvox"

_REPORT_PORT: Final = 6
_CONFIG_PORT: Final = 7
_FRAME_SIZE: Final = 11

_PROTOCOL_VERSION: Final = 0x01
_VERSION_REPORT: Final = 0x00
_DATA_REPORT: Final = 0x01

_LOW_BATTERY: Final = 0x80
_VOLTAGE_MASK: Final = 0x7F

# Replies every model here sends on fPort 7: ConfigReportRsp and ReadConfigReportRsp.
_CONFIG_REPLIES: Final = frozenset({0x81, 0x82})
# The R718X adds replies to its distance settings: Set/GetOnDistanceThreshold (0x83,
# 0x84), Set/GetFillMaxDistance (0x85, 0x86) and Set/GetDeadZoneDistance (0x8B, 0x8C).
_R718X_REPLIES: Final = _CONFIG_REPLIES | {0x83, 0x84, 0x85, 0x86, 0x8B, 0x8C}

type _Parse = Callable[[str, bytes], Readings]
"""Turn a data report's NetvoxPayLoadData (8 bytes) into readings; gets the model name."""


@dataclass(slots=True, frozen=True)
class _Model:
    """One Netvox product: its device-type code, data layout and configuration replies."""

    device_id: str
    name: str
    device_type: int
    category: Category
    keys: tuple[str, ...]
    parse: _Parse
    replies: frozenset[int] = _CONFIG_REPLIES


# --- field parsers -----------------------------------------------------------------------


def _battery(data: bytes) -> Readings:
    raw = data[0]
    return {
        "battery_voltage": (raw & _VOLTAGE_MASK) / 10,
        "battery_low": bool(raw & _LOW_BATTERY),
    }


def _int16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 2], "big", signed=True)


def _uint16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 2], "big")


def _state(name: str, what: str, value: int, off: str, on: str) -> bool:
    """A documented 0/1 state byte; any other value is not defined by Netvox."""
    if value == 0:
        return False
    if value == 1:
        return True
    raise CodecError(f"Netvox {name}: {what} must be 0 ({off}) or 1 ({on}), not {value}")


# --- per-layout data reports -------------------------------------------------------------


def _climate(name: str, data: bytes) -> Readings:
    # R711 / R718AB: temperature signed 0.01 °C, humidity unsigned 0.01 %.
    del name
    return {
        **_battery(data),
        "temperature": _int16(data, 1) / 100,
        "humidity": _uint16(data, 3) / 100,
    }


def _contact(name: str, data: bytes) -> Readings:
    # R311A / R718F: one reed switch. Netvox door/window sensors report "open: 1,
    # close: 0" (R313A and R311CB manuals: "Open: on; Close: off").
    return {
        **_battery(data),
        "door_open": _state(name, "contact switch", data[1], "closed", "open"),
    }


def _seat(name: str, data: bytes) -> Readings:
    # R311WA: two seat-pad inputs, on while pressure is on the pad (R313WA manual,
    # same device type 0x5A). Occupied if either pad is pressed (see module docstring).
    pad_1 = _state(name, "seat status 1", data[1], "off", "on")
    pad_2 = _state(name, "seat status 2", data[2], "off", "on")
    return {**_battery(data), "occupancy": pad_1 or pad_2}


def _two_probe_leak(name: str, data: bytes) -> Readings:
    # R311W: two water-leak probes; a leak if either is wet (see module docstring).
    probe_1 = _state(name, "water leak 1", data[1], "no leak", "leak")
    probe_2 = _state(name, "water leak 2", data[2], "no leak", "leak")
    return {**_battery(data), "water_leak": probe_1 or probe_2}


def _one_probe_leak(name: str, data: bytes) -> Readings:
    # R718WA: one water-leak probe.
    return {
        **_battery(data),
        "water_leak": _state(name, "water leak", data[1], "no leak", "leak"),
    }


_FILL_MAX: Final = 100


def _ultrasonic(name: str, data: bytes) -> Readings:
    # R718X: status (1), distance mm (2), temperature signed 0.1 °C (2), fill level %
    # (1), angle (1). Status and angle are not passed on (module docstring).
    del name
    fill = data[6]
    readings: Readings = {
        **_battery(data),
        "distance": _uint16(data, 2),
        "temperature": _int16(data, 4) / 10,
    }
    if fill <= _FILL_MAX:
        readings["fill_level"] = float(fill)
    else:
        readings[invalid_key("fill_level")] = True
    return readings


_BATTERY_KEYS: Final = ("battery_voltage", "battery_low")

# Device ids as in vendor/netvox/ of the TTN Device Repository; device types from the
# Netvox Devicetype list, matching the ids in the TTN decoders.
_MODELS: Final = (
    _Model(
        "r711", "R711", 0x01, Category.CLIMATE,
        (*_BATTERY_KEYS, "temperature", "humidity"), _climate,
    ),
    _Model(
        "r718ab", "R718AB", 0x13, Category.CLIMATE,
        (*_BATTERY_KEYS, "temperature", "humidity"), _climate,
    ),
    _Model("r311a", "R311A", 0x02, Category.DOOR, (*_BATTERY_KEYS, "door_open"), _contact),
    _Model("r718f", "R718F", 0x1D, Category.DOOR, (*_BATTERY_KEYS, "door_open"), _contact),
    _Model(
        "r311wa", "R311WA", 0x5A, Category.PRESENCE, (*_BATTERY_KEYS, "occupancy"), _seat,
    ),
    _Model(
        "r311w", "R311W", 0x06, Category.LEAK,
        (*_BATTERY_KEYS, "water_leak"), _two_probe_leak,
    ),
    _Model(
        "r718wa", "R718WA", 0x32, Category.LEAK,
        (*_BATTERY_KEYS, "water_leak"), _one_probe_leak,
    ),
    _Model(
        "r718x", "R718X", 0x34, Category.DISTANCE,
        (*_BATTERY_KEYS, "distance", "temperature", "fill_level", invalid_key("fill_level")),
        _ultrasonic, _R718X_REPLIES,
    ),
)  # fmt: skip

_NAME_BY_TYPE: Final[Mapping[int, str]] = {m.device_type: m.name for m in _MODELS}


# --- decoding ------------------------------------------------------------------------------


def _check_frame(model: _Model, payload: bytes, type_at: int) -> None:
    if len(payload) != _FRAME_SIZE:
        raise CodecError(
            f"Netvox {model.name}: frame has {len(payload)} bytes, Netvox frames have {_FRAME_SIZE}"
        )
    device_type = payload[type_at]
    if device_type != model.device_type:
        other = _NAME_BY_TYPE.get(device_type)
        sender = f" ({other})" if other else ""
        raise CodecError(
            f"Netvox {model.name}: device type 0x{device_type:02X}{sender} is not this "
            f"model's 0x{model.device_type:02X}"
        )


def _report(model: _Model, payload: bytes) -> Readings:
    _check_frame(model, payload, type_at=1)
    if payload[0] != _PROTOCOL_VERSION:
        raise CodecError(
            f"Netvox {model.name}: unknown protocol version 0x{payload[0]:02X} "
            f"(expected 0x{_PROTOCOL_VERSION:02X})"
        )
    report_type = payload[2]
    if report_type == _VERSION_REPORT:
        return {}
    if report_type != _DATA_REPORT:
        raise CodecError(f"Netvox {model.name}: unknown report type 0x{report_type:02X}")
    return model.parse(model.name, payload[3:])


def _config_reply(model: _Model, payload: bytes) -> Readings:
    _check_frame(model, payload, type_at=1)
    command = payload[0]
    if command not in model.replies:
        raise CodecError(
            f"Netvox {model.name}: 0x{command:02X} is not a configuration reply this model sends"
        )
    # A reply confirms or echoes settings; it carries no measurement.
    return {}


def _decode(model: _Model, f_port: int, payload: bytes) -> Readings:
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"Netvox {model.name}: fPort must be an integer, not {f_port!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise CodecError(
            f"Netvox {model.name}: payload must be bytes, not {type(payload).__name__}"
        )
    frame = bytes(payload)
    if f_port == _REPORT_PORT:
        return _report(model, frame)
    if f_port == _CONFIG_PORT:
        return _config_reply(model, frame)
    raise CodecError(
        f"Netvox {model.name}: fPort {f_port} is neither {_REPORT_PORT} (reports) "
        f"nor {_CONFIG_PORT} (configuration replies)"
    )


def _decoder(model: _Model) -> Decoder:
    def decode(f_port: int, payload: bytes) -> Readings:
        return _decode(model, f_port, payload)

    decode.__name__ = decode.__qualname__ = f"decode_{model.device_id}"
    return decode



MODELS: Final[dict[str, ModelInfo]] = by_model_id(
    ModelInfo.of(
        _VENDOR_ID,
        model.device_id,
        manufacturer=_MANUFACTURER,
        name=model.name,
        category=model.category,
        keys=model.keys,
        decoder=_decoder(model),
    )
    for model in _MODELS
)
"""Supported Netvox models keyed by model id."""
