"""Guess a model id from what the network server says about a device.

ChirpStack only has a free-text device-profile name ("Elsys ERS CO2", "AM307-EU868");
The Things Stack has the Device Repository's ``version_ids``, which map onto our ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import re
from typing import Any

from .model import ModelInfo

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# The Device Repository's vendor ids that we shorten in our model ids.
VENDOR_ALIASES = {"milesight-iot": "milesight"}


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in _NON_ALNUM.split(text.lower()) if t)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return size > 0 and any(
        haystack[i : i + size] == needle for i in range(len(haystack) - size + 1)
    )


def model_id_from_version_ids(version_ids: Mapping[str, Any]) -> str | None:
    """Build our model id from TTS ``version_ids`` (brand_id and model_id)."""
    brand = version_ids.get("brand_id")
    model = version_ids.get("model_id")
    if not isinstance(brand, str) or not isinstance(model, str) or not brand or not model:
        return None
    vendor = VENDOR_ALIASES.get(brand.lower(), brand.lower())
    return "_".join((*_tokens(vendor), *_tokens(model)))


def _candidates(info: ModelInfo) -> Iterable[tuple[str, ...]]:
    full = _tokens(info.model_id)
    yield full
    yield _tokens(info.title)
    vendor = _tokens(info.manufacturer)
    if full[: len(vendor)] == vendor and len(full) > len(vendor):
        yield full[len(vendor) :]


def best_match(
    models: Mapping[str, ModelInfo],
    profile_name: str | None = None,
    version_ids: Mapping[str, Any] | None = None,
) -> str | None:
    """Return the model id that best fits the metadata, or None when nothing fits."""
    if version_ids:
        model_id = model_id_from_version_ids(version_ids)
        if model_id in models:
            return model_id
    if not profile_name:
        return None
    haystack = _tokens(profile_name)
    best: tuple[int, str] | None = None
    for model_id, info in models.items():
        for needle in _candidates(info):
            if _contains(haystack, needle) and (best is None or len(needle) > best[0]):
                best = (len(needle), model_id)
    return best[1] if best else None
