"""Walking a Milesight frame: known items are read, unknown ones skipped.

Unknown items (a newer firmware's channel, a variant's extra sensor) are skipped, and
every known item in the frame is still decoded; ``decode_frame`` names what was
skipped so the glue can count and log it. Since only the pair gives the size, an
unknown item's size is inferred from the frame: the smallest size after which the rest
of the frame is a run of known items ending exactly at its last byte, or, when there
is none, the rest of the frame (the unknown item is the last one). Every known item is
thus kept, unlike with Elsys, whose one-byte type codes make such a search unreliable;
Milesight's own decoders stop at an unknown item and lose everything after it. When
the rest of the frame is longer than any value the model defines, it is no plausible
single item (several unknown items, or junk): it is dropped all the same, and reported
as truncated. A known item that runs past the end of the frame is a truncated payload
and still raises CodecError.

The one wrong guess this rule can make: the unknown item's own value bytes, from some
point to their end, spell a run of known items (a specific channel and type pair with
its exact value length) followed by the real known items. The real items after it are
still decoded correctly, and most known pairs that could appear by chance are
configuration replies that yield no reading; this small risk is accepted as the price
of keeping every known channel in frames from newer firmware.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...errors import CodecError
from ...quantities import INVALID_SUFFIX, Readings, invalid_key
from ..result import DecodeResult, FrameDecoder, Skipped
from .items import _Item


def _check_port(name: str, f_port: int) -> None:
    # Milesight sends on application port 85 by default, but the port is a device setting
    # (the TTN Device Repository's EM300-TH example uses fPort 1), so any application
    # port is accepted. Port 0 carries only MAC commands and 224-255 are reserved by
    # LoRaWAN: nothing there is a Milesight payload.
    if not 1 <= f_port <= 223:
        raise CodecError(f"{name}: fPort {f_port} is not an application port (1-223)")


def _item_size(
    name: str, item: _Item, payload: bytes, offset: int
) -> int:
    """The value size of a known item at ``offset``; CodecError if it runs past the end."""
    start = offset + 2
    try:
        size = item.size if isinstance(item.size, int) else item.size(payload[start:])
    except CodecError as err:
        raise CodecError(f"{name}: {err} at byte {offset}") from None
    if size is None or start + size > len(payload):
        raise CodecError(
            f"{name}: truncated {item.name} (channel 0x{payload[offset]:02x} "
            f"type 0x{payload[offset + 1]:02x}) at byte {offset}"
        )
    return size


def _known_to_the_end(
    name: str, items: Mapping[tuple[int, int], _Item], payload: bytes, offset: int
) -> bool:
    """Whether ``payload[offset:]`` is a run of known items that ends with the frame."""
    while offset < len(payload):
        if offset + 2 > len(payload):
            return False
        item = items.get((payload[offset], payload[offset + 1]))
        if item is None:
            return False
        try:
            size = _item_size(name, item, payload, offset)
            if item.read is not None:
                item.read(payload[offset + 2 : offset + 2 + size])
        except CodecError:
            return False
        offset += 2 + size
    return True


def _unknown_size(
    name: str, items: Mapping[tuple[int, int], _Item], payload: bytes, offset: int
) -> int:
    """The value size of the unknown item at ``offset``, inferred from what follows it.

    Only the (channel, type) pair gives a value's size. A size fits when the rest of
    the frame after it is a run of known items ending exactly at the frame's last
    byte. Every item boundary after the unknown item fits, so the smallest fitting
    size is the one where the known items start; when none fits, the unknown item is
    the last one and takes the remaining bytes. The rest after this size is all known,
    so a frame needs this search at most once.
    """
    start = offset + 2
    remaining = len(payload) - start
    for size in range(remaining):
        if _known_to_the_end(name, items, payload, start + size):
            return size
    return remaining


def _longest_value(items: Mapping[tuple[int, int], _Item]) -> int:
    """The longest fixed value size among a model's items."""
    return max(item.size for item in items.values() if isinstance(item.size, int))


def _decode(
    name: str, items: Mapping[tuple[int, int], _Item], f_port: int, raw: bytes
) -> DecodeResult:
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"{name}: fPort must be an integer, not {f_port!r}")
    _check_port(name, f_port)
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise CodecError(f"{name}: payload must be bytes, not {type(raw).__name__}")
    payload = bytes(raw)
    if not payload:
        raise CodecError(f"{name}: empty payload")
    readings: Readings = {}
    skipped: list[Skipped] = []
    offset = 0
    while offset < len(payload):
        if offset + 2 > len(payload):
            raise CodecError(f"{name}: truncated item header at byte {offset}")
        channel, kind = payload[offset], payload[offset + 1]
        item = items.get((channel, kind))
        if item is None:
            # Skipped, not rejected: the items around it are good (module doc).
            what = f"channel 0x{channel:02x} type 0x{kind:02x}"
            size = _unknown_size(name, items, payload, offset)
            # Taking the rest of the frame is a guess when that is longer than any value
            # this model defines: it may be several unknown items, or junk. The result
            # is the same (the rest is dropped), and it is reported as a truncation.
            rest = offset + 2 + size == len(payload)
            truncated = rest and size > _longest_value(items)
            skipped.append(Skipped(what, offset, truncated=truncated))
            offset += 2 + size
            continue
        size = _item_size(name, item, payload, offset)
        start = offset + 2
        if item.read is not None:
            try:
                _merge_readings(readings, item.read(payload[start : start + size]))
            except CodecError as err:
                raise CodecError(f"{name}: {err}") from None
        offset = start + size
    return DecodeResult(readings, tuple(skipped))


def _merge_readings(readings: Readings, new: Readings) -> None:
    # The later item about a quantity wins, whether it is a value or an invalid marker;
    # the two never stand side by side.
    for key, value in new.items():
        readings.pop(invalid_key(key), None)
        if key.endswith(INVALID_SUFFIX):
            readings.pop(key.removesuffix(INVALID_SUFFIX), None)
        readings[key] = value


def _decoder(name: str, items: Mapping[tuple[int, int], _Item]) -> FrameDecoder:
    def decode(f_port: int, payload: bytes) -> DecodeResult:
        return _decode(name, items, f_port, payload)

    decode.__name__ = decode.__qualname__ = f"decode_{name.lower().replace('-', '_')}"
    return decode
