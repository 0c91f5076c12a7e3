"""Milesight temperature probes: the EM500-PT100 and the TS101.

The EM500-PT100 answers the EM500 series' configuration commands and uses its
no-value sentinels, both defined with the EM500-UDL in ``distance``.
"""

from __future__ import annotations

from typing import Final

from .distance import _EM500_CONFIG, _EM500_NO_VALUE
from .items import _config_replies, _guarded, _int16_tenths, _Length, _merge, _reading, _skip
from .shared_tables import _ATTRIBUTES, _BATTERY, _SERIAL_8

_EM500_PT100 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x67): _guarded(
            "PT100 temperature", 2, "external_temperature", _int16_tenths, _EM500_NO_VALUE
        ),
        # temperature(2) + temperature change(2) + alarm type(1)
        (0x83, 0xD7): _guarded(
            "PT100 temperature with alarm",
            5,
            "external_temperature",
            _int16_tenths,
            _EM500_NO_VALUE,
        ),
        # rate(1) + range max(2) + range min(2) of the measuring equipment.
        (0xFF, 0x1B): _skip("measuring equipment", 5),
        # timestamp(4) + temperature(2)
        (0x20, 0xCE): _skip("history record", 6),
    },
    _config_replies(_EM500_CONFIG),
)

_TS101_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x17: 2, 0x27: 1, 0x28: 1, 0x4A: 1, 0x68: 1,
    0x69: 1, 0x6A: 3, 0xAB: 3,
}  # fmt: skip
# The TS101 is an insertion probe: its temperature is the medium's, not the air's.
_TS101 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x67): _reading(
            "probe temperature", 2, "external_temperature", _int16_tenths
        ),
        # temperature(2) + alarm type(1)
        (0x83, 0x67): _reading(
            "probe temperature with alarm", 3, "external_temperature", _int16_tenths
        ),
        # temperature(2) + temperature change(2) + alarm type(1)
        (0x93, 0xD7): _reading(
            "probe temperature with mutation alarm",
            5,
            "external_temperature",
            _int16_tenths,
        ),
        # timestamp(4) + temperature(2)
        (0x20, 0xCE): _skip("history record", 6),
    },
    _config_replies(_TS101_CONFIG),
)
