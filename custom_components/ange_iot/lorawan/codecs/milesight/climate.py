"""Milesight indoor climate sensors: AM103, AM103L, AM307, AM307L, AM319 and EM300-TH."""

from __future__ import annotations

from typing import Final

from .items import (
    _config_replies,
    _flag,
    _Length,
    _merge,
    _reading,
    _skip,
    _uint8,
    _uint16,
    _uint16_hundredths,
    _uint16_tenths,
)
from .shared_tables import _ATTRIBUTES, _BATTERY, _CO2, _HUMIDITY, _SERIAL_8, _TEMPERATURE


def _co2_calibration_length(value: bytes) -> int | None:
    # Reply to "CO2 calibration": mode (1 byte), plus a uint16 target only in mode 2
    # (manual calibration).
    if not value:
        return None
    return 3 if value[0] == 2 else 1


def _report_schedule_length(value: bytes) -> int | None:
    # AM103(L) reply to "report schedule": a count, then 6 bytes per schedule entry.
    if not value:
        return None
    return 1 + 6 * value[0]


# AM307(L) and AM319 share channels 0x05-0x09 and the buzzer.
_AM300_COMMON: Final = {
    (0x05, 0x00): _reading(
        "PIR", 1, "occupancy", _flag("PIR status", "idle", "trigger")
    ),
    # Older firmware (the TTN Device Repository's AM307/AM307L example 1) reports the
    # PIR as an activity count (uint16), as the AM100 series does: the number of PIR
    # triggers in the report period, which is what the canonical ``motion`` counts.
    (0x05, 0x6A): _reading("PIR activity", 2, "motion", _uint16),
    # Light as a level (0-5 on the display), not lux.
    (0x06, 0xCB): _reading("light level", 1, "light_level", _uint8),
    # Older firmware, AM100 layout: illuminance in lux(2) + infrared and visible(2) +
    # infrared(2) (the TTN AM307 codec's commented-out example 2); only lux is a reading.
    (0x06, 0x65): _reading("illuminance", 6, "illuminance", _uint16),
    # TVOC: IAQ index or µg/m³, neither of which is the canonical ppb (see package doc).
    (0x08, 0x7D): _skip("TVOC as IAQ index", 2),
    (0x08, 0xE6): _skip("TVOC in µg/m³", 2),
    (0x09, 0x73): _reading("barometric pressure", 2, "pressure", _uint16_tenths),
    (0x0E, 0x01): _skip("buzzer status", 1),
}

# Configuration replies, per the vendor decoders of each model. The AM307(L) and AM319
# decoders disagree on the 0x39 reply (5 vs 1 byte); each model follows its own decoder.
_AM103_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x06: 9, 0x10: 1, 0x11: 4, 0x17: 2, 0x1A: _co2_calibration_length,
    0x27: 1, 0x2D: 1, 0x2F: 1, 0x39: 5, 0x3A: _report_schedule_length, 0x3B: 1,
    0x54: 5, 0x56: 1, 0x57: 1, 0x59: 1, 0x5A: 2, 0x68: 1, 0x69: 1, 0x6A: 3, 0x75: 7,
    0x85: 1, 0x86: 1, 0x87: 3, 0xF0: 4,
}  # fmt: skip
_AM103L_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x06: 9, 0x10: 1, 0x11: 4, 0x17: 2, 0x1A: _co2_calibration_length,
    0x27: 1, 0x2F: 1, 0x39: 5, 0x3A: _report_schedule_length, 0x3B: 1, 0x54: 5,
    0x57: 1, 0x59: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x87: 3,
}  # fmt: skip
_AM307_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x10: 1, 0x17: 2, 0x1A: _co2_calibration_length, 0x25: 1, 0x27: 1,
    0x2C: 1, 0x2D: 1, 0x2E: 1, 0x39: 5, 0x3A: 2, 0x3B: 1, 0x3C: 1, 0x3D: 1, 0x3E: 1,
    0x66: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x6D: 1, 0xEB: 1, 0xF0: 4, 0xF4: 1,
}  # fmt: skip
_AM307L_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x10: 1, 0x17: 2, 0x1A: _co2_calibration_length, 0x25: 1, 0x27: 1,
    0x2C: 1, 0x2E: 1, 0x39: 5, 0x3A: 2, 0x3B: 1, 0x3D: 1, 0x3E: 1, 0x68: 1, 0x69: 1,
    0x6A: 3, 0x6D: 1, 0xEB: 1, 0xF4: 1,
}  # fmt: skip
_AM319_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x10: 1, 0x17: 2, 0x1A: _co2_calibration_length, 0x25: 1, 0x27: 1,
    0x2C: 1, 0x2D: 1, 0x2E: 1, 0x39: 1, 0x3A: 2, 0x3B: 1, 0x3C: 1, 0x3D: 1, 0x3E: 1,
    0x65: 2, 0x66: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x6D: 1, 0xEB: 1, 0xF0: 4, 0xF4: 1,
}  # fmt: skip
_EM300_TH_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x27: 1, 0x28: 1, 0x68: 1, 0x69: 1, 0x6A: 3,
    0x6D: 1, 0x79: 6, 0xD6: 6, 0xD7: 1, 0xEA: 3,
}  # fmt: skip


# --- per-model tables ---------------------------------------------------------------------

# AM103 and AM103L send the same items; only their configuration replies differ.
_AM103_ITEMS: Final = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    _CO2,
    {
        # timestamp(4) + temperature(2) + humidity(1) + co2(2)
        (0x20, 0xCE): _skip("history record", 9),
        # Sensor-enable attribute: one reserved byte, then a bit mask.
        (0xFF, 0x18): _skip("sensor enable", 2),
    },
)
_AM103 = _merge(_AM103_ITEMS, _config_replies(_AM103_CONFIG))
_AM103L = _merge(_AM103_ITEMS, _config_replies(_AM103L_CONFIG))

# AM307 and AM307L send the same items; only their configuration replies differ.
_AM307_ITEMS: Final = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    _CO2,
    _AM300_COMMON,
    {
        # timestamp(4) + temperature(2) + humidity(2) + pir(1) + light(1) + co2(2)
        # + tvoc(2) + pressure(2); 0x20 carries TVOC as IAQ, 0x21 in µg/m³.
        (0x20, 0xCE): _skip("history record", 16),
        (0x21, 0xCE): _skip("history record", 16),
    },
)
_AM307 = _merge(_AM307_ITEMS, _config_replies(_AM307_CONFIG))
_AM307L = _merge(_AM307_ITEMS, _config_replies(_AM307L_CONFIG))

# One model id covers both AM319 variants: HCHO (channel 0x0A) and O3 (channel 0x0D).
_AM319 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    _CO2,
    _AM300_COMMON,
    {
        (0x0A, 0x7D): _reading("HCHO", 2, "hcho", _uint16_hundredths),  # mg/m³
        (0x0B, 0x7D): _reading("PM2.5", 2, "pm2_5", _uint16),  # µg/m³
        (0x0C, 0x7D): _reading("PM10", 2, "pm10", _uint16),  # µg/m³
        (0x0D, 0x7D): _reading("O3", 2, "o3", _uint16_hundredths),  # ppm
        # The AM307 record plus pm2.5(2) + pm10(2) + hcho or o3(2).
        (0x20, 0xCE): _skip("history record", 22),
        (0x21, 0xCE): _skip("history record", 22),
    },
    _config_replies(_AM319_CONFIG),
)

_EM300_TH = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    # timestamp(4) + temperature(2) + humidity(1) + reserved(1)
    {(0x20, 0xCE): _skip("history record", 8)},
    _config_replies(_EM300_TH_CONFIG),
)
