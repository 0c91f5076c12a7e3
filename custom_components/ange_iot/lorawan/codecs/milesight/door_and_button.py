"""Milesight door contact and button: the WS301 and the WS101."""

from __future__ import annotations

from typing import Final

from ...quantities import Reading
from .items import _choice, _config_replies, _flag, _merge, _reading, _skip
from .shared_tables import _ATTRIBUTES, _BATTERY, _SERIAL_6

_WS301 = _merge(
    _ATTRIBUTES,
    _SERIAL_6,
    _BATTERY,
    {
        (0x03, 0x00): _reading(
            "magnet status", 1, "door_open", _flag("magnet status", "close", "open")
        ),
        (0x04, 0x00): _skip("tamper status", 1),
    },
    _config_replies({0x03: 2, 0x10: 1, 0x28: 1}),
)

_WS101_PRESS: Final[dict[int, Reading]] = {1: "press", 2: "long_press", 3: "double_press"}
_WS101 = _merge(
    _ATTRIBUTES,
    _SERIAL_6,
    _BATTERY,
    {
        (0xFF, 0x2E): _reading(
            "button press", 1, "button", _choice("button press", _WS101_PRESS)
        ),
    },
    _config_replies({0x03: 2, 0x10: 1, 0x28: 1, 0x2F: 1, 0x3E: 1, 0x74: 1}),
)
