"""Payload codecs: one module per vendor, gathered in one registry keyed by model id.

Model ids follow the TTN Device Repository: ``<vendor id>_<device id>`` in snake case,
with ``milesight-iot`` shortened to ``milesight``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ..errors import CodecError
from ..quantities import Readings
from . import axioma, browan, decentlab, dragino, elsys, elvaco, milesight, netvox, talkpool
from .decoded_object import readings_from_decoded
from .guess import best_match
from .model import Category, Decoder, ModelInfo
from .result import DecodeResult, Skipped
from .skips import SkippedItems

__all__ = [
    "MODELS",
    "Category",
    "CodecError",
    "DecodeResult",
    "Decoder",
    "ModelInfo",
    "Skipped",
    "SkippedItems",
    "decode",
    "decode_frame",
    "guess_model",
    "readings_from_decoded",
]


def _collect(*vendor_models: Mapping[str, ModelInfo]) -> Mapping[str, ModelInfo]:
    registry: dict[str, ModelInfo] = {}
    for models in vendor_models:
        for model_id, info in models.items():
            if model_id in registry:
                raise RuntimeError(f"model id {model_id} registered twice")
            registry[model_id] = info
    return MappingProxyType(dict(sorted(registry.items())))


MODELS: Final[Mapping[str, ModelInfo]] = _collect(
    axioma.MODELS,
    browan.MODELS,
    decentlab.MODELS,
    dragino.MODELS,
    elsys.MODELS,
    elvaco.MODELS,
    milesight.MODELS,
    netvox.MODELS,
    talkpool.MODELS,
)
"""Every supported model id mapped to its metadata and decoder."""


def guess_model(
    *, profile_name: str | None = None, version_ids: Mapping[str, object] | None = None
) -> str | None:
    """Guess a model id from a device-profile name or TTS ``version_ids``."""
    return best_match(MODELS, profile_name, version_ids)


def decode(model_id: str, f_port: int, payload: bytes) -> Readings:
    """Decode ``payload`` sent on ``f_port`` by a device of ``model_id``.

    Returns canonical reading keys. Raises CodecError, and nothing else, when the
    model is unknown or the payload cannot be decoded. Items the codec skipped are
    left out silently; ``decode_frame`` reports them.
    """
    return decode_frame(model_id, f_port, payload).readings


def decode_frame(model_id: str, f_port: int, payload: bytes) -> DecodeResult:
    """Like ``decode``, and also name the items the codec did not know and skipped."""
    info = MODELS.get(model_id)
    if info is None:
        raise CodecError(f"unknown model id {model_id!r}")
    if isinstance(f_port, bool) or not isinstance(f_port, int) or not 0 <= f_port <= 255:
        raise CodecError(f"fPort must be an integer 0-255, not {f_port!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise CodecError(f"payload must be bytes, not {type(payload).__name__}")
    try:
        # ModelInfo.decode_frame, inlined: this runs for every uplink.
        frame_decoder = info.frame_decoder
        if frame_decoder is not None:
            return frame_decoder(f_port, bytes(payload))
        return DecodeResult(info.decoder(f_port, bytes(payload)))
    except CodecError:
        raise
    except Exception as err:
        raise CodecError(f"{model_id}: cannot decode payload: {err!r}") from err
