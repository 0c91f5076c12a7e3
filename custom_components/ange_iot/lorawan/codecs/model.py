"""Metadata that describes one supported device model and how to decode it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..quantities import Readings
from .result import DecodeResult, FrameDecoder

type Decoder = Callable[[int, bytes], Readings]
"""Decode one application payload, given its fPort. Raises CodecError."""


class Category(StrEnum):
    """What a device is for; used for grouping in the UI and in the device table."""

    CLIMATE = "climate"
    PRESENCE = "presence"
    DOOR = "door"
    LEAK = "leak"
    BUTTON = "button"
    DISTANCE = "distance"
    TEMPERATURE_PROBE = "temperature_probe"
    WATER_METER = "water_meter"
    PEOPLE_COUNTER = "people_counter"
    SOUND = "sound"
    OTHER = "other"


@dataclass(slots=True, frozen=True, kw_only=True)
class ModelInfo:
    """One device model: who makes it, what it measures and its decoder."""

    model_id: str
    manufacturer: str
    name: str
    category: Category
    keys: frozenset[str]
    decoder: Decoder
    # Codecs of item-by-item (TLV) payloads also say which items they skipped.
    frame_decoder: FrameDecoder | None = None

    def decode_frame(self, f_port: int, payload: bytes) -> DecodeResult:
        """Decode one payload; fixed-layout codecs never skip anything."""
        if self.frame_decoder is not None:
            return self.frame_decoder(f_port, payload)
        return DecodeResult(self.decoder(f_port, payload))

    @classmethod
    def of(
        cls,
        vendor_id: str,
        device_id: str,
        *,
        manufacturer: str,
        name: str,
        category: Category,
        keys: Iterable[str],
        decoder: Decoder,
        frame_decoder: FrameDecoder | None = None,
    ) -> ModelInfo:
        """A model named by its TTN Device Repository vendor and device ids."""
        return cls(
            model_id=model_id(vendor_id, device_id),
            manufacturer=manufacturer,
            name=name,
            category=category,
            keys=frozenset(keys),
            decoder=decoder,
            frame_decoder=frame_decoder,
        )

    @property
    def title(self) -> str:
        """Manufacturer and model name, as shown in the model picker."""
        return f"{self.manufacturer} {self.name}"


def readings_only(frame_decoder: FrameDecoder) -> Decoder:
    """The plain decoder of a frame decoder: its readings, skipped items left out."""

    def decode(f_port: int, payload: bytes) -> Readings:
        return frame_decoder(f_port, payload).readings

    decode.__name__ = decode.__qualname__ = getattr(frame_decoder, "__name__", "decode")
    return decode


def model_id(vendor_id: str, device_id: str) -> str:
    """The model id of a TTN Device Repository device: ``<vendor>_<device>`` in snake case."""
    return f"{vendor_id}_{device_id.replace('-', '_')}"


def by_model_id(models: Iterable[ModelInfo]) -> dict[str, ModelInfo]:
    """A vendor module's registry: its models keyed by model id."""
    return {info.model_id: info for info in models}
