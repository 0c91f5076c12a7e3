"""Derived values: what a device's readings mean for its job (snow, bins, lakes, meters, ...).

Pure Python like lorawan/, so each rule is tested on its own. The hub builds a device's
features from its subentry settings and feeds them every reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from ..lorawan.codecs import Category, ModelInfo
from .cold_chain import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_LIMITS,
    GRACE_MINUTES,
    TEMP_MAX,
    TEMP_MIN,
    ColdChain,
    StorageRole,
)
from .feature import Feature, Value, Values, as_float
from .lake import (
    ALL_SOURCES,
    DEFAULT_FRESH_FROM,
    DEFAULT_WARM_FROM,
    FRESH_FROM,
    PROBE_SOURCES,
    WARM_FROM,
    Lake,
)
from .roles import STORAGE_ROLES, FeatureName, Role, role_fits_model, roles_for_model
from .snow import MOUNTING_HEIGHT, SnowStation
from .visitors import DEFAULT_SEASON_START, SEASON_START, TrailCounter, parse_season_start
from .waste_bin import BIN_DEPTH, DEFAULT_FILL_THRESHOLD, FILL_THRESHOLD, WasteBin
from .water_meter import WaterMeter

__all__ = [
    "ROLE",
    "STORAGE_ROLES",
    "Feature",
    "FeatureName",
    "Role",
    "Value",
    "Values",
    "build_features",
    "role_fits_model",
    "roles_for_model",
]

ROLE: Final = "role"


def _positive(settings: Mapping[str, Any], key: str) -> float | None:
    value = as_float(settings.get(key))
    return value if value is not None and value > 0 else None


def _number(settings: Mapping[str, Any], key: str, default: float | None) -> float | None:
    value = as_float(settings.get(key))
    return default if value is None else value


def build_features(settings: Mapping[str, Any], model: ModelInfo | None) -> dict[str, Feature]:
    """The features a device's settings ask for, keyed by feature name.

    ``model`` is None when the network server decodes the payload.
    """
    features: dict[str, Feature] = {}
    role = settings.get(ROLE)
    if (height := _positive(settings, MOUNTING_HEIGHT)) is not None:
        features[FeatureName.SNOW] = SnowStation(height)
    if (depth := _positive(settings, BIN_DEPTH)) is not None:
        threshold = _number(settings, FILL_THRESHOLD, DEFAULT_FILL_THRESHOLD)
        features[FeatureName.BIN] = WasteBin(depth, DEFAULT_FILL_THRESHOLD if threshold is None else threshold)
    if role == Role.LAKE:
        probe = model is not None and "external_temperature" in model.keys
        features[FeatureName.LAKE] = Lake(
            _number(settings, FRESH_FROM, DEFAULT_FRESH_FROM) or 0.0,
            _number(settings, WARM_FROM, DEFAULT_WARM_FROM) or 0.0,
            PROBE_SOURCES if probe else ALL_SOURCES,
        )
    if role in STORAGE_ROLES:
        storage = StorageRole(role)
        default_low, default_high = DEFAULT_LIMITS[storage]
        grace = _positive(settings, GRACE_MINUTES) or DEFAULT_GRACE_MINUTES
        features[FeatureName.COLD_CHAIN] = ColdChain(
            storage,
            _number(settings, TEMP_MIN, default_low),
            _number(settings, TEMP_MAX, default_high),
            timedelta(minutes=grace),
        )
    if role == Role.WATER_METER or model is None or model.category is Category.WATER_METER:
        features[FeatureName.WATER_METER] = WaterMeter()
    if role == Role.TRAIL:
        try:
            season = parse_season_start(settings.get(SEASON_START, DEFAULT_SEASON_START))
        except ValueError:
            season = parse_season_start(DEFAULT_SEASON_START)
        features[FeatureName.VISITORS] = TrailCounter(season)
    return features
