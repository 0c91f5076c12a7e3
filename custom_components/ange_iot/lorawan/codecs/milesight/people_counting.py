"""Milesight people counters: VS121 and VS133.

Counter resets: ``people_total`` (VS133 line 1 "total in", uint32; VS121 "total in",
uint16) is the device's own cumulative counter. It goes back to 0 when it is cleared
by downlink (command 0x51 in both decoders) or on the reset schedule the installer can
set (VS133 user guide v1.2, "cumulative count reset schedule"), and the VS121's 16-bit
counter wraps after 65535. The decoder passes the raw value through and never tries
to stitch cycles together: a total_increasing sensor treats the drop as a new cycle.
The period counts (``people_in``/``people_out``) are counts since the previous report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...errors import CodecError
from ...quantities import Readings
from .items import (
    _config_replies,
    _Item,
    _Length,
    _merge,
    _reading,
    _readings,
    _skip,
    _uint16,
    _uint32,
)
from .shared_tables import _ATTRIBUTES, _SERIAL_8


def _plus_one(size: int | _Length) -> int | _Length:
    if isinstance(size, int):
        return size + 1

    def length(value: bytes) -> int | None:
        inner = size(value)
        return None if inner is None else inner + 1

    return length


def _ext_config_replies(sizes: Mapping[int, int]) -> dict[tuple[int, int], _Item]:
    """Replies to extended configuration downlinks (VS series).

    Channel 0xF9 echoes the setting; channel 0xF8 echoes it followed by a one-byte
    result code.
    """
    table: dict[tuple[int, int], _Item] = {}
    for kind, size in sizes.items():
        name = f"reply to extended config command 0x{kind:02x}"
        table[0xF9, kind] = _skip(name, size)
        table[0xF8, kind] = _skip(name, _plus_one(size))
    return table


def _history_length(what: str, sizes: Mapping[int, int]) -> _Length:
    """Length of a VS-series history record.

    A record is a timestamp (4 bytes), a data type byte, then a value whose size
    depends on the data type.
    """

    def length(value: bytes) -> int | None:
        if len(value) < 5:
            return None
        data_type = value[4]
        if data_type not in sizes:
            raise CodecError(f"{what} history data type 0x{data_type:02x} is not documented")
        return 5 + sizes[data_type]

    return length


def _vs121_serial_length(value: bytes) -> int | None:
    # The VS121 README documents a 6-byte serial number, newer units send 8 bytes. The
    # serial number is BCD digit pairs, so 0xFF never occurs inside it, while the item
    # that follows in a device-information frame starts with channel 0xFF.
    if len(value) < 6:
        return None
    if len(value) > 6 and value[6] != 0xFF and (len(value) == 8 or (len(value) > 8 and value[8] == 0xFF)):
        return 8
    return 6


def _people_present(value: bytes) -> Readings:
    # people in the whole area(1) + region count(1) + occupied-region bit mask(2)
    return {"people_count": value[0], "occupancy": value[0] > 0}


def _period_in_out(value: bytes) -> Readings:
    return {"people_in": _uint16(value[:2]), "people_out": _uint16(value[2:4])}


def _total_in(value: bytes) -> Readings:
    # total in(2) + total out(2); only the entrance counter is kept (package doc).
    return {"people_total": _uint16(value[:2])}


_VS_FIRMWARE: Final = {(0xFF, 0x1F): _skip("firmware version", 4)}

_VS121_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 3, 0x04: 1, 0x05: 3, 0x10: 1, 0x11: 4, 0x35: 8, 0x40: 1, 0x41: 1, 0x42: 1,
    0x43: 1, 0x44: 1, 0x45: 1, 0x46: 3, 0x48: 1, 0x50: 1, 0x51: 1, 0x69: 1, 0x6A: 3,
    0x84: 1,
}  # fmt: skip
_VS121_EXT_CONFIG: Final[dict[int, int]] = {
    0x10: 1, 0x11: 1, 0x3D: 1, 0x85: 2, 0x86: 1, 0x87: 1, 0x88: 2, 0x89: 2, 0x8B: 1,
    0x8C: 1, 0x8D: 4, 0x8E: 4, 0x90: 6, 0x91: 5, 0x92: 3, 0x93: 1, 0x94: 1, 0x95: 6,
    0x96: 3, 0x97: 2, 0x98: 1, 0x99: 7, 0xB7: 3, 0xBA: 1, 0xCD: 1, 0xCF: 1, 0xD0: 1,
    0xD1: 1, 0xD2: 1, 0xD3: 1, 0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 7, 0xD8: 1, 0xDC: 1,
    0xDD: 1,
}  # fmt: skip
# History data types and their value sizes, per the VS121 decoder.
_VS121_HISTORY: Final[dict[int, int]] = {
    0x01: 4, 0x02: 4, 0x03: 1, **dict.fromkeys(range(0x04, 0x11), 4), 0x11: 5, 0x12: 4,
}  # fmt: skip
_VS121 = _merge(
    _ATTRIBUTES,
    _VS_FIRMWARE,
    {
        (0xFF, 0x08): _skip("serial number", _vs121_serial_length),
        (0x04, 0xC9): _readings(
            "people count", 4, ("people_count", "occupancy"), _people_present
        ),
        (0x05, 0xCC): _readings(
            "people in/out", 4, ("people_in", "people_out"), _period_in_out
        ),
        (0x0D, 0xCC): _readings("people total in/out", 4, ("people_total",), _total_in),
        (0x06, 0xCD): _skip("maximum people count", 1),
        (0x07, 0xD5): _skip("region counts 1-8", 8),
        (0x08, 0xD5): _skip("region counts 9-16", 8),
        (0x09, 0xDA): _skip("flow from A", 8),
        (0x0A, 0xDA): _skip("flow from B", 8),
        (0x0B, 0xDA): _skip("flow from C", 8),
        (0x0C, 0xDA): _skip("flow from D", 8),
        (0x0E, 0xE4): _skip("dwell time", 5),
        (0x0F, 0x85): _skip("timestamp", 4),
        (0x10, 0xF7): _skip("line in/out", 4),
        (0x20, 0xCE): _skip(
            "history record", _history_length("VS121", _VS121_HISTORY)
        ),
    },
    _config_replies(_VS121_CONFIG),
    _ext_config_replies(_VS121_EXT_CONFIG),
)

_VS133_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x04: 1, 0x10: 1, 0x11: 4, 0x27: 1, 0x40: 1, 0x42: 1, 0x43: 1, 0x44: 1,
    0x51: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x6D: 1,
}  # fmt: skip
_VS133_EXT_CONFIG: Final[dict[int, int]] = {0x84: 3, 0x85: 2, 0x86: 1, 0x87: 1, 0x88: 2}
# History data types: totals, period counts and region counts carry 4 value bytes,
# dwell times (region(1) + seconds(2)) carry 3.
_VS133_HISTORY: Final[dict[int, int]] = {
    **dict.fromkeys(range(0x03, 0x10), 4),
    **dict.fromkeys(range(0x11, 0x1E), 4),
    0x10: 3, 0x20: 3, 0x1E: 3, 0x3C: 3,
}  # fmt: skip


def _vs133_lines() -> dict[tuple[int, int], _Item]:
    # Each of the four lines has a total-in, a total-out and a period channel, three
    # channel ids apart; the "child" counts repeat the pattern from channel 0x11.
    table: dict[tuple[int, int], _Item] = {}
    for line in range(4):
        for base, child in ((0x03, ""), (0x11, "child ")):
            first = base + 3 * line
            table[first, 0xD2] = _skip(f"line {line + 1} {child}total in", 4)
            table[first + 1, 0xD2] = _skip(f"line {line + 1} {child}total out", 4)
            table[first + 2, 0xCC] = _skip(f"line {line + 1} {child}period in/out", 4)
    return table


# Line 1 carries the canonical people keys; everything else is skipped (package doc).
_VS133_LINE_1: Final = {
    (0x03, 0xD2): _reading("line 1 total in", 4, "people_total", _uint32),
    (0x05, 0xCC): _readings(
        "line 1 period in/out", 4, ("people_in", "people_out"), _period_in_out
    ),
}
_VS133 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _VS_FIRMWARE,
    _VS133_LINE_1,
    {pair: item for pair, item in _vs133_lines().items() if pair not in _VS133_LINE_1},
    {
        (0x0F, 0xE3): _skip("region counts", 4),
        (0x1D, 0xE3): _skip("child region counts", 4),
        (0x10, 0xE4): _skip("dwell time", 5),
        (0x1E, 0xE4): _skip("child dwell time", 5),
        (0x50, 0xFC): _skip("occlusion alarm", 3),
        (0x20, 0xCE): _skip(
            "history record", _history_length("VS133", _VS133_HISTORY)
        ),
    },
    _config_replies(_VS133_CONFIG),
    _ext_config_replies(_VS133_EXT_CONFIG),
)
