"""Diagnostics: enough to debug a hub without secrets, full DevEUIs or care data."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.util import dt as dt_util

from . import AngeIotConfigEntry
from .care_runtime.camera import CAMERA_SECRETS, care_cameras
from .const import CONF_API_KEY, CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET, DOMAIN
from .device import Device
from .flows.installer import CONF_DEVICE_API_KEY

# The care audit log's HMAC key lives in the hub's private .storage file and never appears
# here; it is listed so that no future field carrying it can leak.
TO_REDACT = {CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET, CONF_API_KEY, "audit_key", CONF_DEVICE_API_KEY, *CAMERA_SECRETS}


def mask_dev_eui(dev_eui: str) -> str:
    """Keep the vendor prefix and the last two bytes: enough to tell devices apart."""
    return f"{dev_eui[:6]}******{dev_eui[-4:]}"


def _device(device: Device) -> dict[str, Any]:
    config = device.config
    care = config.is_care
    return {
        "dev_eui": mask_dev_eui(device.dev_eui),
        "model": config.model,
        "care": care,
        "available": device.available,
        "last_seen": device.last_seen.isoformat() if device.last_seen else None,
        "usual_interval_s": (
            device.activity.usual_interval.total_seconds() if device.activity.usual_interval else None
        ),
        "rssi": device.rssi,
        "snr": device.snr,
        "f_cnt": device.f_cnt,
        "gateway_count": device.gateway_count,
        # A care device's readings are special-category personal data: only their keys.
        "readings": sorted(device.values) if care else dict(device.values),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: AngeIotConfigEntry
) -> dict[str, Any]:
    """The hub's settings, counters and every device."""
    hub = entry.runtime_data
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
            "device_count": len(hub.devices),
        },
        "counters": {
            "uplinks_received": hub.uplinks_received,
            "rejected": dict(hub.rejections.by_reason),
            "duplicates": hub.rejections.duplicates,
            "skipped_items": hub.ingest.skipped_items.as_dict(),
        },
        "devices": [_device(device) for device in hub.devices.values()],
        # Gateway ids are the operator's, not personal; devices only as counts.
        "gateways": [
            {
                "gateway_id": state.gateway_id,
                "silent": state.silent,
                "last_uplink": state.last_uplink.isoformat(),
                "median_rssi": state.median_rssi,
                "median_snr": state.median_snr,
                "located": state.latitude is not None,
            }
            for state in hub.gateways.tracker.gateways.values()
        ],
        "single_gateway_devices": len(hub.gateways.tracker.single_gateway_devices(dt_util.utcnow())),
        # Counts only: unit, room and client codes are pseudonymous but still care data.
        "care": {
            "units": len(hub.care.unit_codes()),
            "open_alarms": len(hub.care.book.open_alarms()),
            "dispensers": len(hub.care.dispensers),
            "cameras": len(care_cameras(entry)),
        },
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: AngeIotConfigEntry, device_entry: DeviceEntry
) -> dict[str, Any]:
    """One device."""
    hub = entry.runtime_data
    for domain, identifier in device_entry.identifiers:
        if domain == DOMAIN and identifier in hub.devices:
            return _device(hub.devices[identifier])
    return {"hub": await async_get_config_entry_diagnostics(hass, entry)}
