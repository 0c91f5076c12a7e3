"""Readings from a payload the network server has already decoded.

Used when no built-in codec covers a device but the operator's ChirpStack or TTS codec
produced an object. Only fields we recognise, with values of a sensible type, are used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ..quantities import QUANTITIES, Reading, Readings


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in {"open", "opened", "trigger", "triggered", "leak", "alarm", "true", "on", "occupied", "yes"}:
            return True
        if word in {"close", "closed", "idle", "normal", "false", "off", "free", "vacant", "no", "none"}:
            return False
    return None


_PRESSES: Final = {
    "press": "press",
    "short_press": "press",
    "single": "press",
    "click": "press",
    "double_press": "double_press",
    "double": "double_press",
    "long_press": "long_press",
    "long": "long_press",
}


def _press(value: Any) -> str | None:
    return _PRESSES.get(value.strip().lower()) if isinstance(value, str) else None


def _scaled(factor: float) -> Callable[[Any], float | None]:
    def convert(value: Any) -> float | None:
        number = _number(value)
        return None if number is None else number * factor

    return convert


def _pressure(value: Any) -> float | None:
    number = _number(value)
    if number is None:
        return None
    # Some decoders report pascal; sea-level air pressure in hPa is never above 1,100.
    return number / 100 if number > 2000 else number


# field name (lower case) -> (canonical key, converter)
_FIELDS: Final[dict[str, tuple[str, Callable[[Any], Reading | None]]]] = {
    "temperature": ("temperature", _number),
    "temp": ("temperature", _number),
    "air_temperature": ("temperature", _number),
    "tempc_sht": ("temperature", _number),
    "humidity": ("humidity", _number),
    "relative_humidity": ("humidity", _number),
    "hum_sht": ("humidity", _number),
    "co2": ("co2", _number),
    "tvoc": ("tvoc", _number),
    "light": ("illuminance", _number),
    "lux": ("illuminance", _number),
    "illuminance": ("illuminance", _number),
    "pressure": ("pressure", _pressure),
    "barometric_pressure": ("pressure", _pressure),
    "battery": ("battery", _number),
    "battery_level": ("battery", _number),
    "batterylevel": ("battery", _number),
    "vdd": ("battery_voltage", _scaled(0.001)),
    "battery_voltage": ("battery_voltage", _number),
    "batv": ("battery_voltage", _number),
    "motion": ("motion", _number),
    "occupancy": ("occupancy", _flag),
    "pir": ("occupancy", _flag),
    "distance": ("distance", _number),
    "water_temperature": ("water_temperature", _number),
    "watertemperature": ("water_temperature", _number),
    "external_temperature": ("external_temperature", _number),
    "externaltemperature": ("external_temperature", _number),
    "volume": ("volume", _number),
    "flow": ("flow", _number),
    "door_open": ("door_open", _flag),
    "door": ("door_open", _flag),
    "magnet_status": ("door_open", _flag),
    "window_open": ("window_open", _flag),
    "water_leak": ("water_leak", _flag),
    "leak": ("water_leak", _flag),
    "waterleak": ("water_leak", _flag),
    "fill_level": ("fill_level", _number),
    "people_in": ("people_in", _number),
    "people_out": ("people_out", _number),
    "line_in": ("people_in", _number),
    "line_out": ("people_out", _number),
    "ice_thickness": ("ice_thickness", _number),
    "sound_avg": ("sound_avg", _number),
    "sound_peak": ("sound_peak", _number),
    "button": ("button", _press),
    "press": ("button", _press),
}


def readings_from_decoded(decoded: Mapping[str, Any]) -> Readings:
    """Return canonical readings for the recognised fields of a decoded object."""
    readings: Readings = {}
    for field, value in decoded.items():
        if not isinstance(field, str):
            continue
        known = _FIELDS.get(field.lower())
        if known is None:
            continue
        key, convert = known
        converted = convert(value)
        if converted is None or key in readings:
            continue
        kind = QUANTITIES[key].kind
        if kind is int and isinstance(converted, float):
            readings[key] = round(converted)
        elif kind is float and isinstance(converted, (int, float)) and not isinstance(converted, bool):
            readings[key] = float(converted)
        else:
            readings[key] = converted
    return readings
