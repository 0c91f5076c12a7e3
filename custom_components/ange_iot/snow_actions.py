"""Actions of snow-depth stations: calibrate the zero, and mark the area cleared."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .derived.roles import FeatureName
from .derived.snow import NotCalibratableError, SnowStation
from .device import Device
from .hub import Hub
from .services_common import ATTR_DEVICE_ID, find_device


def _station(hass: HomeAssistant, device_id: str) -> tuple[Hub, Device, SnowStation]:
    hub, device = find_device(hass, device_id)
    station = device.features.get(FeatureName.SNOW)
    if not isinstance(station, SnowStation):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_snow_station",
            translation_placeholders={"name": device.config.name},
        )
    return hub, device, station


async def async_calibrate_snow_zero(call: ServiceCall) -> None:
    """On a snow-free day: make the station's current distance read 0 cm."""
    hub, device, station = _station(call.hass, call.data[ATTR_DEVICE_ID])
    try:
        station.calibrate()
    except NotCalibratableError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_valid_distance",
            translation_placeholders={"name": device.config.name},
        ) from err
    hub.apply_derived(device, station.values(dt_util.now()))


async def async_mark_cleared(call: ServiceCall) -> None:
    """The station's area was cleared: snowfall counts again from now."""
    hub, device, station = _station(call.hass, call.data[ATTR_DEVICE_ID])
    hub.apply_derived(device, station.mark_cleared(dt_util.now()))
