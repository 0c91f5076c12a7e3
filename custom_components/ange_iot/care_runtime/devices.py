"""Registry devices of care units and dispensers follow the configuration.

A care unit's device stands for its code; it exists while the unit has a subentry, care
devices or dispensers. A dispenser's device exists while its subentry does. When either
goes, its device goes with its entities, so no stale device is left to remove by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN, LOGGER
from .config import (
    CONF_CODE,
    CONF_DISPENSER_ID,
    SUBENTRY_CARE_UNIT,
    SUBENTRY_DISPENSER,
    DispenserConfig,
)

if TYPE_CHECKING:
    from .manager import CareManager

CARE_UNIT_PREFIX: Final = "care_unit_"
DISPENSER_PREFIX: Final = "dispenser_"


def care_unit_device_identifier(code: str) -> str:
    """The device-registry identifier of a care unit."""
    return f"{CARE_UNIT_PREFIX}{code}"


def _care_identifiers(identifiers: set[tuple[str, str]]) -> set[str]:
    return {
        identifier
        for domain, identifier in identifiers
        if domain == DOMAIN and identifier.startswith((CARE_UNIT_PREFIX, DISPENSER_PREFIX))
    }


def _subentry_identifier(subentry: ConfigSubentry) -> str | None:
    if subentry.subentry_type == SUBENTRY_CARE_UNIT and CONF_CODE in subentry.data:
        return care_unit_device_identifier(str(subentry.data[CONF_CODE]))
    if subentry.subentry_type == SUBENTRY_DISPENSER and CONF_DISPENSER_ID in subentry.data:
        return f"{DISPENSER_PREFIX}{subentry.data[CONF_DISPENSER_ID]}"
    return None


@callback
def remove_care_device_in_ui(
    hass: HomeAssistant, entry: ConfigEntry, manager: CareManager, device: dr.DeviceEntry
) -> bool | None:
    """Deleting a care unit's or dispenser's device in the UI deletes its subentry.

    None when the device is neither. False for a unit that still has care devices or
    dispensers: it stands for them and would come straight back.
    """
    care = _care_identifiers(set(device.identifiers))
    if not care:
        return None
    in_use = {
        care_unit_device_identifier(d.config.care_unit)
        for d in manager.hub.devices.values()
        if d.config.care_unit and d.config.room
    } | {care_unit_device_identifier(config.care_unit) for config in manager.dispensers.values()}
    if care & in_use:
        return False
    for subentry in entry.subentries.values():
        if _subentry_identifier(subentry) in care:
            hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
    return True


@callback
def remove_stale_care_devices(
    hass: HomeAssistant,
    entry_id: str,
    unit_codes: Iterable[str],
    dispensers: Iterable[DispenserConfig],
) -> list[str]:
    """Remove the devices of care units and dispensers that no longer exist.

    Returns the identifiers removed. LoRaWAN devices, the hub and ice places are left alone:
    their identifiers never carry these prefixes (DevEUIs are hex, places start with ice_).
    """
    wanted = {care_unit_device_identifier(code) for code in unit_codes}
    wanted |= {config.device_identifier for config in dispensers}
    registry = dr.async_get(hass)
    removed: list[str] = []
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        care = _care_identifiers(set(device.identifiers))
        if care and not care & wanted:
            # A care device belongs to this hub only: removing it removes its entities too.
            registry.async_remove_device(device.id)
            removed += sorted(care)
    if removed:
        LOGGER.debug("Removed the devices of deleted care units and dispensers: %s", removed)
    return removed
