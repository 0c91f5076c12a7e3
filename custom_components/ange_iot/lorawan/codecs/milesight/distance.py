"""Milesight distance sensors: EM310-UDL, EM400-UDL, EM400-TLD and EM500-UDL.

Invalid measurements (returned as ``<key>_invalid``, never as a number). Each raw value
below lies outside the sensor's measuring range, so no real reading is lost, except
where noted:

* EM310-UDL distance 0: reported when no echo comes back (beyond range); a real echo
  is never 0 mm, as the ultrasonic sensor has a blind zone in front of it;
* EM400-UDL/-TLD distance 65000 (0xFDE8): reported when the target is out of range or
  the device is tilted;
* EM500 series (EM500-UDL distance, EM500-PT100 temperature) 0xFFFF (collection
  failed) and 0xFFFD (out of range). For the PT100 these raw values read as -0.1 °C
  and -0.3 °C, which the device therefore cannot report as measurements.

These sentinel values come from summaries of the Milesight user guides (EM400: from
field reports); the README tables do not list them.
"""

from __future__ import annotations

from typing import Final

from .items import (
    _config_replies,
    _guarded,
    _int16_tenths,
    _Length,
    _merge,
    _reading,
    _skip,
    _uint16,
)
from .shared_tables import _ATTRIBUTES, _BATTERY, _SERIAL_8, _TEMPERATURE

# Raw distance values that stand for "no measurement" (see the module docstring).
_EM310_NO_ECHO: Final = frozenset({0})
_EM400_OUT_OF_RANGE: Final = frozenset({65000})
# EM500 series: 0xFFFF collection failed, 0xFFFD out of range.
_EM500_NO_VALUE: Final = frozenset({0xFFFF, 0xFFFD})

_EM310_UDL_CONFIG: Final[dict[int, int | _Length]] = {0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1}
_EM310_UDL = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x82): _guarded("distance", 2, "distance", _uint16, _EM310_NO_ECHO),
        (0x04, 0x00): _skip("position (normal/tilt)", 1),
    },
    _config_replies(_EM310_UDL_CONFIG),
)

_EM400_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x13: 1, 0x1C: 2, 0x28: 1, 0x3E: 1, 0x4A: 1,
    0x56: 1, 0x70: 2, 0x71: 1,
}  # fmt: skip
# The EM400-TLD decoder knows more settings; its calibration replies (0xA5, 0xA6) echo
# the command alone, without a value.
_EM400_TLD_CONFIG: Final[dict[int, int | _Length]] = {
    **_EM400_CONFIG, 0x77: 2, 0xA1: 1, 0xA2: 2, 0xA3: 1, 0xA4: 1, 0xA5: 0, 0xA6: 0,
}  # fmt: skip
# EM400-UDL and EM400-TLD send the same items (ultrasonic and laser ranging).
_EM400_ITEMS: Final = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    {
        (0x04, 0x82): _guarded("distance", 2, "distance", _uint16, _EM400_OUT_OF_RANGE),
        (0x05, 0x00): _skip("position (normal/tilt)", 1),
        # NB-IoT variants only: longitude(4) + latitude(4) + motion status(1).
        (0x06, 0x88): _skip("location", 9),
        # Threshold alarm packets: the current value plus an alarm status byte.
        (0x83, 0x67): _reading("temperature with alarm", 3, "temperature", _int16_tenths),
        (0x84, 0x82): _guarded(
            "distance with alarm", 3, "distance", _uint16, _EM400_OUT_OF_RANGE
        ),
    },
)
_EM400_UDL = _merge(_EM400_ITEMS, _config_replies(_EM400_CONFIG))
_EM400_TLD = _merge(
    _EM400_ITEMS,
    {(0x88, 0x00): _skip("disassembly alarm", 1)},
    _config_replies(_EM400_TLD_CONFIG),
)

# EM500-UDL and EM500-PT100 answer the same configuration commands.
_EM500_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x11: 4, 0x17: 2, 0x1C: 2, 0x27: 1, 0x28: 1,
    0x35: 8, 0x3B: 1, 0x4A: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x84: 1, 0x96: 8, 0xF1: 4,
    0xF2: 2, 0xF5: 1,
}  # fmt: skip
_EM500_UDL = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x82): _guarded("distance", 2, "distance", _uint16, _EM500_NO_VALUE),
        # distance(2) + distance change(2) + alarm type(1); unit unclear (package doc).
        (0x83, 0xE9): _skip("distance alarm", 5),
        # timestamp(4) + distance(2)
        (0x20, 0xCE): _skip("history record", 6),
    },
    _config_replies(_EM500_CONFIG),
)
