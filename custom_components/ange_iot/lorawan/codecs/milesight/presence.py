"""Milesight presence sensors: the WS202 (PIR and daylight) and the WS203 (occupancy)."""

from __future__ import annotations

from typing import Final

from .items import (
    _config_replies,
    _flag,
    _int16_tenths,
    _Length,
    _level,
    _merge,
    _reading,
    _skip,
)
from .shared_tables import (
    _ATTRIBUTES,
    _BATTERY,
    _HUMIDITY,
    _SERIAL_6,
    _SERIAL_8,
    _TEMPERATURE,
)

# Configuration replies, per the vendor decoders of each model.
_WS202_CONFIG: Final[dict[int, int | _Length]] = {0x03: 2, 0x06: 9, 0x10: 1}
_WS203_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x06: 9, 0x10: 1, 0x17: 2, 0x27: 1, 0x28: 1, 0x2F: 1, 0x35: 8, 0x4A: 1,
    0x68: 1, 0x69: 1, 0x6A: 3, 0x84: 1, 0x8E: 3, 0x95: 2, 0x96: 8,
}  # fmt: skip


_WS202 = _merge(
    _ATTRIBUTES,
    _SERIAL_6,
    _BATTERY,
    {
        (0x03, 0x00): _reading(
            "PIR", 1, "occupancy", _flag("PIR status", "normal", "trigger")
        ),
        # A two-state light sensor; as a light level it is 0 (dark) or 1 (light).
        (0x04, 0x00): _reading(
            "daylight", 1, "light_level", _level("daylight", "dark", "light")
        ),
    },
    _config_replies(_WS202_CONFIG),
)

_WS203 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    {
        (0x05, 0x00): _reading(
            "occupancy", 1, "occupancy", _flag("occupancy", "vacant", "occupied")
        ),
        # Sent when a temperature threshold alarm starts or ends: temperature(2) + alarm
        # flag(1). The temperature is current, so it is a reading; the flag has no key.
        (0x83, 0x67): _reading(
            "temperature with alarm", 3, "temperature", _int16_tenths
        ),
        # timestamp(4) + report type(1) + occupancy(1) + temperature(2) + humidity(1)
        (0x20, 0xCE): _skip("history record", 9),
    },
    _config_replies(_WS203_CONFIG),
)
