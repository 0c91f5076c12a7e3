"""The building blocks of the Milesight item tables: items, value converters, builders.

A model's table maps each (channel id, channel type) pair to an ``_Item``: the pair
alone says how long the value is and what it yields. The converters turn value bytes
into readings; the builders make items and put tables together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ...errors import CodecError
from ...quantities import Reading, Readings, invalid_key

type _Convert = Callable[[bytes], Reading]
"""Turn one item's value bytes into a reading."""

type _Read = Callable[[bytes], Readings]
"""Turn one item's value bytes into readings (one or more keys, or an invalid marker)."""

type _Length = Callable[[bytes], int | None]
"""Length of a variable-size value, given the bytes from its start; None if too short.
Raises CodecError when the bytes say the value is of a kind the vendor never defined."""


@dataclass(slots=True, frozen=True)
class _Item:
    """One (channel id, channel type) pair: what it is, its value size, what it yields.

    ``keys`` lists every key ``read`` can return, invalid markers included, so a
    model's key set is known without decoding anything.
    """

    name: str
    size: int | _Length
    keys: frozenset[str] = frozenset()
    read: _Read | None = None


# --- value converters --------------------------------------------------------------------


def _uint8(value: bytes) -> int:
    return value[0]


def _uint16(value: bytes) -> int:
    return int.from_bytes(value[:2], "little")


def _int16_tenths(value: bytes) -> float:
    return int.from_bytes(value[:2], "little", signed=True) / 10


def _uint8_halves(value: bytes) -> float:
    return value[0] / 2


def _uint32(value: bytes) -> int:
    return int.from_bytes(value[:4], "little")


def _uint16_tenths(value: bytes) -> float:
    return _uint16(value) / 10


def _uint16_hundredths(value: bytes) -> float:
    return _uint16(value) / 100


def _flag(what: str, off: str, on: str) -> _Convert:
    """A 0/1 status byte as a bool; any other value is not documented, so it is an error."""

    def convert(value: bytes) -> bool:
        if value[0] == 0:
            return False
        if value[0] == 1:
            return True
        raise CodecError(f"{what} must be 0 ({off}) or 1 ({on}), not {value[0]}")

    return convert


def _choice(what: str, values: Mapping[int, Reading]) -> _Convert:
    """A status byte with a documented set of values; any other value is an error."""

    def convert(value: bytes) -> Reading:
        if value[0] not in values:
            raise CodecError(f"{what} value {value[0]} is not documented")
        return values[value[0]]

    return convert


def _level(what: str, off: str, on: str) -> _Convert:
    """A 0/1 two-state sensor byte as a level (0 or 1); other values are errors."""
    as_flag = _flag(what, off, on)

    def convert(value: bytes) -> int:
        return int(as_flag(value))

    return convert


# --- item builders -----------------------------------------------------------------------


def _reading(name: str, size: int, key: str, convert: _Convert) -> _Item:
    def read(value: bytes) -> Readings:
        return {key: convert(value)}

    return _Item(name=name, size=size, keys=frozenset({key}), read=read)


def _readings(name: str, size: int, keys: Iterable[str], read: _Read) -> _Item:
    """An item whose value holds several readings."""
    return _Item(name=name, size=size, keys=frozenset(keys), read=read)


def _guarded(
    name: str, size: int, key: str, convert: _Convert, sentinels: frozenset[int]
) -> _Item:
    """A reading that the device may replace by a sentinel value.

    The sentinel is compared with the value's first two bytes (uint16 LE) and yields
    the key's invalid marker instead of a made-up number.
    """
    marker = invalid_key(key)

    def read(value: bytes) -> Readings:
        if _uint16(value) in sentinels:
            return {marker: True}
        return {key: convert(value)}

    return _Item(name=name, size=size, keys=frozenset({key, marker}), read=read)


def _skip(name: str, size: int | _Length) -> _Item:
    return _Item(name=name, size=size)


def _merge(*tables: Mapping[tuple[int, int], _Item]) -> dict[tuple[int, int], _Item]:
    merged: dict[tuple[int, int], _Item] = {}
    for table in tables:
        for pair, item in table.items():
            if pair in merged:
                raise RuntimeError(
                    f"channel 0x{pair[0]:02x} type 0x{pair[1]:02x} defined twice"
                )
            merged[pair] = item
    return merged


def _config_replies(sizes: Mapping[int, int | _Length]) -> dict[tuple[int, int], _Item]:
    """Replies to configuration downlinks: channel 0xFF or 0xFE, the command as the type."""
    table: dict[tuple[int, int], _Item] = {}
    for kind, size in sizes.items():
        for channel in (0xFF, 0xFE):
            table[channel, kind] = _skip(f"reply to config command 0x{kind:02x}", size)
    return table
