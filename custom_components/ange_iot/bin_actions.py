"""The bins that need emptying, fullest first, ready for route planning."""

from __future__ import annotations

from typing import Any, Final, cast

from homeassistant.core import ServiceCall, ServiceResponse

from .derived.feature import as_float
from .derived.roles import FeatureName
from .derived.waste_bin import WasteBin
from .derived.water_meter import PLACE
from .device_settings import CONF_LATITUDE, CONF_LONGITUDE
from .services_common import devices_with, registry_device_id

ATTR_THRESHOLD: Final = "threshold"


async def async_bins_to_empty(call: ServiceCall) -> ServiceResponse:
    """Bins at or over their threshold (or the one given), sorted by fill level."""
    override = call.data.get(ATTR_THRESHOLD)
    bins: list[dict[str, Any]] = []
    for _, device in devices_with(call.hass, FeatureName.BIN):
        feature = device.features[FeatureName.BIN]
        assert isinstance(feature, WasteBin)
        fill = as_float(device.values.get("fill_level"))
        threshold = feature.threshold if override is None else float(override)
        if fill is None or fill < threshold:
            continue
        settings = device.config.settings
        bins.append(
            {
                "name": device.config.name,
                "device_id": registry_device_id(call.hass, device.dev_eui),
                "dev_eui": device.dev_eui,
                "fill_level": fill,
                "threshold": threshold,
                "place": settings.get(PLACE),
                "latitude": as_float(settings.get(CONF_LATITUDE)),
                "longitude": as_float(settings.get(CONF_LONGITUDE)),
            }
        )
    bins.sort(key=lambda item: (-item["fill_level"], item["name"]))
    return cast(ServiceResponse, {"bins": bins})
