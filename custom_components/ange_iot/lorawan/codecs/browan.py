"""Browan Tabs payloads: TBHH100, TBDW100, TBWL100 and TBPB100.

Every Tabs sensor sends one fixed-layout status frame on its own fPort. The first three
bytes are shared: a status bit field, a battery byte and a temperature byte. What
follows depends on the model. There are no type codes, so a frame on a port that does
not belong to the model, or a frame too short for the model's layout, cannot be read
and raises CodecError.

Sources (facts only, no code taken):

* the Browan reference manuals, chapter 4 "Messages" (Door Window Sensor TBDW100,
  BQW_02 series, 2019; Water Leak Sensor TBWL100), as reproduced on manualshive.com;
* the TTN Device Repository, ``vendor/browan/``: ``index.yaml`` for the device ids,
  ``<device>.js`` and ``<device>-codec.yaml`` for ports and example uplinks, and the
  older ``temperaturehumiditysensor-codec.yaml``, ``doorwindowsensor-codec.yaml`` and
  ``waterleaksensor-codec.yaml``, which copy the manuals' bit tables.

Common fields, as the manuals define them:

* battery: bits 3-0 are an unsigned value v with the documented range 1-14; the
  voltage is (25 + v) / 10 V, so 2.6-3.9 V. Values 0 and 15 are outside that range,
  so they give no battery reading rather than a made-up voltage. The manuals give no
  percentage and no discharge curve, and the cell (3.6 V Li-SOCl2) has a flat
  discharge curve, so a percentage worked out here would be invented: only
  ``battery_voltage`` is reported;
* temperature: bits 6-0 are an unsigned value t; the temperature is t - 32 °C
  (-32 to 95 °C); bit 7 is reserved;
* relative humidity: bits 6-0 in %, range 0-100; "the value 127 indicates measurement
  error". 127, and anything else above 100, is reported as ``humidity_invalid``.

Frames with nothing in them: Browan's TTN decoders for the TBDW100 and TBWL100 treat a
payload that is empty or all zero bytes as "empty" and return no data, and the TBHH100
decoder does the same when the temperature byte is 0 ("payload is absent"). Such
frames decode to ``{}`` here too, for every Tabs model: read literally they would
report a closed door, -32 °C and no battery, none of which was measured.

What is deliberately not turned into readings:

* TBDW100 "time" (minutes since the last event) and "count" (events since power-up;
  "may reset whenever the device is power-cycled"): there is no canonical key for
  them, and the count is neither a running meter nor a count since the last uplink;
* TBWL100 board (PCB) temperature: the model also reports the environment
  temperature from its temperature sensor, which is what ``temperature`` means; one
  key cannot hold both;
* TBWL100 "leakage interrupt" and "temperature/RH changed" flags: they say why the
  frame was sent, not what was measured;
* TBPB100 press types other than a single press: the device reports none. Its status
  bit 0 is the only button bit the TTN decoder reads ("Button I pressed"); the second
  button of the two-button model has no documented bit, so it is not guessed.

The TBDW100 and TBPB100 have only the on-board NTC. It is reported as ``temperature``,
as the TTN repository's normalised TBDW100 output does (``air.temperature``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import Readings, invalid_key
from .model import Category, ModelInfo, by_model_id

_MANUFACTURER: Final = "Browan"
_VENDOR_ID: Final = "browan"

_BATTERY_STEPS: Final = range(1, 15)
"""The documented range of the 4-bit battery value v (voltage = (25 + v) / 10)."""

_HUMIDITY_ERROR: Final = 127
_HUMIDITY_MAX: Final = 100
_TEMPERATURE_OFFSET: Final = 32


@dataclass(slots=True, frozen=True)
class _Layout:
    """One model's status frame: its fPort, allowed lengths and field parser."""

    port: int
    min_size: int
    max_size: int
    parse: Callable[[bytes], Readings]


# --- shared fields -----------------------------------------------------------------------


def _battery(value: int) -> Readings:
    steps = value & 0x0F
    if steps not in _BATTERY_STEPS:
        return {}
    return {"battery_voltage": (25 + steps) / 10}


def _temperature(value: int) -> float:
    return float((value & 0x7F) - _TEMPERATURE_OFFSET)


def _humidity(value: int) -> Readings:
    percent = value & 0x7F
    if percent == _HUMIDITY_ERROR or percent > _HUMIDITY_MAX:
        return {invalid_key("humidity"): True}
    return {"humidity": float(percent)}


# --- model frames ------------------------------------------------------------------------


def _climate(frame: bytes) -> Readings:
    # TBHH100, port 103: status, battery, temperature, humidity; bytes 4-7 are
    # "reserved for IAQ sensor" and carry nothing for this model.
    if frame[2] & 0x7F == 0:
        # Browan's own decoder: a zero temperature byte means the payload is absent.
        return {}
    return {
        "temperature": _temperature(frame[2]),
        **_humidity(frame[3]),
        **_battery(frame[1]),
    }


def _door(frame: bytes) -> Readings:
    # TBDW100, port 100: status bit 0 "1 - open, 0 - closed"; bytes 3-7 are the event
    # time and count (see the module docstring).
    return {
        "door_open": bool(frame[0] & 0x01),
        "temperature": _temperature(frame[2]),
        **_battery(frame[1]),
    }


def _leak(frame: bytes) -> Readings:
    # TBWL100, port 106: status bit 0 "1 - water leakage detected, 0 - dry", battery,
    # PCB temperature, humidity, environment temperature.
    return {
        "water_leak": bool(frame[0] & 0x01),
        **_humidity(frame[3]),
        "temperature": _temperature(frame[4]),
        **_battery(frame[1]),
    }


def _button(frame: bytes) -> Readings:
    # TBPB100, port 147: status bit 0 set means the button was pressed. A frame with
    # the bit clear is a status report: it carries no button event.
    readings: Readings = {}
    if frame[0] & 0x01:
        readings["button"] = "press"
    readings["temperature"] = _temperature(frame[2])
    readings.update(_battery(frame[1]))
    return readings


def _decoder(name: str, layout: _Layout) -> Callable[[int, bytes], Readings]:
    def decode(f_port: int, payload: bytes) -> Readings:
        if isinstance(f_port, bool) or not isinstance(f_port, int):
            raise CodecError(f"Browan {name}: fPort must be an integer, not {f_port!r}")
        if f_port != layout.port:
            raise CodecError(f"Browan {name} sends data on fPort {layout.port}, not {f_port}")
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise CodecError(f"Browan {name}: payload must be bytes, not {type(payload).__name__}")
        frame = bytes(payload)
        if not any(frame):
            # Empty or all-zero: Browan's decoders call this an empty payload.
            return {}
        if len(frame) < layout.min_size:
            raise CodecError(
                f"Browan {name}: frame is truncated, {len(frame)} bytes, "
                f"needs at least {layout.min_size}"
            )
        if len(frame) > layout.max_size:
            raise CodecError(
                f"Browan {name}: frame has {len(frame)} bytes, "
                f"the layout has at most {layout.max_size}"
            )
        return layout.parse(frame)

    return decode


# device id in vendor/browan/ of the TTN Device Repository ->
# (name, category, keys, layout). Frame lengths: TBDW100 8 bytes and TBWL100 5 bytes
# per the manuals' payload tables; TBHH100 4 data bytes plus up to 4 reserved bytes;
# TBPB100 3 bytes are read by Browan's decoder and its TTN example has 8.
_DEVICES: Final[dict[str, tuple[str, Category, tuple[str, ...], _Layout]]] = {
    "tbhh100": (
        "TBHH100",
        Category.CLIMATE,
        ("temperature", "humidity", invalid_key("humidity"), "battery_voltage"),
        _Layout(port=103, min_size=4, max_size=8, parse=_climate),
    ),
    "tbdw100": (
        "TBDW100",
        Category.DOOR,
        ("door_open", "temperature", "battery_voltage"),
        _Layout(port=100, min_size=8, max_size=8, parse=_door),
    ),
    "tbwl100": (
        "TBWL100",
        Category.LEAK,
        (
            "water_leak",
            "temperature",
            "humidity",
            invalid_key("humidity"),
            "battery_voltage",
        ),
        _Layout(port=106, min_size=5, max_size=5, parse=_leak),
    ),
    "tbpb100": (
        "TBPB100",
        Category.BUTTON,
        ("button", "temperature", "battery_voltage"),
        _Layout(port=147, min_size=3, max_size=8, parse=_button),
    ),
}



MODELS: Final[dict[str, ModelInfo]] = by_model_id(
    ModelInfo.of(
        _VENDOR_ID,
        device_id,
        manufacturer=_MANUFACTURER,
        name=name,
        category=category,
        keys=keys,
        decoder=_decoder(name, layout),
    )
    for device_id, (name, category, keys, layout) in _DEVICES.items()
)
"""Every supported Browan Tabs model, keyed by model id."""
