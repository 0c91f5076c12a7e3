"""What one decoded frame gave: its readings and the items the codec had to skip.

``decode()`` returns readings only; ``decode_frame()`` also says what was left out, so
the glue can count and log it. A skipped item is never an error: the readings decoded
around it are good and are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ..quantities import Readings


@dataclass(slots=True, frozen=True)
class Skipped:
    """One item of a frame the codec does not know.

    ``item`` names it in the vendor's terms ("channel 0x05 type 0x6a"), ``at`` is its
    byte offset. ``truncated`` is True when the item's length could not be known, so
    the rest of the frame from ``at`` on was dropped rather than guessed at.
    """

    item: str
    at: int
    truncated: bool = False


class DecodeResult(NamedTuple):
    """The readings of one frame and the items skipped while decoding it.

    A named tuple rather than a frozen dataclass: one is built for every uplink, and a
    tuple is the cheapest immutable record to build.
    """

    readings: Readings
    skipped: tuple[Skipped, ...] = ()


type FrameDecoder = Callable[[int, bytes], DecodeResult]
"""Decode one application payload, given its fPort, reporting skipped items."""
