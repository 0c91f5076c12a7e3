"""The few places where Home Assistant's API differs between the supported releases.

The minimum supported release is 2025.4; the current one (2026.10) deprecates, for removal in
2027.8, device lookups that are not scoped to a config entry, `DeviceInfo(via_device=...)`
and the `CONCENTRATION_*` unit constants. Each shim picks the current API where it exists,
so the integration reports no deprecated use there, and falls back to the older one. When
the minimum release moves past 2026.8, this module goes and its callers use the new API.
"""

from __future__ import annotations

from typing import Final

import homeassistant.const as ha_const
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN

_UNIT_OF_RATIO = getattr(ha_const, "UnitOfRatio", None)
_UNIT_OF_DENSITY = getattr(ha_const, "UnitOfDensity", None)

# The unit strings are the same in every release; only the constants' home moved.
PARTS_PER_MILLION: Final[str] = (
    _UNIT_OF_RATIO.PARTS_PER_MILLION if _UNIT_OF_RATIO else ha_const.CONCENTRATION_PARTS_PER_MILLION
)
PARTS_PER_BILLION: Final[str] = (
    _UNIT_OF_RATIO.PARTS_PER_BILLION if _UNIT_OF_RATIO else ha_const.CONCENTRATION_PARTS_PER_BILLION
)
MICROGRAMS_PER_CUBIC_METER: Final[str] = (
    _UNIT_OF_DENSITY.MICROGRAMS_PER_CUBIC_METER
    if _UNIT_OF_DENSITY
    else ha_const.CONCENTRATION_MICROGRAMS_PER_CUBIC_METER
)

# 2026.x links a device to its hub by the hub's registry id, not by its identifier.
_LINK_BY_DEVICE_ID: Final = "via_device_id" in DeviceInfo.__annotations__


def device_by_identifier(
    hass: HomeAssistant, identifier: tuple[str, str], config_entry_id: str | None = None
) -> dr.DeviceEntry | None:
    """The registry device with this identifier, preferably the one this config entry owns."""
    registry = dr.async_get(hass)
    if config_entry_id is not None and hasattr(registry, "async_get_device_by_identifier"):
        device: dr.DeviceEntry | None = registry.async_get_device_by_identifier(
            identifier, config_entry_id
        )
        return device
    if hasattr(registry, "async_get_devices"):
        devices: list[dr.DeviceEntry] = registry.async_get_devices(identifiers={identifier})
        return devices[0] if devices else None
    return registry.async_get_device(identifiers={identifier})


def via_hub(hass: HomeAssistant, entry_id: str) -> DeviceInfo:
    """The part of a DeviceInfo that places a device under its hub's device."""
    if not _LINK_BY_DEVICE_ID:
        return DeviceInfo(via_device=(DOMAIN, entry_id))
    hub = device_by_identifier(hass, (DOMAIN, entry_id), entry_id)
    # The hub device is registered before any platform is set up; without it, no link.
    return {"via_device_id": hub.id} if hub else {}  # type: ignore[typeddict-unknown-key]
