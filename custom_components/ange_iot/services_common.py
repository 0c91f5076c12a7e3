"""What every action shares: finding hubs and devices, and the export folder."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import csv
from pathlib import Path
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .device import Device
from .ha_compat import device_by_identifier
from .hub import Hub

ATTR_DEVICE_ID: Final = "device_id"
EXPORT_FOLDER: Final = "ange_iot/exports"


def loaded_hubs(hass: HomeAssistant) -> list[Hub]:
    """The hubs that are set up now."""
    return [
        entry.runtime_data
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def find_device(hass: HomeAssistant, device_id: str) -> tuple[Hub, Device]:
    """The hub and device behind a device-registry id, or a translated validation error."""
    for hub in loaded_hubs(hass):
        if (device := hub.device_by_registry_id(device_id)) is not None:
            return hub, device
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_device",
        translation_placeholders={"device_id": device_id},
    )


def devices_with(hass: HomeAssistant, feature: str) -> list[tuple[Hub, Device]]:
    """Every device of every hub that has ``feature``."""
    return [(hub, device) for hub in loaded_hubs(hass) for device in hub.devices.values() if feature in device.features]


def chosen_devices(
    hass: HomeAssistant, device_ids: list[str] | None, feature: str, error_key: str
) -> list[Device]:
    """The devices an action names, each of which must have ``feature``; all of them if none."""
    if not device_ids:
        return [device for _, device in devices_with(hass, feature)]
    chosen = [find_device(hass, device_id)[1] for device_id in device_ids]
    for device in chosen:
        if feature not in device.features:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=error_key,
                translation_placeholders={"name": device.config.name},
            )
    return chosen


def entity_id_of(hass: HomeAssistant, dev_eui: str, key: str, platform: str = "sensor") -> str | None:
    """The entity id behind a device's reading key (DESIGN.md unique id scheme)."""
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{dev_eui}_{key}")


def registry_device_id(hass: HomeAssistant, dev_eui: str) -> str | None:
    """The device-registry id of a LoRaWAN device."""
    entry = device_by_identifier(hass, (DOMAIN, dev_eui))
    return entry.id if entry else None


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a UTF-8 CSV with a header row (in the executor: this is file I/O)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
