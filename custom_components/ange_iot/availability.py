"""Availability: a device silent beyond its timeout goes unavailable, then gets a repair."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER, SILENT_REPAIR_AFTER
from .device import Device

if TYPE_CHECKING:
    from .hub import Hub


def silent_issue_id(device: Device) -> str:
    """The repair issue of a device that has been silent too long."""
    return f"device_silent_{device.dev_eui}"


@callback
def device_heard(hub: Hub, device: Device) -> None:
    """A device sent something: its silence repair, if any, is resolved."""
    if device.silent_issue_raised:
        device.silent_issue_raised = False
        ir.async_delete_issue(hub.hass, DOMAIN, silent_issue_id(device))


@callback
def check_offline(hub: Hub, now: datetime) -> None:
    """The periodic check: tick the derived values, mark silent devices, raise repairs."""
    floor = hub.offline_floor
    local_now = dt_util.as_local(now)
    entry_id = hub.entry.entry_id
    for device in hub.devices.values():
        for feature in device.features.values():
            hub.apply_derived(device, feature.tick(local_now))
        last_seen = device.last_seen
        if last_seen is None:
            continue
        if device.available and device.activity.is_silent(now, floor):
            device.available = False
            LOGGER.warning(
                "Device %s has been silent since %s and is now unavailable",
                device.dev_eui,
                last_seen.isoformat(timespec="minutes"),
            )
            hub.notify(device.dev_eui, None)
            hub.care.on_offline(device, now)
        if (
            not device.silent_issue_raised
            and now - last_seen > SILENT_REPAIR_AFTER
            # A silent gateway already reported it: one problem, not one per device.
            and not hub.gateways.explains_silence(device.dev_eui)
        ):
            device.silent_issue_raised = True
            ir.async_create_issue(
                hub.hass,
                DOMAIN,
                silent_issue_id(device),
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="device_silent",
                translation_placeholders={
                    "name": device.config.name,
                    "dev_eui": device.dev_eui,
                    "last_seen": last_seen.isoformat(timespec="minutes"),
                },
                data={"entry_id": entry_id, "dev_eui": device.dev_eui},
            )
    hub.care.tick(now)
