"""Canonical reading keys and their units, shared by every codec and envelope parser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

type Reading = float | int | bool | str
type Readings = dict[str, Reading]


@dataclass(slots=True, frozen=True)
class Quantity:
    """A canonical reading: its key, unit and Python type."""

    key: str
    unit: str | None
    kind: type


_QUANTITIES: Final = (
    Quantity("temperature", "°C", float),
    Quantity("humidity", "%", float),
    Quantity("co2", "ppm", int),
    Quantity("tvoc", "ppb", int),
    Quantity("illuminance", "lx", int),
    Quantity("pressure", "hPa", float),
    Quantity("sound_avg", "dB", int),
    Quantity("sound_peak", "dB", int),
    Quantity("motion", None, int),
    Quantity("occupancy", None, bool),
    Quantity("door_open", None, bool),
    Quantity("window_open", None, bool),
    Quantity("water_leak", None, bool),
    Quantity("button", None, str),
    Quantity("battery_voltage", "V", float),
    Quantity("battery", "%", int),
    Quantity("distance", "mm", int),
    Quantity("water_temperature", "°C", float),
    Quantity("external_temperature", "°C", float),
    Quantity("volume", "m³", float),
    Quantity("flow", "m³/h", float),
    Quantity("meter_alarm_leak", None, bool),
    Quantity("meter_alarm_burst", None, bool),
    Quantity("meter_alarm_backflow", None, bool),
    Quantity("meter_alarm_tamper", None, bool),
    Quantity("fill_level", "%", float),
    Quantity("people_in", None, int),
    Quantity("people_out", None, int),
    Quantity("people_total", None, int),
    Quantity("rssi", "dBm", float),
    Quantity("snr", "dB", float),
    # Readings beyond DESIGN.md's core list that the supported devices report.
    Quantity("pm2_5", "µg/m³", int),
    Quantity("pm10", "µg/m³", int),
    Quantity("hcho", "mg/m³", float),
    Quantity("o3", "ppm", float),
    Quantity("acceleration_x", "mg", int),
    Quantity("acceleration_y", "mg", int),
    Quantity("acceleration_z", "mg", int),
    Quantity("digital_input", None, bool),
    Quantity("analog_input", "V", float),
    Quantity("pulse_count", None, int),
    Quantity("light_level", None, int),
    Quantity("ice_thickness", "cm", float),
    Quantity("battery_low", None, bool),
    Quantity("meter_alarm_dry", None, bool),
    Quantity("people_count", None, int),
)

QUANTITIES: Final[dict[str, Quantity]] = {q.key: q for q in _QUANTITIES}
"""Every canonical reading key a codec may return, with unit and type."""

BUTTON_EVENTS: Final = ("press", "double_press", "long_press")

INVALID_SUFFIX: Final = "_invalid"
"""A codec reports a measurement the sensor itself flags as invalid (no echo, out of
range, probe missing) as ``{"<key>_invalid": True}`` instead of a made-up value, so the
entity shows unknown rather than a fake number."""


def invalid_key(key: str) -> str:
    """The marker key that says ``key`` was measured but is invalid."""
    return f"{key}{INVALID_SUFFIX}"


def is_known_key(key: str) -> bool:
    """Whether ``key`` is a canonical reading key or the invalid marker of one."""
    if key.endswith(INVALID_SUFFIX):
        key = key.removesuffix(INVALID_SUFFIX)
    return key in QUANTITIES
